"""Which readers the consensus asks about each line: the cascade (PP-OCRv6, then PP-OCRv4, then Tesseract)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from ocrpipe.config import OcrConfig
from ocrpipe.recognition.engines._base import Recognized

engine_mod = importlib.import_module("ocrpipe.recognition.engines._consensus")


class FakeReader:
    """Reads a line image as the text its first pixel names; records what it was asked."""

    def __init__(self, name: str, readings: dict[int, tuple[str, float]]) -> None:
        self.name = name
        self.readings = readings
        self.asked: list[int] = []
        self.symbols = False

    def _read(self, image: np.ndarray) -> Recognized:
        key = int(image.flat[0])
        self.asked.append(key)
        text, conf = self.readings[key]
        return Recognized(text, 100 * conf, tuple([conf] * len(text)), tuple(() for _ in text))

    def recognize_lines(self, images, kinds=None):
        return [self._read(im) for im in images]

    def recognize_line(self, image, kind="text"):
        return self._read(image)

    def close(self) -> None:
        pass


def _engine(v6, v4, tess, cascade=None):
    engine = engine_mod.ConsensusEngine(OcrConfig(engine="consensus", jobs=1), tesseract=tess)
    engine.v6, engine.v4 = v6, v4
    engine.cascade = cascade
    return engine


def _lines(n: int) -> list[np.ndarray]:
    return [np.full((4, 4), k, np.uint8) for k in range(n)]


def test_the_cascade_asks_ppocrv4_only_where_ppocrv6_is_unsure():
    v6 = FakeReader("ppocrv6", {0: ("加强保护", 0.99), 1: ("不予保护", 0.6), 2: ("依法办理", 0.95)})
    v4 = FakeReader("ppocrv4", {1: ("不子保护", 0.95)})
    tess = FakeReader("tesseract", {1: ("不予保护", 0.9)})
    engine = _engine(v6, v4, tess, cascade=True)
    recs = engine.recognize_pairs(_lines(3), _lines(3))
    assert v6.asked == [0, 1, 2]
    assert v4.asked == [1]  # lines 0 and 2: PP-OCRv6 is sure
    assert tess.asked == [1]  # where the two PP-OCR readers disagree or either is unsure
    assert [r.text for r in recs] == ["加强保护", "不予保护", "依法办理"]
    assert [[name for name, _t, _c in r.readings] for r in recs] == [
        ["ppocrv6"],
        ["ppocrv6", "ppocrv4", "tesseract"],
        ["ppocrv6"],
    ]


def test_tesseract_is_not_asked_where_a_sure_ppocrv4_agrees():
    v6 = FakeReader("ppocrv6", {0: ("依法办理", 0.6), 1: ("依法办理", 0.6)})
    v4 = FakeReader("ppocrv4", {0: ("依法办理", 0.97), 1: ("依法办理", 0.8)})
    tess = FakeReader("tesseract", {1: ("依法办理", 0.9)})
    recs = _engine(v6, v4, tess, cascade=True).recognize_pairs(_lines(2), _lines(2))
    assert v4.asked == [0, 1] and tess.asked == [1]  # line 1: PP-OCRv4 is unsure too
    assert [r.text for r in recs] == ["依法办理", "依法办理"]


def test_without_the_cascade_ppocrv4_reads_every_line():
    v6 = FakeReader("ppocrv6", {0: ("加强保护", 0.99), 1: ("依法办理", 0.99)})
    v4 = FakeReader("ppocrv4", {0: ("加强保护", 0.99), 1: ("依法办理", 0.99)})
    tess = FakeReader("tesseract", {})
    _engine(v6, v4, tess, cascade=False).recognize_pairs(_lines(2), _lines(2))
    assert v4.asked == [0, 1] and tess.asked == []


def test_an_empty_ppocrv6_reading_goes_on_to_ppocrv4():
    v6 = FakeReader("ppocrv6", {0: ("", 0.0)})
    v4 = FakeReader("ppocrv4", {0: ("需要。", 0.97)})
    tess = FakeReader("tesseract", {0: ("需要。", 0.9)})
    recs = _engine(v6, v4, tess, cascade=True).recognize_pairs(_lines(1), _lines(1))
    assert v4.asked == [0] and recs[0].text == "需要。"


@pytest.mark.parametrize(("conf", "asked"), [(engine_mod.CASCADE_BELOW - 0.01, True), (engine_mod.CASCADE_BELOW, False)])
def test_routing_threshold_is_the_least_sure_character(conf, asked):
    r6 = engine_mod.Reading("ppocrv6", "加强", (0.99, conf))
    assert engine_mod.asks_v4(r6, cascade=True) is asked
    assert engine_mod.asks_v4(r6, cascade=False) is True


def test_the_cascade_is_the_default():
    assert engine_mod.CASCADE is True and engine_mod.ConsensusEngine.cascade is None
