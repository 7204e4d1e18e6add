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

from ocrpipe.errors import ExitCode, InputError

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


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, small_series) -> Path:
    """A finished run of two posters (PP-OCRv6 alone: quick)."""
    from bench import synth
    from ocrpipe.cli._main import main

    src = tmp_path_factory.mktemp("posters")
    for i, poster in enumerate(small_series.posters[1:3]):
        (src / f"p{i}.jpg").write_bytes(synth.jpeg_bytes(poster, 85))
    run = src.parent / (src.name + "-run")
    assert main(["run", str(src), "--out", str(run), "-q", "--engine", "ppocrv6", "--jobs", "1"]) == ExitCode.OK
    return run


def test_convert_to_pdf_refuses_a_run_whose_images_are_gone(small_run, tmp_path, capsys):
    """The PDF's pages are the run's images: a missing one was left out without a word (all of them
    gone: one blank A4 page), exit 0."""
    import shutil

    from ocrpipe.cli._main import main
    from ocrpipe.output._export import read_result
    from ocrpipe.output._formats import write_formats

    run = tmp_path / "run"
    shutil.copytree(small_run, run)
    assert len(list((run / "images").iterdir())) == 2
    (run / "images" / "001.jpg").unlink()
    assert main(["convert", str(run), "--to", "pdf"]) == ExitCode.BAD_INPUT
    assert "images/001.jpg is missing" in capsys.readouterr().err
    assert not (run / "article.pdf").exists()
    shutil.rmtree(run / "images")
    assert main(["convert", str(run), "--to", "pdf", "-o", "-"]) == ExitCode.BAD_INPUT
    assert "images/000.jpg, images/001.jpg are missing" in capsys.readouterr().err
    with pytest.raises(InputError):
        write_formats(read_result(run), run, ("pdf",))
    assert main(["convert", str(run), "--to", "hocr,alto"]) == ExitCode.OK  # these need no image


def _meta(html: str):
    from ocrpipe.acquire._article import parse_article

    return parse_article(html, location="http://news.example.cn/a.html", base_url="http://news.example.cn/a.html").meta


_IMGS = "".join(f'<p><img src="/p{i}.jpg"></p>' for i in range(3))


def test_a_count_in_the_page_s_navigation_is_not_the_article_s_promise():
    meta = _meta(
        "<html><head><title>关于若干措施的通知 - 某某网</title></head><body>"
        "<div class='nav'><p>热点：稳经济30条政策解读</p></div><header><p>专题：助企纾困二十条来了</p></header>"
        f"<div class='main'><p>为贯彻落实，现通知如下。</p>{_IMGS}</div></body></html>"
    )
    assert meta.promised_count is None  # was 30, from the nav: a 3-poster article failed against it
    lead = _meta(
        "<html><head><title>通知</title></head><body><div class='nav'><p>热点：稳经济30条政策解读</p></div>"
        f"<div class='main'><p>日前，省政府办公厅印发《若干措施》，共15条。</p>{_IMGS}</div></body></html>"
    )
    assert (lead.promised_count, lead.promise_source) == (15, "lead")  # the article's own lead still counts


def test_date_and_source_above_the_article_s_container_are_read():
    meta = _meta(
        "<html><head><title>日期</title></head><body><div class='nav'><p>来源：导航</p></div>"
        "<div class='info'>发布时间：2024年05月06日 10:00  来源：某某日报</div>"
        f"<div class='article-content'>{_IMGS}</div><div class='side'>发布时间：2020-01-01</div></body></html>"
    )
    assert meta.date == "2024-05-06T10:00:00"  # was None: only the container's text was read
    assert meta.source == "某某日报"
    inside = _meta(
        "<html><head><title>日期</title></head><body><div class='info'>发布时间：2024-05-06</div>"
        f"<div class='article-content'><p>发布时间：2023-01-02 来源：正文来源</p>{_IMGS}</div></body></html>"
    )
    assert (inside.date, inside.source) == ("2023-01-02T00:00:00", "正文来源")  # the container's own come first


