"""Number badges the text detector does not see: a filled disc, pill or tab with light digits.

PP-OCR's detector finds dark text on light ground and light text on large colour fields, but
two light digits on a small filled shape (a timeline's dot, a card's pill label) give it too
little to go on, and the clause number is lost: the body's own ①② then pass for clause starts.
The shape itself is plain to see. Against the page round it, a badge is one solid blob of
colour as tall as a line or two, round or a rounded rectangle (its outline fills its box and
its hull), whose holes are its light glyphs: small against the blob, centred in it, not one
round hole (that is a ring, an empty marker). It sits where a number goes: just left of a
text line on the same row, just above a line's start, or centred over a centred line.

`find_badges` gives such shapes with their glyphs and the detected regions inside them; the
caller reads the glyphs as digits and drops a shape that does not read as a number.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocrpipe.vision._detect import Region
from ocrpipe.vision._geometry import max_channel
from ocrpipe.vision._ink import median_ground
from ocrpipe.vision._lineclean import fit_height

Box = tuple[int, int, int, int]

CONTRAST = 60  # max-channel distance from the page round it that makes a pixel part of a shape
HEIGHT = (0.7, 2.6)  # the badge's height against the median detected line's
ASPECT = (0.75, 3.2)  # width / height: a disc (1) to a pill
FILL = 0.72  # outline area / box area at least (a circle 0.785, a pill or tab more)
SOLID = 0.93  # outline area / its convex hull's at least: no notches, not a glyph
GLYPHS = (0.02, 0.45)  # the glyphs' area against the outline's
GLYPH_HEIGHT = (0.3, 0.9)  # the glyphs' joint height against the badge's
RING_HOLE = 0.68  # one glyph filling this much of its own box is a ring's inside, not a glyph
GLYPH_PX = 40  # the glyphs' height as read (Tesseract reads small type badly)
DETECTED = 0.3  # detected regions within a badge covering this share of it: the detector read it
NEAR = 3.0  # a line starts within this many badge heights right of it (or one below it)


def _page_ground(rgb: np.ndarray, window: int) -> np.ndarray:
    """The page's colour round each pixel: a median wider than any badge, at a quarter size,
    mirrored at the edges (the ink model's background repeats the edge row: see median_ground)."""
    return median_ground(rgb, window, scale=4, min_k=5, mirror=True)


def _overlaps(box: Box, others: list[Box], share: float = 0.6) -> bool:
    """A detected region covers most of the box: the detector found the badge itself (alone or
    with its line). Regions within it are its glyphs (Badge.inside)."""
    return any(_overlap_area(box, o) >= share * box[2] * box[3] for o in others)


def _beside_line(box: Box, lines: list[Box]) -> bool:
    """A text line starts just right of the badge on its row, or just below it (its start under
    the badge, or the line centred under it)."""
    x, y, w, h = box
    for lx, ly, lw, lh in lines:
        overlap = min(y + h, ly + lh) - max(y, ly)
        if overlap >= 0.4 * min(h, lh) and 0 <= lx - (x + w) <= NEAR * h:
            return True
        if 0 <= ly - (y + h) <= 1.2 * h and (x - h <= lx <= x + w or abs(lx + lw / 2 - (x + w / 2)) <= 0.1 * lw):
            return True  # above the line's start, or centred over a centred line
    return False


def _glyphs(blob: np.ndarray, rgb: np.ndarray) -> np.ndarray | None:
    """When the blob (0/255 over its box; `rgb` the same box) is a filled round or rounded
    shape whose inside holds glyphs in another colour: those glyphs, dark on white at the
    height the readers take digits best; else None."""
    h, w = blob.shape
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if len(contours) != 1:
        return None
    shape = contours[0]
    area = cv2.contourArea(shape)
    hull = cv2.contourArea(cv2.convexHull(shape))
    if area < FILL * w * h or hull <= 0 or area < SOLID * hull:
        return None
    outline = np.zeros_like(blob)
    cv2.drawContours(outline, [shape], -1, 255, cv2.FILLED)
    rim = max(1, round(0.08 * h))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1, 2 * rim + 1))
    inside = cv2.erode(outline, disc, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    colour = np.median(rgb[blob > 0], axis=0).astype(np.uint8)
    dist = max_channel(cv2.absdiff(rgb, np.broadcast_to(colour, rgb.shape).copy()))
    glyph = (dist > CONTRAST) & (inside > 0)
    share = float(glyph.sum()) / max(area, 1.0)
    if not GLYPHS[0] <= share <= GLYPHS[1]:
        return None
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(glyph.astype(np.uint8), connectivity=8)
    parts = [stats[i] for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= 0.005 * area]
    if not parts:
        return None
    top = min(int(p[1]) for p in parts)
    bottom = max(int(p[1] + p[3]) for p in parts)
    if not GLYPH_HEIGHT[0] * h <= bottom - top <= GLYPH_HEIGHT[1] * h:
        return None
    if abs((top + bottom) / 2 - h / 2) > 0.2 * h:
        return None  # glyphs sit in the middle of a badge
    if len(parts) == 1 and parts[0][4] >= RING_HOLE * parts[0][2] * parts[0][3]:
        return None  # one solid round patch: the inside of a ring, an empty marker
    left = min(int(p[0]) for p in parts)
    right = max(int(p[0] + p[2]) for p in parts)
    dark = np.where(inside > 0, 255 - np.clip(dist.astype(np.int32) * 2, 0, 255), 255).astype(np.uint8)
    m = max(1, (bottom - top) // 8)
    tight = dark[max(0, top - m) : bottom + m, max(0, left - m) : right + m]
    return fit_height(tight, bottom - top, GLYPH_PX, 8.0)[0]


def _small_holes_filled(mask: np.ndarray, max_area: float) -> np.ndarray:
    """The mask with its holes up to max_area filled (a badge's glyphs: the opening that parts
    shapes would otherwise cut a disc in two along a digit's stroke)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return mask
    holes = [c for c, hh in zip(contours, hierarchy[0]) if hh[3] >= 0 and cv2.contourArea(c) <= max_area]
    filled = mask.copy()
    cv2.drawContours(filled, holes, -1, 255, cv2.FILLED)
    return filled


@dataclass(frozen=True)
class Badge:
    region: Region  # the shape's box, as the detector gives a line
    glyphs: np.ndarray  # what it holds, dark on white
    inside: tuple[int, ...] = ()  # detected regions lying within it (its glyphs, or a part of them)
    detected: bool = False  # those cover its glyphs (a third of it or more): the detector read it


def find_badges(rgb: np.ndarray, regions: list[Region]) -> list[Badge]:
    """Filled badges with light glyphs beside a detected line, that no detected region covers."""
    boxes = [r.box for r in regions]
    lines = [b for b in boxes if b[2] >= 2 * b[3]]
    if not lines or rgb.ndim != 3:
        return []
    line_h = float(np.median([b[3] for b in lines]))
    lo, hi = HEIGHT[0] * line_h, HEIGHT[1] * line_h
    ground = _page_ground(rgb, int(3 * hi))
    shapes = (max_channel(cv2.absdiff(rgb, ground)) > CONTRAST).astype(np.uint8) * 255
    # an opening wider than a rule parts a badge from what touches it thinly (a band's shaded
    # edge, a rule, a frame's corner): the badge's own outline only loses its corners' pixels
    k = max(3, int(0.2 * line_h) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    mask = cv2.morphologyEx(_small_holes_filled(shapes, 0.5 * hi * hi), cv2.MORPH_OPEN, kernel)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out: list[Badge] = []
    H, W = mask.shape
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if not lo <= h <= hi or not ASPECT[0] * h <= w <= ASPECT[1] * h:
            continue
        if x == 0 or y == 0 or x + w >= W or y + h >= H:
            continue  # cut off by the image's edge
        box = (x, y, w, h)
        if _overlaps(box, boxes) or not _beside_line(box, lines):
            continue
        # the shape as it was before the opening (which also gnaws at its rim between the
        # digits and its edge): what of it lies within the opened shape's reach
        wx0, wy0, wx1, wy1 = max(0, x - k), max(0, y - k), min(W, x + w + k), min(H, y + h + k)
        core = (labels[wy0:wy1, wx0:wx1] == i).astype(np.uint8)
        near = ((shapes[wy0:wy1, wx0:wx1] > 0) & (cv2.dilate(core, kernel) > 0)).astype(np.uint8)
        _n, parts = cv2.connectedComponents(near, connectivity=8)
        whole = parts == np.bincount(parts[core > 0]).argmax()  # not a rule that comes near it
        ys, xs = np.nonzero(whole)
        x, y = wx0 + int(xs.min()), wy0 + int(ys.min())
        w, h = int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1
        blob = whole[y - wy0 : y - wy0 + h, x - wx0 : x - wx0 + w].astype(np.uint8) * 255
        glyphs = _glyphs(blob, rgb[y : y + h, x : x + w])
        if glyphs is None:
            continue
        m = 2
        x0, y0, x1, y1 = max(0, x - m), max(0, y - m), min(W - 1, x + w + m), min(H - 1, y + h + m)
        quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
        inside = _within((x, y, w, h), boxes)
        covered = sum(_overlap_area((x, y, w, h), boxes[j]) for j in inside)
        out.append(Badge(Region(quad=quad, score=1.0), glyphs, inside, covered >= DETECTED * w * h))
    return out


def _overlap_area(a: Box, b: Box) -> int:
    ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, ix) * max(0, iy)


def _within(box: Box, boxes: list[Box]) -> tuple[int, ...]:
    """The boxes lying (mostly) within box."""
    return tuple(j for j, b in enumerate(boxes) if _overlap_area(box, b) >= 0.6 * b[2] * b[3])
