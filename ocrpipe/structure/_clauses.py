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
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from ocrpipe.errors import InputError
from ocrpipe.output._results import Box, ClauseResult, ImageResult, LineResult, SourceRef, Verification
from ocrpipe.structure._numerals import MAX_PROMISED, chinese_number

_CN = "零〇一二两三四五六七八九十百"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# (style, pattern): group 1 is the number as printed, group 2 the rest of the line.
STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("di_tiao", re.compile(rf"^(第[{_CN}\d]{{1,4}}条)\s*(.*)$")),
    ("cn_paren", re.compile(rf"^([（(][{_CN}]{{1,3}}[)）])\s*(.*)$")),
    ("paren", re.compile(r"^([（(]\d{1,3}[)）])\s*(.*)$")),
    ("circled", re.compile(rf"^([{CIRCLED}])\s*(.*)$")),
    ("cn_dun", re.compile(rf"^([{_CN}]{{1,3}}[、．.])\s*(.*)$")),
    ("dun", re.compile(r"^(\d{1,3}、)\s*(.*)$")),
    ("dot", re.compile(r"^(\d{1,3}[.．])(?!\d)\s*(.*)$")),
)
# A number whose punctuation OCR bent: "4 .惩治…", "4。…", "4，…"; a clause start only where
# the sequence (or the badge beside it) agrees.
_BENT = re.compile(r"^(\d{1,3})\s*[.．。，,、·]\s*(?!\d)(\S.*)$")
# A two-digit badge read into the heading it sits beside: "01 1.xxx", "011.xxx", "1515.xxx".
_BADGE_PREFIX = re.compile(r"^(\d{2})\s?(?=\d{1,2}[.．、])")
_DASH_ONE = re.compile(r"^[-—–‐_~](?=、)")
_RIM_JUNK = re.compile(r"^[\s)\]}|）】」》〉>'\"`]+(?=\S)")
BOILERPLATE_SIMILARITY = 0.8
HEIGHT_TOLERANCE = 0.2  # body lines of one clause differ in text height by less than this
HEADING_RATIO = 1.08  # a section title or a wrapped clause title is set this much larger than body type


def label_number(label: str) -> int | None:
    """The number a printed label stands for: '1.' -> 1, '（十二）' -> 12, '第三条' -> 3, '⑤' -> 5."""
    if len(label) == 1 and label in CIRCLED:
        return CIRCLED.index(label) + 1
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
    m = _BADGE_PREFIX.match(text)
    if m and len(text) > 3:
        text = text[m.end() :]
    for style, pat in STYLES:
        m = pat.match(text)
        if m:
            n = label_number(m.group(1))
            if n is not None and 0 < n < 1000:
                return Heading(style=style, label=m.group(1), number=n, rest=m.group(2).strip())
    return None


