"""PP-OCR text-line recognisers (PP-OCRv6 small, PP-OCRv4 mobile) run on the package's own models.

A CTC recogniser: a line image, 48 px high, becomes one probability row per 8 px column;
the best class per column, runs collapsed and blanks dropped, is the text. Each character
keeps the probability of its best column and the runner-up classes there: the consensus
votes with them (ocrpipe.recognition._consensus).

onnxruntime runs the models when it is installed (one thread: about twice as fast as
OpenCV's DNN here, measured); otherwise OpenCV DNN does, with the same output (within
3e-5 on random input and on our crops: tests/test_ppocr.py). The runner is vision/_onnx. No `rapidocr` package is
needed: the model files and their character lists ship in ocrpipe/models/.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from typing import Any

import cv2
import numpy as np

from ocrpipe._models import model_bytes
from ocrpipe.config import OcrConfig
from ocrpipe.errors import EngineError
from ocrpipe.recognition.engines._base import Choice, LineKind, Recognized
from ocrpipe.vision._onnx import OnnxModel, pick_backend

log = logging.getLogger(__name__)

HEIGHT = 48
MIN_RATIO = 320 / 48  # PaddleOCR pads every line to at least 320 px wide: the models were trained so
MAX_WIDTH = 3200  # a longer line is squeezed to this width (keeps one call's memory bounded)
BATCH = 8
ALTERNATIVES = 3  # runner-up classes kept per character for the vote


@dataclass(frozen=True)
class CtcModel:
    name: str
    onnx: str
    keys: str
    summary: str


PPOCRV6 = CtcModel("ppocrv6", "PP-OCRv6_rec_small.onnx", "PP-OCRv6_rec_small_keys.txt", "PP-OCRv6 small")
PPOCRV4 = CtcModel("ppocrv4", "ch_PP-OCRv4_rec_infer.onnx", "ch_PP-OCRv4_rec_keys.txt", "PP-OCRv4 mobile")

# Marks PP-OCRv6 reads off decorations (rings, bullets, frames): alone on a line they are
# not text. Judged on the foreign bench series and realdev (README: consensus).
ORNAMENTS = frozenset("Oo08°○◯◎●•·◆◇■□▪▫★☆⊙〇口")


@cache
def _t2s() -> Any:
    """OpenCC's traditional-to-simplified converter, or None when opencc is not installed."""
    try:
        import opencc
    except ImportError:
        log.info("opencc is not installed: PP-OCRv6's traditional forms are kept")
        return None
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional forms to simplified, character by character (keeps per-character confidences aligned)."""
    cc = _t2s()
    if cc is None or not text:
        return text
    out = []
    for ch in text:
        s = cc.convert(ch) if ord(ch) >= 0x3400 else ch
        out.append(s if len(s) == 1 else ch)
    return "".join(out)


def is_ornament(text: str) -> bool:
    """A line that is one or two decoration glyphs and nothing else (a ring read as O, a pair of bullets as OO)."""
    t = "".join(text.split())
    return 1 <= len(t) <= 2 and all(ch in ORNAMENTS or unicodedata.category(ch) in ("So", "Sm") for ch in t)


def ctc_decode(probs: np.ndarray, chars: list[str]) -> tuple[str, tuple[float, ...], tuple[tuple[Choice, ...], ...]]:
    """(text, per-character probability, runner-up choices per character) of one (T, C) row set.

    Class 0 is the CTC blank, classes 1..len(chars) the characters, the last one a space.
    """
    best = probs.argmax(axis=1)
    text: list[str] = []
    confs: list[float] = []
    alts: list[tuple[Choice, ...]] = []
    t, n = 0, len(best)
    while t < n:
        c = int(best[t])
        u = t
        while u + 1 < n and best[u + 1] == c:
            u += 1
        if c != 0:
            run = probs[t : u + 1, c]
            k = t + int(run.argmax())
            ch = chars[c - 1] if c - 1 < len(chars) else " "
            row = probs[k]
            top = np.argpartition(row, -(ALTERNATIVES + 1))[-(ALTERNATIVES + 1) :]
            choices = tuple(
                (chars[j - 1] if 0 < j <= len(chars) else ("" if j == 0 else " "), float(row[j]))
                for j in sorted(top, key=lambda j: -row[j])
                if j != c
            )[:ALTERNATIVES]
            text.append(ch)
            confs.append(float(run.max()))
            alts.append(choices)
        t = u + 1
    return "".join(text), tuple(confs), tuple(alts)


@cache
def _keys(name: str) -> list[str]:
    _path, data = model_bytes(name)
    return data.decode("utf-8").split("\n")


class _Session:
    """One model (vision/_onnx: onnxruntime on one thread, or OpenCV DNN): (N, 3, 48, W) float32 -> (N, T, C)."""

    def __init__(self, onnx: str, backend: str) -> None:
        path, data = model_bytes(onnx)
        self.backend = backend
        self._model = OnnxModel(path, data, backend)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        try:
            return self._model(batch)
        except Exception as exc:  # either runtime raises its own types; keep the message
            raise EngineError(f"PP-OCR recognition failed: {exc}") from exc


def _prepare(image: np.ndarray, width: int) -> np.ndarray:
    """A line image as the models expect it: BGR, 48 px high, scaled to [-1, 1], right-padded with 0."""
    if image.ndim == 2:
        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        bgr = cv2.cvtColor(image, cv2.COLOR_RGBA2BGR)
    else:
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    h, w = bgr.shape[:2]
    rw = min(width, max(1, math.ceil(HEIGHT * w / max(1, h))))
    resized = cv2.resize(bgr, (rw, HEIGHT)).astype(np.float32)
    out = np.zeros((3, HEIGHT, width), dtype=np.float32)
    out[:, :, :rw] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
    return out


class PpOcrReader:
    """A PP-OCR recognition model reading line images (colour crops), batched."""

    wants_clean_lines = False  # PP-OCR reads raw colour crops best (measured: README)

    def __init__(self, config: OcrConfig, model: CtcModel = PPOCRV6, backend: str = "auto") -> None:
        self.config = config
        self.model = model
        self.name = model.name
        self.backend = pick_backend(backend)
        self._chars = _keys(model.keys)
        self._session: _Session | None = None  # loaded on first use: the parent only needs provenance
        self.simplify = config.lang.startswith("chi_sim")

    def _run(self, batch: np.ndarray) -> np.ndarray:
        if self._session is None:
            self._session = _Session(self.model.onnx, self.backend)
        return self._session(batch)

    def recognize_lines(self, images: list[np.ndarray], kinds: list[LineKind] | None = None) -> list[Recognized]:
        """Read many line images; lines of similar shape share a batch (padding is what PaddleOCR does)."""
        kinds = kinds or ["text"] * len(images)
        # Lines share a batch only when they pad to the same width: padding costs more than
        # batching saves on one CPU thread (measured: one line per call was faster than
        # batches of 8 sorted by shape).
        widths = [self._width(im) for im in images]
        groups: dict[int, list[int]] = {}
        for i, w in enumerate(widths):
            groups.setdefault(w, []).append(i)
        out: list[Recognized | None] = [None] * len(images)
        for width, members in groups.items():
            for start in range(0, len(members), BATCH):
                idx = members[start : start + BATCH]
                batch = np.stack([_prepare(images[i], width) for i in idx])
                probs = self._run(batch)
                for row, i in zip(probs, idx):
                    out[i] = self._reading(row, kinds[i])
        return [r for r in out if r is not None]

    @staticmethod
    def _width(image: np.ndarray) -> int:
        """The padded input width for a line image: its own at 48 px high, rounded up to 32 px."""
        ratio = max(MIN_RATIO, image.shape[1] / max(1, image.shape[0]))
        return min(MAX_WIDTH, 32 * math.ceil(HEIGHT * ratio / 32))

    def _reading(self, probs: np.ndarray, kind: LineKind) -> Recognized:
        text, confs, alts = ctc_decode(probs, self._chars)
        if self.simplify:
            simple = to_simplified(text)
            if simple != text:
                alts = tuple(tuple((to_simplified(c), p) for c, p in a) if s != t else a for s, t, a in zip(simple, text, alts))
                text = simple
        if kind == "badge":
            keep = [i for i, ch in enumerate(text) if ch.isdigit()]
            text = "".join(text[i] for i in keep)
            confs = tuple(confs[i] for i in keep)
            alts = tuple(alts[i] for i in keep)
        elif is_ornament(text):
            return Recognized(text="", confidence=0.0)
        conf = 100.0 * float(np.mean(confs)) if confs else 0.0
        return Recognized(text=text, confidence=conf, char_conf=confs, choices=alts)

    def recognize_line(self, image: np.ndarray, kind: LineKind = "text") -> Recognized:
        return self.recognize_lines([image], [kind])[0]

    def recognize_page(self, image: np.ndarray) -> Recognized:
        raise EngineError(f"the {self.name} reader reads lines only", "set segment to detect or lines", option="segment")

    def provenance(self) -> dict:
        from ocrpipe._models import manifest

        files = (self.model.onnx, self.model.keys)
        prov = {
            "engine": self.name,
            "backend": self.backend,
            "version": self.model.summary,
            "models": [{"file": f, "sha256": manifest()[f]["sha256"]} for f in files],
            # the recognition model stands where Tesseract's traineddata does
            "language_data": self.model.onnx,
            "language_data_sha256": manifest()[self.model.onnx]["sha256"],
            "simplified": self.simplify and _t2s() is not None,
        }
        if self.backend == "onnxruntime":
            prov["onnxruntime"] = metadata.version("onnxruntime")
        else:
            prov["opencv"] = cv2.__version__
        return prov

    def close(self) -> None:
        self._session = None
