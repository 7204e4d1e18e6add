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
from functools import lru_cache

from ocrpipe.output._results import LineResult

INK_APART = 14.0  # CIE76 colour difference between two inks set apart on purpose (JPEG noise: under 6)
SIZE_APART = 1.08  # a heading set this much larger than body type stands apart by size alone
SIZE_SAME = 0.12  # two headings of one style differ in size by less than this share
_SENTENCE = "。；！？!?;"
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


def styled_titles(
    lines: Sequence[tuple[int, int, LineResult]],
    eligible: Sequence[bool],
    expected: int,
    size_of: Callable[[LineResult], float],
    max_len: int,
) -> list[int] | None:
    """Positions (in `lines`, each (image, block, line) in reading order) of the clause titles
    told by type alone, or None: the lines of one heading style, apart from the body's by ink or
    size, each opening a run of body text, exactly `expected` of them, and no other style with as many.

    A title's wrapped lines (the next lines of its block in its style) are not counted again.
    """
    texts = [ln for _i, _b, ln in lines]
    body = body_ink(texts)
    sizes = [size_of(ln) for ln in texts]
    long_sizes = sorted(s for s, ln in zip(sizes, texts) if len(ln.text) >= 8 and ln.kind == "text")
    if body is None or not long_sizes:
        return None
    body_size = long_sizes[(len(long_sizes) - 1) // 2]

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

    cands: list[int] = []
    for k in range(len(texts)):
        if not heading[k]:
            continue
        prev = k - 1
        img, blk, ln = lines[k]
        if prev >= 0 and lines[prev][:2] == (img, blk) and heading[prev] and same_style(texts[prev], ln, sizes[prev], sizes[k]):
            continue  # a wrapped line of the title above
        nxt = k + 1
        while nxt < len(texts) and heading[nxt] and same_style(texts[nxt], ln, sizes[nxt], sizes[k]):
            nxt += 1
        if nxt < len(texts) and bodyish(nxt):
            cands.append(k)
    groups: list[list[int]] = []
    for k in cands:
        home = next((g for g in groups if same_style(texts[g[0]], texts[k], sizes[g[0]], sizes[k])), None)
        if home is None:
            groups.append([k])
        else:
            home.append(k)
    fits = [g for g in groups if len(g) == expected]
    return fits[0] if len(fits) == 1 else None
