"""The ink model: which pixels are text, whatever its colour or its background's.

A pixel's background is the colour of the nearest flat area (bars, discs and gradients
are background); ink is the colour distance from it, less the straight rules and solid
shapes that are not text. The same model serves a whole poster and one detected line.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocrpipe.vision._geometry import edge_map, max_channel

BG_JUMP = 40  # max-channel step in background colour that separates two regions


def background(rgb: np.ndarray, window: float | None = None) -> np.ndarray:
    """Per-pixel background colour: a median wider than strokes, computed at half size.

    The window must be wider than text strokes but narrower than the banners and
    badges the text sits on; by default it is 3.5% of the image diagonal.
    """
    if window is None:
        window = float(np.hypot(*rgb.shape[:2])) * 0.035
    return median_ground(rgb, window)


def median_ground(rgb: np.ndarray, window: float, scale: int = 2, min_k: int = 7, mirror: bool = False) -> np.ndarray:
    """The colour round each pixel: the median over `window` pixels (at full size), computed at
    1/`scale` size (an odd kernel of `min_k` to 99 there) and scaled back.

    The edges differ by caller, on purpose: the ink model (background) keeps OpenCV's own
    border, the edge row repeated, with which every figure of it was measured; the badge finder
    (_discs, a window three badges wide at quarter size) has the image `mirror`ed at its edges,
    as a repeated edge row let a header band spread far down the page there.
    """
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (max(1, w // scale), max(1, h // scale)), interpolation=cv2.INTER_AREA)
    k = max(min_k, min(int(window / scale) | 1, 99))
    if mirror:
        pad = k // 2
        med = cv2.medianBlur(cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_REFLECT_101), k)[pad:-pad, pad:-pad]
    else:
        med = cv2.medianBlur(small, k)
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


def ink_mask(dist: np.ndarray) -> np.ndarray:
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
    _n, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    hs = [
        int(s[cv2.CC_STAT_HEIGHT])
        for s in stats[1:]
        if s[cv2.CC_STAT_HEIGHT] >= min_h and s[cv2.CC_STAT_AREA] >= 15 and s[cv2.CC_STAT_WIDTH] >= 3
    ]
    return float(np.median(hs)) if hs else 20.0


def line_height(ink_crop: np.ndarray) -> float:
    """Ink height of the text in a line crop: rows holding a fair share of ink."""
    rows = (ink_crop > 0).sum(axis=1)
    if rows.max() == 0:
        return float(ink_crop.shape[0])
    filled = np.nonzero(rows >= 0.04 * rows.max())[0]
    return float(filled[-1] - filled[0] + 1)


def ink_colour(crop_rgb: np.ndarray, dist: np.ndarray, ink: np.ndarray) -> str | None:
    """The colour the text is set in, as "#rrggbb": the median of the ink's strongest quarter (the
    cores of strokes, not their anti-aliased edges); None where there is too little ink."""
    on = dist[ink > 0]
    if on.size < 20:
        return None
    core = (ink > 0) & (dist >= np.percentile(on, 75))
    r, g, b = (int(v) for v in np.median(crop_rgb[core].reshape(-1, 3), axis=0))
    return f"#{r:02x}{g:02x}{b:02x}"


def normalise(dist_crop: np.ndarray, ink_crop: np.ndarray) -> np.ndarray:
    """Colour distance to dark-on-white grey, contrast stretched per line."""
    on = dist_crop[ink_crop > 0]
    top = float(np.percentile(on, 90)) if on.size else 255.0
    top = max(top, 40.0)
    out = 255.0 - np.clip(dist_crop.astype(np.float32) * (255.0 / top), 0, 255)
    return out.astype(np.uint8)


def crop_ink(crop_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(colour distance from the crop's background, ink mask) for one detected line.

    The background is the median colour of the crop's rim: a detected box has a
    margin around its text."""
    bg = _rim_ground(crop_rgb)
    dist = max_channel(cv2.absdiff(crop_rgb, np.full_like(crop_rgb, bg)))
    return dist, ink_mask(dist)


