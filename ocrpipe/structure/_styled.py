"""Clause titles told by their type: the colour and size a title is set in, against the body's.

Two uses. A wrapped title ends where the colour changes (a red title over dark body text of
the same size). And where no printed numbering holds the promised count (the numbers are pale
outlines, drawn shapes or lost to OCR), the clause titles are the lines set in one heading
style, other than the body's, that open a run of body text: when exactly as many such lines as
were promised share one style, they are the clauses, numbered in reading order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from ocrpipe.output._results import LineResult

INK_APART = 14.0  # CIE76 colour difference between two inks set apart on purpose (JPEG noise: under 6)
SIZE_APART = 1.08  # a heading set this much larger than body type stands apart by size alone
SIZE_SAME = 0.12  # two headings of one style differ in size by less than this share
_SENTENCE = "。；！？!?;"
GAP_APART = 0.25  # white space above and below a title differing by this share of body type
TITLE_SHARE = 1.5  # the body under the titles carries at least this many times their text
_ENDS = "。；！？!?;：:"  # a line ending so ends its sentence: the next line need not go on with it
_CLAUSE_MARKS = "，,"  # a title holds no comma; a lead paragraph's line does


@lru_cache(maxsize=4096)
def ink_lab(ink: str | None) -> tuple[float, float, float] | None:
    """CIE L*a*b* (D65) of a "#rrggbb" ink, None where it is unknown."""
    if not ink or len(ink) != 7 or ink[0] != "#":
        return None
    try:
        rgb = [int(ink[k : k + 2], 16) / 255.0 for k in (1, 3, 5)]
    except ValueError:
        return None
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ink_distance(a: str | None, b: str | None) -> float | None:
    """CIE76 difference between two inks; None where either is unknown."""
    la, lb = ink_lab(a), ink_lab(b)
    if la is None or lb is None:
        return None
    return math.dist(la, lb)


def inks_apart(a: LineResult, b: LineResult) -> bool:
    """The two lines are set in inks chosen to differ (both known)."""
    d = ink_distance(a.ink, b.ink)
    return d is not None and d > INK_APART


def body_ink(lines: Sequence[LineResult]) -> str | None:
    """The ink most of the text is set in: the ink of the median long line by L*a*b* distance
    to all others weighted by length (a medoid); None where inks are unknown."""
    known = [ln for ln in lines if ln.ink and ln.kind == "text" and len(ln.text) >= 8]
    if not known:
        return None
    known = known[:400]

    def cost(x: LineResult) -> float:
        return sum(len(y.text) * (ink_distance(x.ink, y.ink) or 0.0) for y in known)

    return min(known, key=cost).ink


def is_title_like(text: str, max_len: int) -> bool:
    """Short, no comma, and no sentence ends inside it (a title may end with one mark)."""
    t = text.strip()
    return 2 <= len(t) <= max_len and not any(ch in _SENTENCE for ch in t[:-1]) and not any(ch in _CLAUSE_MARKS for ch in t)


def same_style(a: LineResult, b: LineResult, size_a: float, size_b: float) -> bool:
    """Two headings set in one style: inks not apart and sizes within SIZE_SAME."""
    d = ink_distance(a.ink, b.ink)
    if d is not None and d > INK_APART:
        return False
    return abs(size_a - size_b) <= SIZE_SAME * max(size_a, size_b)


def ink_chroma(ink: str | None) -> float | None:
    """How saturated an ink is: its CIE L*a*b* chroma (grey and black near 0, a red near 60)."""
    lab = ink_lab(ink)
    return None if lab is None else math.hypot(lab[1], lab[2])


@dataclass(frozen=True)
class _Reading:
    """One way to read the lines' type: which lines are set in the body's style, which are
    headings apart from it, and the heading lines that open body text, grouped by style."""

    bodyish: list[bool]
    heading: list[bool]
    groups: list[list[int]]
    body_size: float


def _read(
    lines: Sequence[tuple[int, int, LineResult]],
    eligible: Sequence[bool],
    sizes: Sequence[float],
    max_len: int,
    body: str,
    body_size: float,
) -> _Reading:
    texts = [ln for _i, _b, ln in lines]

    def bodyish(k: int) -> bool:
        ln = texts[k]
        d = ink_distance(ln.ink, body)
        return ln.kind == "text" and (d is None or d <= INK_APART) and sizes[k] <= SIZE_APART * body_size

    def is_heading(k: int) -> bool:
        ln = texts[k]
        d = ink_distance(ln.ink, body)
        apart = (d is not None and d > INK_APART) or sizes[k] > SIZE_APART * body_size
        return eligible[k] and ln.kind == "text" and apart and is_title_like(ln.text, max_len)

    heading = [is_heading(k) for k in range(len(texts))]  # asked of each line up to three times below
    body_lines = [bodyish(k) for k in range(len(texts))]

    cands: list[int] = []
    for k in range(len(texts)):
        if not heading[k]:
            continue
        prev = k - 1
        img, blk, ln = lines[k]
        if prev >= 0 and lines[prev][:2] == (img, blk) and heading[prev] and same_style(texts[prev], ln, sizes[prev], sizes[k]):
            continue  # a wrapped line of the title above
        nxt = _title_end(texts, heading, sizes, k)
        if nxt < len(texts) and body_lines[nxt]:
            cands.append(k)
    groups: list[list[int]] = []
    for k in cands:
        home = next((g for g in groups if same_style(texts[g[0]], texts[k], sizes[g[0]], sizes[k])), None)
        if home is None:
            groups.append([k])
        else:
            home.append(k)
    return _Reading(body_lines, heading, groups, body_size)


def _title_end(texts: Sequence[LineResult], heading: Sequence[bool], sizes: Sequence[float], k: int) -> int:
    """The line after the title at k and its wrapped lines (the next lines in its style)."""
    nxt = k + 1
    while nxt < len(texts) and heading[nxt] and same_style(texts[nxt], texts[k], sizes[nxt], sizes[k]):
        nxt += 1
    return nxt


def _gap(a: LineResult, b: LineResult, body_size: float) -> float | None:
    """The white space from line a down to line b, the next in one column; None where b does
    not follow a down the column (another column, far apart, or either set vertically: its box
    twice as tall as wide, where the white space across the columns says nothing of binding)."""
    if any(ln.bbox[3] >= 2 * ln.bbox[2] for ln in (a, b)):
        return None
    gap = b.bbox[1] - (a.bbox[1] + a.bbox[3])
    return gap if -0.5 * body_size <= gap <= 4 * body_size else None


def _types_agree(
    lines: Sequence[tuple[int, int, LineResult]],
    sizes: Sequence[float],
    r: _Reading,
    titles: Sequence[int],
    body: str,
) -> bool:
    """Whether the typography bears out these titles over the body that follows them, rather
    than the other way round (titles and body swapped, as one-line paragraphs allow): the body
    carries more text than its title (TITLE_SHARE); the titles' style is not the plainer one
    (a body set larger, or in a clearly more saturated ink, than its titles is no body); a title
    sits closer to the text below it than to the text above (a heading binds to what it heads);
    and a title does not go on with the sentence of the body line above it in its block."""
    texts = [ln for _i, _b, ln in lines]
    title_chars = body_chars = 0
    back = ahead = goes_on = 0
    for k in titles:
        end = _title_end(texts, r.heading, sizes, k)
        title_chars += sum(len(texts[j].text.strip()) for j in range(k, end))
        j = end
        while j < len(texts) and r.bodyish[j] and j not in titles:
            body_chars += len(texts[j].text.strip())
            j += 1
        same_image = k > 0 and end < len(texts) and lines[k - 1][0] == lines[k][0] == lines[end][0]
        before = _gap(texts[k - 1], texts[k], r.body_size) if same_image else None
        after = _gap(texts[end - 1], texts[end], r.body_size) if same_image else None
        if before is not None and after is not None:
            if after > before + GAP_APART * r.body_size:
                back += 1
            elif before > after + GAP_APART * r.body_size:
                ahead += 1
        above = texts[k - 1].text.strip() if k > 0 and lines[k - 1][:2] == lines[k][:2] and r.bodyish[k - 1] else ""
        if above and above[-1] not in _ENDS:
            goes_on += 1  # the line above in its block runs on into this one
    if body_chars < TITLE_SHARE * title_chars:
        return False
    head_size = sorted(sizes[k] for k in titles)[(len(titles) - 1) // 2]
    if head_size <= SIZE_APART * r.body_size:  # not set larger: the ink alone tells the title
        if r.body_size > SIZE_APART * head_size:
            return False
        head_chroma, body_chroma = ink_chroma(texts[titles[0]].ink), ink_chroma(body)
        if head_chroma is not None and body_chroma is not None and body_chroma > head_chroma + INK_APART:
            return False
    return back <= ahead and 2 * goes_on <= len(titles)


def styled_titles(
    lines: Sequence[tuple[int, int, LineResult]],
    eligible: Sequence[bool],
    expected: int,
    size_of: Callable[[LineResult], float],
    max_len: int,
) -> list[int] | None:
    """Positions (in `lines`, each (image, block, line) in reading order) of the clause titles
    told by type alone, or None: the lines of one heading style, apart from the body's by ink or
    size, each opening a run of body text, exactly `expected` of them, and no other style with
    as many; and only where the type bears them out as titles over their body (_types_agree)
    and the two styles read the other way round would not do as well (then nothing tells
    which is the title: no guess, and the verdict fails).

    A title's wrapped lines (the next lines of its block in its style) are not counted again.
    """
    texts = [ln for _i, _b, ln in lines]
    body = body_ink(texts)
    sizes = [size_of(ln) for ln in texts]
    long_sizes = sorted(s for s, ln in zip(sizes, texts) if len(ln.text) >= 8 and ln.kind == "text")
    if body is None or not long_sizes:
        return None
    body_size = long_sizes[(len(long_sizes) - 1) // 2]
    r = _read(lines, eligible, sizes, max_len, body, body_size)
    fits = [g for g in r.groups if len(g) == expected]
    if len(fits) != 1 or not _types_agree(lines, sizes, r, fits[0], body):
        return None
    found = fits[0]
    # the other way round: the titles' style as the body's, the body's lines as the headings
    head = texts[found[0]].ink
    if head is not None and ink_distance(head, body) is not None:
        head_size = sorted(sizes[k] for k in found)[(len(found) - 1) // 2]
        swapped = _read(lines, eligible, sizes, max_len, head, head_size)
        if any(len(g) == expected and _types_agree(lines, sizes, swapped, g, head) for g in swapped.groups):
            return None
    return found