@dataclass(frozen=True)
class _Line:
    image: int
    line: LineResult
    pos: int = 0  # position among its image's lines


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def find_boilerplate(images: Sequence[ImageResult]) -> set[tuple[int, int]]:
    """(image index, line position) of headers and footers repeated on most images."""
    n = len(images)
    if n < 2:
        return set()
    need = max(2, math.ceil(0.4 * n))
    zones: list[list[tuple[int, str, str]]] = []  # per image: (line pos, zone, key)
    for im in images:
        h = im.height or 1
        z = []
        for pos, ln in enumerate(im.lines):
            top = ln.bbox[1] / h
            zone = "top" if top < 0.15 else ("bottom" if top > 0.85 else "")
            if zone and _key(ln.text):
                z.append((pos, zone, _key(ln.text)))
        zones.append(z)
    out = set()
    for i, z in enumerate(zones):
        for pos, zone, key in z:
            hits = 1
            for j, other in enumerate(zones):
                if j != i and any(
                    oz == zone and SequenceMatcher(None, key, ok).ratio() >= BOILERPLATE_SIMILARITY for _p, oz, ok in other
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
    """ok only when the numbers are exactly 1..N, each once, in order."""
    if expected is not None and not 0 <= expected <= MAX_PROMISED:
        raise InputError(f"expected clause count {expected} is outside 0..{MAX_PROMISED}", "give --expect N with a real count")
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
    ok = bool(found) and list(found) == list(range(1, n + 1))
    return Verification(
        expected=expected, found=found, missing=missing, duplicates=tuple(dups), out_of_order=out_of_order, ok=ok
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
    after a badge reading 4. Elsewhere such a line stays body text.
    """
    for i, x in enumerate(lines):
        if i in starts or headings[i] is not None or x.line.kind != "text":
            continue
        m = _BENT.match(x.line.text.strip())
        if not m:
            continue
        n = int(m.group(1))
        before = [starts[j][0] for j in starts if j < i]
        after = [starts[j][0] for j in starts if j > i]
        prev = max(before) if before else 0
        fits = n == prev + 1 and (not after or min(after) == n + 1)
        if fits or (i and badges[i - 1] == n):
            starts[i] = (n, m.group(1) + ".", m.group(2).strip())
            if i in others:
                others.remove(i)


@dataclass(frozen=True)
class _Classified:
    """Every line of the set, with what it could be: a numbered heading, a badge number."""

    lines: list[_Line]
    headings: list[Heading | None]
    badges: list[int | None]


def classify_lines(images: Sequence[ImageResult]) -> _Classified:
    """The lines of the readable images in order, boilerplate dropped, each parsed as heading/badge."""
    ok_images = [im for im in images if im.status == "ok"]
    skip = find_boilerplate(ok_images)
    lines = [_Line(im.index, ln, pos) for im in ok_images for pos, ln in enumerate(im.lines) if (im.index, pos) not in skip]
    headings = [parse_heading(x.line.text) if x.line.kind == "text" else None for x in lines]
    # A line that is only a one- or two-digit number is a badge, whoever found it.
    badges: list[int | None] = [
        int(x.line.text)
        if ((x.line.kind == "badge" and x.line.text.isdigit()) or re.fullmatch(r"\d{1,2}", x.line.text))
        and int(x.line.text) > 0
        else None
        for x in lines
    ]
    return _Classified(lines, headings, badges)


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


def clause_starts(c: _Classified, style: str) -> tuple[dict[int, Start], list[int]]:
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
                title = nh.rest if nh and nh.number == badge else lines[i + 1].line.text
                # the heading repeats the badge's number but was misread ("7了.推动…"): drop it
                title = re.sub(rf"^0?{badge}\D?[.．、]\s*", "", title)
                title = re.sub(r"^[、.．，,]\s*", "", title)  # its own numeral lost, its mark left
                starts[i] = (badge, x.line.text, title)
            elif h and not (i and badges[i - 1] is not None):
                others.append(i)
        elif h and h.style == style:
            starts[i] = (h.number, h.label, h.rest)
        elif h:
            others.append(i)
    if style in ("dot", "dun"):
        _accept_bent(lines, headings, badges, starts, others)
    return starts, others


def body_height(c: _Classified, starts: dict[int, Start]) -> float:
    """The usual text height of plain lines after the first clause heading (the lower median,
    since a closing poster's few lines of big type come last)."""
    first = min(starts) if starts else len(c.lines)
    heights = sorted(
        c.lines[j].line.text_height
        for j in range(first, len(c.lines))
        if c.headings[j] is None and c.badges[j] is None and j - 1 not in starts
    )
    return heights[(len(heights) - 1) // 2] if heights else 0.0


def find_sections(c: _Classified, others: list[int], body_h: float) -> dict[int, str]:
    """Section titles: short and set larger than body type ("第一条规定的…" wrapped onto
    the start of a body line is body text)."""
    return {
        i: c.lines[i].line.text
        for i in others
        if len(c.lines[i].line.text) <= 20 and body_h and c.lines[i].line.text_height > HEADING_RATIO * body_h
    }


def assemble_clause(
    c: _Classified, i: int, end: int, start: Start, style: str, body_h: float, section: str | None
) -> ClauseResult:
    """One clause from its start line up to (not including) `end`: title, wrapped title, body, sources."""
    lines, badges = c.lines, c.badges
    number, label, title = start
    first_body = i + (2 if style == "badge" else 1)
    used = [lines[i]] + ([lines[i + 1]] if style == "badge" and i + 1 < len(lines) else [])
    # A long title wraps: lines set like the heading, larger than body type, continue it.
    head_h = used[-1].line.text_height
    while (
        first_body < end
        and badges[first_body] is None
        and body_h
        and head_h > HEADING_RATIO * body_h
        and abs(lines[first_body].line.text_height - head_h) <= 0.1 * head_h
    ):
        title += lines[first_body].line.text
        used.append(lines[first_body])
        first_body += 1
    body: list[_Line] = []
    ref_h: float | None = None
    for j in range(first_body, end):
        if badges[j] is not None:
            continue
        line_h = lines[j].line.text_height
        if ref_h is None:
            ref_h = line_h
        elif ref_h and abs(line_h - ref_h) > HEIGHT_TOLERANCE * ref_h:
            break  # text of another size: a closing poster, a caption
        body.append(lines[j])
    used += body
    by_image: dict[int, list[Box]] = {}
    for x in used:
        by_image.setdefault(x.image, []).append(x.line.bbox)
    return ClauseResult(
        number=number,
        label=label,
        title=title,
        text="".join(x.line.text for x in body),
        section=section,
        sources=tuple(SourceRef(image=img, bboxes=tuple(bb)) for img, bb in by_image.items()),
        confidence=sum(x.line.confidence for x in used) / len(used),
        start=(lines[i].image, lines[i].pos),
    )


def extract_clauses(images: Sequence[ImageResult], expected: int | None = None) -> tuple[list[ClauseResult], Verification]:
    """Clauses across the image set, in order, and their verification against expected."""
    c = classify_lines(images)
    style = choose_level(c, expected)
    if style is None:
        return [], verify([], expected)
    starts, others = clause_starts(c, style)
    body_h = body_height(c, starts)
    sections = find_sections(c, others, body_h)
    clauses: list[ClauseResult] = []
    section: str | None = None
    positions = sorted(set(starts) | set(sections))
    for k, i in enumerate(positions):
        if i in sections:
            section = sections[i]
            continue
        end = positions[k + 1] if k + 1 < len(positions) else len(c.lines)
        clauses.append(assemble_clause(c, i, end, starts[i], style, body_h, section))
    return clauses, verify([cl.number for cl in clauses], expected)