def test_a_word_ending_in_wen_is_no_byline():
    def author(lead: str) -> str | None:
        page = f"<html><head><title>t</title></head><body><div class='article-content'><p>{lead}</p>{_IMGS}</div></body></html>"
        return _meta(page).author

    assert author("正文：为了支持企业发展。") is None  # was "为了支持企业发展。"
    assert author("原文：见附件") is None
    assert author("文：张三") == "张三"
    assert author("图/文：李四") == "李四"
    assert author("撰文：王五") == "王五"


def test_a_correction_is_one_line(small_run, tmp_path):
    """A line or title with a line break was stored: the clause title became "a\nb" and clauses.md's
    heading broke in two."""
    import shutil

    from ocrpipe.review._server import correct

    run = tmp_path / "run"
    shutil.copytree(small_run, run)
    for body in (
        {"kind": "line", "image": 0, "line": 0, "text": "a\nb"},
        {"kind": "line", "image": 0, "line": 0, "text": "a\u2028b"},
        {"kind": "line", "image": 0, "line": 0, "text": 5},
    ):
        with pytest.raises(InputError):
            correct(run, body)
    assert not (run / "corrections.json").exists()
    done = correct(run, {"kind": "line", "image": 0, "line": 0, "text": "  改正的一行 "})
    assert done.result.images[0].lines[0].text == "改正的一行"


def test_an_article_url_may_be_markdown_or_one_poster(server, tmp_path, poster_jpeg):
    """A Markdown article over http, or the URL of one poster: both were "the page holds no <img> images"."""
    import json

    from ocrpipe.cli._main import main

    from .http_helpers import send

    md = "# 关于支持小微企业的两条措施\n\n共2条。\n\n![海报一](/p1.jpg)\n![海报二](p2.jpg)\n".encode()
    server.routes["/a.md"] = lambda h, n: send(h, 200, md, "text/markdown; charset=utf-8")
    server.routes["/raw"] = lambda h, n: send(h, 200, md, "text/plain; charset=utf-8")
    server.routes["/p1.jpg"] = server.routes["/p2.jpg"] = lambda h, n: send(h, 200, poster_jpeg)
    server.routes["/poster"] = lambda h, n: send(h, 200, poster_jpeg, "application/octet-stream")
    for path in ("/a.md", "/raw"):
        out = tmp_path / path.strip("/")
        args = ["fetch", server.url(path), "--out", str(out), "-q", "--cache-dir", str(tmp_path / "c"), "--all-images"]
        assert main(args) == ExitCode.OK
        manifest = json.loads((out / "manifest.json").read_text("utf-8"))
        assert manifest["article"]["title"] == "关于支持小微企业的两条措施"
        assert manifest["article"]["promised_count"] == 2
        assert [im["url"] for im in manifest["images"]] == [server.url("/p1.jpg"), server.url("/p2.jpg")]
    out = tmp_path / "one"
    assert main(["fetch", server.url("/poster"), "--out", str(out), "-q", "--cache-dir", str(tmp_path / "c")]) == ExitCode.OK
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert [im["status"] for im in manifest["images"]] == ["ok"]
    assert manifest["images"][0]["url"] == server.url("/poster")


def test_failures_name_their_file_once(tmp_path, poster_jpeg, capsys):
    import json

    import ocrpipe
    from ocrpipe.cli._main import main
    from ocrpipe.corpus._store import Store

    with pytest.raises(ocrpipe.ImageError) as err:  # the hint was in the text twice
        ocrpipe.read(b"not an image")
    assert str(err.value).count("check that the file is a complete") == 1

    folder = tmp_path / "posters"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(poster_jpeg)
    (folder / "b.jpg").write_bytes(b"x")
    out = tmp_path / "out"
    assert main(["fetch", str(folder), "--out", str(out), "-q"]) == ExitCode.DOWNLOAD_FAILED
    error = json.loads((out / "manifest.json").read_text("utf-8"))["images"][1]["error"]
    assert error.count("b.jpg") == 1, error  # was "file:///…/b.jpg: /…/b.jpg: not a recognised image"
    assert error.count("b.jpg") == 1 and "b.jpg" in capsys.readouterr().err

    db = tmp_path / "c.db"
    key = "http://news.example.cn/a.html"
    with Store(db) as store:
        store.put_failed(key, f"{key}: the page holds no <img> images")
    assert main(["corpus", "status", "--db", str(db)]) == ExitCode.OK
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("failed:"))
    assert line.count(key) == 1, line  # was "failed: URL: URL: the page holds …"


