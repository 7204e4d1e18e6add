"""Defects found by the third stranger pass (a first-time user with the wheel), each with its fix's test."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from ocrpipe.errors import ExitCode

REPO = Path(__file__).resolve().parents[1]


def _ocrpipe(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_THREAD_LIMIT": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "ocrpipe", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background job ignores SIGINT
    )


def test_ctrl_c_during_a_slow_download_ends_at_once(server, tmp_path):
    """Ctrl-C while a server drips an image a byte a second: exit 130 at once (it took until the
    image's deadline, 127 s, waiting for the download thread)."""

    def drip(h: BaseHTTPRequestHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "image/jpeg")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(120):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(1)

    server.routes["/slow.jpg"] = drip
    page = tmp_path / "a.html"
    page.write_text(f'<html><body><h1>t</h1><img src="{server.url("/slow.jpg")}"></body></html>', "utf-8")
    proc = _ocrpipe("fetch", str(page), "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 30
        while server.hits["/slow.jpg"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.hits["/slow.jpg"] == 1
        time.sleep(0.5)
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - start
    finally:
        proc.kill()
    assert proc.returncode == ExitCode.INTERRUPTED, err
    assert took < 10, took  # the download's deadline is 120 s


@contextlib.contextmanager
def _read_only_folder(folder: Path) -> Iterator[None]:
    """A folder nobody may create files in: chmod for a user, `chattr +i` for root (whom modes do not stop)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a read-only folder here (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_store_in_a_read_only_folder_is_searched_and_a_new_one_there_is_an_output_failure(tmp_path, capsys):
    from ocrpipe.cli._main import main
    from ocrpipe.corpus._store import Store

    shared = tmp_path / "shared"
    shared.mkdir()
    db = shared / "c.db"
    Store(db).close()
    with _read_only_folder(shared):
        # was: "c.db is not an ocrpipe corpus store: unable to open database file", exit 2
        assert main(["corpus", "status", "--db", str(db)]) == ExitCode.OK
        assert main(["search", "营商环境", "--db", str(db)]) == ExitCode.UNEXPECTED  # grep's 1: no matches
        assert main(["corpus", "export", "-", "--db", str(db)]) == ExitCode.OK
        assert "not an ocrpipe corpus store" not in capsys.readouterr().err
        # a store that cannot be made there is an output failure (6), not bad input (2)
        assert main(["corpus", "import", str(tmp_path / "run"), "--db", str(shared / "new.db")]) == ExitCode.OUTPUT_FAILED
        err = capsys.readouterr().err
        assert "cannot open the corpus store" in err and "not an ocrpipe corpus store" not in err
        assert not (shared / "new.db").exists()


def test_the_api_does_not_make_a_store_to_search_it(tmp_path):
    import ocrpipe

    missing = tmp_path / "missing.db"
    for call in (lambda c: c.search("金融服务"), lambda c: c.status(), lambda c: c.export(tmp_path / "x.jsonl")):
        with pytest.raises(ocrpipe.InputError, match="no corpus store"):
            call(ocrpipe.Corpus(missing))
    assert not missing.exists()  # was: an empty store made, [] returned


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "a.md", "--out", ""],  # `--out "$OUT"` with OUT unset: wrote images/ and result.json into the cwd
        ["run", "", "--out", "o"],  # read the current folder as the article
        ["fetch", "a.md", "--out", " "],
        ["corpus", "add", "", "--db", "x.db"],
        ["corpus", "status", "--db", ""],
        ["ocr", ""],
        ["verify", ""],
        ["review", "", "--serve"],
        ["review", "d", "--serve", "--port", "70000"],  # was: "unexpected OverflowError ... a bug", exit 1
        ["review", "d", "--serve", "--port", "-1"],
    ],
)
def test_empty_paths_and_ports_out_of_range_are_usage_errors(argv, tmp_path, monkeypatch, capsys):
    from ocrpipe.cli._main import main

    monkeypatch.chdir(tmp_path)
    assert main(argv) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "empty" in err or "not a port" in err
    assert list(tmp_path.iterdir()) == []  # nothing written into the current folder


def test_since_and_until_name_days_of_the_calendar(tmp_path, capsys):
    from ocrpipe.cli._main import main
    from ocrpipe.corpus._store import Store

    db = tmp_path / "c.db"
    Store(db).close()
    for day in ("2024-02-30", "2023-02-29", "2024-04-31"):  # was accepted: no such day
        assert main(["search", "营商环境", "--db", str(db), "--since", day]) == ExitCode.BAD_INPUT
        assert "is not a date" in capsys.readouterr().err
    assert main(["search", "营商环境", "--db", str(db), "--until", "2024-02-29"]) == ExitCode.UNEXPECTED  # no hits


def test_dask_without_its_extra_says_how_to_install_it(monkeypatch):
    import ocrpipe
    from ocrpipe.config import OcrConfig, PreprocessConfig
    from ocrpipe.recognition._dask import DaskExecutor

    monkeypatch.setitem(sys.modules, "distributed", None)  # as where `pip install ocrpipe` left it out
    with pytest.raises(ocrpipe.EngineNotAvailable) as err:  # was: ModuleNotFoundError, "a bug in ocrpipe", exit 1
        DaskExecutor("tcp://127.0.0.1:1").map([], OcrConfig(), PreprocessConfig(), None, None)
    assert "ocrpipe[dask]" in err.value.hint
    assert err.value.exit_code == ExitCode.ENGINE_FAILED


def test_ocr_of_a_folder_is_bad_input_naming_run(tmp_path, capsys):
    from ocrpipe.cli._main import main

    assert main(["ocr", str(tmp_path)]) == ExitCode.BAD_INPUT  # was 4, as a failed image
    assert "ocrpipe run" in capsys.readouterr().err


def test_empty_standard_input_hint_fits_every_command(tmp_path, monkeypatch, capsys):
    import io

    from ocrpipe.cli._main import main

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert main(["fetch", "-", "--out", str(tmp_path / "o")]) == ExitCode.BAD_INPUT
    assert "ocrpipe fetch -" in capsys.readouterr().err  # was only "ocrpipe ocr - < poster.jpg"


def test_running_a_fetched_folder_points_at_its_article(tmp_path, poster_jpeg, capsys):
    from ocrpipe.cli._main import main

    (tmp_path / "p1.jpg").write_bytes(poster_jpeg)
    article = tmp_path / "a.md"
    article.write_text("# 关于若干措施（三条）\n\n![一](p1.jpg)\n", "utf-8")
    out = tmp_path / "fetched"
    assert main(["fetch", str(article), "--out", str(out), "-q"]) == ExitCode.OK
    capsys.readouterr()
    assert main(["run", str(out), "--out", str(out)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert f"ocrpipe run {article}" in err and "images alone" in err  # was only: pass DIR/images (title, promise lost)
