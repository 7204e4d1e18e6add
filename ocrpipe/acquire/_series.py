"""Which of a page's images are the poster series, and why each other one is left out.

Two passes. Before anything is downloaded, the markup: images outside the article body,
in a "related reading" block or after its heading, avatars, share and follow icons,
QR codes named as such, images the page draws small, and images of another width and
aspect than the series. After the download, the pixels: animated GIFs, QR codes
(OpenCV's QRCodeDetector), tiny images and, for images that came without size hints,
another width and aspect. Posters of different heights that share a width are one series:
long posters are common.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import replace

import cv2
import numpy as np
from PIL import Image

from ocrpipe.acquire._refs import ImageRef

log = logging.getLogger(__name__)

WIDTH_TOLERANCE = 0.03  # relative: "the same width"
ASPECT_TOLERANCE = 0.03  # relative, for size hints
PIXEL_ASPECT_TOLERANCE = 0.10  # relative, for decoded images that came without hints
MIN_WIDTH, MIN_HEIGHT = 150, 80  # smaller is an icon, an avatar or a thumbnail
QR_AREA = 0.2  # a QR code covering this share of an image is the image's point

AVATAR_RE = re.compile(
    r"avatar|head[-_]?img|headimg|head[-_]?pic|profile[-_]?(?:pic|img|photo)|author[-_]?(?:img|pic|photo)|头像"
)
ICON_RE = re.compile(
    r"share|follow|social|weibo|wechat|weixin|qzone|(?:^|[\s_\-/.])(?:icon|ico|logo|btn|button|toolbar)(?:[\s_\-/.]|$)|"
    r"iconfont|分享|关注|点赞|在看"
)
QR_RE = re.compile(r"qr[-_]?code|qrcode|(?:^|[\s_\-])qr(?:[\s_\-.]|$)|erweima|二维码|扫码")


def markup_reason(text: str) -> str | None:
    """Why an image whose class, id, alt or file name says `text` is not a poster."""
    text = text.lower()
    if AVATAR_RE.search(text):
        return "an avatar (by its markup)"
    if QR_RE.search(text):
        return "a QR code (by its markup)"
    if ICON_RE.search(text):
        return "a share, follow or site icon (by its markup)"
    return None


def _dominant(values: list[int]) -> int:
    """The value most others lie within WIDTH_TOLERANCE of (ties: the first in the page)."""
    counts = Counter(values)
    return max(counts, key=lambda v: (sum(c for w, c in counts.items() if abs(w - v) <= v * WIDTH_TOLERANCE), counts[v]))


def _same(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * b


def select_by_hints(images: list[ImageRef]) -> list[ImageRef]:
    """Size hints from the markup: small images out, and images that share neither the series'
    width nor its aspect."""
    out = list(images)
    for i, im in enumerate(out):
        w, h = im.width_hint, im.height_hint
        if im.in_series and ((w and w < MIN_WIDTH) or (h and h < MIN_HEIGHT)):
            out[i] = replace(im, in_series=False, excluded_reason=f"small ({w or '?'}x{h or '?'}): an icon or a thumbnail")
    widths = [im.width_hint for im in out if im.in_series and im.width_hint]
    if not widths:
        return out
    dw = _dominant(widths)
    aspects = [
        im.width_hint / im.height_hint
        for im in out
        if im.in_series and im.width_hint and im.height_hint and _same(im.width_hint, dw, WIDTH_TOLERANCE)
    ]
    aspect = statistics.median(aspects) if aspects else None
    for i, im in enumerate(out):
        if not im.in_series or not im.width_hint or _same(im.width_hint, dw, WIDTH_TOLERANCE):
            continue
        if aspect and im.height_hint and _same(im.width_hint / im.height_hint, aspect, ASPECT_TOLERANCE):
            continue  # the same poster published at another scale
        size = f"{im.width_hint}x{im.height_hint or '?'}"
        out[i] = replace(im, in_series=False, excluded_reason=f"size {size} differs from the series' width {dw}")
    return out


# --------------------------------------------------------------------------- pixels


def content_reason(data: bytes) -> str | None:
    """Why downloaded bytes are not a poster: an animated GIF or a QR code filling the image."""
    try:
        img = Image.open(io.BytesIO(data))
        frames = int(getattr(img, "n_frames", 1))
        if getattr(img, "is_animated", False) and frames > 1:
            return f"an animated {img.format} ({frames} frames): a banner, not a poster"
        img.seek(0)
        grey = np.asarray(img.convert("L"))
    except Exception:
        return None
    return "a QR code" if _qr_fills(grey) else None


def _qr_fills(grey: np.ndarray) -> bool:
    h, w = grey.shape[:2]
    scale = min(1.0, 1000 / max(h, w))  # detection needs no more; a tall poster costs ~20 ms like this
    small = (
        cv2.resize(grey, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA) if scale < 1 else grey
    )
    try:
        found, points = cv2.QRCodeDetector().detect(small)
    except cv2.error:
        return False
    if not found or points is None:
        return False
    quad = points.reshape(-1, 2).astype(np.float32)
    if not _square_in_frame(quad, small.shape[1], small.shape[0]):
        return False  # finder-like shapes on a poster (a bold heading, a band's corners) make no square
    area = cv2.contourArea(quad)
    if area < QR_AREA * small.shape[0] * small.shape[1]:
        return False
    # a code that fills an image is there to be scanned: it decodes. The detector also "finds"
    # near-squares on text posters (cards-strip-pill seed 1 lost its first poster), which do not
    try:
        data, _points, _straight = cv2.QRCodeDetector().detectAndDecode(small)
    except cv2.error:
        return False
    return bool(data)


def _square_in_frame(quad: np.ndarray, w: int, h: int) -> bool:
    """A QR code's outline: four corners inside the image (2% slack), a convex near-square
    (sides within a factor 1.5, as a photo's perspective allows). The detector's false finds on
    text posters reach outside the image (a corner at x = -516 on a 559-px wide poster)."""
    if len(quad) != 4:
        return False
    slack_x, slack_y = 0.02 * w, 0.02 * h
    if (quad[:, 0] < -slack_x).any() or (quad[:, 0] > w + slack_x).any():
        return False
    if (quad[:, 1] < -slack_y).any() or (quad[:, 1] > h + slack_y).any():
        return False
    sides = [float(np.linalg.norm(quad[k] - quad[(k + 1) % 4])) for k in range(4)]
    return min(sides) > 0 and max(sides) <= 1.5 * min(sides) and bool(cv2.isContourConvex(quad))


def pixel_reason(width: int, height: int) -> str | None:
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return f"small ({width}x{height}): an icon or a thumbnail"
    return None


def odd_sizes(sizes: dict[int, tuple[int, int]]) -> dict[int, str]:
    """Among decoded sizes (index -> (w, h)), the ones that share neither the series' width nor its aspect."""
    if len(sizes) < 3:
        return {}
    dw = _dominant([w for w, _h in sizes.values()])
    aspects = [w / h for w, h in sizes.values() if _same(w, dw, WIDTH_TOLERANCE)]
    aspect = statistics.median(aspects)
    out = {}
    for idx, (w, h) in sizes.items():
        if _same(w, dw, WIDTH_TOLERANCE) or _same(w / h, aspect, PIXEL_ASPECT_TOLERANCE):
            continue
        out[idx] = f"size {w}x{h} differs from the series' width {dw} and aspect {aspect:.2f}"
    return out
