"""The one reader for image bytes: validation, EXIF orientation, mode and alpha handling.

Every image enters ocrpipe through `probe_image` (is it a whole, decodable
image?) or `load_image` (decode to an RGB numpy array).
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ocrpipe._io import LocalReadError, read_regular_file
from ocrpipe.config import DEFAULT_MAX_PIXELS, on_both
from ocrpipe.errors import ImageError

_EXT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp", "TIFF": "tif", "MPO": "jpg"}
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff")
# how the files of those formats begin
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"BM", b"II*\x00", b"MM\x00*")


def check_image_file(name: str, head: bytes) -> None:
    """A file given as an image that is empty, or named as one (.jpg, ...) while its first bytes
    are no image format, is bad input (ImageError, exit 2): `run` and `ocr` refuse it before any
    work. A real image that is truncated or corrupt passes here and fails as an image (exit 4)."""
    if not head:
        raise ImageError(
            f"{name}: empty file, not an image", "check the file; ocrpipe reads JPEG, PNG, WebP, GIF, BMP and TIFF"
        )
    suffix = Path(name).suffix
    if not head.startswith(IMAGE_MAGIC) and suffix.lower() in IMAGE_SUFFIXES:
        raise ImageError(
            f"{name}: not a readable image (named {suffix}, but its content is no image format ocrpipe reads)",
            "check the file; ocrpipe reads JPEG, PNG, WebP, GIF, BMP and TIFF",
        )


@dataclass(frozen=True)
class ImageInfo:
    format: str  # Pillow's format name: JPEG, PNG, ...
    width: int
    height: int
    mime: str

    @property
    def extension(self) -> str:
        return _EXT.get(self.format, self.format.lower())


def _open(data: bytes, max_pixels: int, what: str) -> Image.Image:
    if not data:
        raise ImageError(f"{what}: empty file")
    if Image.MAX_IMAGE_PIXELS is not None and max_pixels > Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = max_pixels  # a limit the user raised is checked below, by the header
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        raise ImageError(
            f"{what}: image is over the limit of {max_pixels} pixels"
            + (f" (its header claims {claimed.group(1)})" if claimed else ""),
            f"raise the pixel limit, {on_both('max_pixels')}, if this image is genuine",
        ) from exc
    except UnidentifiedImageError as exc:
        head = data[:64].lstrip().lower()
        if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
            raise ImageError(
                f"{what}: got an HTML page, not an image", "the server or proxy answered with an error page"
            ) from exc
        raise ImageError(f"{what}: not a recognised image ({exc.__class__.__name__})") from exc
    except OSError as exc:
        raise ImageError(f"{what}: cannot read image: {exc}") from exc
    w, h = img.size
    if w <= 0 or h <= 0:
        raise ImageError(f"{what}: image has no pixels")
    if w * h > max_pixels:
        raise ImageError(
            f"{what}: image is {w}x{h} = {w * h} pixels, over the limit of {max_pixels}",
            f"raise the pixel limit, {on_both('max_pixels')}, if this image is genuine",
        )
    return img


MAX_IMAGE_FILE_BYTES = 200 * 1024 * 1024  # an image file named directly (`ocrpipe ocr`)


def probe_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, what: str = "image") -> ImageInfo:
    """Check that bytes decode completely as an image; return its format and size."""
    img = _open(data, max_pixels, what)
    try:
        img.load()  # header-only checks miss truncated bodies; a full decode does not
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{what}: image data is truncated or corrupt ({exc})") from exc
    fmt = img.format or "UNKNOWN"
    return ImageInfo(format=fmt, width=img.size[0], height=img.size[1], mime=Image.MIME.get(fmt, "application/octet-stream"))


def _flatten_alpha(img: Image.Image) -> Image.Image:
    """Composite a transparent image on a background that keeps its text visible.

    Text drawn in white on a transparent canvas would vanish on white, so the
    background is chosen to contrast with the mean colour of the opaque pixels.
    """
    rgba = img.convert("RGBA")
    arr = np.asarray(rgba, dtype=np.float32)
    alpha = arr[..., 3:4] / 255.0
    weight = float(alpha.sum())
    if weight < 1.0:
        bg_value = 255.0
    else:
        luma = (arr[..., :3] * np.array([0.299, 0.587, 0.114], dtype=np.float32)).sum(axis=2, keepdims=True)
        mean_luma = float((luma * alpha).sum() / weight)
        bg_value = 0.0 if mean_luma > 160 else 255.0
    out = arr[..., :3] * alpha + bg_value * (1.0 - alpha)
    return Image.fromarray(out.round().astype(np.uint8), "RGB")


def to_rgb(img: Image.Image) -> np.ndarray:
    """Any Pillow image (EXIF-rotated, any mode) as an RGB uint8 array."""
    with contextlib.suppress(Exception):  # a broken EXIF block must not lose the picture
        img = ImageOps.exif_transpose(img)
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        hi = arr.max() or 1.0
        img = Image.fromarray((arr * (255.0 / hi)).astype(np.uint8), "L")
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "RGBa"):
        img = _flatten_alpha(img)
    if img.mode != "RGB":
        img = img.convert("RGB")
    return np.ascontiguousarray(np.asarray(img, dtype=np.uint8))


def load_image(source: bytes | str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode a file or bytes into an RGB uint8 array (first frame of animations)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            data = read_regular_file(path, MAX_IMAGE_FILE_BYTES)
        except LocalReadError as exc:
            raise ImageError(str(exc), "check the path") from None
        what = str(path)
    else:
        data, what = source, "image"
    img = _open(data, max_pixels, what)
    try:
        img.seek(0)
        img.load()
        return to_rgb(img)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{what}: image data is truncated or corrupt ({exc})") from exc
