"""Learned text detection: PP-OCR's DB model and direction classifier.

onnxruntime runs the PP-OCRv4 detection model (probability map of "text here") and the
PP-OCR mobile direction classifier (0° or 180°) when it is installed, else OpenCV DNN does,
with the same output (vision/_onnx.py); no new dependency. Both files ship in the package's `models/` (ocrpipe._models:
manifest with sha256, checked when they are loaded); nothing is downloaded.

detect():  image -> probability map at a measured resolution -> text regions
           (threshold, contours, box score) -> unclipped rotated rectangles in
           image coordinates.
crop():    a rotated rectangle -> an upright, axis-aligned line image (perspective
           warp); a column of stacked characters is re-laid as a row.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from ocrpipe._models import manifest, model_bytes
from ocrpipe.errors import EngineNotAvailable
from ocrpipe.vision._geometry import corners
from ocrpipe.vision._onnx import OnnxModel, runtime

log = logging.getLogger(__name__)

DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_infer.onnx"

Quad = np.ndarray  # (4, 2) float32, clockwise from top-left, image coordinates


@dataclass(frozen=True)
class DetConfig:
    """How the detector looks at a page. Defaults chosen by `make bench` (README)."""

    side: int = 1280  # the longer side of the detector's input at most, px (multiple of 32; measured)
    max_upscale: float = 3.0  # small images are enlarged at most this much
    line_max_h: int = 64  # an image at most this high and `line_aspect` times as wide is one line
    line_aspect: float = 2.5
    tile_aspect: float = 2.5  # pages longer than this (long side / short side) are read in tiles
    thresh: float = 0.3  # probability that a pixel is text
    box_thresh: float = 0.5  # mean probability inside a region for it to count
    unclip: float = 1.6  # DB shrinks regions by this ratio when training; grow them back
    max_regions: int = 1000
    min_side: float = 5.0  # px in the detector's input: smaller regions are noise


@dataclass(frozen=True)
class Region:
    quad: Quad = field(compare=False)
    score: float

    @property
    def box(self) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = corners(self.quad)
        return int(max(0, x0)), int(max(0, y0)), int(x1 - max(0, x0)), int(y1 - max(0, y0))

    @property
    def polygon(self) -> tuple[tuple[int, int], ...]:
        """The quad's corners in whole pixels, clockwise from the top-left; () when it is an upright box."""
        pts = tuple((int(round(max(0.0, x))), int(round(max(0.0, y)))) for x, y in self.quad)
        x, y, w, h = self.box
        # a tilt under a pixel across the line is no tilt: the box says the same
        if all(abs(px - cx) <= 1 and abs(py - cy) <= 1 for (px, py), (cx, cy) in zip(pts, _box_corners(x, y, w, h))):
            return ()
        return pts

    @property
    def size(self) -> tuple[float, float]:
        """(length along the text, height across it) of the rotated rectangle."""
        q = self.quad
        w = float(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[3] - q[2])))
        h = float(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))
        return w, h


def _box_corners(x: int, y: int, w: int, h: int) -> tuple[tuple[int, int], ...]:
    return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


def _load(name: str) -> OnnxModel:
    try:
        path, data = model_bytes(name)
    except EngineNotAvailable as exc:
        raise EngineNotAvailable(
            f"text detection {exc.message}",
            f"{exc.hint}; or set segment to lines, the classical line finder",
            option="segment",
        ) from exc
    try:
        return OnnxModel(path, data)
    except Exception as exc:  # cv2.error or onnxruntime's own; keep the message
        raise EngineNotAvailable(
            f"cannot load {path}: {str(exc).strip()[:200]}",
            "reinstall ocrpipe, or set segment to lines, the classical line finder",
            option="segment",
        ) from exc


def order_quad(pts: np.ndarray) -> Quad:
    """Corners clockwise from the top-left: tl, tr, br, bl."""
    pts = np.asarray(pts, np.float32)
    by_x = pts[np.argsort(pts[:, 0], kind="stable")]
    left, right = by_x[:2], by_x[2:]
    tl, bl = left[np.argsort(left[:, 1], kind="stable")]
    tr, br = right[np.argsort(right[:, 1], kind="stable")]
    return np.array([tl, tr, br, bl], np.float32)


