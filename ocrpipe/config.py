"""Configuration objects: one frozen dataclass per stage, validated on construction."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from ocrpipe._version import __version__
from ocrpipe.errors import InputError

CACHE_ENV = "OCRPIPE_CACHE_DIR"
DEFAULT_MAX_PIXELS = 25_000_000  # a 1080x20000 long poster fits; one worker stays under ~1 GB (README)


def default_cache_dir() -> Path:
    """$OCRPIPE_CACHE_DIR, else $XDG_CACHE_HOME/ocrpipe, else ~/.cache/ocrpipe."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "ocrpipe"


Prefer = Literal["real", "proxy"]  # which URL of an image is tried first
Segment = Literal["detect", "lines", "page", "engine"]
Binarize = Literal["none", "otsu", "adaptive"]
Backend = Literal["auto", "tesserocr", "pytesseract"]
PREFER: tuple[str, ...] = get_args(Prefer)
SEGMENTS: tuple[str, ...] = get_args(Segment)
BINARIZE: tuple[str, ...] = get_args(Binarize)
BACKENDS: tuple[str, ...] = get_args(Backend)


# the command-line flag of a setting, where it is not the setting's name with dashes
# (tests/test_leftovers.py checks these against the CLI's own option table)
_FLAGS = {
    "read_timeout": "--timeout",
    "timeout": "--ocr-timeout",
    "use_cache": "--refresh",
    "deskew": "--no-deskew",
    "debug_dir": "--debug",
}


def flag_of(option: str) -> str:
    """The command-line flag that sets a setting named as the Python API names it."""
    return _FLAGS.get(option, "--" + option.replace("_", "-"))


def on_both(option: str) -> str:
    """A setting named for both callers, where the text is recorded (an image's error in
    result.json) and the CLI cannot add its flag: 'max_pixels (--max-pixels on the command line)'."""
    return f"{option} ({flag_of(option)} on the command line)"


def _invalid(name: str, requirement: str, value: object) -> InputError:
    """A config value out of range, named as the setting (the Python API's name, in `option`); the CLI
    names its flag instead ("set --segment to ...")."""
    return InputError(f"{name} must be {requirement}, got {value!r}", f"set {name} to {requirement}", option=name)


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise _invalid(name, "more than 0", value)


def _choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise _invalid(name, f"one of {', '.join(choices)}", value)


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
    prefer: Prefer = "real"
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
            raise _invalid("backoff_base", "0 or more", self.backoff_base)
        if self.tries < 1:
            raise _invalid("tries", "at least 1", self.tries)
        if self.workers < 1:
            raise _invalid("workers", "at least 1", self.workers)
        _choice("prefer", self.prefer, PREFER)
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())


@dataclass(frozen=True)
class PreprocessConfig:
    """How a poster becomes line images. Defaults chosen by measurement (see README)."""

    max_angle: float = 15.0  # deskew search range, degrees
    deskew: bool = True
    target_height: int = 28  # ink height (px) of each line image handed to the engine (see README: measured)
    binarize: Binarize = "none"  # "none" (normalised grey), "otsu" or "adaptive", per line
    # "detect": lines found by the DB text detector (models/); "lines": lines found by the
    # classical ink model; "page": one cleaned page; "engine": the engine's own detector
    segment: Segment = "detect"
    # the detector's input, longer side in px (multiple of 32); None: the engine's own
    # (measured: README): 1280 for Tesseract, 1568 (a poster's full size) for PP-OCR
    det_side: int | None = None
    det_target_height: int = 36  # text height (px) of each detected line handed to Tesseract (measured)
    max_pixels: int = DEFAULT_MAX_PIXELS
    min_line_height: int = 6  # px in the input image; smaller blobs are noise

    def __post_init__(self) -> None:
        if not 0 <= self.max_angle <= 45:
            raise _invalid("max_angle", "within 0..45 degrees", self.max_angle)
        for name in ("target_height", "det_target_height"):
            if not 8 <= getattr(self, name) <= 200:
                raise _invalid(name, "within 8..200 px", getattr(self, name))
        _choice("binarize", self.binarize, BINARIZE)
        _choice("segment", self.segment, SEGMENTS)
        if self.det_side is not None and (self.det_side < 64 or self.det_side % 32):
            raise _invalid("det_side", "a multiple of 32 and at least 64", self.det_side)
        _positive("max_pixels", self.max_pixels)


@dataclass(frozen=True)
class OcrConfig:
    """How text is recognised."""

    engine: str = "consensus"  # a name in ocrpipe.recognition.engines.ENGINES
    backend: Backend = "auto"  # auto: tesserocr if installed
    lang: str = "chi_sim"
    tessdata: Path | None = None  # folder holding <lang>.traineddata; found automatically when None
    line_psm: int = 7  # single text line; chosen by measurement (see README)
    retry_psm: int = 13  # raw line, tried when line_psm reads nothing (short lines such as 需要。)
    page_psm: int = 3  # automatic page segmentation, for segment="page"
    timeout: float = 30.0  # seconds per recognition call
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)

    def __post_init__(self) -> None:
        # the engine name is checked against the registry (recognition.engines) before any work starts
        _choice("backend", self.backend, BACKENDS)
        if self.timeout <= 0:
            raise _invalid("timeout", "more than 0 seconds", self.timeout)
        if self.jobs < 1:
            raise _invalid("jobs", "at least 1", self.jobs)
