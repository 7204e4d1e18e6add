"""What every recognition engine offers, and the result types engines return.

Two roles, each a Protocol so tests can pass a fake and a new engine drops in:

- `Recognizer` reads a line image (or a whole page) and returns text with a confidence.
- `LayoutReader`, optional, finds and reads the lines of a whole image itself
  (RapidOCR's own detector: `--segment engine`).

Learned line *detection* for every engine lives in `ocrpipe.detect`; an engine
only says, by `wants_clean_lines`, whether it reads detected lines best as raw
colour crops or cleaned by ocrpipe's ink model first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ocrpipe.output._results import Box, LineKind

Choice = tuple[str, float]  # a character a reader also considered, with its probability (0..1)


@dataclass(frozen=True)
class Recognized:
    text: str
    confidence: float  # 0..100
    # per character of `text`, when the engine gives them: its probability (0..1) and the
    # runner-up characters the engine considered there (the consensus votes with both)
    char_conf: tuple[float, ...] = ()
    choices: tuple[tuple[Choice, ...], ...] = ()
    # a consensus of readers: (reader, text, confidence 0..100) for each reader asked, and the
    # (start, end, support 0..100) spans of text where they disagreed
    readings: tuple[tuple[str, str, float], ...] = ()
    flags: tuple[tuple[int, int, float], ...] = ()


@dataclass(frozen=True)
class DetectedLine:
    """A line an engine found and read on its own."""

    text: str
    confidence: float  # 0..100
    box: Box


class Recognizer(Protocol):
    """What the pipeline needs from an OCR engine."""

    name: str
    wants_clean_lines: bool  # True: give it dark-on-white grey lines; False: raw colour crops

    def recognize_line(self, image: np.ndarray, kind: LineKind = "text") -> Recognized: ...

    def recognize_page(self, image: np.ndarray) -> Recognized: ...

    def provenance(self) -> dict: ...

    def close(self) -> None: ...


@runtime_checkable
class LayoutReader(Protocol):
    """An engine that finds and reads the lines of a whole image itself."""

    def read_lines(self, rgb: np.ndarray) -> list[DetectedLine]: ...