class TextDetector:
    """PP-OCRv4 DB detection and the 0/180° direction classifier (onnxruntime or OpenCV DNN)."""

    def __init__(self, config: DetConfig | None = None) -> None:
        self.config = config or DetConfig()
        self._det = _load(DET_MODEL)
        self._cls = _load(CLS_MODEL)

    def provenance(self) -> dict:
        return {
            "detector": DET_MODEL,
            "detector_sha256": manifest()[DET_MODEL]["sha256"],
            "direction_classifier": CLS_MODEL,
            "direction_classifier_sha256": manifest()[CLS_MODEL]["sha256"],
            "runtime": runtime(self._det.backend),
            "det_side": self.config.side,
        }

    # -- detection -------------------------------------------------------------

    def detect(self, rgb: np.ndarray) -> list[Region]:
        """Text regions of a whole image, in image coordinates (tiles for very long pages).

        An image that is one text line cut tight (a caption strip, a word) is taken
        whole: the detector, which needs context round a line, finds only part of it
        (measured on realdev's single-line images: F1 0.31 -> 0.66 with PP-OCR).
        """
        found = merge_overlapping(self._detect_page(rgb))
        h, w = rgb.shape[:2]
        if h <= self.config.line_max_h and w >= self.config.line_aspect * h and _one_row(found):
            # (not two lines of small type in a strip)
            quad = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
            return [Region(quad=quad, score=1.0)]
        return found

    def _detect_page(self, rgb: np.ndarray) -> list[Region]:
        h, w = rgb.shape[:2]
        long_, short = max(h, w), min(h, w)
        if long_ / max(short, 1) <= self.config.tile_aspect:
            return self._detect_window(rgb, 0, 0)
        # A long page shrunk whole would make its body text too small: read it in
        # overlapping square-ish tiles along its length, each at the usual scale.
        step = int(short * self.config.tile_aspect * 0.8)
        span = int(short * self.config.tile_aspect)
        regions: list[Region] = []
        vertical = h >= w
        for start in range(0, max(1, long_ - int(0.2 * span)), step):
            end = min(long_, start + span)
            tile = rgb[start:end] if vertical else rgb[:, start:end]
            found = self._detect_window(tile, 0 if not vertical else start, start if not vertical else 0)
            regions.extend(found)
            if end >= long_:
                break
        return _dedupe(regions)

    def _detect_window(self, rgb: np.ndarray, dy: int, dx: int) -> list[Region]:
        cfg = self.config
        h, w = rgb.shape[:2]
        scale = min(cfg.side / max(h, w), cfg.max_upscale)
        nh, nw = max(32, int(round(h * scale / 32)) * 32), max(32, int(round(w * scale / 32)) * 32)
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)  # the model was trained on BGR
        blob = cv2.dnn.blobFromImage(cv2.resize(bgr, (nw, nh)), 1 / 127.5, (nw, nh), (127.5, 127.5, 127.5))
        prob = self._det(blob)[0, 0]
        sx, sy = w / nw, h / nh
        out = []
        for quad, score in db_regions(prob, cfg):
            quad = quad * np.array([sx, sy], np.float32) + np.array([dx, dy], np.float32)
            quad[:, 0] = np.clip(quad[:, 0], dx, dx + w - 1)
            quad[:, 1] = np.clip(quad[:, 1], dy, dy + h - 1)
            out.append(Region(quad=order_quad(quad), score=score))
        return out

    # -- direction -------------------------------------------------------------

    def upside_down(self, crops: list[np.ndarray]) -> list[bool]:
        """Per horizontal line crop of one page: is it rotated 180°?

        PP-OCR's classifier (0.9 confidence) votes per line, and the page decides: a poster is
        printed one way up, so either every line is turned or none is. Taken line by line, the
        classifier turned single upright lines of long running text (a line squeezed to its
        192-px input), which were then read backwards as nonsense and their clause lost.
        """
        out: list[bool] = []
        for i in range(0, len(crops), 8):
            batch = np.stack([_cls_input(c) for c in crops[i : i + 8]])
            probs = self._cls(batch)
            out.extend(bool(p[1] > 0.9 and p[1] > p[0]) for p in probs)
        page = sum(out) > len(out) / 2
        return [page] * len(out)


def _cls_input(crop_rgb: np.ndarray) -> np.ndarray:
    h, w = crop_rgb.shape[:2]
    nw = int(min(192, math.ceil(48 * w / max(h, 1))))
    img = cv2.resize(cv2.cvtColor(crop_rgb, cv2.COLOR_RGB2BGR), (max(1, nw), 48)).astype(np.float32)
    img = (img / 255.0 - 0.5) / 0.5
    out = np.zeros((3, 48, 192), np.float32)
    out[:, :, :nw] = img.transpose(2, 0, 1)
    return out


