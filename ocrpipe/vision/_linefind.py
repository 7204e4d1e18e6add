"""The line finder: characters closed into text-line boxes on an ink mask, badges and ornaments told apart by shape."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import cv2
import numpy as np

from ocrpipe.output._results import Box
from ocrpipe.vision._ink import BG_JUMP
from ocrpipe.vision._layout import merge_same_line

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Comp:
    x: int
    y: int
    w: int
    h: int
    area: int
    label: int


def components(mask: np.ndarray, min_area: int = 4) -> tuple[list[Comp], np.ndarray]:
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    comps = [
        Comp(int(s[0]), int(s[1]), int(s[2]), int(s[3]), int(s[4]), i) for i, s in enumerate(stats) if i and s[4] >= min_area
    ]
    return comps, labels


def _contains(a: Comp, b: Comp) -> bool:
    return a is not b and a.x <= b.x and a.y <= b.y and a.x + a.w >= b.x + b.w and a.y + a.h >= b.y + b.h


def frame_labels(comps: list[Comp], box_h: int) -> set[int]:
    """Components that frame other ink: the rim of a number badge, a box drawn round digits.

    A frame is about as tall as its region and holds its content clear of the
    rim on every side, unlike a character such as 司 or 国 whose inside touches
    or nearly fills its outer stroke.
    """
    out = set()
    for c in comps:
        inner = [o for o in comps if _contains(c, o)]
        if not inner or c.h < 0.8 * box_h:
            continue
        ix0, iy0 = min(o.x for o in inner), min(o.y for o in inner)
        ix1, iy1 = max(o.x + o.w for o in inner), max(o.y + o.h for o in inner)
        mx, my = 0.12 * c.w, 0.12 * c.h
        clear = ix0 - c.x >= mx and c.x + c.w - ix1 >= mx and iy0 - c.y >= my and c.y + c.h - iy1 >= my
        if clear and (iy1 - iy0) <= 0.7 * c.h and (ix1 - ix0) <= 0.75 * c.w:
            out.add(c.label)
    return out


def is_badge(ink_crop: np.ndarray, text_h: float) -> bool:
    """A roughly square mark, taller than the text, whose rim encloses other ink (digits)."""
    h, w = ink_crop.shape
    if not (0.7 <= w / max(h, 1) <= 1.45 and h >= 1.3 * text_h):
        return False
    comps, _ = components(ink_crop)
    frames = frame_labels(comps, h)
    return bool(frames) and len(comps) > len(frames)


def is_ornament(ink_crop: np.ndarray, text_h: float) -> bool:
    """A single round ring or a solid shape at least as big as the text: rings, discs, icons."""
    h, w = ink_crop.shape
    if h < 0.6 * text_h or not 0.75 <= w / max(h, 1) <= 1.33:
        return False
    contours, hierarchy = cv2.findContours((ink_crop > 0).astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    outer = [i for i in range(len(contours)) if hierarchy[0][i][3] < 0 and cv2.contourArea(contours[i]) > 4]
    if len(outer) != 1:
        return False
    area = float(cv2.contourArea(contours[outer[0]]))
    holes = [cv2.contourArea(contours[i]) for i in range(len(contours)) if hierarchy[0][i][3] == outer[0]]
    ink_area = float((ink_crop > 0).sum())
    holes = [a for a in holes if a > 4]
    if ink_area >= 0.65 * w * h and not holes and h >= 0.9 * text_h:
        # a solid disc, square or icon; a dense bold character has holes, and a small
        # blurred one (footer type) is smaller than the text
        return True
    round_ring = area < 0.86 * w * h and len(holes) == 1 and holes[0] > 0.3 * w * h
    return round_ring


def is_text(ink_crop: np.ndarray, text_h: float) -> bool:
    """Reject ornaments: a blob that is one solid or ring-like shape is not a text line."""
    h, w = ink_crop.shape
    comps, _ = components(ink_crop)
    if not comps:
        return False
    biggest = max(comps, key=lambda c: c.area)
    total = sum(c.area for c in comps)
    if biggest.area >= 0.7 * total and biggest.w >= 0.85 * w and biggest.h >= 0.85 * h and w < 2.0 * h:
        return False  # ring, icon or dot
    if w < 1.2 * h and len(comps) <= 2 and h < 0.9 * text_h:
        return False  # a stray mark smaller than the text
    # thin curves only (arcs of a ring, brackets of a frame) are not text
    return not (len(comps) <= 2 and w < 3 * h and all(c.area < 0.3 * c.w * c.h for c in comps))


def _differs_beside(part: Box, own: np.ndarray, bg: np.ndarray, direction: int) -> bool:
    """Whether the background changes colour within a few text heights left (-1) or right (1) of part."""
    x, y, w, h = part
    for k in (0.6, 1.2, 1.8, 2.4):
        cx = (x - int(k * h)) if direction < 0 else (x + w + int(k * h))
        if not 0 <= cx < bg.shape[1]:
            return False
        side = np.median(bg[y : y + h, cx].astype(np.int16), axis=0)
        if np.abs(side - own).max() > BG_JUMP:
            return True
    return False


def split_by_background(box: Box, ink: np.ndarray, bg: np.ndarray) -> list[tuple[Box, bool]]:
    """Split a line blob where its background colour changes; flag badge-like parts.

    A number badge is text on its own small patch of colour (a disc, a square):
    narrow, with another background on both sides. A title on a long bar is not.
    """
    x, y, w, h = box
    cols = np.median(bg[y : y + h, x : x + w].astype(np.int16), axis=0)  # (w, 3)
    jumps = np.flatnonzero(np.abs(np.diff(cols, axis=0)).max(axis=1) > BG_JUMP) + 1
    edges = [0, *jumps.tolist(), w]
    out: list[tuple[Box, bool]] = []
    for a, b in itertools.pairwise(edges):
        pts = cv2.findNonZero(ink[y : y + h, x + a : x + b])
        if pts is None:
            continue
        sx, sy, sw, sh = cv2.boundingRect(pts)
        part = (x + a + sx, y + sy, sw, sh)
        own = cols[a + sx : a + sx + sw].mean(axis=0) if sw else cols[a:b].mean(axis=0)
        patch = _differs_beside(part, own, bg, -1) and _differs_beside(part, own, bg, 1)
        out.append((part, patch and 0.5 * sh <= sw <= 2.5 * sh))
    return out


def _line_blobs(ink: np.ndarray, kw: int, kh: int, bg: np.ndarray | None) -> list[tuple[Box, bool]]:
    """Close characters into line blobs; split each where its background changes."""
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kw, kh)))
    _n, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    out: list[tuple[Box, bool]] = []
    for s in stats[1:]:
        x, y, w, h, area = (int(v) for v in s)
        pts = cv2.findNonZero(ink[y : y + h, x : x + w])
        if pts is None or area < 20:
            continue
        bx, by, w, h = cv2.boundingRect(pts)  # closing can grow a blob past its ink at the border
        box = (x + bx, y + by, w, h)
        out.extend(split_by_background(box, ink, bg) if bg is not None else [(box, False)])
    return out


def find_line_boxes(ink: np.ndarray, text_h: float, min_h: int, bg: np.ndarray | None = None) -> tuple[list[Box], set[Box]]:
    """Text-line boxes and, among them, number badges (kept apart from their heading)."""
    kw = max(3, int(round(1.1 * text_h)))  # spans the blank half of a full-width 。 or ，
    kh = max(1, int(round(0.3 * text_h)))  # joins 一 and 、, which sit at different heights
    rest = ink.copy()
    badges: set[Box] = set()
    # Badges drawn with a rim and ornaments, on character-level blobs, before line
    # closing glues them to the heading beside them.
    blobs = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    _n, _, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    for s in stats[1:]:
        x, y, w, h = (int(v) for v in s[:4])
        crop = ink[y : y + h, x : x + w]
        if is_badge(crop, text_h):
            badges.add((x, y, w, h))
            rest[y : y + h, x : x + w] = 0
        elif is_ornament(crop, text_h):
            rest[y : y + h, x : x + w] = 0
    # Small flat marks (一, 、, a dash) join the line beside them before size filters apply.
    pieces: list[Box] = []
    for box, badge in _line_blobs(rest, kw, kh, bg):
        if box[3] > 6 * text_h:
            log.debug("dropping a %dx%d region at (%d,%d): too tall for text (photo?)", *box[2:], *box[:2])
        elif badge and box[3] >= max(min_h, 0.45 * text_h):
            badges.add(box)
        elif not badge and box[2] >= 0.35 * box[3]:  # a lone sliver is an arc or rule end, not text
            pieces.append(box)
    boxes = [
        (x, y, w, h)
        for x, y, w, h in merge_same_line(pieces)
        if h >= max(min_h, 0.45 * text_h) and is_text(rest[y : y + h, x : x + w], text_h)
    ]
    return boxes + sorted(badges), badges
