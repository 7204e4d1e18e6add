"""Configuration objects: one frozen dataclass per stage, validated on construction."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ._version import __version__
from .errors import InputError
from .imageio import DEFAULT_MAX_PIXELS

CACHE_ENV = "OCRPIPE_CACHE_DIR"


def default_cache_dir() -> Path:
    """$OCRPIPE_CACHE_DIR, else $XDG_CACHE_HOME/ocrpipe, else ~/.cache/ocrpipe."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "ocrpipe"


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise InputError(f"{name} must be positive, got {value!r}")


@dataclass(frozen=True)
class FetchConfig:
    """How images are downloaded."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    tries: int = 4  # per URL, first attempt included
    backoff_base: float = 0.5  # seconds; doubled per retry, with jitter
    backoff_max: float = 20.0  # also caps an honoured Retry-After
    max_bytes: int = 50 * 1024 * 1024
    workers: int = 4
    prefer: str = "real"  # "real" or "proxy": which URL of an image is tried first
    cache_dir: Path = field(default_factory=default_cache_dir)
    use_cache: bool = True  # False = --refresh: download again, then update the cache
    referer: str | None = None  # the seed page asks for no Referer
    user_agent: str = f"ocrpipe/{__version__} (poster OCR; python-requests)"
    all_images: bool = False
    deadline: float = 120.0  # seconds for one image's whole download, every URL and try included
    max_images: int = 500  # images fetched per article; a page may name any number
    allow_private: bool = False  # let a remote article's images reach loopback/private addresses

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "backoff_max", "max_bytes", "deadline", "max_images"):
            _positive(name, getattr(self, name))
        if self.backoff_base < 0:
            raise InputError(f"backoff_base must be >= 0, got {self.backoff_base!r}")
        if self.tries < 1:
            raise InputError(f"tries must be at least 1, got {self.tries!r}")
        if self.workers < 1:
            raise InputError(f"workers must be at least 1, got {self.workers!r}")
        if self.prefer not in ("real", "proxy"):
            raise InputError(f"prefer must be 'real' or 'proxy', got {self.prefer!r}")
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())


SEGMENTS = ("detect", "lines", "page", "engine")


@dataclass(frozen=True)
class PreprocessConfig:
    """How a poster becomes line images. Defaults chosen by measurement (see README)."""

    max_angle: float = 15.0  # deskew search range, degrees
    deskew: bool = True
    target_height: int = 28  # ink height (px) of each line image handed to the engine (see README: measured)
    binarize: str = "none"  # "none" (normalised grey), "otsu" or "adaptive", per line
    # "detect": lines found by the DB text detector (models/), each cleaned by the ink model;
    # "lines": lines found by the classical ink model; "page": one cleaned page;
    # "engine": the engine's own detector (rapidocr)
    segment: str = "detect"
    det_side: int = 960  # the detector's input, longer side in px (multiple of 32; measured)
    background: str = "flat"  # "flat": nearest flat pixel; "median": a local median (the older method)
    max_pixels: int = DEFAULT_MAX_PIXELS
    min_line_height: int = 6  # px in the input image; smaller blobs are noise

    def __post_init__(self) -> None:
        if not 0 <= self.max_angle <= 45:
            raise InputError(f"max_angle must be within 0..45 degrees, got {self.max_angle!r}")
        if not 8 <= self.target_height <= 200:
            raise InputError(f"target_height must be within 8..200 px, got {self.target_height!r}")
        if self.binarize not in ("none", "otsu", "adaptive"):
            raise InputError(f"binarize must be none, otsu or adaptive, got {self.binarize!r}")
        if self.background not in ("flat", "median"):
            raise InputError(f"background must be 'flat' or 'median', got {self.background!r}")
        if self.segment not in SEGMENTS:
            raise InputError(f"segment must be one of {', '.join(SEGMENTS)}, got {self.segment!r}")
        if self.det_side < 64 or self.det_side % 32:
            raise InputError(f"det_side must be a multiple of 32 and at least 64, got {self.det_side!r}")
        _positive("max_pixels", self.max_pixels)
