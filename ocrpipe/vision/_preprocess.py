"""Poster preprocessing with OpenCV: one RGB image in, ordered text-line images out.

Steps, each a function below:

1. deskew      projection-profile angle search on a polarity-free edge map (geometry.py)
2. text height a first pass with a wide median background finds the size of the text
3. background  each pixel takes the colour of the nearest "flat" pixel (clear of edges,
               in a flat area larger than a stroke): bars, discs and gradients are
               background, so white text on a red bar or digits on a small disc show
4. ink         colour distance from that background, so text of any colour on any
               background becomes ink; the outlines of coloured regions, straight
               rules, solid shapes and the corners a rotation added are not ink
5. lines       characters closed into line blobs, split where the background colour
               changes (a number badge on its disc becomes its own "badge" line beside
               its heading), small marks (一, 、) merged into their line, ornaments
               (rings, icons, dots, arcs, photos) rejected by shape
6. order       XY-cut reading order and blocks (layout.py)
7. crops       each line normalised to dark-on-white grey and scaled so its text is
               `target_height` pixels high, the size Tesseract reads best (measured)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import cv2
import numpy as np

from ocrpipe.config import PreprocessConfig
from ocrpipe.output._results import Box, LineKind
from ocrpipe.vision._geometry import deskew, edge_map, map_box, max_channel, scale_to
from ocrpipe.vision._layout import merge_same_line, reading_order

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextLine:
    """One text line, ready for recognition."""

    image: np.ndarray = field(compare=False, repr=False)  # uint8 grey, dark text on white
    box: Box  # x, y, w, h in the input image
    polarity: str  # "dark-on-light" or "light-on-dark" in the input
    block: int
    order: int
    text_height: float  # ink height of the text in input pixels
    scale: float  # factor applied to reach the target height
    kind: LineKind = "text"  # "text", or "badge": a number in a disc or frame beside a heading


@dataclass(frozen=True)
class PageLayout:
    """A preprocessed page: its geometry and its text lines in reading order."""

    width: int
    height: int
    skew: float  # degrees counter-clockwise; the page was rotated by minus this
    scale: float  # median line scale factor
    text_height: float  # median text height in input pixels
    lines: tuple[TextLine, ...]
    page: np.ndarray | None = field(default=None, compare=False, repr=False)  # cleaned page, segment="page"
    debug: dict = field(default_factory=dict, compare=False, repr=False)  # name -> image


# --------------------------------------------------------------------------- ink


def background(rgb: np.ndarray, window: float | None = None) -> np.ndarray:
    """Per-pixel background colour: a median wider than strokes, computed at half size.

    The window must be wider than text strokes but narrower than the banners and
    badges the text sits on; by default it is 3.5% of the image diagonal.
    """
    h, w = rgb.shape[:2]
    if window is None:
        window = float(np.hypot(h, w)) * 0.035
    half = cv2.resize(rgb, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    k = max(7, min(int(window / 2) | 1, 99))
    med = cv2.medianBlur(half, k)
    return cv2.resize(med, (w, h), interpolation=cv2.INTER_LINEAR)


def background_flat(rgb: np.ndarray, text_h: float, grad_thr: float = 28.0) -> np.ndarray | None:
    """Per-pixel background: the colour of the nearest flat pixel.

    Flat pixels are those clear of every edge, in flat areas larger than a
    stroke: banners, bars, discs, gradients, but not the inside of a thick
    stroke or of 口. Each pixel takes the colour of the nearest flat one, so
    white text on a red bar gets red however close the bar's end is, and the
    digits on a small disc get the disc's colour. None when too little is flat.
    """
    # Smoothing first keeps JPEG chroma noise in saturated areas from reading as edges.
    edges = (edge_map(cv2.GaussianBlur(rgb, (5, 5), 1.0)) > grad_thr).astype(np.uint8)
    near_edge = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats((near_edge == 0).astype(np.uint8), connectivity=4)
    big = np.zeros(n, bool)
    big[1:] = stats[1:, cv2.CC_STAT_AREA] >= 0.6 * text_h * text_h
    not_flat = (~big[labels]).astype(np.uint8)
    flat_idx = np.flatnonzero(not_flat.ravel() == 0)
    if flat_idx.size < 0.05 * not_flat.size:
        return None
    _, nearest = cv2.distanceTransformWithLabels(not_flat, cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL)
    colours = np.zeros((flat_idx.size + 1, 3), np.uint8)
    # labels number the flat pixels in scan order; a 5x5 median keeps a stray JPEG pixel
    # from lending its colour to the text around it
    colours[1:] = cv2.medianBlur(rgb, 5).reshape(-1, 3)[flat_idx]
    return colours[nearest]


def colour_distance(rgb: np.ndarray, bg: np.ndarray, shift: int = 4) -> np.ndarray:
    """Max-channel distance from the background, the smallest over the background nearby."""
    padded = cv2.copyMakeBorder(bg, shift, shift, shift, shift, cv2.BORDER_REPLICATE)
    h, w = rgb.shape[:2]
    best = max_channel(cv2.absdiff(rgb, bg))
    for dy, dx in ((-shift, 0), (shift, 0), (0, -shift), (0, shift)):
        ref = np.ascontiguousarray(padded[shift + dy : shift + dy + h, shift + dx : shift + dx + w])
        best = cv2.min(best, max_channel(cv2.absdiff(rgb, ref)))
    return best


def ink_threshold(dist: np.ndarray) -> float:
    vals = dist[dist > 12]
    if vals.size < 50:
        return 40.0
    thr, _ = cv2.threshold(vals.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Half of Otsu: blurred hairlines and small punctuation (。) stay ink; JPEG noise does not.
    return float(np.clip(0.5 * thr, 28, 60))


def _ink(dist: np.ndarray) -> np.ndarray:
    return ((dist > ink_threshold(dist)) * 255).astype(np.uint8)


def _open(img: np.ndarray, w: int, h: int) -> np.ndarray:
    return cv2.morphologyEx(img, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(1, w), max(1, h))))


def remove_rules(ink: np.ndarray, text_h: float | None = None) -> np.ndarray:
    """Drop straight rules: any stroke far longer than a character, and thin ones
    longer than 1.5 characters (the ends and edges of bars and frames).

    A thick stroke of large title type is neither, so it stays.
    """
    h, w = ink.shape
    rules = cv2.bitwise_or(_open(ink, max(40, w // 8), 1), _open(ink, 1, max(40, h // 10)))
    if text_h:
        long_ = max(26, int(1.5 * text_h))  # a floor, so a small ring is not cut into arcs
        thick = max(4, int(0.15 * text_h))
        horiz, vert = _open(ink, long_, 1), _open(ink, 1, long_)
        # What survives an opening across the stroke is a thick stroke, not a rule.
        rules = cv2.bitwise_or(rules, cv2.subtract(horiz, _open(horiz, 1, thick)))
        rules = cv2.bitwise_or(rules, cv2.subtract(vert, _open(vert, thick, 1)))
    return cv2.subtract(ink, rules)


def remove_solids(ink: np.ndarray, text_h: float) -> np.ndarray:
    """Drop ink areas far thicker than a stroke: ends of banners, discs, filled icons."""
    k = max(5, int(0.4 * text_h)) | 1
    solid = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    if not solid.any():
        return ink
    solid = cv2.dilate(solid, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return cv2.bitwise_and(ink, cv2.bitwise_not(solid))


def estimate_text_height(ink: np.ndarray, min_h: int) -> float:
    """Median height of character blobs (strokes joined by a small closing)."""
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    hs = [
        int(s[cv2.CC_STAT_HEIGHT])
        for s in stats[1:]
        if s[cv2.CC_STAT_HEIGHT] >= min_h and s[cv2.CC_STAT_AREA] >= 15 and s[cv2.CC_STAT_WIDTH] >= 3
    ]
    return float(np.median(hs)) if hs else 20.0


# --------------------------------------------------------------------------- line shapes


@dataclass(frozen=True)
class _Comp:
    x: int
    y: int
    w: int
    h: int
    area: int
    label: int


def _components(mask: np.ndarray, min_area: int = 4) -> tuple[list[_Comp], np.ndarray]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    comps = [
        _Comp(int(s[0]), int(s[1]), int(s[2]), int(s[3]), int(s[4]), i) for i, s in enumerate(stats) if i and s[4] >= min_area
    ]
    return comps, labels


def _contains(a: _Comp, b: _Comp) -> bool:
    return a is not b and a.x <= b.x and a.y <= b.y and a.x + a.w >= b.x + b.w and a.y + a.h >= b.y + b.h


def frame_labels(comps: list[_Comp], box_h: int) -> set[int]:
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
    comps, _ = _components(ink_crop)
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
    comps, _ = _components(ink_crop)
    if not comps:
        return False
    biggest = max(comps, key=lambda c: c.area)
    total = sum(c.area for c in comps)
    if biggest.area >= 0.7 * total and biggest.w >= 0.85 * w and biggest.h >= 0.85 * h and w < 2.0 * h:
        return False  # ring, icon or dot
    if w < 1.2 * h and len(comps) <= 2 and h < 0.9 * text_h:
        return False  # a stray mark smaller than the text
    if len(comps) <= 2 and w < 3 * h and all(c.area < 0.3 * c.w * c.h for c in comps):
        return False  # thin curves only: arcs of a ring, brackets of a frame
    return True


# --------------------------------------------------------------------------- main


BG_JUMP = 40  # max-channel step in background colour that separates two regions


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
    for a, b in zip(edges, edges[1:]):
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
    n, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
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
    n, _, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
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


def _line_height(ink_crop: np.ndarray) -> float:
    """Ink height of the text in a line crop: rows holding a fair share of ink."""
    rows = (ink_crop > 0).sum(axis=1)
    if rows.max() == 0:
        return float(ink_crop.shape[0])
    filled = np.nonzero(rows >= 0.04 * rows.max())[0]
    return float(filled[-1] - filled[0] + 1)


def _normalise(dist_crop: np.ndarray, ink_crop: np.ndarray) -> np.ndarray:
    """Colour distance to dark-on-white grey, contrast stretched per line."""
    on = dist_crop[ink_crop > 0]
    top = float(np.percentile(on, 90)) if on.size else 255.0
    top = max(top, 40.0)
    out = 255.0 - np.clip(dist_crop.astype(np.float32) * (255.0 / top), 0, 255)
    return out.astype(np.uint8)


def _binarize(img: np.ndarray, mode: str, target: int) -> np.ndarray:
    if mode == "otsu":
        _, out = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        return out
    if mode == "adaptive":
        block = (2 * target + 1) | 1
        return cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15)
    return img


def _line_crop(
    box: Box, kind: str, ink: np.ndarray, dist: np.ndarray, bg: np.ndarray
) -> tuple[int, int, np.ndarray, np.ndarray]:
    """(x0, y0, dark-on-white crop, its ink mask) for one line, with padding."""
    x, y, w, h = box
    pad = max(2, int(0.25 * h))
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(ink.shape[1], x + w + pad), min(ink.shape[0], y + h + pad)
    ink_c, dist_c = ink[y0:y1, x0:x1], dist[y0:y1, x0:x1]
    if kind != "badge":
        return x0, y0, _normalise(dist_c, ink_c), ink_c
    # A badge: only ink on its own patch of colour counts; its rim and whatever lies
    # outside the disc are dropped, and so is a frame drawn round the digits.
    own = np.median(bg[y : y + h, x : x + w].reshape(-1, 3), axis=0)
    patch = (np.abs(bg[y0:y1, x0:x1].astype(np.int16) - own).max(axis=2) <= BG_JUMP).astype(np.uint8)
    patch = cv2.erode(patch, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    ink_c = cv2.bitwise_and(ink_c, ink_c, mask=patch)
    dist_c = np.where(patch > 0, dist_c, 0).astype(np.uint8)
    comps, labels = _components(ink_c)
    frame = np.isin(labels, list(frame_labels(comps, h))).astype(np.uint8) * 255
    ink_c = cv2.bitwise_and(ink_c, cv2.bitwise_not(frame))
    norm = _normalise(dist_c, ink_c)
    norm[cv2.dilate(frame, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))) > 0] = 255
    return x0, y0, norm, ink_c


def _polarity(work: np.ndarray, bg: np.ndarray, ink_c: np.ndarray, x0: int, y0: int) -> str:
    """Whether the text is lighter than its background."""
    on = ink_c > 0
    if not on.any():
        return "dark-on-light"
    h, w = ink_c.shape
    crop_rgb = work[y0 : y0 + h, x0 : x0 + w].astype(np.float32)[on]
    crop_bg = bg[y0 : y0 + h, x0 : x0 + w].astype(np.float32)[on]
    luma = np.array([0.299, 0.587, 0.114], np.float32)
    return "light-on-dark" if (crop_rgb @ luma).mean() > (crop_bg @ luma).mean() else "dark-on-light"


def preprocess(rgb: np.ndarray, config: PreprocessConfig | None = None) -> PageLayout:
    """Turn one RGB poster into ordered, normalised text-line images."""
    cfg = config or PreprocessConfig()
    H, W = rgb.shape[:2]
    skew, work, rotation = deskew(rgb, cfg.max_angle, cfg.deskew)
    matrix = rotation if rotation is not None else np.array([[1.0, 0, 0], [0, 1.0, 0]])

    # A first, wide median background is enough to find the text height, which the
    # flat background and every size below are measured against.
    text_h = estimate_text_height(remove_rules(_ink(colour_distance(work, background(work)))), cfg.min_line_height)
    bg = background_flat(work, text_h)
    if bg is None:
        bg = background(work, window=1.6 * text_h)
    dist = colour_distance(work, bg)
    ink = remove_solids(remove_rules(_ink(dist), text_h), text_h)
    # Where the background itself changes colour (the outline of a bar, disc or icon)
    # nothing is text: text sits inside such regions, not on their border.
    outline = cv2.dilate(
        (edge_map(bg) > BG_JUMP).astype(np.uint8),  # ±5 px: a blurred rim is wide
        cv2.getStructuringElement(cv2.MORPH_RECT, (11, 11)),
    )
    ink[outline > 0] = 0
    if work is not rgb:  # the corners a rotation added hold no text; their edge is not ink
        inside = cv2.warpAffine(
            np.full((H, W), 255, np.uint8), matrix, (work.shape[1], work.shape[0]), flags=cv2.INTER_NEAREST, borderValue=0
        )
        ink = cv2.bitwise_and(ink, cv2.erode(inside, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))))

    kept, badges = find_line_boxes(ink, text_h, cfg.min_line_height, bg)
    ordered = reading_order(kept, text_h)

    lines: list[TextLine] = []
    page = np.full(work.shape[:2], 255, np.uint8) if cfg.segment == "page" else None
    for o in ordered:
        kind: LineKind = "badge" if o.box in badges else "text"
        x0, y0, norm, ink_c = _line_crop(o.box, kind, ink, dist, bg)
        if page is not None:
            y1, x1 = y0 + norm.shape[0], x0 + norm.shape[1]
            page[y0:y1, x0:x1] = np.minimum(page[y0:y1, x0:x1], norm)
        line_h = _line_height(ink_c)
        factor = float(np.clip(cfg.target_height / max(line_h, 1.0), 0.2, 4.0))
        img = _binarize(scale_to(norm, factor), cfg.binarize, cfg.target_height)
        border = max(4, cfg.target_height // 2)
        img = cv2.copyMakeBorder(img, border, border, border, border, cv2.BORDER_CONSTANT, value=255)
        polarity = _polarity(work, bg, ink_c, x0, y0)
        lines.append(
            TextLine(
                image=img,
                box=map_box(o.box, matrix, (H, W)),
                polarity=polarity,
                block=o.block,
                order=o.order,
                text_height=line_h,
                scale=factor,
                kind=kind,
            )
        )

    scale = float(np.median([ln.scale for ln in lines])) if lines else 1.0
    if page is not None:
        page = scale_to(page, scale)
    debug = {"mask": 255 - ink, "overlay": _overlay(work, ordered)}
    return PageLayout(width=W, height=H, skew=skew, scale=scale, text_height=text_h, lines=tuple(lines), page=page, debug=debug)


def _overlay(work: np.ndarray, ordered) -> np.ndarray:
    out = cv2.cvtColor(work, cv2.COLOR_RGB2BGR)
    for o in ordered:
        x, y, w, h = o.box
        colour = (0, 0, 255) if o.block % 2 == 0 else (255, 0, 0)
        cv2.rectangle(out, (x, y), (x + w, y + h), colour, 2)
        cv2.putText(out, str(o.order), (max(0, x - 2), max(12, y - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)
    return out


def write_debug(layout: PageLayout, out_dir, stem: str) -> None:
    """Write the mask and the numbered line-box overlay for a person to look at."""
    from pathlib import Path

    from ocrpipe._io import atomic_write_bytes

    out_dir = Path(out_dir)
    for name, img in layout.debug.items():
        ok, buf = cv2.imencode(".png", img)
        if ok:
            atomic_write_bytes(out_dir / f"{stem}.{name}.png", buf.tobytes())
    if layout.page is not None:
        ok, buf = cv2.imencode(".png", layout.page)
        if ok:
            atomic_write_bytes(out_dir / f"{stem}.page.png", buf.tobytes())


def _crop_ink(crop_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(colour distance from the crop's background, ink mask) for one detected line.

    The background is the median colour of the crop's rim: a detected box has a
    margin around its text."""
    h, w = crop_rgb.shape[:2]
    r = max(1, min(h, w) // 10)
    rim = np.concatenate(
        [
            crop_rgb[:r].reshape(-1, 3),
            crop_rgb[-r:].reshape(-1, 3),
            crop_rgb[:, :r].reshape(-1, 3),
            crop_rgb[:, -r:].reshape(-1, 3),
        ]
    )
    bg = np.median(rim, axis=0).astype(np.uint8)
    dist = max_channel(cv2.absdiff(crop_rgb, np.full_like(crop_rgb, bg)))
    return dist, _ink(dist)


def trim_ornaments(crop_rgb: np.ndarray) -> tuple[int, int]:
    """The x-range of a detected line without the rings, discs and icons the detector took
    in at its ends (a ring in the margin beside a line, an icon over its last character)."""
    _dist, ink = _crop_ink(crop_rgb)
    h, w = ink.shape
    line_h = _line_height(ink)
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    comps, _ = _components(closed, min_area=8)
    if len(comps) < 3:
        return 0, w
    comps.sort(key=lambda c: c.x)
    x0, x1 = 0, w
    last, first = comps[-1], comps[0]
    # an ornament stands apart from the text (a dense character such as 最 does not)
    if last.x - max(c.x + c.w for c in comps[:-1]) >= 0.3 * line_h and is_ornament(
        closed[last.y : last.y + last.h, last.x : last.x + last.w], line_h
    ):
        x1 = max(1, last.x - 1)
    if min(c.x for c in comps[1:]) - (first.x + first.w) >= 0.3 * line_h and is_ornament(
        closed[first.y : first.y + first.h, first.x : first.x + first.w], line_h
    ):
        x0 = min(x1 - 1, first.x + first.w + 1)
    return x0, x1


def clean_badge(crop_rgb: np.ndarray, cfg: PreprocessConfig | None = None) -> np.ndarray:
    """A number badge as a detected crop: only the ink clear of the crop's edge (the digits;
    not the corners of the page round the disc), dark on white at the target height."""
    cfg = cfg or PreprocessConfig()
    dist, ink = _crop_ink(crop_rgb)
    comps, labels = _components(ink, min_area=4)
    h, w = ink.shape
    inner = [c.label for c in comps if c.x > 0 and c.y > 0 and c.x + c.w < w and c.y + c.h < h]
    keep = np.isin(labels, inner)
    ink = np.where(keep, ink, 0).astype(np.uint8)
    norm = _normalise(np.where(keep, dist, 0).astype(np.uint8), ink)
    line_h = _line_height(ink)
    factor = float(np.clip(cfg.det_target_height / max(line_h, 1.0), 0.2, 6.0))
    img = scale_to(norm, factor)
    border = max(4, cfg.det_target_height // 2)
    return cv2.copyMakeBorder(img, border, border, border, border, cv2.BORDER_CONSTANT, value=255)


def clean_line(crop_rgb: np.ndarray, cfg: PreprocessConfig | None = None) -> tuple[np.ndarray, float]:
    """The classical ink model on one detected line: dark-on-white grey at the target text height.

    The ink is the colour distance from the crop's background, so any text colour on any
    flat background becomes dark on white. Returns (image, text height).
    """
    cfg = cfg or PreprocessConfig()
    dist, ink = _crop_ink(crop_rgb)
    line_h = _line_height(ink)
    norm = _normalise(dist, ink)
    target = cfg.det_target_height
    factor = float(np.clip(target / max(line_h, 1.0), 0.2, 4.0))
    img = _binarize(scale_to(norm, factor), cfg.binarize, target)
    border = max(4, target // 2)
    return cv2.copyMakeBorder(img, border, border, border, border, cv2.BORDER_CONSTANT, value=255), line_h
