"""Grow a detected line over the strokes the detector left off its ends.

PP-OCR's DB detector gives little weight to a lone thin stroke: the `一` of a heading
`一、总体要求` on a red band is left outside the line's box at every input size, so both
PP-OCR readers read `、总体要求` and the section loses its number (the demo's first section;
`二、` on a bench poster at 0.6x). A line's box is grown sideways over ink that sits inside the
line's band, is no taller than its text and lies within about one character of the line's
own ink. The ground beside the box must be the line's own (its top and bottom rows the
colour of the box's rim); the growth stops at another region, after two line heights, and
never enters the page's side margins. Lines across most of the page are left alone."""

from __future__ import annotations

import cv2
import numpy as np

from ocrpipe.vision._detect import Region
from ocrpipe.vision._geometry import max_channel

Box = tuple[int, int, int, int]

REACH = 2.0  # the furthest a box grows on one side, in line heights
LOOK = 3.0  # how far beside the box strokes are looked for, in line heights
GAP = 1.0  # the widest gap between the line's ink and a stroke it takes, in box heights (after a full-width 、: ~1)
MARGIN = 0.15  # the space kept beyond the outermost stroke, in line heights
WIDEST = 0.7  # lines wider than this share of the page are left as found
EDGE = 0.05  # the page's margin on either side, as a share of its width
MAX_ANGLE = 4.0  # degrees: steeper regions are left alone (their axis-aligned box is not their band)


def grow_box(rgb: np.ndarray, box: Box, others: list[Box]) -> Box:
    """The box, grown left and right over strokes of its line that the detector left out."""
    x, y, w, h = box
    if w < 1.5 * h or h < 8 or w > WIDEST * rgb.shape[1]:
        return box  # body lines across the page are not grown: what lies beside them is margin decoration
    x0 = _end(rgb, box, others, -1)
    x1 = _end(rgb, box, others, +1)
    return (x0, y, x1 - x0, h) if (x0, x1) != (x, x + w) else box


def _end(rgb: np.ndarray, box: Box, others: list[Box], side: int) -> int:
    """The new left (side -1) or right (side +1) end of the box."""
    H, W = rgb.shape[:2]
    x, y, w, h = box
    y0, y1 = max(0, y), min(H, y + h)
    edge = x if side < 0 else x + w
    if y1 - y0 < 8 or (side < 0 and edge <= 0) or (side > 0 and edge >= W):
        return edge
    band = rgb[y0:y1]
    bg = _ground(band[:, x : x + w])
    thr = None if bg is None else _threshold(band[:, x : x + w], bg)
    if bg is None or thr is None:
        return edge
    look, inside = int(LOOK * h), int(0.5 * h)  # strokes straddling the end are seen from inside the box
    lo, hi = (max(0, edge - look), min(W, edge + inside)) if side < 0 else (max(0, edge - inside), min(W, edge + look))
    lo, hi = _same_ground(band, bg, lo, hi, edge, side)
    if hi - lo < 4:
        return edge
    new = _walk(_strokes(band[:, lo:hi], bg, thr, side, lo), edge, side, GAP * h)
    if new == edge or abs(new - edge) > REACH * h:
        return edge  # nothing left out, or more than a label's worth of ink: another text or a picture
    if new < EDGE * W or new > (1 - EDGE) * W:
        return edge  # ink in the page's own margin: a decoration down the edge, not the line's
    new = max(0, new - int(MARGIN * h)) if side < 0 else min(W, new + int(MARGIN * h))
    return edge if _blocked(box, others, new, side) else new


def _strokes(strip: np.ndarray, bg: np.ndarray, thr: float, side: int, lo: int) -> list[tuple[int, int]]:
    """(left, right) in image columns of the ink components in the strip that may belong to the line."""
    dist = max_channel(cv2.absdiff(strip, np.full_like(strip, bg)))
    n, _, stats, _ = cv2.connectedComponentsWithStats((dist > thr).astype(np.uint8), connectivity=8)
    sh, sw = strip.shape[:2]
    out = []
    for k in range(1, n):
        cx, cy, cw, ch, area = (int(v) for v in stats[k])
        if area < 4 or cy == 0 or cy + ch >= sh or ch > 0.8 * sh:
            continue  # touching the band's edge (a rule, a frame, the next line) or taller than text
        if (side < 0 and cx == 0) or (side > 0 and cx + cw >= sw):
            continue  # running on past the line's ground: part of a larger shape (a badge's ring)
        out.append((lo + cx, lo + cx + cw))
    return out


