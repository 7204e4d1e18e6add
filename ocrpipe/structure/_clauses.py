"""Find the numbered clauses across a whole image set and verify their count.

Steps:
1. drop boilerplate: lines repeated near the top or bottom of most images (headers, footers)
2. classify line starts by numbering style: 1. 1、 (1) （一） 一、 第一条 ① and number badges
3. choose the clause level: the style whose numbers best form 1..N (N = the promised count);
   another style's headings (一、总体要求 above 1. … 20.) become sections
4. a clause is its heading plus the body lines after it, across poster boundaries, up to
   the next heading or section, or to text of another size (a closing poster)
5. verify: the numbers found must be exactly 1..N, once each, in order
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from ocrpipe.errors import InputError
from ocrpipe.output._results import Box, ClauseResult, ImageResult, LineResult, LineRole, SourceRef, Verification
from ocrpipe.structure._numerals import MAX_PROMISED, chinese_number
from ocrpipe.structure._runin import DINGBATS, KEYPHRASE, dingbat_number, keyphrase_number
from ocrpipe.structure._runin import plan as run_in_plan
from ocrpipe.structure._styled import inks_apart, styled_titles
from ocrpipe.structure._tables import Row, cn_numeral, find_rows, row_lines
from ocrpipe.structure._textnorm import join_wrapped

log = logging.getLogger(__name__)

Role = LineRole

_CN = "零〇一二两三四五六七八九十百"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# (style, pattern): group 1 is the number as printed, group 2 the rest of the line.
STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("di_tiao", re.compile(rf"^(第[{_CN}\d]{{1,4}}条)\s*(.*)$")),
    ("cn_paren", re.compile(rf"^([（(][{_CN}]{{1,3}}[)）])\s*(.*)$")),
    ("paren", re.compile(r"^([（(]\d{1,3}[)）])\s*(.*)$")),
    ("circled", re.compile(rf"^([{CIRCLED}{''.join(DINGBATS)}])\s*(.*)$")),
    # 一是 / 其一， / 第一，: a key phrase in running text (structure._runin)
    ("keyphrase", KEYPHRASE),
    ("cn_dun", re.compile(rf"^([{_CN}]{{1,3}}[、．.])\s*(.*)$")),
    ("dun", re.compile(r"^(\d{1,3}、)\s*(.*)$")),
    ("dot", re.compile(r"^(\d{1,3}[.．])(?!\d)\s*(.*)$")),
    # "NO.1", "NO.01", "No 3" (OCR: "N0.01"): the number a poster prints above or before a title
    ("no", re.compile(r"^(N[Oo0][.．:：]?\s?\d{1,3})(?!\d)\s*(.*)$")),
)
# A number whose punctuation OCR bent: "4 .惩治…", "4。…", "4，…"; a clause start only where
# the sequence (or the badge beside it) agrees.
_BENT = re.compile(r"^(\d{1,3})\s*[.．。，,、·]\s*(?!\d)(\S.*)$")
# A two-digit badge read into the heading it sits beside: "01 1.xxx", "011.xxx", "1515.xxx".
_BARE_NUMBER = re.compile(r"^(\d{1,2})(?=[\u4e00-\u9fff])(.+)$")
_BADGE_PREFIX = re.compile(r"^(\d{2})\s?(?=\d{1,2}[.．、])")
_DASH_ONE = re.compile(r"^[-—–‐_~](?=、)")
_BENT_PAREN = re.compile(rf"^[〈《<(（\[【{{「『]+([{_CN}]{{1,3}})[)）\]】}}》〉>」』]+")
# A title runs on inline: it ends at the first of these, and the body follows on the same line.
_BENT_LABEL = re.compile(r"^[（(〈《<\[【{]?[^\s（()）。，]{1,3}[)）\]】}》〉>]\s*(\S.*)$")
_TITLE_END = re.compile(r"[。；：;:]")
# 【title】body, the bracket often read as [ or ［: the title is what the brackets hold
_OPEN_BRACKET = "【[［"
_BRACKETED = re.compile(r"^\s*[【\[［]([^】\]］【]{1,40})[】\]］]\s*(.*)$", re.S)
_COMMA = re.compile(r"[，,]")
_PUNCT = re.compile(r"[，,。；：;:、！？!?]")
MAX_TITLE = 40  # characters: a title wraps onto as many lines as this takes (narrow cards: 4-5)
# What a misread label leaves before a title: a stray symbol (and a letter after it: "@D" for ①),
# a circled numeral, its own digits
_JUNK = re.compile(r"^(?:[@©®°•·?？*#&|~^_=+<>«»](?:[A-Za-z](?=[\u4e00-\u9fff]))?|[①-⑳])")
# Hierarchy of numbering styles: a lower rank sits above (一、 above （一） above 1. above ①).
RANK = {
    "cn_dun": 0,
    "di_tiao": 1,
    "cn_paren": 1,
    "dun": 2,
    "dot": 2,
    "no": 2,
    "badge": 2,
    "paren": 3,
    "keyphrase": 3,  # 一是 enumerates inside a paragraph: under 一、 （一） and 1.
    "circled": 4,
}
# a rule or bar printed between a label and its title, read as a character: "第1条|推进…"
_LEAD_SEPARATOR = re.compile(r"^[|｜¦]+\s*")
_RIM_JUNK = re.compile(r"^[\s)\]}|）】」》〉>'\"`]+(?=\S)")
BOILERPLATE_SIMILARITY = 0.8
# a repeated line is boilerplate only where it stands the same distance from the poster's edge on
# each poster, within this many of its own line heights
BOILERPLATE_PLACE = 0.8
HEIGHT_TOLERANCE = 0.2  # body lines of one clause differ in text height by less than this
HEADING_RATIO = 1.08  # a section title or a wrapped clause title is set this much larger than body type


def label_number(label: str) -> int | None:
    """The number a printed label stands for: '1.' -> 1, '（十二）' -> 12, '第三条' -> 3, '⑤' -> 5,
    '❺' -> 5, '五是' -> 5."""
    if len(label) == 1:
        n = dingbat_number(label)
        if n is not None:
            return n
    if KEYPHRASE.match(label):
        return keyphrase_number(label)
    if label[:1] == "N":  # NO.01
        digits = re.sub(r"\D", "", label[2:])
        return int(digits) if digits else None
    core = re.sub(r"[第条（）()、．.\s]", "", label)
    return chinese_number(core)


@dataclass(frozen=True)
class Heading:
    style: str
    label: str
    number: int
    rest: str


def parse_heading(text: str) -> Heading | None:
    """Recognise a numbered heading at the start of a line."""
    # A badge's rim read as a bracket or bar before the number: ") 2、…", "| 3."
    text = _RIM_JUNK.sub("", text.strip())
    # 一 read as a dash before 、 ("-、营造…"): Tesseract's commonest misreading of the numeral
    text = _DASH_ONE.sub("一", text)
    # brackets OCR bent round a Chinese numeral: "〈《八)" -> "（八）"
    text = _BENT_PAREN.sub(lambda m: f"（{m.group(1)}）", text)
    m = _BADGE_PREFIX.match(text)
    if m and len(text) > 3:
        text = text[m.end() :]
    for style, pat in STYLES:
        m = pat.match(text)
        if m:
            n = label_number(m.group(1))
            if n is not None and 0 < n < 1000:
                rest = _LEAD_SEPARATOR.sub("", m.group(2).strip())
                if style == "keyphrase":
                    rest = rest.lstrip("，,、：: ")  # "一是，加强…"
                return Heading(style=style, label=m.group(1), number=n, rest=rest)
    return None


@dataclass(frozen=True)
class _Line:
    image: int
    line: LineResult
    pos: int = 0  # position among its image's lines
    # a table row folded into one line: (position, role) of the lines it stands for
    origin: tuple[tuple[int, Role], ...] = ()


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def find_boilerplate(images: Sequence[ImageResult]) -> set[tuple[int, int]]:
    """(image index, line position) of headers and footers repeated on most images."""
    n = len(images)
    if n < 2:
        return set()
    need = max(2, math.ceil(0.4 * n))
    # per image: (line pos, zone, key, distance from its zone's edge in widths, line height in widths)
    zones: list[list[tuple[int, str, str, float, float]]] = []
    for im in images:
        h = im.height or 1
        w = im.width or h
        z = []
        for pos, ln in enumerate(im.lines):
            _x, y, _bw, bh = ln.bbox
            top = y / h
            zone = "top" if top < 0.15 else ("bottom" if top > 0.85 else "")
            if zone and _key(ln.text):
                edge = y if zone == "top" else h - (y + bh)
                z.append((pos, zone, _key(ln.text), edge / w, bh / w))
        zones.append(z)

    def same_place(a: tuple[int, str, str, float, float], b: tuple[int, str, str, float, float]) -> bool:
        # a header or footer is printed by the series' template: at the same distance from its
        # edge on every poster. A sentence the text happens to repeat (a slogan in the body, a
        # phrase two clauses share) lands wherever the flow puts it.
        return a[1] == b[1] and abs(a[3] - b[3]) <= BOILERPLATE_PLACE * min(a[4], b[4])

    out = set()
    for i, z in enumerate(zones):
        for entry in z:
            pos, _zone, key = entry[:3]
            hits = 1
            for j, other in enumerate(zones):
                if j != i and any(
                    same_place(entry, o) and SequenceMatcher(None, key, o[2]).ratio() >= BOILERPLATE_SIMILARITY for o in other
                ):
                    hits += 1
            if hits >= need:
                out.add((images[i].index, pos))
    return out


def _longest_increasing(nums: list[int]) -> int:
    tails: list[int] = []
    for x in nums:
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if tails[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        tails[lo : lo + 1] = [x]
    return len(tails)


def choose_style(
    candidates: dict[str, list[int]], expected: int | None, hints: dict[str, tuple[int, int]] | None = None
) -> str | None:
    """The numbering style whose numbers best form 1..N.

    On a tie (四 sections and 4 clauses), hints decide: (badges that confirm the
    heading's number, headings followed at once by another style's heading). A
    section title is followed by its first clause; a clause by its body.
    """
    best, best_score = None, None
    for style, nums in candidates.items():
        limit = expected or max(nums)
        inside = [x for x in nums if 1 <= x <= limit]
        run = _longest_increasing(inside)
        closeness = -abs(len(set(inside)) - expected) if expected else 0
        confirmed, section_like = (hints or {}).get(style, (0, 0))
        # printed labels beat badges on a tie
        score = (closeness, run, confirmed, -section_like, -len(nums), style != "badge")
        if best_score is None or score > best_score:
            best, best_score = style, score
    return best


def verify(numbers: Sequence[int], expected: int | None) -> Verification:
    """ok only when the numbers are exactly 1..N, each once, in order; `extra` the numbers beyond 1..N."""
    if expected is not None and not 0 <= expected <= MAX_PROMISED:
        raise InputError(
            f"expected clause count {expected} is outside 0..{MAX_PROMISED}", "give expect a real clause count", option="expect"
        )
    found = tuple(numbers)
    # never allocate by an input number: a junk clause number caps at the largest count we accept
    n = expected if expected is not None else (min(max(found), MAX_PROMISED) if found else 0)
    seen: set[int] = set()
    dups = []
    for x in found:
        if x in seen and x not in dups:
            dups.append(x)
        seen.add(x)
    missing = tuple(x for x in range(1, n + 1) if x not in seen)
    out_of_order = tuple(b for a, b in itertools.pairwise(found) if b <= a)
    extra = tuple(sorted(x for x in seen if not 1 <= x <= expected)) if expected is not None else ()
    ok = bool(found) and list(found) == list(range(1, n + 1))
    return Verification(
        expected=expected,
        found=found,
        missing=missing,
        duplicates=tuple(dups),
        out_of_order=out_of_order,
        ok=ok,
        extra=extra,
    )


def _style_hints(headings: list[Heading | None], badges: list[int | None]) -> dict[str, tuple[int, int]]:
    """Per style: (headings a badge with the same number confirms, headings followed at once by
    another style's heading)."""
    hints: dict[str, tuple[int, int]] = {}
    for i, h in enumerate(headings):
        if not h:
            continue
        confirmed = int(i > 0 and badges[i - 1] == h.number)
        j = i + 1
        while j < len(headings) and badges[j] is not None:
            j += 1
        nxt = headings[j] if j < len(headings) else None
        section_like = int(nxt is not None and nxt.style != h.style)
        c, sl = hints.get(h.style, (0, 0))
        hints[h.style] = (c + confirmed, sl + section_like)
    return hints


def _accept_bent(
    lines: list[_Line], headings: list[Heading | None], badges: list[int | None], starts: dict[int, Start], others: list[int]
) -> None:
    """Add clause starts whose number punctuation OCR bent, where the sequence agrees.

    "4 .惩治拖欠账款行为" between clause 3 and clause 5 is clause 4; so is "4。…" right
    after a badge reading 4; and a line set as a heading (larger than the usual line, or
    opening its block) whose number falls between the numbers before and after it (clause 7
    missing: "8 .优化…" between 6 and 9). Elsewhere such a line stays body text.
    """
    heights = sorted(x.line.text_height for x in lines)
    usual = heights[len(heights) // 2] if heights else 0.0
    for i, x in enumerate(lines):
        if i in starts or headings[i] is not None or x.line.kind != "text":
            continue
        bent = _BENT.match(x.line.text.strip())
        bare = bent is None
        # or the mark lost altogether ("1加强…" for "1.加强…"): only a line set like the headings
        m = bent or _BARE_NUMBER.match(x.line.text.strip())
        if m is None or (bare and not _set_like(x.line, [lines[j].line for j in starts])):
            continue
        n = int(m.group(1))
        before = [starts[j][0] for j in starts if j < i]
        after = [starts[j][0] for j in starts if j > i]
        prev = max(before) if before else 0
        fits = n == prev + 1 and (not after or min(after) == n + 1)
        heading = x.line.text_height > HEADING_RATIO * usual or not (i and _same_block(lines[i - 1], x))
        in_order = heading and prev < n and (not after or n < min(after))
        if in_order if bare else fits or in_order or (i and badges[i - 1] == n):
            starts[i] = (n, m.group(1) + ".", m.group(2).strip())
            if i in others:
                others.remove(i)


def _set_like(ln: LineResult, heads: list[LineResult]) -> bool:
    """The line is set like most of the given headings: in their ink (where known) and type size."""
    if not heads:
        return False
    like = sum(
        (ln.ink is not None and h.ink is not None and not inks_apart(ln, h))
        and abs(type_size(ln) - type_size(h)) <= 0.1 * type_size(h)
        for h in heads
    )
    return like > len(heads) / 2


def _accept_bent_paren(
    lines: list[_Line], headings: list[Heading | None], starts: dict[int, Start], others: list[int], expected: int | None
) -> None:
    """Add （N） clause starts whose label OCR bent beyond reading ("人三)", "(CA)"), where the
    numbers before and after leave exactly that one missing: the label is re-attached to
    its own line start, never guessed elsewhere."""
    for i, x in enumerate(lines):
        if i in starts or x.line.kind != "text" or x.origin:
            continue
        m = _BENT_LABEL.match(x.line.text.strip())
        h = headings[i]
        if not m or (h is not None and h.style == "cn_paren"):
            continue
        before = [(j, starts[j][0]) for j in starts if j < i]
        after = [(j, starts[j][0]) for j in starts if j > i]
        if not before:
            continue
        prev = max(before)[1]
        nxt = min(after)[1] if after else expected and expected + 1
        if nxt == prev + 2:
            n = prev + 1
            starts[i] = (n, f"（{cn_numeral(n)}）", m.group(1).strip())
            if i in others:
                others.remove(i)


def _sequence_prior(c: "_Classified", style: str, starts: dict[int, Start], others: list[int]) -> None:
    """Where the readers of a line disagree on its label's numeral, the reading that fits the
    numbering sequence wins ("③" voted, "⑤" read by another reader, between ④ and ⑥).

    A voted number that already fits stays. A line whose voted text has no label of this
    style becomes a clause start only where a reader read exactly the one number the
    sequence leaves free there; no number is taken that no reader read.
    """
    for i, x in enumerate(c.lines):
        if x.origin or len(x.line.readers) < 2 or x.line.kind != "text":
            continue
        alts = [h for h in (parse_heading(r.text) for r in x.line.readers) if h is not None and h.style == style]
        if not alts:
            continue
        prev = max((starts[j][0] for j in starts if j < i), default=0)
        nxt = min((starts[j][0] for j in starts if j > i), default=None)
        cur = starts.get(i)
        if cur is not None and prev < cur[0] and (nxt is None or cur[0] < nxt):
            continue
        if cur is None:
            good = [h for h in alts if h.number == prev + 1 and (nxt is None or nxt == h.number + 1)]
        else:
            good = [h for h in alts if prev < h.number and (nxt is None or h.number < nxt)]
        if not good:
            continue
        best = min(good, key=lambda h: h.number - prev)  # the next number in the sequence first
        own = c.headings[i]
        rest = cur[2] if cur is not None else (own.rest if own is not None else best.rest)
        starts[i] = (best.number, best.label, rest)
        if i in others:
            others.remove(i)


def _without_bent_label(title: str, number: int) -> str:
    """A title without the label printed beside its badge where OCR bent it ("人三) 依法…" after
    badge 3): only where the bent label still holds the badge's own numeral."""
    m = _BENT_LABEL.match(title)
    if m is None:
        return title
    label = title[: m.start(1)]
    numeral = "".join(ch for ch in label if ch.isdecimal() or ch in "一二三四五六七八九十")
    return m.group(1) if numeral and chinese_number(numeral) == number else title


def strip_label_junk(title: str, number: int) -> str:
    """A title without what a misread label left before it ("@@降低…", "8降低…" or "8)降低…" for clause 8)."""
    for _ in range(2):
        m = _JUNK.match(title) or re.match(rf"^[(（]?0?{number}[)）]?(?=[\u4e00-\u9fff])", title)
        if not m:
            break
        title = title[m.end() :].lstrip()
    return title


def _accept_card_starts(
    c: "_Classified", starts: dict[int, Start], others: list[int], expected: int | None, style: str = ""
) -> None:
    """Cards whose number OCR lost ("⑤" read as "5" or not at all, a tab not found): where
    clauses stand one to a card, a card that opens with a line set like the other cards' titles
    is a clause start too, when the numbers before and after it leave exactly its number (or
    numbers) free. Where badges number the clauses, a title is the line after its badge."""
    lines = c.lines
    by_badge = style == "badge"

    def opener(i: int) -> bool:  # the first line of its card that is not a badge
        k = i - 1
        while k >= 0 and c.badges[k] is not None and _same_block(lines[k], lines[i]):
            k -= 1
        return lines[i].line.region == "card" and (k < 0 or not _same_block(lines[k], lines[i]))

    def after_badge(i: int) -> bool:
        return i > 0 and c.badges[i - 1] is not None and _same_block(lines[i - 1], lines[i])

    first = {i for i in starts if opener(i)}
    if len(first) < 2 or len(first) < 0.6 * len(starts):
        return
    titled = [i + 1 if by_badge and c.badges[i] is not None and i + 1 < len(lines) else i for i in first]
    heights = sorted(lines[i].line.text_height for i in titled)
    head_h = heights[len(heights) // 2]
    cands = [
        i
        for i, x in enumerate(lines)
        if i not in starts
        and c.badges[i] is None
        and not x.origin
        and opener(i)
        and not (by_badge and after_badge(i))
        and abs(x.line.text_height - head_h) <= 0.12 * head_h
        and not _PUNCT.search(x.line.text)
    ]
    # a card whose label was misread as another number out of order ("③" for ⑤ after ④, "①"
    # for ⑦): its number is taken from the sequence like an unnumbered card's, where the gap fits
    # exactly; elsewhere it stays as read (and the verdict says so)
    misread = {i: starts.pop(i) for i in _out_of_order(starts) if i in first and not by_badge}
    cands = sorted(cands + list(misread))
    # a label read as its bare digits ("5营造…" for ⑤营造…) counts where the sequence allows it
    for i in list(cands):
        m = re.match(r"^(\d{1,2})(?=[\u4e00-\u9fff])", lines[i].line.text)
        if not m:
            continue
        n = int(m.group(1))
        prev = max((starts[j][0] for j in starts if j < i), default=0)
        later = [starts[j][0] for j in starts if j > i]
        if prev < n < min(later, default=(expected or n) + 1):
            starts[i] = (n, m.group(1), lines[i].line.text[m.end() :])
            cands.remove(i)
    for group in _between(cands, starts, expected):
        for n, i in group:
            title = misread.pop(i)[2] if i in misread else strip_label_junk(lines[i].line.text, n)
            starts[i] = (n, "", title)
            if i in others:
                others.remove(i)
    starts.update(misread)  # no exact fit: as read


def _out_of_order(starts: dict[int, Start]) -> list[int]:
    """Starts outside one longest run of increasing numbers (in reading order)."""
    keys = sorted(starts)
    nums = [starts[k][0] for k in keys]
    best: list[list[int]] = []  # best[k]: indexes of the longest increasing run ending at k
    for k, n in enumerate(nums):
        prev = max((best[j] for j in range(k) if nums[j] < n), key=len, default=[])
        best.append([*prev, k])
    longest: list[int] = max(best, key=len) if best else []
    keep = set(longest)
    return [keys[k] for k in range(len(keys)) if k not in keep]


def _same_block(a: _Line, b: _Line) -> bool:
    return a.image == b.image and a.line.block == b.line.block


def _between(cands: list[int], starts: dict[int, Start], expected: int | None) -> list[list[tuple[int, int]]]:
    """Candidates grouped between consecutive starts, numbered where the gap fits them exactly."""
    out = []
    keys = sorted(starts)
    end = expected + 1 if expected else None
    bounds: list[tuple[int, int | None]] = [(-1, 0)] + [(k, starts[k][0]) for k in keys] + [(1 << 30, end)]
    for (a, na), (b, nb) in itertools.pairwise(bounds):
        inside = [i for i in cands if a < i < b]
        if inside and na is not None and nb is not None and nb - na - 1 == len(inside):
            out.append([(na + 1 + k, i) for k, i in enumerate(inside)])
    return out


@dataclass(frozen=True)
class _Classified:
    """Every line of the set, with what it could be: a numbered heading, a badge number."""

    lines: list[_Line]
    headings: list[Heading | None]
    badges: list[int | None]
    roles: dict[tuple[int, int], Role]  # roles known before the clauses: header, footer, aside
    block_right: dict[tuple[int, int], int]  # (image, block) -> right edge of its widest line
    block_bottom: dict[tuple[int, int], int] = field(default_factory=dict)  # (image, block) -> foot of its lowest line
    # lines kept as a clause's label that are no badge: a label alone on its line that numbers the
    # card read before it (_attach_orphan_labels), never its title nor body text
    moved_labels: set[int] = field(default_factory=set)
    split: frozenset[str] = frozenset()  # styles whose clauses start inside a line, split there

    def is_label(self, i: int) -> bool:
        """Whether line i only numbers a clause: a badge, or a label moved to the card it numbers."""
        return self.badges[i] is not None or i in self.moved_labels


def _split_run_ins(lines: list[_Line], splits: dict[int, list[int]]) -> list[_Line]:
    """Lines cut where a run-in clause starts inside them ("……自主权。四是依法审慎采取"): each piece
    keeps its line's place, type and ink, with the part of its box its characters take up."""
    out: list[_Line] = []
    for i, x in enumerate(lines):
        cuts = splits.get(i)
        if not cuts:
            out.append(x)
            continue
        text = x.line.text
        total = _units(text) or 1.0
        bx, by, bw, bh = x.line.bbox
        for a, b in itertools.pairwise([0, *cuts, len(text)]):
            left = bx + round(bw * _units(text[:a]) / total)
            right = bx + round(bw * _units(text[:b]) / total)
            piece = replace(
                x.line, text=text[a:b].strip(), bbox=(left, by, max(right - left, 1), bh), polygon=(), readers=(), flags=()
            )
            out.append(replace(x, line=piece))
    return out


def classify_lines(images: Sequence[ImageResult], expected: int | None = None, run_in: bool = True) -> _Classified:
    """The lines of the readable images in order, boilerplate and asides dropped, table rows
    folded into heading + body, each parsed as heading/badge. With `run_in`, a line is split where a
    clause of a run-in sequence (一是 … 二是 …, ❶ … ❷ …) starts inside it; a key phrase outside
    that sequence is no heading either way (structure._runin)."""
    ok_images = [im for im in images if im.status == "ok"]
    skip = find_boilerplate(ok_images)
    roles: dict[tuple[int, int], Role] = {}
    for img, pos in skip:
        im = next(x for x in ok_images if x.index == img)
        roles[(img, pos)] = "header" if im.lines[pos].bbox[1] < 0.5 * (im.height or 1) else "footer"
    rows = [r for im in ok_images for r in find_rows(im.index, im.lines)]
    folded = row_lines(rows, expected)
    in_row = {(r.image, p): (r.image, r.positions[0]) for r in rows for p in r.positions}
    lines: list[_Line] = []
    block_right: dict[tuple[int, int], int] = {}
    block_bottom: dict[tuple[int, int], int] = {}
    for im in ok_images:
        # the last line of the flow (asides, a slogan down the edge, are placed after it)
        last = max((pos for pos, ln in enumerate(im.lines) if ln.region != "aside"), default=-1)
        for pos, ln in enumerate(im.lines):
            key = (im.index, pos)
            block_right[(im.index, ln.block)] = max(block_right.get((im.index, ln.block), 0), ln.bbox[0] + ln.bbox[2])
            block_bottom[(im.index, ln.block)] = max(block_bottom.get((im.index, ln.block), 0), ln.bbox[1] + ln.bbox[3])
            if key in skip:
                continue
            if ln.region == "aside":
                roles[key] = "aside"
                continue
            if pos == last and _lone_footer(im, ln):
                roles[key] = "footer"
                continue
            if key in in_row:
                if in_row[key] == key:
                    lines += _row_as_lines(rows, folded, key, roles)
                continue
            lines.append(_Line(im.index, ln, pos))
    lines, headings, split = _headings(lines, run_in)
    badges = [None if x.origin else badge_number(x.line.text, x.line.kind == "badge") for x in lines]
    return _Classified(lines, headings, badges, roles, block_right, block_bottom, split=split)


def _headings(lines: list[_Line], run_in: bool) -> tuple[list[_Line], list[Heading | None], frozenset[str]]:
    """Each line parsed as a heading; with `run_in`, lines split where a run-in clause starts inside
    them and dingbat numerals read as bare digits taken as headings (the styles this changed are
    returned); a key phrase outside its sequence is no heading either way."""
    split: frozenset[str] = frozenset()
    found = run_in_plan(_texts(lines))
    if run_in and found.splits():
        split = frozenset(style for style, chain in found.chains.items() if any(m.offset for m in chain))
        lines = _split_run_ins(lines, found.splits())
        found = run_in_plan(_texts(lines))
    headings = [parse_heading(x.line.text) if x.line.kind == "text" else None for x in lines]
    in_sequence = found.keyphrase_starts()
    headings = [None if h and h.style == "keyphrase" and i not in in_sequence else h for i, h in enumerate(headings)]
    if run_in:
        for i, m in found.bare_starts().items():
            text = lines[i].line.text.strip()
            if headings[i] is None and text.startswith(m.bare):
                # a dingbat numeral read as its bare digits: "4严厉打击…" for ❹严厉打击…
                headings[i] = Heading("circled", m.bare, m.number, text[len(m.bare) :].strip())
                split |= {"circled"}
    return lines, headings, split


def _texts(lines: list[_Line]) -> list[str]:
    """What the run-in numbers are looked for in: plain text lines, not table rows or badges."""
    return [x.line.text if x.line.kind == "text" and not x.origin else "" for x in lines]


_DIGIT_LIKE = str.maketrans("OoＯ〇lI", "000011")


def badge_number(text: str, badge: bool = False) -> int | None:
    """The number of a line that is only a one- or two-digit number (a badge or a tab, whoever
    found it); a number the badge reader found may be longer. A letter read for a digit inside
    such a number counts as that digit where the line holds a real digit too ("0O1", "O7"),
    and a zero read twice before it is dropped ("001")."""
    t = text.strip()
    # isdecimal, not isdigit: a circled or superscript numeral ("②", "²") is a digit to isdigit but not to int()
    if t.isdecimal() and (badge or len(t) <= 2):
        return int(t) or None
    if not any(ch.isdecimal() for ch in t) or len(t) > 3:
        return None
    d = t.translate(_DIGIT_LIKE)
    if not re.fullmatch(r"0?\d{1,2}", d):
        return None
    return int(d) or None


def _lone_footer(im: ImageResult, ln: LineResult) -> bool:
    """The last line of a poster, centred in its bottom tenth and set in from the text's left
    edge: a credit line, even on a set too small to see it repeat."""
    w, h = im.width or 1, im.height or 1
    left = min((x.bbox[0] for x in im.lines if x.kind == "text"), default=0)
    centre = ln.bbox[0] + ln.bbox[2] / 2
    return ln.bbox[1] > 0.9 * h and abs(centre - w / 2) < 0.05 * w and ln.bbox[0] > left + 2 * max(ln.text_height, 1)


def _row_as_lines(
    rows: list[Row],
    folded: dict[tuple[int, int], tuple[LineResult, LineResult | None, str]],
    key: tuple[int, int],
    roles: dict[tuple[int, int], Role],
) -> list[_Line]:
    """A table row as a heading line and a body line (or, for a header row, nothing)."""
    row = next(r for r in rows if (r.image, r.positions[0]) == key)
    heading, body, kind = folded[key]
    if kind == "header":
        for p in row.positions:
            roles[(row.image, p)] = "header"
        return []
    cols = sorted(row.cells)
    first_body = 1 if kind == "stacked" else 2  # the title shares the number's cell: the body is beside it
    head_origin: tuple[tuple[int, Role], ...] = tuple(
        (p, "label" if c == 0 and (kind != "stacked" or k == 0) else "title")
        for c in cols
        if c < first_body
        for k, (p, _ln) in enumerate(row.cells[c])
    )
    out = [_Line(row.image, heading, key[1], head_origin)]
    if body is not None:
        body_origin: tuple[tuple[int, Role], ...] = tuple(
            (p, "body") for c in cols if c >= first_body for p, _ln in row.cells[c]
        )
        out.append(_Line(row.image, body, body_origin[0][0], body_origin))
    return out


def choose_level(c: _Classified, expected: int | None) -> str | None:
    """The numbering style (or "badge") that numbers the clauses."""
    candidates: dict[str, list[int]] = {}
    for h in c.headings:
        if h:
            candidates.setdefault(h.style, []).append(h.number)
    badge_nums = [b for b in c.badges if b is not None]
    if badge_nums:
        candidates["badge"] = badge_nums
    return choose_style(candidates, expected, _style_hints(c.headings, c.badges)) if candidates else None


Start = tuple[int, str, str]  # (number, label as printed, title)


def clause_starts(c: _Classified, style: str, expected: int | None = None) -> tuple[dict[int, Start], list[int]]:
    """Line positions where clauses start, and headings of other styles (sections or body)."""
    lines, headings, badges = c.lines, c.headings, c.badges
    starts: dict[int, Start] = {}
    others: list[int] = []
    for i, x in enumerate(lines):
        h = headings[i]
        badge = badges[i]
        if style == "badge":
            if badge is not None and i + 1 < len(lines):
                nh = headings[i + 1]
                # Where the heading beside a badge carries the same number, the badge only confirms it.
                # The label printed beside a badge is the same clause's, however it was read ("③" for ⑤).
                title = nh.rest if nh and (nh.number == badge or nh.style == "circled") else lines[i + 1].line.text
                # the heading repeats the badge's number but was misread ("7了.推动…"): drop it
                title = re.sub(rf"^0?{badge}\D?[.．、]\s*", "", title)
                title = re.sub(r"^[、.．，,]\s*", "", title)  # its own numeral lost, its mark left
                title = _without_bent_label(title, badge) if nh is None else title
                title = strip_label_junk(title, badge)
                starts[i] = (badge, x.line.text, title)
            elif h and not (i and badges[i - 1] is not None):
                others.append(i)
        elif h and h.style == style:
            starts[i] = (h.number, h.label, h.rest)
        elif h:
            others.append(i)
    if style != "badge":
        _sequence_prior(c, style, starts, others)
    if style in ("dot", "dun"):
        _accept_bent(lines, headings, badges, starts, others)
    if style == "cn_paren":
        _accept_bent_paren(lines, headings, starts, others, expected)
    if style != "badge":
        _accept_debris_starts(c, style, starts, others, expected)
    if style == "circled":
        _accept_lost_numerals(c, starts, others, expected)
    _accept_card_starts(c, starts, others, expected, style)
    return starts, others


def _accept_debris_starts(
    c: "_Classified", style: str, starts: dict[int, Start], others: list[int], expected: int | None
) -> None:
    """A heading whose line opens with one or two characters of debris before its label (a badge
    read into the heading's box: "葬第二条…"): a clause start where it opens its block and its
    number, as read, falls between the numbers before and after. Elsewhere it stays as read."""
    for i, x in enumerate(c.lines):
        if i in starts or x.origin or x.line.kind != "text" or c.headings[i] is not None:
            continue
        if i and _same_block(c.lines[i - 1], x) and c.badges[i - 1] is None:
            continue  # not the first line of its block
        text = x.line.text.strip()
        h = next((h for k in (1, 2) if (h := parse_heading(text[k:])) is not None and h.style == style), None)
        if h is None or not h.rest:
            continue
        prev = max((starts[j][0] for j in starts if j < i), default=0)
        later = [starts[j][0] for j in starts if j > i]
        nxt = min(later) if later else (expected + 1 if expected else None)
        if prev < h.number and (nxt is None or h.number < nxt):
            starts[i] = (h.number, h.label, h.rest)
            if i in others:
                others.remove(i)


def _accept_lost_numerals(c: "_Classified", starts: dict[int, Start], others: list[int], expected: int | None) -> None:
    """Clause starts whose circled numeral OCR lost altogether (❻ on a dark disc, or ❽ left at the end of
    the line before): a line set like the clause titles (their ink and type) and apart from the body
    lines round it (the line before, its paragraph's next line), that opens its block or follows a
    sentence's end, is a clause start where the numbers before and after leave exactly its number free
    (one such line in the gap, no more)."""
    heads = [c.lines[i].line for i in starts]
    if len(heads) < 2:
        return
    cands = []
    for i, x in enumerate(c.lines):
        if i in starts or x.origin or x.line.kind != "text" or c.headings[i] is not None or c.is_label(i):
            continue
        prev = c.lines[i - 1] if i else None
        nxt = c.lines[i + 1] if i + 1 < len(c.lines) and _same_block(c.lines[i + 1], x) else None
        opens = prev is None or not _same_block(prev, x)
        after_stop = prev is not None and prev.line.text.rstrip().endswith(tuple("。；！？!?;"))
        # apart from the body text around it: the line before, and its paragraph's next line
        apart = all(
            inks_apart(x.line, y.line) or type_size(x.line) > HEADING_RATIO * type_size(y.line)
            for y in (prev, nxt)
            if y is not None
        )
        if (opens or after_stop) and nxt is not None and apart and _set_like(x.line, heads) and _TITLE_END.search(x.line.text):
            cands.append(i)
    for group in _between(cands, starts, expected):
        for n, i in group:
            starts[i] = (n, "", c.lines[i].line.text.strip())
            if i in others:
                others.remove(i)


def body_height(
    c: _Classified, starts: dict[int, Start], measure: Callable[[LineResult], float] = lambda ln: ln.text_height
) -> float:
    """The usual text height (or another measure of type size) of plain lines after the first
    clause heading (the lower median, since a closing poster's few lines of big type come last)."""
    first = min(starts) if starts else len(c.lines)
    heights = sorted(
        measure(c.lines[j].line)
        for j in range(first, len(c.lines))
        if c.headings[j] is None and not c.is_label(j) and j - 1 not in starts
    )
    return heights[(len(heights) - 1) // 2] if heights else 0.0


def find_sections(c: _Classified, others: list[int], body_h: float, style: str) -> dict[int, str]:
    """Section titles: short, and set larger than body type, or on a coloured band, or numbered
    one level above the clauses ("一、总体要求" above "（一）…"). "第一条规定的…" wrapped onto the
    start of a body line is body text."""
    out = {}
    for i in others:
        ln = c.lines[i].line
        h = c.headings[i]
        # a title holds no comma (a sub-item broken mid-sentence does: "①健全涉企案件快速审理机制，")
        short = len(ln.text) <= 20 and not _TITLE_END.search(ln.text) and not _COMMA.search(h.rest if h else ln.text)
        larger = bool(body_h) and ln.text_height > HEADING_RATIO * body_h
        above = h is not None and RANK.get(h.style, 9) < RANK.get(style, 9) and not _PUNCT.search(h.rest)
        below = h is not None and RANK.get(h.style, 9) > RANK.get(style, 9)  # a sub-item's numbering
        if short and not below and (larger or ln.region == "band" or above):
            out[i] = ln.text
    return out


def _section_rank(text: str) -> int:
    h = parse_heading(text)
    return RANK.get(h.style, 0) if h else -1  # an unnumbered section sits above every numbered one


@dataclass
class _Assembled:
    clause: ClauseResult
    roles: dict[tuple[int, int], Role]


def _full_width(c: _Classified, x: _Line) -> bool:
    """The line reaches the right edge of its block (a column of vertical text, its foot): a
    title that fills it may wrap on."""
    bx, by, bw, bh = x.line.bbox
    if bh >= 2 * bw:
        bottom = c.block_bottom.get((x.image, x.line.block), 0)
        return by + bh >= bottom - 1.5 * max(x.line.text_height, 1.0)
    right = c.block_right.get((x.image, x.line.block), 0)
    return bx + bw >= right - 1.5 * max(x.line.text_height, 1.0)


def _units(text: str) -> float:
    """A line's length in Han characters (a Latin letter or digit counts half)."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.55 for ch in text if not ch.isspace())


def _vertical(ln: LineResult) -> bool:
    """A line set vertically: its box at least twice as tall as wide."""
    return ln.bbox[3] >= 2 * ln.bbox[2]


def type_size(ln: LineResult) -> float:
    """The size a line is set in: its ink height, or its character pitch (box width over
    characters, a Latin letter or digit half a Han character) where that is larger. Ink height
    alone shrinks on lines of few tall strokes ("权益", "业合规激" measured 30 px in 36-px type),
    while the pitch of CJK type is its size. A line set vertically (its box at least twice as
    tall as wide: a title in a band at its body's left, 竖排) is measured down its length."""
    units = _units(ln.text)
    _x, _y, w, h = ln.bbox
    length, across = (h, w) if _vertical(ln) else (w, h)
    pitch = length / units if units >= 2 else 0.0
    if not pitch or pitch > 1.5 * max(ln.text_height, across):
        return ln.text_height  # letter-spaced or a box not fitted to its text: the pitch says nothing
    if units >= 8:
        return pitch  # a long line's pitch holds even where a badge read into its box inflates its height
    return max(ln.text_height, pitch)


def _heading_sized(x: LineResult, head: LineResult, body_size: float) -> bool:
    """A line set in the heading's type: within 10% of its ink height; or, where the heading is
    set larger than body type (body_size given), a size nearer the heading's than the body's and
    no more than 10% larger. Where the heading is larger, a line whose type size (pitch) is
    nearer the body's is body text (a long line: a short one's pitch says little)."""
    if _vertical(x) and _vertical(head):
        # two columns of one vertical title (竖排): as wide as each other, however many of the
        # characters OCR kept (the pitch down a column counts them; a lost one made it 10% larger)
        return abs(x.bbox[2] - head.bbox[2]) <= 0.15 * head.bbox[2]
    head_h = head.text_height
    size, head_size = type_size(x), type_size(head)
    larger = bool(body_size) and body_size < head_size
    if larger and _units(x.text) >= 8 and abs(size - body_size) < abs(size - head_size):
        # a long line set in body type by its pitch, however near the heading its ink height
        # measures (body text under a heading 21 px high measured 19 px: its pitch was the body's);
        # a short line's pitch says little (a title's last character, "益", alone on its line)
        return False
    if abs(x.text_height - head_h) <= 0.1 * head_h:
        return True
    return larger and (head_size + body_size) / 2 < size <= 1.1 * head_size


def _bracketed(c: _Classified, head: int, title: str, first_body: int, end: int) -> tuple[str, str, int, list[int]] | None:
    """A title set in 【】 with the body running on after it, the brackets perhaps wrapped onto
    the next lines of the same block (at most two): (title, inline body, first body line, wrapped lines)."""
    if not title.lstrip().startswith(tuple(_OPEN_BRACKET)):
        return None
    wrapped: list[int] = []
    text, j = title, first_body
    hx = c.lines[head]
    while not _BRACKETED.match(text) and len(wrapped) < 2 and j < end and not c.is_label(j) and c.headings[j] is None:
        x = c.lines[j]
        if not _same_block(x, hx) or x.origin:
            return None
        text = join_wrapped((text, x.line.text))
        wrapped.append(j)
        j += 1
    b = _BRACKETED.match(text)
    if b is None:
        return None
    return b.group(1).strip(), b.group(2).lstrip("：:，,、 "), j, wrapped


def _title_span(
    c: _Classified,
    head: int,
    title: str,
    first_body: int,
    end: int,
    body_h: float,
    body_size: float = 0.0,
    run_in: bool = False,
) -> tuple[str, str, int, list[int]]:
    """(title, inline body, first body line, wrapped title lines) for the title starting on line `head`.

    The title ends at the first 。；： when the body runs on inline; else it wraps onto lines of
    the same style (the same size, in the same block, free of sentence punctuation) while
    each line before fills its block; a larger heading wraps onto lines of its own size.
    A run-in title (一是…) is a phrase of the paragraph: it runs on to its first 。；： whatever the
    type of the lines it wraps onto.
    """
    lines, hx = c.lines, c.lines[head]
    bracketed = _bracketed(c, head, title, first_body, end)
    if bracketed is not None:
        return bracketed
    m = _TITLE_END.search(title)
    if m and m.start() > 0:
        return title[: m.start()], title[m.end() :], first_body, []
    phrase = _run_in_title(c, head, title, first_body, end) if run_in else None
    if phrase is not None:
        return phrase
    head_h = hx.line.text_height
    larger = bool(body_h) and head_h > HEADING_RATIO * body_h
    wrapped: list[int] = []
    prev = hx
    j = first_body
    while j < end and len(title) < MAX_TITLE and not c.is_label(j) and c.headings[j] is None:
        x = lines[j]
        same = _same_block(x, hx) and not x.origin
        if not same or inks_apart(x.line, hx.line) or not _heading_sized(x.line, hx.line, body_size if larger else 0.0):
            break  # another block, another colour (a red title over dark body text), another size
        p = _PUNCT.search(x.line.text)
        if larger:
            stop = _TITLE_END.search(x.line.text.rstrip("。；：;:"))
            if stop and stop.start() > 0:
                break  # a sentence ends inside the line: body text, however large it measures
            title = join_wrapped((title, x.line.text))
        elif not _full_width(c, prev):
            break
        elif p is None:
            title = join_wrapped((title, x.line.text))
        elif p.group(0) in "。；：;:" and p.start() > 0:
            # an inline title that wrapped: it ends at the mark, the body runs on after it
            wrapped.append(j)
            return join_wrapped((title, x.line.text[: p.start()])), x.line.text[p.end() :], j + 1, wrapped
        else:
            break
        wrapped.append(j)
        prev = x
        j += 1
    return title, "", j, wrapped


def _run_in_title(c: _Classified, head: int, title: str, first_body: int, end: int) -> tuple[str, str, int, list[int]] | None:
    """A run-in title wrapped onto the next lines of its paragraph, up to the first 。；： (within
    MAX_TITLE characters): (title, inline body, first body line, wrapped lines); None where none ends it."""
    wrapped: list[int] = []
    for j in range(first_body, end):
        x = c.lines[j]
        if len(title) >= MAX_TITLE or not _same_block(x, c.lines[head]) or x.origin or c.is_label(j):
            return None
        stop = _TITLE_END.search(x.line.text)
        wrapped.append(j)
        if stop is not None:
            return join_wrapped((title, x.line.text[: stop.start()])), x.line.text[stop.end() :], j + 1, wrapped
        title = join_wrapped((title, x.line.text))
    return None


def assemble_clause(
    c: _Classified,
    i: int,
    end: int,
    start: Start,
    style: str,
    body_h: float,
    sections: tuple[str, ...],
    body_size: float = 0.0,
) -> _Assembled:
    """One clause from its start line up to (not including) `end`: title, wrapped title, body, sources."""
    lines, badges = c.lines, c.badges
    number, label, title = start
    head = i
    roles: dict[tuple[int, int], Role] = {}
    by_badge = style == "badge" and badges[i] is not None  # (a card whose badge was lost starts at its title)
    if by_badge or (not title and i + 1 < end and c.headings[i + 1] is None and not c.is_label(i + 1)):
        # the title stands on the next line: beside a badge, or after a label set apart
        _set(roles, lines[i], "label")
        head = i + 1
        if not by_badge:
            title = lines[head].line.text
    used = [lines[k] for k in range(i, head + 1) if k < len(lines)]
    first_body = head + 1
    if lines[head].origin:  # a table row: title and body come from their cells
        inline = ""
    else:
        title, inline, first_body, wrapped = _title_span(
            c, head, title, first_body, end, body_h, body_size, run_in=style == "keyphrase"
        )
        used += [lines[k] for k in wrapped]
        for k in [head, *wrapped]:
            _set(roles, lines[k], "title")
    _set(roles, lines[head], "title")
    body: list[_Line] = []
    # the body runs on after an inline title in the title line's type; where its paragraph goes on in
    # the same block, the body's next line sets it (a title line holding a highlighted phrase, a chip
    # or a dingbat measures taller than its body)
    on = first_body < end and _same_block(lines[first_body], lines[head])
    ref_h: float | None = lines[head].line.text_height if inline and not on else None
    for j in range(first_body, end):
        if lines[head].origin and not (lines[j].origin and j == first_body):
            break  # a table row's body is its content cells, nothing after the table
        last = body[-1] if body else lines[head]
        if body and last.line.region == "card" and last.image == lines[j].image and last.line.block != lines[j].line.block:
            break  # a card's clause ends with the card (a later poster may carry it on); a card or
            # bar holding only the label and title is followed by its body outside it
        if c.is_label(j):
            _set(roles, lines[j], "label")
            continue
        line_h = lines[j].line.text_height
        if ref_h is None:
            ref_h = line_h
        elif ref_h and abs(line_h - ref_h) > HEIGHT_TOLERANCE * ref_h:
            break  # text of another size: a closing poster, a caption
        body.append(lines[j])
        _set(roles, lines[j], "body")
    used += body
    by_image: dict[int, list[Box]] = {}
    for x in used:
        by_image.setdefault(x.image, []).append(x.line.bbox)
    clause = ClauseResult(
        number=number,
        label=label,
        title=title.strip(),
        text=join_wrapped([inline, *(x.line.text for x in body)]),
        section=sections[-1] if sections else None,
        sections=sections,
        sources=tuple(SourceRef(image=img, bboxes=tuple(bb)) for img, bb in by_image.items()),
        confidence=sum(x.line.confidence for x in used) / len(used),
        start=(lines[i].image, lines[i].pos),
    )
    return _Assembled(clause, roles)


def _set(roles: dict[tuple[int, int], Role], x: _Line, role: Role) -> None:
    """The role of a line; a folded table row hands its cells' own roles down."""
    if x.origin:
        for pos, r in x.origin:
            roles[(x.image, pos)] = r
    else:
        roles[(x.image, x.pos)] = role


@dataclass(frozen=True)
class Structured:
    """The set's images with a role on every line, its clauses, and their verification."""

    images: tuple[ImageResult, ...]
    clauses: tuple[ClauseResult, ...]
    verification: Verification


def structure(images: Sequence[ImageResult], expected: int | None = None) -> Structured:
    """Clauses across the image set, in order, their verification, and each line's role."""
    c = classify_lines(images, expected)
    style = choose_level(c, expected)
    if c.split and style not in c.split:
        # the clauses are not the run-in sequence's: its lines stay whole
        c = classify_lines(images, expected, run_in=False)
        style = choose_level(c, expected)
    roles = dict(c.roles)
    clauses: list[ClauseResult] = []
    starts, others = clause_starts(c, style, expected) if style is not None else ({}, [])
    # verified twice, on different inputs: here the numbering's starts, to decide whether the
    # titles told by type should replace them; at the end the clauses as assembled (the styled
    # starts, or labels moved to the card they number, and a start that became a section)
    if expected and not verify([starts[i][0] for i in sorted(starts)], expected).ok:
        styled = _styled_starts(c, expected)
        # the numbered lines are sub-items where most of them stand in the bodies of the titles
        # the type tells; where they are those titles, the type only fills in numbers OCR lost
        # ("1加强…" for "1.加强…"), and only where each number read is its title's place in
        # the sequence (else a clause is missing: a verdict to fail)
        overlap = set(styled or ()) & set(starts)
        fills = overlap == set(starts) and all(styled[i][0] == starts[i][0] for i in overlap) if styled else False
        if styled is not None and (len(overlap) < len(starts) / 2 or fills):
            log.info("numbering does not give the %d promised clauses: clause titles told by their type", expected)
            style, starts, others = "styled", styled, []
    if style not in (None, "badge", "styled"):
        for i in _attach_orphan_labels(c, starts):
            _set(roles, c.lines[i], "label")
    if style is not None:
        body_h = body_height(c, starts)
        body_size = body_height(c, starts, type_size)
        # a band line is a section unless it is a clause's title, on the line after its label or badge
        titled = {i + 1 for i, (_n, _l, title) in starts.items() if not title or (style == "badge" and c.badges[i] is not None)}
        bands = [
            i
            for i, x in enumerate(c.lines)
            if x.line.region == "band" and i not in starts and i not in others and i not in titled
        ]
        sections = find_sections(c, sorted(others + bands), body_h, style)
        stack: list[tuple[int, str]] = []  # open sections, outermost first: (rank, text)
        positions = sorted(set(starts) | set(sections))
        for k, i in enumerate(positions):
            if i in sections:
                rank = _section_rank(sections[i])
                stack = [s for s in stack if s[0] < rank] + [(rank, sections[i])]
                _set(roles, c.lines[i], "section")
                continue
            end = positions[k + 1] if k + 1 < len(positions) else len(c.lines)
            if i and c.is_label(i - 1) and c.lines[i - 1].image == c.lines[i].image:
                # the badge beside a printed label, in its block or one of its own (the demo's
                # discs): a label as every badge inside a clause is, also where no clause
                # precedes it (the first clause under a section heading)
                _set(roles, c.lines[i - 1], "label")
            done = assemble_clause(c, i, end, starts[i], style, body_h, tuple(t for _r, t in stack), body_size)
            clauses.append(done.clause)
            roles.update(done.roles)
    out = []
    for im in images:
        if im.status != "ok":
            out.append(im)
            continue
        lines = tuple(replace(ln, role=roles.get((im.index, pos), "other")) for pos, ln in enumerate(im.lines))
        out.append(replace(im, lines=lines))
    return Structured(tuple(out), tuple(clauses), verify([cl.number for cl in clauses], expected))


def _attach_orphan_labels(c: _Classified, starts: dict[int, Start]) -> list[int]:
    """A label alone on its line ("第六条" on a corner ribbon) read after the card it numbers:
    with no title of its own (the next line starts another clause, or nothing follows) and a
    block right before it that no clause claims and that opens with a line set apart, the
    label numbers that block; its own line is kept as the clause's label. Only where its number
    falls between the numbers before and after. Returns the labels' lines."""
    moved = []
    for i in sorted(starts):
        n, label, title = starts[i]
        if title or c.lines[i].origin or not i:
            continue
        if i + 1 < len(c.lines) and i + 1 not in starts and c.lines[i + 1].image == c.lines[i].image:
            continue  # a title may follow on the next line
        k = i - 1
        blk = (c.lines[k].image, c.lines[k].line.block)
        if blk == (c.lines[i].image, c.lines[i].line.block):
            continue
        a = k
        while a > 0 and (c.lines[a - 1].image, c.lines[a - 1].line.block) == blk:
            a -= 1
        if any(j in starts for j in range(a, i)) or c.headings[a] is not None or c.is_label(a):
            continue
        before = [starts[j][0] for j in starts if j < a]
        after = [starts[j][0] for j in starts if j > i]
        if (before and max(before) >= n) or (after and min(after) <= n):
            continue
        head, rest = c.lines[a].line, c.lines[a + 1].line if a + 1 < i else None
        if rest is not None and not (type_size(head) > HEADING_RATIO * type_size(rest) or inks_apart(head, rest)):
            continue  # the block's first line is not set apart from what follows: no title
        del starts[i]
        starts[a] = (n, label, head.text)
        c.moved_labels.add(i)  # kept as the clause's label, not read as title or body text
        moved.append(i)
    return moved


def _styled_starts(c: _Classified, expected: int) -> dict[int, Start] | None:
    """Clause starts told by the titles' type where no numbering gives the promised count
    (structure._styled): numbered 1..N in reading order; a label read before a title is kept."""
    found = styled_titles(
        [(x.image, x.line.block, x.line) for x in c.lines],
        [not x.origin and c.badges[i] is None for i, x in enumerate(c.lines)],
        expected,
        type_size,
        MAX_TITLE,
    )
    if found is None:
        return None
    starts: dict[int, Start] = {}
    for n, i in enumerate(found, 1):
        h = c.headings[i]
        starts[i] = (n, h.label, h.rest) if h else (n, "", strip_label_junk(c.lines[i].line.text, n))
    return starts


def extract_clauses(images: Sequence[ImageResult], expected: int | None = None) -> tuple[list[ClauseResult], Verification]:
    """Clauses across the image set, in order, and their verification against expected."""
    s = structure(images, expected)
    return list(s.clauses), s.verification