def between_grounds(rgb: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Max-channel distance from the nearest colour on the mix of grounds `a` and `b`: a chip's
    anti-aliased edge (a blend of the two) is ground, text on either is not."""
    p = rgb.astype(np.float32) - a.astype(np.float32)
    d = b.astype(np.float32) - a.astype(np.float32)
    t = np.clip((p @ d) / max(float(d @ d), 1.0), 0.0, 1.0)
    return np.abs(p - t[..., None] * d).max(axis=2).clip(0, 255).astype(np.uint8)


def chips(
    crop_rgb: np.ndarray, dist: np.ndarray, ink: np.ndarray, ground: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(its box, the text it holds in the page's colour, its colour) of each chip in a line crop:
    a flat patch of its own colour behind
    part of the line (a highlight, a pill behind a title), at least the text's height and wider
    than tall, a filled bar holding text not its colour. Against the crop's ground a chip and its
    text are one solid area of colour (a pale highlight may fall below the ink threshold, so any
    clear step of colour counts, its text's holes filled; it often comes in pieces, between dense
    characters), so the pieces of one colour make one chip, their joint box, where one piece at
    least runs behind several characters; a disc round one numeral is no wider than tall and
    stays as it is."""
    text_h = line_height(ink)
    k = max(5, int(0.4 * text_h)) | 1
    far = ((dist > BG_JUMP // 2) * 255).astype(np.uint8)
    # text in the page's own colour on a chip (white on a red pill) leaves holes in it: filled
    _n, holes = cv2.connectedComponents((far == 0).astype(np.uint8), connectivity=4)
    rim = np.unique(np.concatenate([holes[0], holes[-1], holes[:, 0], holes[:, -1]]))
    enclosed = (holes > 0) & ~np.isin(holes, rim)
    far[enclosed] = 255
    solid = cv2.morphologyEx(far, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    groups: list[tuple[np.ndarray, list[int]]] = []
    for i in range(1, n):
        colours = crop_rgb[labels == i].reshape(-1, 3)
        own = np.median(colours, axis=0).astype(np.uint8)
        # a ground is flat: most of the piece (all but its text) is its own colour
        if (np.abs(colours.astype(np.int16) - own).max(axis=1) <= BG_JUMP // 2).mean() < 0.5:
            continue
        if int(np.abs(own.astype(np.int16) - ground).max()) <= BG_JUMP // 2:
            continue
        for colour, members in groups:
            if int(np.abs(own.astype(np.int16) - colour).max()) <= BG_JUMP // 2:
                members.append(i)
                break
        else:
            groups.append((own, [i]))
    found = []
    h, w = ink.shape
    for colour, members in groups:
        x0 = min(int(stats[i, cv2.CC_STAT_LEFT]) for i in members)
        y0 = min(int(stats[i, cv2.CC_STAT_TOP]) for i in members)
        x1 = max(int(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH]) for i in members)
        y1 = max(int(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT]) for i in members)
        if y1 - y0 < 0.6 * text_h or x1 - x0 < 1.8 * (y1 - y0):
            continue
        # one piece at least is a chip's own run behind several characters, a filled bar: it
        # fills its box (blurred dense text on a gradient leaves character-wide pieces; bold
        # letters and an arrow leave pieces with gaps and notches)
        wide = [
            i
            for i in members
            if stats[i, cv2.CC_STAT_WIDTH] >= 1.8 * stats[i, cv2.CC_STAT_HEIGHT] >= 1.08 * text_h
            and stats[i, cv2.CC_STAT_AREA] >= 0.85 * stats[i, cv2.CC_STAT_WIDTH] * stats[i, cv2.CC_STAT_HEIGHT]
        ]
        if not wide:
            continue
        # and it holds text that is not its colour: far from both grounds, or in the page's
        # colour but held by the chip (a hole in its colour; the gaps between bold letters run
        # out to the page, the digit of a numeral disc beside the chip is held by the disc)
        g = k // 2 + 2
        box = np.zeros((h, w), bool)
        box[max(0, y0 - g) : y1 + g, max(0, x0 - g) : x1 + g] = True
        own = max_channel(cv2.absdiff(crop_rgb, np.full_like(crop_rgb, colour)))
        _n, holes = cv2.connectedComponents(((own > BG_JUMP // 2) | ~box).astype(np.uint8), connectivity=4)
        rim = np.unique(np.concatenate([holes[0], holes[-1], holes[:, 0], holes[:, -1], holes[~box]]))
        held = (holes > 0) & ~np.isin(holes, rim)
        text = (own > 2 * BG_JUMP) & ((dist > 2 * BG_JUMP) | held)
        if text[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].mean() < 0.08:
            continue
        # the box grown over the chip's corners (the opening rounds them) and its blended edge
        found.append((box, held, colour))
    return found


def line_ink(crop_rgb: np.ndarray, dist: np.ndarray, ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`crop_ink`'s (`dist`, `ink`) for a line whose crop may hold two grounds: text on a chip (a
    highlight, a pill) with the page round it. Over a chip the ink is the distance from the
    nearest mix of the chip's colour and the page's (its blended edge is ground too), and for
    text held by the chip, from the chip's colour alone (white text on a red pill on a white
    page), so the chip becomes white and its text dark, not a grey block round grey text."""
    h, w = crop_rgb.shape[:2]
    ground = _rim_ground(crop_rgb)
    found = chips(crop_rgb, dist, ink, ground) if min(h, w) >= 8 else []
    if not found:
        return dist, ink
    for box, held, own in found:
        on_chip = max_channel(cv2.absdiff(crop_rgb, np.full_like(crop_rgb, own)))
        local = np.where(held, on_chip, between_grounds(crop_rgb, ground, own))
        dist = np.where(box, local, dist).astype(np.uint8)
    return dist, ink_mask(dist)


def _rim_ground(crop_rgb: np.ndarray) -> np.ndarray:
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
    return np.median(rim, axis=0).astype(np.uint8)