def _walk(comps: list[tuple[int, int]], edge: int, side: int, gap: float) -> int:
    """From the line's outermost ink inside the box outwards, over strokes no further apart than gap."""
    inner = [a for a, _ in comps if a >= edge] if side < 0 else [b for _, b in comps if b <= edge]
    start = (min(inner) if side < 0 else max(inner)) if inner else edge
    new, changed = start, True
    while changed:
        changed = False
        for a, b in comps:
            if side < 0 and a < new and b >= new - gap:
                new, changed = a, True
            elif side > 0 and b > new and a <= new + gap:
                new, changed = b, True
    return new if (side < 0 and new < edge) or (side > 0 and new > edge) else edge


def _blocked(box: Box, others: list[Box], new: int, side: int) -> bool:
    """Another region on the same row lies between the box's end and its new end."""
    x, y, w, h = box
    for ox, oy, ow, oh in others:
        if min(y + h, oy + oh) - max(y, oy) < 0.3 * min(h, oh):
            continue
        if _inside((ox, oy, ow, oh), (min(new, x), y, abs(new - x) if side < 0 else new - x, h), slack=0.25 * h):
            continue  # a piece of the line the detector found apart (a lone 、): taken in, not in the way
        if (side < 0 and new < ox + ow <= x) or (side > 0 and x + w <= ox < new):
            return True
    return False


def _rim(band: np.ndarray) -> np.ndarray:
    """The top and bottom rows of a line's band (a tenth of its height each), per column: (rows, columns, 3)."""
    r = max(1, band.shape[0] // 10)
    return np.concatenate([band[:r], band[-r:]]).astype(np.int16)


def _ground(line: np.ndarray) -> np.ndarray | None:
    """The line's ground: the colour of its box's rim, when that is one flat colour."""
    rim = _rim(line).reshape(-1, 3)
    med = np.median(rim, axis=0)
    if np.percentile(np.abs(rim - med).max(axis=1), 70) > 28:
        return None  # the box's rim crosses other ink or a colour change: no single ground
    return med.astype(np.uint8)


def _same_ground(band: np.ndarray, bg: np.ndarray, lo: int, hi: int, edge: int, side: int) -> tuple[int, int]:
    """The part of [lo, hi) that runs on from the box's end over the same ground: it stops at
    the first columns whose top or bottom row (the box's margin) is another colour (the end of
    a coloured band, a badge, a frame)."""
    rows = band[[0, -1], lo:hi].astype(np.int16)  # (2, columns, 3)
    same = (np.abs(rows - bg.astype(np.int16)).max(axis=2) <= 32).all(axis=0)
    cols = list(range(edge - 1 - lo, -1, -1) if side < 0 else range(edge - lo, hi - lo))
    for k, c in enumerate(cols):
        # three columns off in a row: a stroke of the line touching its tight box's margin is not
        if not any(same[d] for d in cols[k : k + 3]):
            return (lo + c + 1, hi) if side < 0 else (lo, lo + c)
    return lo, hi


def _threshold(line: np.ndarray, bg: np.ndarray) -> float | None:
    """Half the line's own ink contrast against the ground; None when the line has no clear ink."""
    if line.size == 0:
        return None
    dist = max_channel(cv2.absdiff(line, np.full_like(line, bg)))
    top = float(np.percentile(dist, 97))
    return 0.5 * top if top >= 60 else None


def _inside(inner: Box, outer: Box, slack: float = 0.0) -> bool:
    ix, iy, iw, ih = inner
    ox, oy, ow, oh = outer
    return ix >= ox - slack and iy >= oy - slack and ix + iw <= ox + ow + slack and iy + ih <= oy + oh + slack


def grow_regions(rgb: np.ndarray, regions: list[Region]) -> list[Region]:
    """Each near-level horizontal region grown along its own axis over its left-out end strokes;
    a piece of the line found apart that the grown region now covers is dropped."""
    grown = _grown(rgb, regions)
    changed = [g.box for g, r in zip(grown, regions) if g is not r]
    return [g for g, r in zip(grown, regions) if g is not r or not any(_inside(r.box, c, 2) for c in changed)]


def _grown(rgb: np.ndarray, regions: list[Region]) -> list[Region]:
    boxes = [r.box for r in regions]
    out = []
    for i, r in enumerate(regions):
        q = r.quad
        dx, dy = q[1] - q[0]
        if abs(float(np.degrees(np.arctan2(dy, dx)))) > MAX_ANGLE:
            out.append(r)
            continue
        x, _, w, _ = boxes[i]
        gx, _, gw, _ = grow_box(rgb, boxes[i], boxes[:i] + boxes[i + 1 :])
        left, right = x - gx, gx + gw - (x + w)
        if not left and not right:
            out.append(r)
            continue
        u = (q[1] - q[0]) / max(float(np.hypot(dx, dy)), 1e-6)
        grown = np.array([q[0] - left * u, q[1] + right * u, q[2] + right * u, q[3] - left * u], np.float32)
        grown[:, 0] = np.clip(grown[:, 0], 0, rgb.shape[1] - 1)
        out.append(Region(quad=grown, score=r.score))
    return out
