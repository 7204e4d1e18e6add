"""The PP-OCR line readers (models in the package) and the consensus engine end to end."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench import synth
from ocrpipe._models import manifest, model_bytes
from ocrpipe.cli._main import main
from ocrpipe.config import OcrConfig
from ocrpipe.output._export import read_result
from ocrpipe.recognition.engines import ENGINES, make_engine
from ocrpipe.recognition.engines._ppocr import PPOCRV4, PPOCRV6, PpOcrReader, ctc_decode, is_ornament, to_simplified

needs_ort = pytest.mark.skipif(importlib.util.find_spec("onnxruntime") is None, reason="onnxruntime is not installed")


def line_image(text: str, size: int = 32) -> np.ndarray:
    font = synth.font("noto-sans", size)
    w = int(size * 1.1 * len(text)) + 20
    im = Image.new("RGB", (w, int(size * 1.6)), (250, 250, 245))
    ImageDraw.Draw(im).text((10, int(size * 0.2)), text, font=font, fill=(20, 20, 20))
    return np.asarray(im)


def test_models_ship_with_hash_licence_and_source():
    for m in (PPOCRV6, PPOCRV4):
        for f in (m.onnx, m.keys):
            entry = manifest()[f]
            assert entry["licence"] == "Apache-2.0" and entry["source"] and len(entry["sha256"]) == 64
            model_bytes(f)  # present, and its sha256 matches


def test_ctc_decode_collapses_runs_and_drops_blanks():
    chars = ["一", "二", "、"]
    # frames: 一 一 blank 一 、 blank  -> 一一、 ; class 4 would be the space
    best = [1, 1, 0, 1, 3, 0]
    probs = np.full((6, 5), 0.01, dtype=np.float32)
    for t, c in enumerate(best):
        probs[t, c] = 0.9 if t != 1 else 0.95
    probs[4, 2] = 0.08  # 二 is the runner-up where 、 was read
    text, conf, alts = ctc_decode(probs, chars)
    assert text == "一一、"
    assert conf == pytest.approx((0.95, 0.9, 0.9))
    assert alts[2][0] == ("二", pytest.approx(0.08))


def test_traditional_forms_become_simplified_and_ornaments_go():
    pytest.importorskip("opencc")
    assert to_simplified("對減時間") == "对减时间"
    assert to_simplified("加强保护") == "加强保护"
    assert is_ornament("O") and is_ornament("○") and is_ornament("OO")
    assert not is_ornament("一") and not is_ornament("需要") and not is_ornament("O型")


@needs_ort
@pytest.mark.parametrize("model", [PPOCRV6, PPOCRV4], ids=lambda m: m.name)
def test_reads_a_line_and_opencv_dnn_matches_onnxruntime(model):
    img = line_image("二、加强知识产权保护")
    ort = PpOcrReader(OcrConfig(), model, backend="onnxruntime")
    cv = PpOcrReader(OcrConfig(), model, backend="opencv")
    a, b = ort.recognize_line(img), cv.recognize_line(img)
    assert a.text == b.text == "二、加强知识产权保护"
    assert len(a.char_conf) == len(a.text) and min(a.char_conf) > 0.5
    assert np.allclose(a.char_conf, b.char_conf, atol=1e-4)
    batch = np.stack([np.zeros((3, 48, 320), np.float32)])
    assert np.abs(ort._run(batch) - cv._run(batch)).max() < 1e-4


def test_registry_lists_the_readers_and_consensus_is_the_default():
    assert {"consensus", "ppocrv6", "ppocrv4", "tesseract", "rapidocr"} <= set(ENGINES)
    assert OcrConfig().engine == "consensus"


@needs_ort
@pytest.mark.slow
def test_consensus_engine_reads_with_tesseract_only_where_needed():
    engine = make_engine(OcrConfig(engine="consensus", jobs=1))
    good = line_image("依法保护企业合法权益")
    recs = engine.recognize_pairs([good], [np.asarray(Image.fromarray(good).convert("L"))])
    assert recs[0].text == "依法保护企业合法权益"
    readers = [r for r, _t, _c in recs[0].readings]
    assert readers == ["ppocrv6"]  # a clean line PP-OCRv6 is sure of: the cascade stops there
    prov = engine.provenance()
    assert prov["engine"] == "consensus" and len(prov["readers"]) == 3


def _run(tmp_path, engine: str | None):
    spec = synth.SeriesSpec(title="示例措施4条", n_clauses=4, seed=23)
    article = synth.write_series(synth.render_series(spec), tmp_path / "s")
    out = tmp_path / f"o-{engine}"
    args = ["run", str(article), "--out", str(out), "--quiet", "--jobs", "1", "--cache-dir", str(tmp_path / "c")]
    rc = main(args + (["--engine", engine] if engine else []))
    return rc, out


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_each_engine_still_works_alone(tmp_path, engine):
    if engine == "rapidocr" and importlib.util.find_spec("rapidocr_onnxruntime") is None:
        pytest.skip("the [rapidocr] extra is not installed")
    rc, out = _run(tmp_path, engine)
    result = read_result(out)
    assert rc == 0 and result.verification.ok
    assert result.provenance["engine"] == engine
    assert all(ln.readers == () and ln.flags == () for im in result.images for ln in im.lines)


@needs_ort
@pytest.mark.slow
def test_default_run_is_the_consensus_and_records_readers(tmp_path):
    rc, out = _run(tmp_path, None)
    result = read_result(out)
    assert rc == 0 and result.verification.ok
    assert result.provenance["engine"] == "consensus"
    text_lines = [ln for im in result.images for ln in im.lines if ln.kind == "text"]
    assert text_lines and all("ppocrv6" in {r.reader for r in ln.readers} for ln in text_lines)
    data = json.loads((out / "result.json").read_text("utf-8"))
    assert "readers" in data["images"][0]["lines"][0]
