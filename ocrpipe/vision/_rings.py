"""A circled numeral at a line's start (①, ⑫), found as a shape: a ring or disc round a glyph.

Tesseract's chi_sim has no circled numerals: it reads ① as "@", "GD" or "回", and the clause
number is lost. The shape is plain to see, though: the first thing on the line is a round
blob as tall as the text (its filled area that of the ellipse in its box, its box's corners
empty) that holds smaller ink (a ring round dark digits) or holes (a disc round light
digits). `find_ring` gives the digits inside as their own small image, dark on white, for a
digits-only read, and where the rest of the line starts.

Known limit: a bold Latin O opening a line passes as a ring (its own stroke reads as digits
inside); Chinese poster lines seldom open with one.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# the blob's filled area against the ellipse inscribed in its box: a circle is ~1.0, a square 1.27
ROUND = (0.88, 1.12)
ASPECT = (0.78, 1.28)  # width / height of a ring (a circle drawn by a font: about 1)
CLIPPED = 0.6  # narrower than ASPECT: a ring whose left part the line's crop cut off, down to this
INNER = (0.25, 0.85)  # the digits' height against the ring's
INNER_RADIUS = 0.74  # the digits lie inside this share of the ring's radius, its stroke outside
RIM_COVERAGE = 0.9  # a ring's outer edge lies on its box's ellipse in (almost) every direction
DIGIT_HEIGHT = 40  # px: the digits are read at this height (Tesseract reads small type badly)


@dataclass(frozen=True)
class Ring:
    x0: int  # the ring's box in the line image
    x1: int
    digits: np.ndarray  # the glyph inside, dark on white with a margin


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink of a dark-on-white line image as 0/255, generous (half-way from Otsu's level to white),
    so a font's thin ring stays closed."""
    t, _bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return np.where(gray < (t + 255) / 2, 255, 0).astype(np.uint8)


