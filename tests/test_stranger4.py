"""Defects found by the fourth stranger pass (a user of the built wheel), each with its fix's test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import ocrpipe
from ocrpipe.errors import ExitCode, InputError

REPO = Path(__file__).resolve().parents[1]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_THREAD_LIMIT": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ocrpipe", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


# 1. an empty path is never the current folder


@pytest.mark.parametrize("out", ["", "  "])
def test_process_refuses_an_empty_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "text.txt").write_text("mine")
    with pytest.raises(InputError, match="empty path") as err:
        ocrpipe.process(str(REPO / "samples/demo/article.md"), out=out)
    assert err.value.option == "out"
    assert (tmp_path / "text.txt").read_text() == "mine"
    assert sorted(os.listdir(tmp_path)) == ["text.txt"]


def test_process_refuses_an_empty_article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="the article is empty"):
        ocrpipe.process("")


def test_other_path_parameters_refuse_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # without the fix "" is this folder
    with pytest.raises(InputError, match="empty path") as err:
        ocrpipe.Corpus("")
    assert err.value.option == "path"
    with pytest.raises(InputError, match="empty path") as err:
        ocrpipe.load("")
    assert err.value.option == "directory"
    with pytest.raises(InputError, match="empty path") as err:
        ocrpipe.read("")
    assert err.value.option == "image"
    with pytest.raises(InputError, match="empty path") as err:
        ocrpipe.process("x.md", debug_dir="")
    assert err.value.option == "debug_dir"


def test_save_refuses_an_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ocrpipe.api import Run

    monkeypatch.chdir(tmp_path)  # without the fix "" is this folder (a lock file was left there)
    run = Run.__new__(Run)
    run.directory = tmp_path
    with pytest.raises(InputError, match="empty path") as err:
        run.save("")
    assert err.value.option == "directory"


# 2. wrong types are InputErrors naming the parameter


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"expect": "x"}, "expect"),
        ({"expect": 8.0}, "expect"),
        ({"expect": True}, "expect"),
        ({"jobs": "2"}, "jobs"),
        ({"jobs": True}, "jobs"),
        ({"max_pixels": 1.5}, "max_pixels"),
        ({"deskew": "no"}, "deskew"),
        ({"timeout": "3"}, "timeout"),
        ({"formats": 5}, "formats"),
        ({"engine": 3}, "engine"),
    ],
)
def test_process_refuses_wrong_types(options: dict[str, object], option: str) -> None:
    with pytest.raises(InputError) as err:
        ocrpipe.process("nonexistent-article.md", **options)  # type: ignore[arg-type]
    assert err.value.option == option
    assert option in err.value.message and "\n" not in str(err.value)


def test_a_single_format_string_is_one_format() -> None:
    from ocrpipe.api import _run_config

    assert _run_config({"formats": "pdf"}).formats == ("pdf",)
    with pytest.raises(InputError, match="unknown output format 'docx'"):
        _run_config({"formats": "docx"})


def test_corpus_search_refuses_wrong_types(tmp_path: Path) -> None:
    from ocrpipe.corpus._store import Store

    Store(tmp_path / "c.db").close()  # the limit is checked by the search, on an existing store
    corpus = ocrpipe.Corpus(tmp_path / "c.db")
    with pytest.raises(InputError) as err:
        corpus.search(None)  # type: ignore[arg-type]
    assert err.value.option == "query"
    with pytest.raises(InputError) as err:
        corpus.search("x", limit="5")  # type: ignore[arg-type]
    assert err.value.option == "limit"


def test_read_refuses_an_empty_array() -> None:
    with pytest.raises(InputError, match="empty") as err:
        ocrpipe.read(np.zeros((0, 0, 3), np.uint8))
    assert err.value.option == "image"


# 6. a URL given where a file is expected


def test_read_refuses_a_url_intact() -> None:
    with pytest.raises(InputError, match=re.escape("http://nonexistent.invalid/x.jpg: read takes an image file, not a URL")):
        ocrpipe.read("http://nonexistent.invalid/x.jpg")


def test_cli_ocr_refuses_a_url_intact(tmp_path: Path) -> None:
    proc = _cli("ocr", "http://nonexistent.invalid/x.jpg", cwd=tmp_path)
    assert proc.returncode == ExitCode.BAD_INPUT
    assert "http://nonexistent.invalid/x.jpg: ocr takes image files, not URLs" in proc.stderr
    assert "ocrpipe run http://nonexistent.invalid/x.jpg" in proc.stderr


# 3. the corpus keeps verification's extra numbers


def test_corpus_status_and_export_carry_extra(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import csv
    import json
    from importlib.resources import files

    import jsonschema

    from ocrpipe.cli._main import main
    from ocrpipe.corpus._store import Store

    from .test_leftovers import _result

    db = tmp_path / "c.db"
    with Store(db) as store:
        store.put_result("https://example.org/a.html", _result([1, 2, 3, 4], expected=3), "s", "v", [])
        store.put_result("https://example.org/b.html", _result([1, 2, 3], expected=3), "s", "v", [])
        # a row written before `extra` was kept: read as empty
        store.db.execute("UPDATE articles SET verification = json_remove(verification, '$.extra') WHERE key LIKE '%b.html'")
    st = ocrpipe.Corpus(db).status()
    assert [v["extra"] for v in st["verification_failed"]] == [[4]]
    assert main(["corpus", "status", "--db", str(db)]) == 0
    assert "missing -, extra 4" in capsys.readouterr().out
    ocrpipe.Corpus(db).export(tmp_path / "c.jsonl")
    records = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text().splitlines()]
    schema = json.loads(files("ocrpipe.output").joinpath("schema/corpus-clause.schema.json").read_text("utf-8"))
    for rec in records:
        jsonschema.validate(rec, schema)
    assert {r["article"]["key"][-6:]: r["verification"]["extra"] for r in records} == {"a.html": [4], "b.html": []}
    ocrpipe.Corpus(db).export(tmp_path / "a.csv", level="article")
    rows = list(csv.DictReader((tmp_path / "a.csv").open()))
    assert [r["extra"] for r in rows] == ["4", ""]


# 4. a run from standard input is located by what was read, not "<cwd>/-"


def test_stdin_articles_are_located_by_their_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ocrpipe.acquire._sources import load_article
    from ocrpipe.corpus._ingest import _import_key

    monkeypatch.chdir(tmp_path)
    one = load_article("-", data=b"p01.jpg\np02.jpg\n")
    two = load_article("-", data=b"p03.jpg\n")
    again = load_article("-", data=b"p01.jpg\np02.jpg\n")
    assert one.meta.location != two.meta.location and one.meta.location == again.meta.location
    assert one.meta.location is not None and one.meta.location.startswith("stdin:sha256:")
    assert one.images[0].urls == ((tmp_path / "p01.jpg").as_uri(),)  # paths still from the current folder
    html = load_article("-", data=b'<h1>t</h1><img src="p01.jpg">')
    assert html.meta.location is not None and html.meta.location.startswith("stdin:sha256:")
    # corpus import keys them apart, whatever folder each run was written to
    keys = {_import_key(a.meta.location, tmp_path / d) for a, d in ((one, "x"), (two, "y"), (again, "z"))}
    assert keys == {one.meta.location, two.meta.location}


# 5. convert's binary standard output: a closed pipe is 141, as for run/verify/export


class _ShortPipe:
    """A pipe whose reader leaves after `room` bytes: a short write, then EPIPE."""

    def __init__(self, room: int) -> None:
        self.room, self.got = room, b""

    def write(self, data: memoryview) -> int:
        if not self.room:
            raise BrokenPipeError(32, "Broken pipe")
        n = min(self.room, len(data))
        self.got += bytes(data[:n])
        self.room -= n
        return n


def test_write_all_raises_on_the_write_after_a_short_one() -> None:
    from ocrpipe.cli._commands import _write_all

    pipe = _ShortPipe(65536)
    with pytest.raises(BrokenPipeError):
        _write_all(pipe, b"x" * 200_000)
    assert len(pipe.got) == 65536
    whole = _ShortPipe(10**6)
    _write_all(whole, b"abc" * 1000)
    assert whole.got == b"abc" * 1000


def test_convert_pdf_to_a_closed_pipe_exits_141(tmp_path: Path) -> None:
    from .test_formats import HAVE_FONT, _run_dir

    if not HAVE_FONT:
        pytest.skip("no TrueType CJK font")
    folder, _ = _run_dir(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "ocrpipe", "convert", str(folder), "--to", "pdf", "-o", "-"]
    whole = subprocess.run(cmd, env=env, capture_output=True, timeout=120).stdout
    assert len(whole) > 65536  # more than a pipe holds: the write is cut short by the closed end
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.read(10) == whole[:10]
    time.sleep(0.5)  # the writer fills the pipe and waits: closing now cuts its write short
    proc.stdout.close()
    assert proc.wait(timeout=120) == ExitCode.BROKEN_PIPE
    assert proc.stderr is not None and proc.stderr.read() == b""


# 7. configuration errors name the Python setting; the CLI adds its flag


@pytest.mark.parametrize(
    ("options", "option", "flag"),
    [
        ({"segment": "bogus"}, "segment", "--segment"),
        ({"max_pixels": -1}, "max_pixels", "--max-pixels"),
        ({"jobs": 0}, "jobs", "--jobs"),
        ({"timeout": -5.0}, "timeout", "--ocr-timeout"),
        ({"deadline": 0.0}, "deadline", "--deadline"),
        ({"max_images": 0}, "max_images", "--max-images"),
        ({"prefer": "x"}, "prefer", "--prefer"),
        ({"backend": "x"}, "backend", "--backend"),
        ({"binarize": "x"}, "binarize", "--binarize"),
        ({"engine": "bogus"}, "engine", "--engine"),
    ],
)
def test_config_errors_name_the_python_setting(options: dict[str, object], option: str, flag: str) -> None:
    from ocrpipe.api import _run_config
    from ocrpipe.cli._main import _with_flag

    with pytest.raises(InputError) as err:
        _run_config(options)
    assert err.value.option == option and err.value.hint
    assert "--" not in str(err.value) and option in err.value.hint
    cli = _with_flag(err.value.hint, err.value.option)
    assert flag in cli and "command line" not in cli and f" {option} " not in f" {cli} ", cli


def test_cli_names_its_flag_for_a_config_error(tmp_path: Path) -> None:
    proc = _cli("ocr", "--max-pixels", "-1", str(REPO / "samples/demo/posters/p02.jpg"), cwd=tmp_path)
    assert proc.returncode == ExitCode.BAD_INPUT
    assert "error: --max-pixels must be more than 0, got -1" in proc.stderr
    assert "hint: set --max-pixels to more than 0\n" in proc.stderr


@pytest.mark.parametrize("url", ["https://", "http:///page.html", "https://[::1/x"])
def test_an_article_url_without_a_host_is_bad_input(tmp_path, url):
    # stranger pass 4: `ocrpipe run https://` was exit 4 with "check the network connection"
    from ocrpipe.cli._main import main as cli_main

    code = cli_main(["run", url, "--out", str(tmp_path / "out")])
    assert code == 2


def test_corpus_add_of_a_path_that_is_not_there_is_bad_input_and_makes_no_store(tmp_path):
    # stranger pass 4: the store was made and the typo kept as a failed article to retry (exit 4)
    from ocrpipe.cli._main import main as cli_main

    db = tmp_path / "new.db"
    assert cli_main(["corpus", "add", str(tmp_path / "nonexistent"), "--db", str(db)]) == 2
    assert not db.exists()