def db_regions(prob: np.ndarray, cfg: DetConfig) -> list[tuple[np.ndarray, float]]:
    """DB post-processing: probability map -> (rotated rectangle corners, score), in map pixels."""
    mask = cv2.dilate((prob > cfg.thresh).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours[: cfg.max_regions]:
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(c)
        if min(rw, rh) < 3:
            continue
        score = _box_score(prob, c)
        if score < cfg.box_thresh:
            continue
        # grow the shrunk region back: offset by area * ratio / perimeter on every side
        d = rw * rh * cfg.unclip / (2 * (rw + rh))
        grown = ((cx, cy), (rw + 2 * d, rh + 2 * d), angle)
        if min(rw, rh) + 2 * d < cfg.min_side:
            continue
        out.append((cv2.boxPoints(grown).astype(np.float32), score))
    return out


def _box_score(prob: np.ndarray, contour: np.ndarray) -> float:
    """Mean probability inside the contour (within its bounding box)."""
    x, y, w, h = cv2.boundingRect(contour)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [contour.reshape(-1, 2) - np.array([x, y])], 1)
    return float(cv2.mean(prob[y : y + h, x : x + w], mask=mask)[0])


def text_angle(regions: list[Region]) -> float:
    """The page's text angle in degrees (image axes, y down): the median slope of its long lines."""
    angles = []
    for r in regions:
        w, h = r.size
        if w >= 2 * h:
            dx, dy = r.quad[1] - r.quad[0]
            angles.append(float(np.degrees(np.arctan2(dy, dx))))
    return float(np.median(angles)) if angles else 0.0


