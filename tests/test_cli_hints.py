"""A stranger's second pass: every refusal is one line with a hint, before any work, with the
documented exit code; Markdown articles; pages whose images are embedded as data: URIs."""

from __future__ import annotations

import base64
import json
import logging
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from ocrpipe.acquire._markdown import markdown_to_html
from ocrpipe.acquire._sources import load_article
from ocrpipe.cli import main
from ocrpipe.config import FetchConfig, OcrConfig
from ocrpipe.errors import ArticleError, ExitCode, InputError

REPO = Path(__file__).resolve().parents[1]


def _err_lines(capsys) -> list[str]:
    return [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]


def _one_error_with_hint(capsys, *needles: str) -> None:
    lines = _err_lines(capsys)
    errors = [ln for ln in lines if ln.startswith("ocrpipe: error:")]
    hints = [ln for ln in lines if ln.startswith("ocrpipe: hint:")]
    assert len(errors) == 1 and len(hints) == 1, lines
    text = " ".join(lines)
    assert "Traceback" not in text and "a bug in ocrpipe" not in text
    for n in needles:
        assert n in text, (n, lines)


def _store(tmp_path: Path) -> Path:
    from ocrpipe.corpus._store import Store

    db = tmp_path / "c.db"
    with Store(db):
        pass
    return db


@pytest.mark.parametrize("bad", ["notadate", "2024-13", "2024-02-30x", "24"])
def test_a_date_bound_that_is_no_date_is_bad_input(tmp_path, capsys, bad):
    db = _store(tmp_path)
    assert main(["search", "信用修复", "--db", str(db), "--since", bad]) == ExitCode.BAD_INPUT
    _one_error_with_hint(capsys, "--since", "2024-05-01")
    assert main(["search", "信用修复", "--db", str(db), "--until", bad]) == ExitCode.BAD_INPUT


def test_good_date_bounds_are_taken(tmp_path, capsys):
    db = _store(tmp_path)
    for good in ("2024", "2024-05", "2024-05-31"):
        assert main(["search", "信用修复", "--db", str(db), "--since", good]) == ExitCode.NO_MATCHES


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["search", "", "--db", "{db}"], "search query is empty"),
        (["search", "abc", "--limit", "0", "--db", "{db}"], "--limit"),
    ],
)
def test_search_refusals_carry_a_hint(tmp_path, capsys, argv, needle):
    db = _store(tmp_path)
    assert main([a.replace("{db}", str(db)) for a in argv]) == ExitCode.BAD_INPUT
    _one_error_with_hint(capsys, needle)