def test_import_says_when_a_run_replaces_the_same_article(small_run, tmp_path, capsys, caplog):
    """Two runs of one article: "2 imported" while the store held one article (the second took the
    first one's place without a word)."""
    import shutil

    from ocrpipe.cli._main import main
    from ocrpipe.corpus._store import Store

    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(small_run, a)
    shutil.copytree(small_run, b)
    db = tmp_path / "c.db"
    cache = str(tmp_path / "cache")
    assert main(["corpus", "import", str(a), str(b), "--db", str(db), "--cache-dir", cache]) == ExitCode.OK
    captured = capsys.readouterr()
    assert "2 imported (1 replacing the same article's earlier run), 0 duplicates" in captured.out
    assert "replaces the stored run" in caplog.text
    with Store(db) as store:
        assert store.counts()["done"] == 1
    assert main(["corpus", "import", str(a), "--db", str(db), "--cache-dir", cache, "-q"]) == ExitCode.OK
    assert main(["corpus", "import", str(a), "--db", str(db), "--cache-dir", cache]) == ExitCode.OK
    assert "1 imported (1 replacing" in capsys.readouterr().out


def test_an_article_page_may_not_redirect_to_another_internal_host(server, tmp_path, poster_jpeg, capsys):
    """The page's own redirects follow its images' rule: a page that redirected to 169.254.169.254
    (or any internal host other than its own) was followed."""
    from ocrpipe.cli._main import main

    from .http_helpers import FaultServer, send

    other = FaultServer()  # another port: an internal host the user did not name
    try:
        page = f'<html><body><h1>t</h1><img src="{other.url("/x.jpg")}"></body></html>'.encode()
        other.routes["/b.html"] = lambda h, n: send(h, 200, page, "text/html; charset=utf-8")
        other.routes["/x.jpg"] = lambda h, n: send(h, 200, poster_jpeg)
        server.routes["/a.html"] = lambda h, n: send(h, 302, b"", "text/plain", {"Location": other.url("/b.html")})
        server.routes["/same"] = lambda h, n: send(h, 302, b"", "text/plain", {"Location": "/c.html"})
        server.routes["/c.html"] = lambda h, n: send(h, 200, page.replace(b"<h1>t", b"<h1>c"), "text/html")
        cache = ["--cache-dir", str(tmp_path / "cache"), "-q"]
        assert main(["fetch", server.url("/a.html"), "--out", str(tmp_path / "a"), *cache]) == ExitCode.DOWNLOAD_FAILED
        assert "loopback" in capsys.readouterr().err
        assert other.hits["/b.html"] == 0
        ok = ["fetch", server.url("/a.html"), "--out", str(tmp_path / "b"), "--allow-private", *cache]
        assert main(ok) == ExitCode.OK
        # a redirect on the page's own host and port is followed as before (its images: --allow-private)
        same = ["fetch", server.url("/same"), "--out", str(tmp_path / "c"), "--allow-private", *cache]
        assert main(same) == ExitCode.OK
    finally:
        other.close()


def test_a_page_past_the_element_bound_says_its_rest_is_not_seen(caplog):
    """200,000 nested elements around the images: "the page holds no <img> images", with no word that
    the parser's bound had dropped them."""
    import logging

    from ocrpipe.acquire._dom import MAX_NODES, parse_html

    with caplog.at_level(logging.WARNING, logger="ocrpipe"):
        root = parse_html("<div>" * (MAX_NODES + 10) + '<img src="p.jpg">')
    assert root.find_all("img") == []
    assert [r.getMessage().count("images there are not seen") for r in caplog.records] == [1]


def test_a_broken_result_s_hint_names_the_installed_schema(tmp_path, capsys):
    """The hint named "ocrpipe/output/schema/result.schema.json", a path only a checkout has."""
    from ocrpipe.cli._main import main

    (tmp_path / "result.json").write_text("{}", "utf-8")
    assert main(["verify", str(tmp_path)]) == ExitCode.BAD_INPUT
    hint = next(ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("ocrpipe: hint:"))
    schema = Path(hint.rsplit("the schema: ", 1)[1])
    assert schema.is_absolute() and schema.is_file() and schema.name == "result.schema.json"
