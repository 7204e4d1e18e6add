"""Geometry helpers on numpy/OpenCV only: skew estimation, rotation, box mapping."""

from __future__ import annotations

import cv2
import numpy as np

from ocrpipe.output._results import Box


def max_channel(img: np.ndarray) -> np.ndarray:
    """Per-pixel maximum over the channels (OpenCV; numpy's max(axis=2) is ~10x slower)."""
    if img.ndim == 2:
        return img
    chans = cv2.split(img)
    out = chans[0]
    for ch in chans[1:]:
        out = cv2.max(out, ch)
    return out


def edge_map(rgb: np.ndarray) -> np.ndarray:
    """Polarity-free text evidence: the strongest 3x3 morphological gradient over the colour channels."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    return max_channel(cv2.morphologyEx(rgb, cv2.MORPH_GRADIENT, kernel))


def _profile_score(img: np.ndarray, angle: float) -> float:
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rot = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    rows = rot.sum(axis=1, dtype=np.float64)
    # Text rows aligned with the image axes give the sharpest row profile.
    return float(np.square(np.diff(rows)).sum())


def estimate_skew(rgb: np.ndarray, max_angle: float = 15.0) -> float:
    """Angle in degrees (counter-clockwise) by which the page content is rotated.

    Projection-profile search, coarse to fine, on a down-scaled edge map. Rotating
    the image by minus this angle levels its text lines.
    """
    edges = edge_map(rgb)
    thr = max(30.0, float(np.percentile(edges, 90)))
    binary = (edges > thr).astype(np.float32)
    h, w = binary.shape
    scale = min(1.0, 700.0 / max(h, w))
    small = cv2.resize(binary, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    if small.sum() < 10:
        return 0.0
    best = 0.0
    for span, step in ((max_angle, 0.5), (0.6, 0.1), (0.12, 0.02)):
        candidates = np.arange(best - span, best + span + step / 2, step)
        candidates = candidates[np.abs(candidates) <= max_angle + 1e-9]
        scores = [_profile_score(small, float(a)) for a in candidates]
        best = float(candidates[int(np.argmax(scores))])
    # The search finds the correcting rotation; the page's own angle is its opposite.
    return round(-best, 3)


def rotate(rgb: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate by angle degrees (counter-clockwise), growing the canvas; returns (image, 2x3 matrix)."""
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(round(h * sin + w * cos)), int(round(h * cos + w * sin))
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    # Fill the new corners with the colour of the image's border, not by replicating
    # edge pixels: that would smear marks near the edge into long streaks.
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).reshape(-1, rgb.shape[2] if rgb.ndim == 3 else 1)
    fill = tuple(float(v) for v in np.median(border, axis=0))
    out = cv2.warpAffine(rgb, m, (nw, nh), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    return out, m


def deskew(rgb: np.ndarray, max_angle: float, enabled: bool = True) -> tuple[float, np.ndarray, np.ndarray | None]:
    """(page angle, straightened image, its 2x3 matrix or None when left as it was)."""
    skew = estimate_skew(rgb, max_angle) if enabled and max_angle > 0 else 0.0
    if abs(skew) < 0.05:
        return 0.0, rgb, None
    work, matrix = rotate(rgb, -skew)
    return skew, work, matrix


def corners(pts: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the whole pixels enclosing points (floor of the least, ceiling of the most)."""
    x0, y0 = np.floor(pts.min(axis=0)).astype(int)
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int)
    return int(x0), int(y0), int(x1), int(y1)


def map_box(box: Box, matrix: np.ndarray, shape: tuple[int, int]) -> Box:
    """Map an axis-aligned box through the inverse of an affine matrix, clipped to shape (h, w)."""
    x, y, w, h = box
    inv = cv2.invertAffineTransform(matrix)
    pts = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], dtype=np.float64)
    x0, y0, x1, y1 = corners(pts @ inv.T)
    H, W = shape
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(W, x1), min(H, y1)
    return int(x0), int(y0), int(max(0, x1 - x0)), int(max(0, y1 - y0))


def scale_to(img: np.ndarray, factor: float) -> np.ndarray:
    if abs(factor - 1.0) < 1e-3:
        return img
    interp = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=interp)
