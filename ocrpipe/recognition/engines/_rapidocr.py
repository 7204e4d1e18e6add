"""PP-OCR (PP-OCRv4 detection and recognition) through RapidOCR and onnxruntime.

Optional: `pip install 'ocrpipe[rapidocr]'`. The wheel ships its ONNX models,
so it works offline. The only module that knows RapidOCR exists.
"""

from __future__ import annotations

import hashlib
import logging
from importlib import metadata
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ocrpipe._io import sha256_file
from ocrpipe.config import OcrConfig
from ocrpipe.errors import EngineError, EngineNotAvailable
from ocrpipe.recognition.engines._base import DetectedLine, LineKind, Recognized
from ocrpipe.structure._textnorm import badge_digits
from ocrpipe.vision._geometry import corners

log = logging.getLogger(__name__)
INSTALL_HINT = "pip install 'ocrpipe[rapidocr]' (make install does), or set engine to tesseract"


def _bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(image, cv2.COLOR_RGB2BGR)


class RapidOcrEngine:
    """Finds and reads text lines itself; also reads single line images."""

    name = "rapidocr"
    wants_clean_lines = False  # PP-OCR reads raw colour crops best (measured: README)

    def __init__(self, config: OcrConfig) -> None:
        self.config = config
        try:
            import rapidocr_onnxruntime
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise EngineNotAvailable("the rapidocr engine is not installed", INSTALL_HINT, option="engine") from exc
        self._models = Path(rapidocr_onnxruntime.__file__).parent / "models"
        self._factory = RapidOCR
        self._ocr = None  # loaded on first use: the parent process only needs provenance

    def _call(self, image: np.ndarray, **kw: Any) -> list[Any]:
        ocr = self._ocr
        if ocr is None:
            # One thread per engine: ocrpipe runs one engine per worker process.
            ocr = self._ocr = self._factory(intra_op_num_threads=1, inter_op_num_threads=1)
        try:
            result, _elapsed = ocr(_bgr(image), **kw)
        except Exception as exc:  # onnxruntime raises its own types; keep the message
            raise EngineError(f"RapidOCR failed: {exc}") from exc
        return result or []

    def recognize_line(self, image: np.ndarray, kind: LineKind = "text") -> Recognized:
        res = self._call(image, use_det=False, use_cls=False, use_rec=True)
        if not res:
            return Recognized(text="", confidence=0.0)
        text, score = res[0][0], float(res[0][1])
        if kind == "badge":
            text = badge_digits(text)
        return Recognized(text=text, confidence=100.0 * score)

    def read_lines(self, rgb: np.ndarray) -> list[DetectedLine]:
        out = []
        for points, text, score in self._call(rgb):
            x0, y0, x1, y1 = corners(np.asarray(points, dtype=np.float64))
            out.append(
                DetectedLine(
                    text=text,
                    confidence=100.0 * float(score),
                    box=(max(0, int(x0)), max(0, int(y0)), int(x1 - x0), int(y1 - y0)),
                )
            )
        return out

    def recognize_page(self, image: np.ndarray) -> Recognized:
        lines = self.read_lines(image)
        conf = float(np.mean([ln.confidence for ln in lines])) if lines else 0.0
        return Recognized(text="\n".join(ln.text for ln in lines), confidence=conf)

    def provenance(self) -> dict:
        models = [(m.name, sha256_file(m)) for m in sorted(self._models.glob("*.onnx"))]
        return {
            "engine": "rapidocr",
            "backend": "onnxruntime",
            "version": metadata.version("rapidocr_onnxruntime"),
            "onnxruntime": metadata.version("onnxruntime"),
            "models": [{"file": name, "sha256": digest} for name, digest in models],
            "language_data": str(self._models),
            # one digest over all three models, for the same field as Tesseract's
            "language_data_sha256": hashlib.sha256("".join(d for _n, d in models).encode()).hexdigest(),
        }

    def close(self) -> None:
        pass
