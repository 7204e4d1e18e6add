"""Hostile input, round two (issue 18): the sixteen cases an outside attack and a first-time user
found, each as a test. Servers listen on 127.0.0.1 only; a case that could hang runs in a child
process with a timeout, so a regression fails instead of stalling the suite."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from ocrpipe._io import check_replaceable
from ocrpipe.acquire._cache import DownloadCache
from ocrpipe.cli._main import main
from ocrpipe.corpus._store import Store
from ocrpipe.errors import ExitCode, OutputError
from ocrpipe.recognition.engines import EngineInfo, Recognized

from .http_helpers import FaultServer, send

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m ocrpipe ARGS` in a child: for cases that would hang or must see real stdio."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_THREAD_LIMIT": "1"}
    return subprocess.run(
        [sys.executable, "-m", "ocrpipe", *args], capture_output=True, timeout=timeout, env=env, cwd=cwd or REPO
    )


def card(text_rows: int = 3, seed: int = 0) -> bytes:
    """A small generated image with a few dark bars (lines for the classical line finder)."""
    im = Image.new("RGB", (320, 240), "white")
    d = ImageDraw.Draw(im)
    for r in range(text_rows):
        d.rectangle((20, 30 + 60 * r, 200 + 20 * ((r + seed) % 4), 50 + 60 * r), fill="black")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue()


class StubEngine:
    """A fast engine that reads 'x' and counts its calls; its version is a class attribute."""

    name = "stub"
    wants_clean_lines = True
    version = "1.0"
    calls = 0

    def __init__(self, config=None) -> None:
        pass

    def recognize_line(self, image, kind="text"):
        type(self).calls += 1
        return Recognized(text="1. 第一条", confidence=90.0)

    def recognize_page(self, image):
        type(self).calls += 1
        return Recognized(text="1. 第一条", confidence=90.0)

    def provenance(self):
        return {"engine": "stub", "version": type(self).version, "language_data": "-", "language_data_sha256": "0" * 64}

    def close(self) -> None:
        pass


@pytest.fixture
def stub(register_engine):
    StubEngine.calls = 0
    StubEngine.version = "1.0"
    register_engine(EngineInfo("stub", StubEngine, ("lines", "page"), "lines", "a stub"))
    return StubEngine


def corpus_add(tmp_path: Path, *sources: str, extra: tuple[str, ...] = ()) -> int:
    return main(
        [
            "corpus",
            "add",
            *sources,
            "--db",
            str(tmp_path / "c.db"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--engine",
            "stub",
            "--segment",
            "page",
            "--jobs",
            "1",
            "-q",
            "--tries",
            "1",
            *extra,
        ]
    )


# --------------------------------------------------------------------------- 2. the cache asks the fetch policy


def test_2_the_cache_does_not_bypass_the_fetch_policy(server, tmp_path):
    other = FaultServer()  # the remote article's host: another port, so the image host is not its own
    try:
        server.routes["/p.jpg"] = lambda h, n: send(h, 200, card())
        lst = tmp_path / "local.txt"
        lst.write_text(server.url("/p.jpg") + "\n", "utf-8")
        common = ["--cache-dir", str(tmp_path / "cache"), "-q", "--tries", "1", "--timeout", "2"]
        assert main(["fetch", str(lst), "--out", str(tmp_path / "a"), *common]) == 0  # local: allowed, now cached
        page = f"<html><head><title>x</title></head><body><p><img src='{server.url('/p.jpg')}'></p></body></html>"
        other.routes["/art.html"] = lambda h, n: send(h, 200, page.encode(), "text/html; charset=utf-8")
        code = main(["fetch", other.url("/art.html"), "--out", str(tmp_path / "b"), *common])
        manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
        assert code == ExitCode.DOWNLOAD_FAILED
        im = manifest["images"][0]
        assert im["status"] == "failed" and not im["from_cache"] and "loopback" in im["error"]
        assert server.hits["/p.jpg"] == 1  # neither the cache nor the network served it
    finally:
        other.close()


# --------------------------------------------------------------------------- 4-5. the store


def test_4_a_read_only_command_never_changes_another_programs_database(tmp_path, capsys):
    db = tmp_path / "app.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO accounts (name) VALUES ('alice')")
    con.commit()
    con.close()
    before = db.read_bytes()
    for args in (["search", "hello"], ["corpus", "status"], ["corpus", "export", str(tmp_path / "x.jsonl")]):
        assert main([*args, "--db", str(db)]) == ExitCode.BAD_INPUT
        assert "not an ocrpipe corpus store" in capsys.readouterr().err
    # `corpus add` refuses it too, before writing anything
    assert main(["corpus", "import", str(tmp_path / "nothere"), "--db", str(db)]) == ExitCode.BAD_INPUT
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]  # no -wal, -shm or export either


def _open_store(args: tuple[str, multiprocessing.synchronize.Barrier]) -> str:  # type: ignore[name-defined]
    path, barrier = args
    barrier.wait()
    try:
        Store(Path(path)).close()
        return "ok"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def test_5_the_first_open_of_a_new_store_does_not_race(tmp_path):
    ctx = multiprocessing.get_context("fork")
    failures = []
    with ctx.Manager() as mgr:
        for i in range(12):
            barrier = mgr.Barrier(3)
            path = str(tmp_path / f"new{i}.db")
            with ctx.Pool(3) as pool:
                failures += [r for r in pool.map(_open_store, [(path, barrier)] * 3) if r != "ok"]
    assert failures == []


# --------------------------------------------------------------------------- 6-7. the regular-file gate


def test_6_export_never_replaces_a_fifo_a_device_or_a_symlink(tmp_path, capsys):
    db = tmp_path / "c.db"
    Store(db).close()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    target = tmp_path / "precious.txt"
    target.write_text("keep me", "utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    for path in (fifo, link):
        assert main(["corpus", "export", str(path), "--db", str(db), "-q"]) == ExitCode.OUTPUT_FAILED
        err = capsys.readouterr().err
        assert "replaces only regular files" in err and "Traceback" not in err
    assert fifo.is_fifo() and link.is_symlink() and target.read_text("utf-8") == "keep me"
    # a device is refused by the same gate, before any temporary file is made (checked without writing)
    with pytest.raises(OutputError, match="character device"):
        check_replaceable(Path("/dev/null"))


def test_7_the_article_argument_goes_through_the_regular_file_gate(tmp_path):
    fifo = tmp_path / "art.md"
    os.mkfifo(fifo)
    for spec in ("/dev/zero", str(fifo)):
        t0 = time.monotonic()
        r = run_cli("fetch", spec, "--out", str(tmp_path / "o"), "-q", timeout=60)
        assert r.returncode == ExitCode.BAD_INPUT, r.stderr
        assert b"not a regular file" in r.stderr and b"Traceback" not in r.stderr
        assert time.monotonic() - t0 < 30
    folder = tmp_path / "folder"
    folder.mkdir()
    os.mkfifo(folder / "x.md")
    r = run_cli("corpus", "add", str(folder), "--db", str(tmp_path / "c.db"), "-q", timeout=90)
    assert r.returncode == ExitCode.DOWNLOAD_FAILED, r.stderr
    assert b"not a regular file" in r.stderr and b"Traceback" not in r.stderr


# --------------------------------------------------------------------------- 8. corpus review reads no named path


def test_8_an_imported_run_cannot_make_review_read_a_local_file(demo_result, tmp_path, capsys):
    run = demo_result.parent
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0:the secret\n")
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    result = json.loads(demo_result.read_text("utf-8"))
    manifest = json.loads((run / "manifest.json").read_text("utf-8"))
    result["images"][0]["url"] = secret.as_uri()
    manifest["images"][0]["sha256"] = digest
    demo_result.write_text(json.dumps(result, ensure_ascii=False), "utf-8")
    (run / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    cache = tmp_path / "cache"
    DownloadCache(cache).put_object(secret.read_bytes())  # even bytes in the cache must be an image to be used
    db = str(tmp_path / "c.db")
    assert main(["corpus", "import", str(run), "--db", db, "-q", "--cache-dir", str(cache)]) == 0
    out = tmp_path / "review"
    assert main(["corpus", "review", str(out), "--db", db, "--cache-dir", str(cache), "-q"]) == 0
    assert (out / "index.html").exists()
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written and not any(b"the secret" in p.read_bytes() for p in written)
    assert "Traceback" not in capsys.readouterr().err


# --------------------------------------------------------------------------- 10. a failed article stays failed


def test_10_an_article_whose_every_image_failed_is_failed_and_retried(stub, tmp_path, capsys):
    art = tmp_path / "art"
    art.mkdir()
    lst = art / "list.txt"
    lst.write_text("p1.jpg\np2.jpg\n", "utf-8")  # neither exists yet
    assert corpus_add(tmp_path, str(lst)) == ExitCode.DOWNLOAD_FAILED
    with Store(tmp_path / "c.db") as store:
        row = store.article(str(lst.resolve()))
        assert row is not None and row.state == "failed" and "no image" in (row.error or "")
    (art / "p1.jpg").write_bytes(card(seed=1))
    (art / "p2.jpg").write_bytes(card(seed=2))
    assert corpus_add(tmp_path, str(lst)) == 0  # a plain add tries it again
    with Store(tmp_path / "c.db") as store:
        row = store.article(str(lst.resolve()))
        assert row is not None and row.state == "done"


# --------------------------------------------------------------------------- 14. versions are in the recognition key


def test_14_a_new_engine_version_or_redo_reads_again(stub, tmp_path):
    art = tmp_path / "art"
    art.mkdir()
    (art / "p1.jpg").write_bytes(card(seed=3))
    lst = art / "list.txt"
    lst.write_text("p1.jpg\n", "utf-8")
    assert corpus_add(tmp_path, str(lst)) == 0
    first = stub.calls
    assert first > 0
    assert corpus_add(tmp_path, str(lst)) == 0 and stub.calls == first  # same versions: skipped
    assert corpus_add(tmp_path, str(lst), extra=("--redo",)) == 0
    assert stub.calls > first  # --redo reads again instead of reusing the stored reading
    second = stub.calls
    stub.version = "2.0"
    assert corpus_add(tmp_path, str(lst)) == 0
    assert stub.calls > second  # another engine version: read again, the old reading not reused
    with Store(tmp_path / "c.db") as store:
        assert store.db.execute("SELECT count(DISTINCT settings) FROM images").fetchone()[0] == 2


# --------------------------------------------------------------------------- 15. import and relative locations


def test_15_import_does_not_resolve_a_relative_location_against_the_cwd(demo_result, tmp_path, monkeypatch):
    run = demo_result.parent
    result = json.loads(demo_result.read_text("utf-8"))
    result["article"]["location"] = "article.md"  # as runs before this fix recorded it
    demo_result.write_text(json.dumps(result, ensure_ascii=False), "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    db = str(tmp_path / "c.db")
    assert main(["corpus", "import", str(run), "--db", db, "-q", "--cache-dir", str(tmp_path / "cache")]) == 0
    with Store(Path(db)) as store:
        keys = [k for k, _s, _v in store.article_keys()]
    assert keys == [str(run.resolve())] and Path(keys[0]).exists()
    assert not any(k.startswith(str(elsewhere)) for k in keys)


def test_15_a_run_records_its_local_article_absolute(tmp_path, monkeypatch):
    (tmp_path / "p1.jpg").write_bytes(card())
    (tmp_path / "list.txt").write_text("p1.jpg\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["fetch", "list.txt", "--out", str(tmp_path / "o"), "-q", "--cache-dir", str(tmp_path / "c")]) == 0
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["article"]["location"] == str(tmp_path / "list.txt")


# --------------------------------------------------------------------------- 16. excluded images are visible


def test_16_an_excluded_image_keeps_its_candidate_urls(tmp_path):
    for i in (1, 2):
        (tmp_path / f"p{i}.jpg").write_bytes(card(seed=i))
    (tmp_path / "list.txt").write_text("p1.jpg\np2.jpg\n", "utf-8")
    out = tmp_path / "o"
    args = ["fetch", str(tmp_path / "list.txt"), "--out", str(out), "-q", "--max-images", "1"]
    assert main([*args, "--cache-dir", str(tmp_path / "c")]) == 0
    excluded = json.loads((out / "manifest.json").read_text())["images"][1]
    assert excluded["status"] == "excluded" and "--max-images" in excluded["error"]
    assert excluded["candidates"] == [(tmp_path / "p2.jpg").as_uri()]


# --------------------------------------------------------------------------- 3. terminal escapes


HOSTILE_TITLE = '"\\e]0;PWNED\\a\\e[2J\\u009b31m\\u202eevil\\r政策3条"'  # YAML double-quoted escapes


def _hostile_article(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "p1.jpg").write_bytes(card(seed=5))
    art = folder / "art.md"
    art.write_text(f"---\ntitle: {HOSTILE_TITLE}\n---\n<p><img src='p1.jpg'></p>\n", "utf-8")
    return art


def test_3_titles_reach_the_terminal_without_their_escapes(stub, tmp_path, capsys):
    yaml_art = _hostile_article(tmp_path / "a")
    html_art = tmp_path / "a" / "page.html"  # raw ESC and BEL in an HTML <title>; its own poster
    (tmp_path / "a" / "p2.jpg").write_bytes(card(seed=6))
    html_art.write_text(
        "<html><head><title>\x1b]0;PWNED\x07\x1b[2J政策3条</title></head><body><p><img src='p2.jpg'></p></body></html>", "utf-8"
    )
    corpus_add(tmp_path, str(yaml_art), str(html_art))
    capsys.readouterr()
    db = str(tmp_path / "c.db")
    for args in (["corpus", "status"], ["search", "第一条"], ["corpus", "status", "--json"], ["search", "第一条", "--json"]):
        assert main([*args, "--db", db]) == 0
        out, err = capsys.readouterr()
        shown = out + err
        assert shown.count("PWNED") >= 2, args  # both titles are there, made visible
        for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\r"):
            assert raw not in shown, (args, raw)
    assert main(["corpus", "status", "--json", "--db", db]) == 0
    titles = {v["title"] for v in json.loads(capsys.readouterr().out)["verification_failed"]}
    assert any("\x1b]0;PWNED\x07" in t and "\x9b" in t and "\u202e" in t for t in titles)  # JSON keeps the data


def test_3_the_sanitiser_makes_every_terminal_control_visible():
    from ocrpipe.cli._term import field, json_text, safe

    assert safe("a\x1b[2Jb\x07\x9b\u202e\u2066\u2028\udcff\r") == "a\\x1b[2Jb\\x07\\x9b\\u202e\\u2066\\u2028\\udcff\\x0d"
    assert safe("line 1\nline 2\tend") == "line 1\nline 2\tend"  # layout of multi-line text stays
    assert field("title\nfake: line") == "title\\nfake: line"
    assert json.loads(json_text({"t": "\x1b\x9b\u202e"})) == {"t": "\x1b\x9b\u202e"}
    assert "\x9b" not in json_text({"t": "\x9b"}) and "\x1b" not in json_text({"t": "\x1b"})


# --------------------------------------------------------------------------- 9. the review server


def _raw(port: int, data: bytes, wait: float = 15.0) -> bytes:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_9_the_review_server_answers_every_request_and_checks_host_and_origin(demo_result, monkeypatch):
    import requests

    from ocrpipe.review import _server

    monkeypatch.setattr(_server._Handler, "timeout", 1.0)
    server, thread = _server.serve_in_thread(demo_result.parent)
    port, token = server.server_address[1], server.token
    base = f"http://127.0.0.1:{port}"
    hdr = {"X-Ocrpipe-Token": token}
    try:
        r = requests.get(f"{base}/images/%00", headers=hdr, timeout=10)
        assert r.status_code in (400, 404) and "error" in r.json()
        nested = b"[" * 200_000
        r = requests.post(f"{base}/api/correct", data=nested[:60_000], headers=hdr, timeout=10)
        assert r.status_code == 400
        # a body that never completes: the server gives up on it after its read timeout
        t0 = time.monotonic()
        reply = _raw(
            port,
            f"POST /api/correct HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Ocrpipe-Token: {token}\r\n"
            'Content-Length: 500\r\n\r\n{"kind":'.encode(),
        )
        assert time.monotonic() - t0 < 10
        assert b"200 OK" not in reply
        # DNS rebinding: the right token, a foreign Host
        r = requests.get(f"{base}/api/state", headers={**hdr, "Host": f"evil.example:{port}"}, timeout=10)
        assert r.status_code == 421
        # CSRF: a foreign Origin is refused before the token is even looked at
        body = {"kind": "line", "image": 0, "line": 0, "text": "x"}
        r = requests.post(f"{base}/api/correct", json=body, headers={**hdr, "Origin": "http://evil.example"}, timeout=10)
        assert r.status_code == 403 and not (demo_result.parent / "corrections.json").exists()
        r = requests.get(f"{base}/api/state", headers={**hdr, "Sec-Fetch-Site": "cross-site"}, timeout=10)
        assert r.status_code == 403
        # and after all that, the page itself is still served, to its own origin
        r = requests.get(f"{base}/api/state", headers={**hdr, "Origin": base}, timeout=10)
        assert r.status_code == 200 and r.json()["images"]
        assert requests.get(f"{base}/?token={token}", timeout=10).status_code == 200
        assert thread.is_alive()
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- 11. broken pipes


def _store_with_many_records(db: Path, n: int = 4000) -> None:
    with Store(db) as store:
        for i in range(n):
            store.put_failed(f"http://127.0.0.1:9/{i:05d}.html", "connection refused " * 4)


@pytest.mark.parametrize("args", [("corpus", "status", "--json"), ("corpus", "export", "-", "--level", "article")])
def test_11_a_closed_pipe_ends_quietly(tmp_path, args):
    db = tmp_path / "c.db"
    _store_with_many_records(db)
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_THREAD_LIMIT": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ocrpipe", *args, "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(100)  # as `| head -c 100` does, then goes away
    proc.stdout.close()
    err = proc.stderr.read()
    rc = proc.wait(timeout=60)
    assert head and err == b"", err
    assert rc == ExitCode.BROKEN_PIPE


# --------------------------------------------------------------------------- 12. stale outputs


def _stub_run(tmp_path: Path, out: Path, *extra: str, n: int = 2) -> int:
    art = tmp_path / "art"
    art.mkdir(exist_ok=True)
    names = []
    for i in range(n):
        (art / f"p{i}.jpg").write_bytes(card(seed=i))
        names.append(f"p{i}.jpg")
    (art / "list.txt").write_text("\n".join(names) + "\n", "utf-8")
    common = ["--engine", "stub", "--segment", "page", "--jobs", "1", "-q", "--cache-dir", str(tmp_path / "c")]
    return main(["run", str(art / "list.txt"), "--out", str(out), *common, *extra])


def test_12_a_rerun_removes_outputs_it_did_not_write(stub, tmp_path):
    out = tmp_path / "out"
    _stub_run(tmp_path, out, "--review", n=3)
    assert (out / "review.html").exists() and len(list((out / "images").iterdir())) == 3
    _stub_run(tmp_path, out, n=2)
    assert not (out / "review.html").exists()  # it showed the old run's text over the new images
    assert len(list((out / "images").iterdir())) == 2
    _stub_run(tmp_path, out, "--review", n=2)
    assert (out / "review.html").exists()


# --------------------------------------------------------------------------- 13. bad input is exit 2


def test_13_bad_input_is_exit_2_with_one_line(stub, tmp_path, capsys):
    db = tmp_path / "c.db"
    Store(db).close()
    for args in (
        ["search", "\udcff", "--db", str(db)],  # the argument was the byte 0xff
        ["search", "hello", "--limit", "99999999999999999999", "--db", str(db)],
        ["search", "hello", "--limit", "-1", "--db", str(db)],
        ["search", "hello", "--limit", "0", "--db", str(db)],
    ):
        assert main(args) == ExitCode.BAD_INPUT, args
        err = capsys.readouterr().err
        assert "bug" not in err and "Traceback" not in err
    run = tmp_path / "run"
    _stub_run(tmp_path, run)
    manifest = json.loads((run / "manifest.json").read_text())
    for damage in ({"index": None}, {"sha256": ["a"]}, {"index": "0"}):
        bad = json.loads(json.dumps(manifest))
        bad["images"][0].update(damage)
        if damage.get("index", 0) is None:
            del bad["images"][0]["index"]
        (run / "manifest.json").write_text(json.dumps(bad), "utf-8")
        assert main(["corpus", "import", str(run), "--db", str(db), "-q", "--cache-dir", str(tmp_path / "c")]) == 2
        err = capsys.readouterr().err
        assert "manifest.json" in err and "bug" not in err
    capsys.readouterr()
    missing = tmp_path / "nothere.jpg"
    assert main(["ocr", str(missing), "--engine", "stub", "--segment", "page", "--jobs", "1"]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert err.count(str(missing)) == 1 and err.count("\n") == 2  # the error and its hint, once


def test_9_a_dripping_body_and_a_connection_flood_hold_no_thread_for_long(demo_result, monkeypatch):
    import socket

    import requests

    from ocrpipe.review import _server

    monkeypatch.setattr(_server._Handler, "timeout", 1.0)
    monkeypatch.setattr(_server, "READ_TIMEOUT", 1.5)
    monkeypatch.setattr(_server, "MAX_CONNECTIONS", 3)
    server, _thread = _server.serve_in_thread(demo_result.parent)
    port, token = server.server_address[1], server.token
    try:
        # one byte every 0.3 s: each read is quick, the body never completes
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(
                f"POST /api/correct HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Ocrpipe-Token: {token}\r\n"
                "Content-Length: 1000\r\n\r\n".encode()
            )
            t0, closed = time.monotonic(), False
            while time.monotonic() - t0 < 10 and not closed:
                try:
                    s.sendall(b" ")
                    s.settimeout(0.3)
                    closed = s.recv(100) == b""
                except TimeoutError:
                    continue
                except OSError:
                    closed = True
            assert closed and time.monotonic() - t0 < 6
        # idle connections fill the slots; the next one is closed at once, not queued behind them
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as extra:
            extra.settimeout(3)
            with contextlib.suppress(ConnectionResetError):  # closed: with a FIN or a reset
                assert extra.recv(100) == b""
        for s in idle:
            s.close()
        time.sleep(1.5)  # their threads end with the read timeout
        r = requests.get(f"http://127.0.0.1:{port}/api/state", headers={"X-Ocrpipe-Token": token}, timeout=10)
        assert r.status_code == 200
    finally:
        server.shutdown()
        server.server_close()