@pytest.mark.parametrize("option, value, field", [("--jobs", "0", "jobs"), ("--max-pixels", "-1", "max_pixels")])
def test_option_out_of_range_names_its_flag(tmp_path, capsys, poster_jpeg, option, value, field):
    img = tmp_path / "p.jpg"
    img.write_bytes(poster_jpeg)
    assert main(["ocr", str(img), option, value]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    # the command line names its flag, in the error and the hint; the Python field is the API's word
    assert f"error: {option} must be" in err and f"hint: set {option} to" in err and f" {field} " not in err, err


def test_config_errors_name_the_setting_and_the_cli_its_flag():
    # the library names the Python setting (in `option` too), never a flag; main() adds the flag
    from ocrpipe.cli._main import _with_flag

    with pytest.raises(InputError) as e:
        OcrConfig(timeout=0)
    assert e.value.option == "timeout" and "--" not in e.value.hint
    assert _with_flag(e.value.hint, e.value.option) == "set --ocr-timeout to more than 0 seconds"
    with pytest.raises(InputError) as e:
        FetchConfig(read_timeout=-1)
    assert e.value.option == "read_timeout" and "--" not in e.value.hint
    assert _with_flag(e.value.hint, e.value.option).startswith("set --timeout to ")


@pytest.mark.parametrize("kind", ["file", "missing-parent"])
def test_debug_folder_that_cannot_be_made_is_refused_before_any_work(tmp_path, capsys, poster_jpeg, kind):
    img = tmp_path / "p.jpg"
    img.write_bytes(poster_jpeg)
    target = tmp_path / "afile"
    if kind == "file":
        target.write_text("x")
    else:
        target = Path("/proc/ocrpipe-no-such-folder")
    assert main(["ocr", str(img), "--debug", str(target), "--engine", "tesseract", "--jobs", "1"]) == ExitCode.OUTPUT_FAILED
    _one_error_with_hint(capsys, "--debug")


def test_a_named_tessdata_folder_is_the_only_one_looked_in(tmp_path, capsys, poster_jpeg):
    img = tmp_path / "p.jpg"
    img.write_bytes(poster_jpeg)
    rc = main(["ocr", str(img), "--engine", "tesseract", "--tessdata", str(tmp_path / "nonexist"), "--jobs", "1"])
    assert rc == ExitCode.ENGINE_FAILED
    _one_error_with_hint(capsys, "--tessdata", "chi_sim.traineddata")


def test_a_folder_holding_an_article_names_it(tmp_path, capsys):
    (tmp_path / "posters").mkdir()
    (tmp_path / "article.md").write_text("---\ntitle: x\n---\n<img src='posters/1.jpg'>", "utf-8")
    assert main(["fetch", str(tmp_path), "--out", str(tmp_path / "out")]) == ExitCode.BAD_INPUT
    _one_error_with_hint(capsys, "no images found", "article.md")
    (tmp_path / "article.md").unlink()
    (tmp_path / "posters" / "1.jpg").write_bytes(b"x")
    assert main(["fetch", str(tmp_path), "--out", str(tmp_path / "out")]) == ExitCode.BAD_INPUT
    _one_error_with_hint(capsys, "posters")


def test_verify_of_broken_json_says_how_to_fix(tmp_path, capsys):
    bad = tmp_path / "result.json"
    bad.write_text("{bad", "utf-8")
    assert main(["verify", str(bad)]) == ExitCode.BAD_INPUT
    _one_error_with_hint(capsys, "not valid JSON", "ocrpipe run")


def test_convert_image_out_of_range_says_so(demo_result, capsys):
    run = demo_result.parent
    n = len(json.loads(demo_result.read_text("utf-8"))["images"])
    for bad in (0, n + 1):
        assert main(["convert", str(run), "--to", "hocr", "-o", "-", "--image", str(bad)]) == ExitCode.BAD_INPUT
        _one_error_with_hint(capsys, f"--image {bad}", "count from 1")


def test_corpus_import_checks_every_folder_before_storing_any(demo_result, tmp_path, capsys):
    db = tmp_path / "imp.db"
    run = demo_result.parent
    rc = main(["corpus", "import", str(run), str(tmp_path / "nonexist"), "--db", str(db), "--cache-dir", str(tmp_path / "c")])
    assert rc == ExitCode.BAD_INPUT
    capsys.readouterr()
    if db.exists():
        assert main(["corpus", "status", "--db", str(db), "--json"]) == ExitCode.OK
        assert json.loads(capsys.readouterr().out)["counts"]["done"] == 0


def _png_header(width: int, height: int) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_a_giant_image_header_names_max_pixels(tmp_path, capsys):
    img = tmp_path / "huge.png"
    img.write_bytes(_png_header(60000, 60000))
    assert main(["ocr", str(img), "--jobs", "1"]) == ExitCode.DOWNLOAD_FAILED
    lines = _err_lines(capsys)
    assert len(lines) == 1 and "--max-pixels" in lines[0] and "3600000000" in lines[0]
    assert lines[0].count("huge.png") == 1  # the file is named once, not "huge.png failed: huge.png: ..."


def test_quiet_run_prints_nothing_when_all_is_well(demo_run, tmp_path, capsys):
    rc, out = demo_run
    assert rc == ExitCode.OK
    images = tmp_path / "imgs"
    shutil.copytree(out / "images", images)
    assert main(["run", str(images), "--out", str(tmp_path / "o"), "-q", "--engine", "tesseract", "--expect", "20"]) in (
        ExitCode.OK,
        ExitCode.VERIFICATION_FAILED,
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "excluded" not in captured.err and "verification: ok" not in captured.err


# ------------------------------------------------------------------ Markdown articles


def test_markdown_images_headings_and_paragraphs():
    html = markdown_to_html('# 标题20条\n\n正文 [链接](http://x)。\n\n![海报](a.jpg)\n![b](<b c.jpg> "t")\n')
    assert "<h1>标题20条</h1>" in html
    assert '<img src="a.jpg" alt="海报">' in html and '<img src="b c.jpg" alt="b">' in html
    assert "链接" in html and "http://x" not in html


def test_markdown_in_an_html_article_only_gains_img_tags():
    body = "<div><p>x</p>\n![p](a.jpg)\n<script>1 < 2</script></div>"
    assert markdown_to_html(body) == '<div><p>x</p>\n<img src="a.jpg" alt="p">\n<script>1 < 2</script></div>'


def test_markdown_text_is_escaped():
    html = markdown_to_html("plain & <b\n\n![x](a.jpg)")
    assert "&amp;" in html and "&lt;b" in html


def test_a_markdown_article_is_read_with_title_promise_and_images(tmp_path, poster_jpeg):
    for n in range(3):
        (tmp_path / f"{n}.jpg").write_bytes(poster_jpeg)
    md = tmp_path / "a.md"
    md.write_text("# 助力中小微企业发展20条\n\n最高人民法院发布。\n\n![1](0.jpg)\n![2](1.jpg)\n\n![3](2.jpg)\n", "utf-8")
    article = load_article(str(md))
    assert article.meta.title == "助力中小微企业发展20条"
    assert article.meta.promised_count == 20
    assert len(article.images) == 3
    assert article.images[0].urls[0].endswith("/0.jpg")


# ------------------------------------------------------------------ data: images


def test_a_page_whose_images_are_all_embedded_says_so(tmp_path, poster_jpeg):
    b64 = base64.b64encode(poster_jpeg).decode()
    page = tmp_path / "p.html"
    page.write_text(f'<html><body><h1>t</h1><img src="data:image/jpeg;base64,{b64}"></body></html>', "utf-8")
    with pytest.raises(ArticleError) as e:
        load_article(str(page))
    assert "data: URIs" in e.value.message and "Webpage, complete" in e.value.hint


def test_embedded_images_beside_linked_ones_are_reported(tmp_path, poster_jpeg, caplog):
    b64 = base64.b64encode(poster_jpeg).decode()
    (tmp_path / "a.jpg").write_bytes(poster_jpeg)
    page = tmp_path / "p.html"
    page.write_text(
        f'<html><body><h1>t</h1><img src="data:image/jpeg;base64,{b64}"><img src="a.jpg">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-original="a.jpg"></body></html>',
        "utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="ocrpipe"):
        article = load_article(str(page))
    assert len(article.images) == 1
    assert any("data: URIs (1)" in r.getMessage() for r in caplog.records)  # the 1x1 placeholder is not counted


def test_stopping_a_pool_ends_running_jobs_at_once():
    """Ctrl-C with --jobs N: the workers are ended, not waited for (a poster in flight took 8 s)."""
    import time
    from concurrent.futures import ProcessPoolExecutor

    from ocrpipe.recognition._executor import _Context, _stop_now

    pool = ProcessPoolExecutor(max_workers=2, mp_context=_Context())
    futures = [pool.submit(time.sleep, 60) for _ in range(4)]
    while not any(f.running() for f in futures):
        time.sleep(0.05)
    workers = list(pool._processes.values())
    start = time.monotonic()
    _stop_now(pool)
    assert time.monotonic() - start < 20  # far below the 60 s a job would run
    assert not any(p.is_alive() for p in workers)
    assert all(f.cancelled() or f.done() for f in futures[2:])


def test_fetch_into_a_finished_run_is_refused_untouched(demo_result, capsys):
    run = demo_result.parent
    before = {p.name: p.stat().st_mtime_ns for p in run.iterdir()}
    assert main(["fetch", str(REPO / "samples/demo/article.md"), "--out", str(run)]) == ExitCode.OUTPUT_FAILED
    _one_error_with_hint(capsys, "finished run", "ocrpipe run")
    assert {p.name: p.stat().st_mtime_ns for p in run.iterdir()} == before


def test_help_that_cannot_be_written_is_an_output_failure(monkeypatch, capsys):
    import errno
    import io

    class Full(io.StringIO):
        def write(self, s: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("sys.stdout", Full())
    assert main(["--help"]) == ExitCode.OUTPUT_FAILED
    assert main(["corpus", "add", "--help"]) == ExitCode.OUTPUT_FAILED
    assert "could not be written" in capsys.readouterr().err
