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
from pathlib import Path

import cv2
import numpy as np

from ocrpipe.config import PreprocessConfig
from ocrpipe.output._results import Box, LineKind
from ocrpipe.vision._geometry import deskew, edge_map, map_box, scale_to
from ocrpipe.vision._ink import (
    BG_JUMP,
    background,
    background_flat,
    colour_distance,
    estimate_text_height,
    ink_mask,
    line_height,
    remove_rules,
    remove_solids,
)
from ocrpipe.vision._layout import Ordered, reading_order
from ocrpipe.vision._lineclean import fit_height, line_crop
from ocrpipe.vision._linefind import find_line_boxes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextLine:
    """One text line, ready for recognition."""

    image: np.ndarray = field(compare=False, repr=False)  # uint8 grey, dark text on white
    box: Box  # x, y, w, h in the input image
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


def preprocess(rgb: np.ndarray, config: PreprocessConfig | None = None, debug: bool = False) -> PageLayout:
    """Turn one RGB poster into ordered, normalised text-line images.

    With `debug`, the layout also holds the ink mask and a numbered line-box overlay
    (for write_debug); they cost a full-size copy each, so only when asked.
    """
    cfg = config or PreprocessConfig()
    H, W = rgb.shape[:2]
    skew, work, rotation = deskew(rgb, cfg.max_angle, cfg.deskew)
    matrix = rotation if rotation is not None else np.array([[1.0, 0, 0], [0, 1.0, 0]])

    # A first, wide median background is enough to find the text height, which the
    # flat background and every size below are measured against.
    text_h = estimate_text_height(remove_rules(ink_mask(colour_distance(work, background(work)))), cfg.min_line_height)
    bg = background_flat(work, text_h)
    if bg is None:
        bg = background(work, window=1.6 * text_h)
    dist = colour_distance(work, bg)
    ink = remove_solids(remove_rules(ink_mask(dist), text_h), text_h)
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
        x0, y0, norm, ink_c = line_crop(o.box, kind, ink, dist, bg)
        if page is not None:
            y1, x1 = y0 + norm.shape[0], x0 + norm.shape[1]
            page[y0:y1, x0:x1] = np.minimum(page[y0:y1, x0:x1], norm)
        line_h = line_height(ink_c)
        img, factor = fit_height(norm, line_h, cfg.target_height, 4.0, cfg.binarize)
        lines.append(
            TextLine(
                image=img,
                box=map_box(o.box, matrix, (H, W)),
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
    shown = {"mask": 255 - ink, "overlay": _overlay(work, ordered)} if debug else {}
    return PageLayout(width=W, height=H, skew=skew, scale=scale, text_height=text_h, lines=tuple(lines), page=page, debug=shown)


def _overlay(work: np.ndarray, ordered: list[Ordered]) -> np.ndarray:
    out = cv2.cvtColor(work, cv2.COLOR_RGB2BGR)
    for o in ordered:
        x, y, w, h = o.box
        colour = (0, 0, 255) if o.block % 2 == 0 else (255, 0, 0)
        cv2.rectangle(out, (x, y), (x + w, y + h), colour, 2)
        cv2.putText(out, str(o.order), (max(0, x - 2), max(12, y - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)
    return out


def write_debug(layout: PageLayout, out_dir: Path | str, stem: str) -> None:
    """Write the mask and the numbered line-box overlay for a person to look at."""
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


def write_overlay(rgb: np.ndarray, outlines: list[tuple[tuple[int, int], ...]], out_dir: str | Path, stem: str) -> None:
    """The numbered outline of every line found on the image (segment detect and engine, whose
    lines are not found by the ink model and so have no mask to show)."""
    from pathlib import Path

    from ocrpipe._io import atomic_write_bytes

    img = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    thick = max(1, round(max(img.shape[:2]) / 800))
    for n, pts in enumerate(outlines, 1):
        poly = np.array(pts, np.int32).reshape(-1, 1, 2)
        cv2.polylines(img, [poly], True, (0, 0, 255), thick)
        x, y = int(poly[:, 0, 0].min()), int(poly[:, 0, 1].min())
        cv2.putText(img, str(n), (x, max(12, y - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.4 * thick, (255, 0, 0), thick)
    ok, buf = cv2.imencode(".png", img)
    if ok:
        atomic_write_bytes(Path(out_dir) / f"{stem}.overlay.png", buf.tobytes())