def find_ring(gray: np.ndarray) -> Ring | None:
    """The circled numeral that starts a dark-on-white line image, or None."""
    if gray.ndim != 2 or gray.size == 0 or gray.min() > 200:
        return None
    bw = _ink(gray)
    first = _first_glyph(bw)
    if first is None:
        return None
    x, y, w, h, blob = first
    fit = _round_fit(blob)
    if fit is None:
        return None  # not round, or strokes that only touch their hull here and there: a character
    cut, whole, filled = fit
    # what lies inside the stroke: a ring holds dark digits (touching it or not); a disc's holes
    # are its light digits
    ww = w + cut
    inner = np.zeros_like(whole)
    cv2.ellipse(inner, (ww // 2, h // 2), (int(ww * INNER_RADIUS / 2), int(h * INNER_RADIUS / 2)), 0, 0, 360, 1, -1)
    ink = np.pad(bw[y : y + h, x : x + w] > 0, ((0, 0), (cut, 0)))
    solid = whole.sum() > 0.55 * filled.sum()  # a disc: mostly ink, the digits are its holes
    digits = inner.astype(bool) & (~ink if solid else ink)
    # a ring's inner ink must be a glyph, not a speck; a disc's holes likewise
    if digits.sum() < 0.02 * filled.sum():
        return None
    ys, xs = np.nonzero(digits)
    dh = ys.max() - ys.min() + 1
    if not (INNER[0] <= dh / h <= INNER[1]):
        return None
    # the digits in their own grey (smooth edges read better than a mask), light round them
    near = cv2.dilate(digits.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    tone = np.pad(gray[y : y + h, x : x + w], ((0, 0), (cut, 0)), constant_values=255).astype(np.float32)
    if solid:
        tone = 255 - tone
    tone = np.where(near, tone, 255)[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = DIGIT_HEIGHT / dh
    big = np.clip(cv2.resize(tone, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC), 0, 255).astype(np.uint8)
    pad = DIGIT_HEIGHT // 2
    img = cv2.copyMakeBorder(big, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    return Ring(x0=max(0, x - cut), x1=x + w, digits=img)


def _first_glyph(bw: np.ndarray) -> tuple[int, int, int, int, np.ndarray] | None:
    """(x, y, w, h, mask) of the line's first component as tall as the text, shaped like a ring's box."""
    _n, labels, stats, _c = cv2.connectedComponentsWithStats(bw, connectivity=8)
    comps = [(int(s[0]), int(s[1]), int(s[2]), int(s[3]), k) for k, s in enumerate(stats) if k and s[4] >= 6]
    if not comps:
        return None
    line_h = max(c[3] for c in comps)
    big = [c for c in comps if c[3] >= 0.75 * line_h]  # a ring is as tall as the characters (an @ is not)
    x, y, w, h, k = min(big, key=lambda c: c[0])
    # nothing of note before it (a ring is the line's first glyph)
    if any(c[0] + c[2] <= x and c[3] >= 0.3 * line_h for c in comps):
        return None
    if h < 10 or w / h > ASPECT[1] or w / h < CLIPPED:
        return None
    return x, y, w, h, (labels[y : y + h, x : x + w] == k).astype(np.uint8)


def _round_fit(blob: np.ndarray) -> tuple[int, np.ndarray, np.ndarray] | None:
    """(columns cut off on the left, the blob padded by them, its filled hull) where the blob is
    a ring or disc, else None.

    The detector's box often cuts a thin ring's left edge off: a ring narrower than it is tall
    is also tried as a circle whose left part lies outside the crop, judged on the part inside
    (a font's ring may be a little wider than tall: a few widths are tried).
    """
    h, w = blob.shape
    for cut in dict.fromkeys([0, *range(max(0, h - w), max(0, h - w) + int(0.15 * h) + 1, 2)]):
        if cut == 0 and w / h < ASPECT[0]:
            continue
        whole = np.pad(blob, ((0, 0), (cut, 0)))
        filled = _filled(whole)
        ellipse = np.zeros_like(whole)
        cv2.ellipse(ellipse, ((w + cut) // 2, h // 2), ((w + cut) // 2, h // 2), 0, 0, 360, 1, -1)
        ratio = float(filled[:, cut:].sum()) / max(1.0, float(ellipse[:, cut:].sum()))
        if ROUND[0] <= ratio <= ROUND[1] and _corners_empty(filled) and _rim_coverage(whole, cut) >= RIM_COVERAGE:
            return cut, whole, filled
    return None


def _filled(blob: np.ndarray) -> np.ndarray:
    """The blob's convex hull filled (0/1): a ring's disc, however thresholding broke its stroke."""
    pts = cv2.findNonZero(blob)
    out = np.zeros_like(blob)
    if pts is not None:
        cv2.fillConvexPoly(out, cv2.convexHull(pts), 1)
    return out


def _rim_coverage(blob: np.ndarray, cut: int = 0) -> float:
    """The share of directions round the box's centre in which the blob's outermost ink lies on
    the ellipse its box inscribes: all of them for a ring or disc; for a square glyph (回) the
    corners stick out, for a dense character (善, 本) strokes end short of it in many.
    Directions whose rim lies in the first `cut` columns (cut off the crop) are not judged."""
    h, w = blob.shape
    ys, xs = np.nonzero(blob)
    dx = (xs + 0.5 - w / 2) / (w / 2)
    dy = (ys + 0.5 - h / 2) / (h / 2)
    r = np.hypot(dx, dy)
    bins = ((np.arctan2(dy, dx) + np.pi) / (2 * np.pi) * 36).astype(int) % 36
    outer = np.zeros(36)
    np.maximum.at(outer, bins, r)
    centres = (np.arange(36) + 0.5) / 36 * 2 * np.pi - np.pi
    seen = w / 2 + np.cos(centres) * w / 2 >= cut + 1
    ok = (outer >= 0.8) & (outer <= 1.12)
    return float(ok[seen].mean()) if seen.any() else 0.0


def _corners_empty(filled: np.ndarray) -> bool:
    """A round shape leaves the corners of its box empty (a square glyph such as 回 does not)."""
    h, w = filled.shape
    a, b = max(1, h // 6), max(1, w // 6)
    corners = [filled[:a, :b], filled[:a, -b:], filled[-a:, :b], filled[-a:, -b:]]
    return all(c.mean() < 0.25 for c in corners)
