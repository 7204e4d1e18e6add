"""The Unix habits (issue 20): `-` for standard input and output, --lang a+b, --debug in every
segment mode, -v timings and -vv for ocrpipe only, export format from the suffix, search hits
that say where they are and exit 1 on no match, `run` saying what it excluded, `convert`."""

from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import synth
from ocrpipe.cli._commands import _report_excluded
from ocrpipe.cli._main import _setup_logging, main
from ocrpipe.config import OcrConfig
from ocrpipe.errors import EngineNotAvailable, ExitCode, InputError
from ocrpipe.recognition.engines import make_engine

from .test_api import _stored
from .test_formats import HAVE_FONT, _run_dir


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


# --------------------------------------------------------------------------- search and export


def test_search_says_where_each_hit_is_and_exits_1_on_no_match(tmp_path, capsys):
    db = _stored(tmp_path)
    assert main(["search", "营商环境", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "clause 1, image 1, line 2" in out and "https://example.org/b" in out
    assert main(["search", "营商环境", "--db", str(db), "--article", "example.org/b", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert [(h["key"], h["image"], h["line"], h["clause"]) for h in hits] == [("https://example.org/b", 1, 2, None)]
    assert main(["search", "营商环境", "--db", str(db), "--since", "2025"]) == ExitCode.NO_MATCHES == 1
    assert "no matches" in capsys.readouterr().err
    assert main(["search", "没有这个词", "--db", str(db), "--json"]) == 1


def test_export_takes_its_format_from_the_suffix(tmp_path, capsys):
    db = _stored(tmp_path)
    assert main(["corpus", "export", str(tmp_path / "c.csv"), "--db", str(db)]) == 0
    header = (tmp_path / "c.csv").read_text("utf-8").splitlines()[0].split(",")
    assert "article.title" in header and "verification.status" in header
    assert main(["corpus", "export", str(tmp_path / "c.xlsx"), "--db", str(db)]) == ExitCode.BAD_INPUT
    assert "--format" in capsys.readouterr().err
    assert main(["corpus", "export", str(tmp_path / "c.xlsx"), "--db", str(db), "--format", "txt"]) == 0
    capsys.readouterr()
    assert main(["corpus", "export", "-", "--db", str(db), "--level", "article"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(x)["verification"] for x in lines] == ["failed", "not applicable"]


# --------------------------------------------------------------------------- convert


@pytest.mark.skipif(not HAVE_FONT, reason="no TrueType CJK font")
def test_convert_writes_into_the_run_or_one_file_to_standard_output(tmp_path, capsysbinary):
    folder, _ = _run_dir(tmp_path)
    assert main(["convert", str(folder), "--to", "hocr,pdf", "-q"]) == 0
    assert (folder / "article.pdf").read_bytes()[:5] == b"%PDF-" and len(list((folder / "hocr").iterdir())) == 2
    assert not (folder / "alto").exists()
    capsysbinary.readouterr()
    assert main(["convert", str(folder), "--to", "pdf", "-o", "-"]) == 0
    assert capsysbinary.readouterr().out[:5] == b"%PDF-"
    assert main(["convert", str(folder), "--to", "alto", "-o", "-", "--image", "1"]) == 0
    assert b"<alto " in capsysbinary.readouterr().out
    assert main(["convert", str(folder), "--to", "alto", "-o", "-"]) == ExitCode.BAD_INPUT  # which image?
    # images are counted from 1, as every message and the review page count them
    capsysbinary.readouterr()
    assert main(["convert", str(folder), "--to", "alto", "-o", "-", "--image", "3"]) == ExitCode.BAD_INPUT
    assert b"one of: 1, 2" in capsysbinary.readouterr().err
    assert main(["convert", str(folder), "--to", "docx"]) == ExitCode.BAD_INPUT  # argparse's usage error
    assert main(["convert", str(tmp_path / "nowhere"), "--to", "hocr"]) == ExitCode.BAD_INPUT


# --------------------------------------------------------------------------- standard input


def test_fetch_reads_a_list_of_images_from_standard_input(tmp_path, monkeypatch, poster_jpeg):
    (tmp_path / "a.jpg").write_bytes(poster_jpeg)
    (tmp_path / "b.jpg").write_bytes(poster_jpeg)
    monkeypatch.chdir(tmp_path)  # relative paths on standard input are taken from here
    _stdin(monkeypatch, b"a.jpg\nb.jpg\n")
    assert main(["fetch", "-", "--out", str(tmp_path / "out"), "-q", "--all-images"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    assert [im["status"] for im in manifest["images"]] == ["ok", "ok"]


def test_fetch_reads_one_image_from_standard_input(tmp_path, monkeypatch, poster_jpeg):
    _stdin(monkeypatch, poster_jpeg)
    assert main(["fetch", "-", "--out", str(tmp_path / "out"), "-q"]) == 0
    (image,) = (tmp_path / "out" / "images").iterdir()
    assert image.read_bytes() == poster_jpeg


def test_empty_standard_input_is_bad_input(tmp_path, monkeypatch, capsys):
    _stdin(monkeypatch, b"")
    assert main(["ocr", "-"]) == ExitCode.BAD_INPUT
    assert "standard input is empty" in capsys.readouterr().err


# --------------------------------------------------------------------------- run says what it left out


def test_run_names_the_excluded_images_and_all_images(capsys):
    fetched = SimpleNamespace(
        images=[
            SimpleNamespace(status="ok", error=None, index=0),
            SimpleNamespace(status="excluded", error="aspect 1.50 (900x600) differs from the series' 0.56", index=1),
            SimpleNamespace(status="excluded", error="aspect 2.00 (800x400) differs from the series' 0.56", index=2),
            SimpleNamespace(status="excluded", error="after the article's source line", index=3),
        ]
    )
    _report_excluded(fetched)
    err = capsys.readouterr().err
    assert "3 of 4 images excluded" in err and "2 by aspect ratio" in err and "1 after the article's source line" in err
    assert "--all-images" in err
    _report_excluded(SimpleNamespace(images=fetched.images[:1]))
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- languages and logging


def test_lang_with_several_languages_reaches_tesseract():
    pytest.importorskip("pytesseract")
    engine = make_engine(OcrConfig(engine="tesseract", lang="chi_sim+eng", backend="pytesseract"))
    prov = engine.provenance()
    assert prov["lang"] == "chi_sim+eng" and prov["language_data_sha256"].count("+") == 1
    assert prov["language_data"].endswith("eng.traineddata")
    with pytest.raises(EngineNotAvailable) as info:
        make_engine(OcrConfig(lang="chi_sim+xyz_qq"))
    assert "xyz_qq.traineddata" in info.value.message and "chi_sim.traineddata" not in info.value.message
    assert "tesseract-ocr-xyz-qq" in (info.value.hint or "") and "chi-sim" not in (info.value.hint or "")
    with pytest.raises(InputError):
        make_engine(OcrConfig(lang="chi_sim++eng"))


def test_vv_is_ocrpipe_s_debug_log_only():
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("ocrpipe").level)
    try:
        root.handlers[:] = []
        _setup_logging(logging.DEBUG)
        assert len(root.handlers) == 1
        assert root.handlers[0].format(logging.LogRecord("PIL.Png", 10, "", 0, "chunk", None, None)) == "PIL.Png: DEBUG: chunk"
        rec = logging.LogRecord("ocrpipe.x._y", 20, "", 0, "hello", None, None)
        assert root.handlers[0].format(rec) == "ocrpipe: INFO: hello"
        assert logging.getLogger("ocrpipe.recognition._executor").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("PIL.PngImagePlugin").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("PIL.PngImagePlugin").isEnabledFor(logging.WARNING)
        _setup_logging(logging.INFO)
        assert logging.getLogger("ocrpipe.x").isEnabledFor(logging.INFO)
        assert not logging.getLogger("ocrpipe.x").isEnabledFor(logging.DEBUG)
    finally:
        root.handlers[:], _, _ = saved
        root.setLevel(saved[1])
        logging.getLogger("ocrpipe").setLevel(saved[2])


# --------------------------------------------------------------------------- slow: a real engine


def _small_poster() -> bytes:
    poster = synth.render_series(synth.SeriesSpec(title="示例措施2条", n_clauses=2, seed=3)).posters[0]
    buf = io.BytesIO()
    poster.crop((0, 0, poster.width, 480)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize("segment", ["detect", "lines", "page"])
def test_ocr_from_standard_input_with_debug_and_timings(tmp_path, monkeypatch, caplog, segment):
    data = _small_poster()
    _stdin(monkeypatch, data)
    debug = tmp_path / "debug"
    argv = ["ocr", "-", "--segment", segment, "--debug", str(debug), "--lang", "chi_sim+eng", "-v", "--jobs", "1"]
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("ocrpipe").level)
    try:
        assert main([*argv, "--format", "hocr", "-o", str(tmp_path / "p.hocr")]) == 0
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("ocrpipe").setLevel(saved[2])
    err = caplog.text  # pytest's handler is the root's: ocrpipe adds none of its own then
    assert "image 1:" in err and "load " in err and "recognise " in err and "total " in err
    assert 'class="ocr_line"' in (tmp_path / "p.hocr").read_text("utf-8")
    assert list(debug.glob("000.*.png")), f"--debug wrote nothing with --segment {segment}"


@pytest.mark.slow
def test_run_reads_an_image_from_standard_input(tmp_path, monkeypatch, capsys):
    _stdin(monkeypatch, _small_poster())
    assert main(["run", "-", "--out", str(tmp_path / "out"), "--jobs", "1", "--formats", "alto"]) == 0
    result = json.loads((tmp_path / "out" / "result.json").read_text("utf-8"))
    assert "示例" in "".join(im["text"] for im in result["images"])
    assert result["verification"]["status"] == "not applicable"
    assert Path(tmp_path / "out" / "alto" / "000.xml").is_file()
