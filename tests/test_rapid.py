"""The optional PP-OCR engine (runs when the [rapidocr] extra is installed, as `make install` does)."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from bench import synth
from ocrpipe.cli._main import main
from ocrpipe.config import OcrConfig
from ocrpipe.errors import EngineNotAvailable
from ocrpipe.output._export import read_result
from ocrpipe.recognition.engines import make_engine
from ocrpipe.vision._preprocess import preprocess


def test_missing_extra_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import now fails
    with pytest.raises(EngineNotAvailable, match="not installed") as ei:
        make_engine(OcrConfig(engine="rapidocr"))
    assert "ocrpipe[rapidocr]" in ei.value.hint


# The test above runs whether or not the extra is installed; the ones below need it.
needs_rapidocr = pytest.mark.skipif(
    importlib.util.find_spec("rapidocr_onnxruntime") is None, reason="the [rapidocr] extra is not installed"
)


@pytest.fixture(scope="module")
def engine():
    return make_engine(OcrConfig(engine="rapidocr", jobs=1))


@needs_rapidocr
@pytest.mark.slow
def test_reads_our_line_images(engine, small_series):
    layout = preprocess(np.asarray(small_series.posters[1]))
    texts = ["".join(engine.recognize_line(ln.image, ln.kind).text.split()) for ln in layout.lines]
    assert "1.支持企业依法平稳退出" in texts
    badges = [t for t, ln in zip(texts, layout.lines) if ln.kind == "badge"]
    assert badges == ["01", "02"]


@needs_rapidocr
@pytest.mark.slow
def test_finds_lines_itself(engine, small_series):
    lines = engine.read_lines(np.asarray(small_series.posters[1]))
    assert any("支持企业依法平稳退出" in ln.text for ln in lines)
    for ln in lines:
        _x, _y, w, h = ln.box
        assert w > 0 and h > 0 and 0 <= ln.confidence <= 100


@needs_rapidocr
@pytest.mark.slow
def test_provenance_lists_models_with_hashes(engine):
    prov = engine.provenance()
    assert prov["engine"] == "rapidocr" and prov["version"]
    assert {m["file"] for m in prov["models"]} >= {"ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx"}
    assert all(len(m["sha256"]) == 64 for m in prov["models"])


@pytest.mark.parametrize("segment", ["lines", "engine"])
@needs_rapidocr
@pytest.mark.slow
def test_run_with_rapidocr_verifies(tmp_path, segment):
    spec = synth.SeriesSpec(title="示例措施5条", n_clauses=5, seed=21)
    article = synth.write_series(synth.render_series(spec), tmp_path / "s")
    rc = main(
        [
            "run",
            str(article),
            "--out",
            str(tmp_path / "o"),
            "--engine",
            "rapidocr",
            "--segment",
            segment,
            "--quiet",
            "--jobs",
            "1",
            "--cache-dir",
            str(tmp_path / "c"),
        ]
    )
    result = read_result(tmp_path / "o")
    assert rc == 0 and result.verification.ok
    assert result.provenance["engine"] == "rapidocr"
    assert result.provenance["settings"]["preprocess"]["segment"] == segment
