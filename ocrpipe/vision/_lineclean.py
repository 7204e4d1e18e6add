"""The line cleaner: one line's crop made dark-on-white grey at the height the engine reads best."""

from __future__ import annotations

import cv2
import numpy as np

from ocrpipe.config import PreprocessConfig
from ocrpipe.output._results import Box
from ocrpipe.vision._geometry import scale_to
from ocrpipe.vision._ink import BG_JUMP, crop_ink, ink_colour, line_height, line_ink, normalise
from ocrpipe.vision._linefind import components, frame_labels, is_ornament


def binarize(img: np.ndarray, mode: str, target: int) -> np.ndarray:
    if mode == "otsu":
        _, out = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        return out
    if mode == "adaptive":
        block = (2 * target + 1) | 1
        return cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15)
    return img


def fit_height(norm: np.ndarray, text_h: float, target: int, max_factor: float, mode: str = "none") -> tuple[np.ndarray, float]:
    """(the line scaled so its text is `target` px high, binarised by `mode` and padded white; the factor)."""
    factor = float(np.clip(target / max(text_h, 1.0), 0.2, max_factor))
    img = binarize(scale_to(norm, factor), mode, target)
    border = max(4, target // 2)
    return cv2.copyMakeBorder(img, border, border, border, border, cv2.BORDER_CONSTANT, value=255), factor


def line_crop(
    box: Box, kind: str, ink: np.ndarray, dist: np.ndarray, bg: np.ndarray
) -> tuple[int, int, np.ndarray, np.ndarray]:
    """(x0, y0, dark-on-white crop, its ink mask) for one line, with padding."""
    x, y, w, h = box
    pad = max(2, int(0.25 * h))
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(ink.shape[1], x + w + pad), min(ink.shape[0], y + h + pad)
    ink_c, dist_c = ink[y0:y1, x0:x1], dist[y0:y1, x0:x1]
    if kind != "badge":
        return x0, y0, normalise(dist_c, ink_c), ink_c
    # A badge: only ink on its own patch of colour counts; its rim and whatever lies
    # outside the disc are dropped, and so is a frame drawn round the digits.
    own = np.median(bg[y : y + h, x : x + w].reshape(-1, 3), axis=0)
    patch = (np.abs(bg[y0:y1, x0:x1].astype(np.int16) - own).max(axis=2) <= BG_JUMP).astype(np.uint8)
    patch = cv2.erode(patch, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    ink_c = cv2.bitwise_and(ink_c, ink_c, mask=patch)
    dist_c = np.where(patch > 0, dist_c, 0).astype(np.uint8)
    comps, labels = components(ink_c)
    frame = np.isin(labels, list(frame_labels(comps, h))).astype(np.uint8) * 255
    ink_c = cv2.bitwise_and(ink_c, cv2.bitwise_not(frame))
    norm = normalise(dist_c, ink_c)
    norm[cv2.dilate(frame, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))) > 0] = 255
    return x0, y0, norm, ink_c


def trim_ornaments(crop_rgb: np.ndarray) -> tuple[int, int]:
    """The x-range of a detected line without the rings, discs and icons the detector took
    in at its ends (a ring in the margin beside a line, an icon over its last character)."""
    _dist, ink = crop_ink(crop_rgb)
    _h, w = ink.shape
    line_h = line_height(ink)
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    comps, _ = components(closed, min_area=8)
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
    dist, ink = crop_ink(crop_rgb)
    comps, labels = components(ink, min_area=4)
    h, w = ink.shape
    inner = [c.label for c in comps if c.x > 0 and c.y > 0 and c.x + c.w < w and c.y + c.h < h]
    keep = np.isin(labels, inner)
    ink = np.where(keep, ink, 0).astype(np.uint8)
    norm = normalise(np.where(keep, dist, 0).astype(np.uint8), ink)
    return fit_height(norm, line_height(ink), cfg.det_target_height, 6.0)[0]


def clean_line_styled(crop_rgb: np.ndarray, cfg: PreprocessConfig | None = None) -> tuple[np.ndarray, float, str | None]:
    """The classical ink model on one detected line: dark-on-white grey at the target text height.

    The ink is the colour distance from the crop's background, so any text colour on any
    flat background becomes dark on white; in the image, text on a chip behind part of the
    line (a highlight, a pill) is measured against the chip's own colour. Returns (image, text
    height, the colour the text is set in: "#rrggbb", None where too little ink): the clause
    parser tells a title from its body by colour as well as size, so those two are the line's
    measure against its page ground (a highlighted title's line measures as tall as its chip
    and takes some of its colour: what sets it apart from the body round it)."""
    cfg = cfg or PreprocessConfig()
    page_dist, page_ink = crop_ink(crop_rgb)
    dist, ink = line_ink(crop_rgb, page_dist, page_ink)
    img, _factor = fit_height(normalise(dist, ink), line_height(ink), cfg.det_target_height, 4.0, cfg.binarize)
    return img, line_height(page_ink), ink_colour(crop_rgb, page_dist, page_ink)
