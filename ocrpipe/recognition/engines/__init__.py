"""The recognition engines and their registry: the one list of engines.

The CLI's `--engine` choices, the check of which `--segment` values an engine
supports, and the factories all come from `ENGINES`. Engine modules are imported
only when an engine is made, so listing them costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ocrpipe.errors import InputError
from ocrpipe.recognition.engines._base import DetectedLine, LayoutReader, Recognized, Recognizer

if TYPE_CHECKING:
    from ocrpipe.config import OcrConfig, Segment


def _tesseract(config: "OcrConfig") -> Recognizer:
    from ocrpipe.recognition.engines._tesseract import make_tesseract

    return make_tesseract(config)


def _rapidocr(config: "OcrConfig") -> Recognizer:
    from ocrpipe.recognition.engines._rapidocr import RapidOcrEngine

    return RapidOcrEngine(config)


def _ppocrv6(config: "OcrConfig") -> Recognizer:
    from ocrpipe.recognition.engines._ppocr import PPOCRV6, PpOcrReader

    return PpOcrReader(config, PPOCRV6)


def _ppocrv4(config: "OcrConfig") -> Recognizer:
    from ocrpipe.recognition.engines._ppocr import PPOCRV4, PpOcrReader

    return PpOcrReader(config, PPOCRV4)


def _consensus(config: "OcrConfig") -> Recognizer:
    from ocrpipe.recognition.engines._consensus import ConsensusEngine

    return ConsensusEngine(config)


@dataclass(frozen=True)
class EngineInfo:
    name: str
    factory: Callable[["OcrConfig"], Recognizer]
    segments: tuple[str, ...]  # the --segment values it supports
    default_segment: Segment  # measured with `make bench` (README)
    summary: str
    det_side: int = 1280  # the text detector's input size that suits this engine (measured)


ENGINES: dict[str, EngineInfo] = {
    "consensus": EngineInfo(
        "consensus",
        _consensus,
        ("detect", "lines", "page"),
        "detect",
        "PP-OCRv6 on every line, PP-OCRv4 where it is unsure, Tesseract where they disagree; a per-character vote",
        det_side=1568,
    ),
    "tesseract": EngineInfo(
        "tesseract",
        _tesseract,
        ("detect", "lines", "page"),
        "detect",
        "Tesseract with chi_sim (Debian's tesseract-ocr-chi-sim)",
    ),
    "rapidocr": EngineInfo(
        "rapidocr",
        _rapidocr,
        ("detect", "lines", "page", "engine"),
        "detect",
        "PP-OCRv4 through RapidOCR/onnxruntime (the [rapidocr] extra)",
        det_side=1568,
    ),
    "ppocrv6": EngineInfo(
        "ppocrv6",
        _ppocrv6,
        ("detect", "lines"),
        "detect",
        "PP-OCRv6 small recognition alone (models in the package; onnxruntime or OpenCV DNN)",
        det_side=1568,
    ),
    "ppocrv4": EngineInfo(
        "ppocrv4",
        _ppocrv4,
        ("detect", "lines"),
        "detect",
        "PP-OCRv4 mobile recognition alone (models in the package; onnxruntime or OpenCV DNN)",
        det_side=1568,
    ),
}


def register(info: EngineInfo) -> None:
    """Add an engine to the registry (or replace the one of that name): how a plug-in comes in."""
    ENGINES[info.name] = info


def unregister(name: str) -> None:
    ENGINES.pop(name, None)


def engine_info(name: str) -> EngineInfo:
    try:
        return ENGINES[name]
    except KeyError:
        raise InputError(f"unknown engine {name!r}", f"set engine to one of {', '.join(ENGINES)}", option="engine") from None


def check_segment(engine: str, segment: str) -> None:
    """A segmentation the engine cannot do is bad input, before any work starts."""
    info = engine_info(engine)
    if segment not in info.segments:
        able = [n for n, e in ENGINES.items() if segment in e.segments]
        raise InputError(
            f"segment {segment} does not work with the {engine} engine; engines that support it: {', '.join(able) or 'none'}",
            f"set segment to {info.default_segment}, the {engine} default",
            option="segment",
        )


def make_engine(config: "OcrConfig") -> Recognizer:
    """The engine the config asks for (raises EngineNotAvailable with a hint when it is missing)."""
    return engine_info(config.engine).factory(config)


__all__ = [
    "ENGINES",
    "DetectedLine",
    "EngineInfo",
    "LayoutReader",
    "Recognized",
    "Recognizer",
    "check_segment",
    "engine_info",
    "make_engine",
]