def level_boxes(regions: list[Region], angle: float, shape: tuple[int, ...]) -> list[tuple[int, int, int, int]]:
    """Axis-aligned boxes of the regions once the page is turned level. On a page rotated
    by even 1.5 degrees, the boxes of long lines overlap their neighbours in y, and reading
    order by boxes needs the gaps between lines."""
    if abs(angle) < 0.2:
        return [r.box for r in regions]
    a = np.radians(-angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    centre = np.array([shape[1] / 2, shape[0] / 2], np.float32)
    out = []
    for r in regions:
        x0, y0, x1, y1 = corners((r.quad - centre) @ rot.T + centre)
        out.append((x0, y0, x1 - x0, y1 - y0))
    return out


def core_boxes(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Each box without the margin the detector's unclip adds across the text (a fifth of its
    height top and bottom): neighbouring lines' boxes then leave a gap for the reading order."""
    out = []
    for x, y, w, h in boxes:
        if w >= h:
            m = int(0.2 * h)
            out.append((x, y + m, w, max(1, h - 2 * m)))
        else:
            m = int(0.2 * w)
            out.append((x + m, y, max(1, w - 2 * m), h))
    return out


def badge_candidates(boxes: list[tuple[int, int, int, int]]) -> set[int]:
    """Regions that may be a number badge: squarish, just left of a longer line on the same row
    (a heading). They are read as digits first; anything else is read as text. A column of
    vertical text (three times as tall as wide or more: a title set vertically beside its body,
    "⑴依法规范…") is no badge, though it stands left of a longer line: read as digits, it kept
    its number and lost its title."""
    out = set()
    for i, (x, y, w, h) in enumerate(boxes):
        if not (w <= 1.8 * h and h >= 8) or h >= 3 * w:
            continue
        for j, (bx, by, bw, bh) in enumerate(boxes):
            oy = min(y + h, by + bh) - max(y, by)
            if j != i and bw >= 2 * w and 0 <= bx - (x + w) <= 2.5 * h and oy >= 0.5 * min(h, bh):
                out.add(i)
                break
    return out


def _upright(r: Region) -> bool:
    """The region's long side lies within 10 degrees of an image axis."""
    q = r.quad
    dx, dy = q[1] - q[0]
    a = abs(np.degrees(np.arctan2(dy, dx))) % 90
    return min(a, 90 - a) < 10


def merge_overlapping(regions: list[Region]) -> list[Region]:
    """One region for pieces of one line that overlap: the detector sometimes cuts a line
    (often when it is upside down, or a column) into overlapping parts, and each part read
    alone would repeat the text where they overlap."""
    out = list(regions)
    changed = True
    while changed:
        changed = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                a, b = out[i], out[j]
                if not (_upright(a) and _upright(b)):
                    continue
                ax, ay, aw, ah = a.box
                bx, by, bw, bh = b.box
                ox = min(ax + aw, bx + bw) - max(ax, bx)
                oy = min(ay + ah, by + bh) - max(ay, by)
                # pieces of one line: both elongated the same way, on nearly the same band, touching
                # or overlapping ("一、" cut off its heading; an upside-down line in parts). An icon
                # over the end of a line, or a number badge, is square and stays apart.
                row = aw >= 1.5 * ah and bw >= 1.5 * bh and oy >= 0.6 * max(ah, bh) and ox >= -0.3 * min(ah, bh)
                col = ah >= 1.5 * aw and bh >= 1.5 * bw and ox >= 0.6 * max(aw, bw) and oy >= -0.3 * min(aw, bw)
                if row or col:
                    x0, y0 = min(ax, bx), min(ay, by)
                    x1, y1 = max(ax + aw, bx + bw), max(ay + ah, by + bh)
                    quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
                    out[i] = Region(quad=quad, score=max(a.score, b.score))
                    del out[j]
                    changed = True
                    break
            if changed:
                break
    return out


def _one_row(regions: list[Region]) -> bool:
    """No region lies wholly above another: the regions share one text row (or there are none)."""
    for a in regions:
        for b in regions:
            ay, ah, by = a.box[1], a.box[3], b.box[1]
            if a is not b and by >= ay + ah - 0.2 * ah:
                return False
    return True


def _dedupe(regions: list[Region]) -> list[Region]:
    """Drop a region mostly inside a larger one (the same line seen by two tiles)."""
    regions = sorted(regions, key=lambda r: -r.box[2] * r.box[3])
    kept: list[Region] = []
    for r in regions:
        x, y, w, h = r.box
        dup = False
        for k in kept:
            kx, ky, kw, kh = k.box
            iw = min(x + w, kx + kw) - max(x, kx)
            ih = min(y + h, ky + kh) - max(y, ky)
            if iw > 0 and ih > 0 and iw * ih >= 0.6 * w * h:
                dup = True
                break
        if not dup:
            kept.append(r)
    return kept


def crop(rgb: np.ndarray, quad: Quad) -> np.ndarray:
    """The region as an upright rectangle (perspective warp, edges replicated)."""
    q = order_quad(quad)
    w = int(round(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[3] - q[2]))))
    h = int(round(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2]))))
    w, h = max(w, 2), max(h, 2)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(q, dst)
    return cv2.warpPerspective(rgb, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def is_column(crop_rgb: np.ndarray) -> bool:
    """Characters stacked in a column (vertical writing): much taller than wide."""
    h, w = crop_rgb.shape[:2]
    return h >= 1.5 * w


def column_to_row(crop_rgb: np.ndarray) -> np.ndarray:
    """Re-lay a vertical column of CJK characters as a horizontal row, characters upright.

    Characters are about as tall as the column's ink is wide (s). The column is cut at
    the emptiest row between 0.8 s and 1.6 s below where a character's ink begins, so a gap inside a
    character (岸, 三) is never taken for the gap between two; the cells go side by side,
    centred on one line.
    """
    h, w = crop_rgb.shape[:2]
    grey = cv2.cvtColor(crop_rgb, cv2.COLOR_RGB2GRAY)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    dist = cv2.absdiff(grey, np.full_like(grey, int(np.median(border))))
    ink = dist > max(30, 0.5 * float(dist.max()))
    cols = np.flatnonzero(ink.any(axis=0))
    size = float(cols[-1] - cols[0] + 1) if cols.size else float(w)
    rows = ink.sum(axis=1)
    filled = np.flatnonzero(rows)
    top = int(filled[0]) if filled.size else 0
    cuts = [max(0, top - 2)]
    while True:
        after = np.flatnonzero(rows[cuts[-1] :])
        if not after.size:
            break
        start = cuts[-1] + int(after[0])  # where the next character's ink begins
        lo, hi = start + int(0.8 * size), min(h, start + int(1.6 * size) + 1)
        if lo >= h or not rows[lo:].any():
            break
        cuts.append(lo + int(np.argmin(rows[lo:hi])))  # the first of the emptiest rows
    cuts.append(h)
    cells = [crop_rgb[a:b] for a, b in itertools.pairwise(cuts) if b - a >= 0.3 * size and ink[a:b].any()]
    if not cells:
        return np.ascontiguousarray(np.rot90(crop_rgb))
    tallest = max(c.shape[0] for c in cells)
    fill = np.median(np.concatenate([crop_rgb[0], crop_rgb[-1]]), axis=0).astype(np.uint8).tolist()
    parts: list[np.ndarray] = []
    for c in cells:
        pad = tallest - c.shape[0]
        parts.append(cv2.copyMakeBorder(c, pad // 2, pad - pad // 2, 0, 0, cv2.BORDER_CONSTANT, value=fill))
        parts.append(np.full((tallest, max(2, int(0.25 * size)), 3), fill, np.uint8))
    return np.ascontiguousarray(np.hstack(parts[:-1]))
