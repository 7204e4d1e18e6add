"""Hostile input (issue 11): every case is served from 127.0.0.1 and must end in a clear
per-image refusal or one line on stderr with the documented exit code; never a traceback,
never unbounded memory or time."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocrpipe.acquire._article import promised_count, split_front_matter
from ocrpipe.acquire._fetch import Fetcher
from ocrpipe.acquire._netguard import FetchPolicy, address_class
from ocrpipe.cli._main import main
from ocrpipe.errors import ExitCode
from ocrpipe.output._outdir import OutputDir

from .http_helpers import FaultServer, send


def ok(body: bytes):
    return lambda h, n: send(h, 200, body)


def html_page(*imgs: str, title: str = "示例措施2条") -> bytes:
    tags = "".join(f"<p><img {a}></p>" for a in imgs)
    return f"<html><head><title>{title}</title></head><body>{tags}</body></html>".encode()


def serve_html(body: bytes):
    return lambda h, n: send(h, 200, body, "text/html; charset=utf-8")


@pytest.fixture
def other():
    """A second server on another loopback port: an 'internal host' for the article's images."""
    s = FaultServer()
    yield s
    s.close()


def fetch_cli(tmp_path, spec: str, *extra: str) -> tuple[int, dict | None]:
    out = tmp_path / "out"
    code = main(
        [
            "fetch",
            spec,
            "--out",
            str(out),
            "--cache-dir",
            str(tmp_path / "cache"),
            "-q",
            "--timeout",
            "2",
            "--tries",
            "2",
            *extra,
        ]
    )
    manifest = out / "manifest.json"
    return code, json.loads(manifest.read_text()) if manifest.exists() else None


def errors_of(manifest: dict) -> list[str]:
    return [im["error"] or "" for im in manifest["images"]]


# --------------------------------------------------------------------------- 1. local files


def test_remote_article_cannot_read_local_files(server, tmp_path, poster_jpeg, capsys):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(poster_jpeg)
    server.routes["/a.html"] = serve_html(
        html_page(f'src="file://{secret}"', f'srcset="file://localhost{secret} 2x"', f'data-original="{secret}"')
    )
    code, manifest = fetch_cli(tmp_path, server.url("/a.html"))
    assert code == ExitCode.DOWNLOAD_FAILED
    assert manifest is not None and [im["status"] for im in manifest["images"]] == ["failed"] * 3
    errs = errors_of(manifest)
    assert all("remote article may name only http(s)" in e for e in errs[:2])
    assert "HTTP 404" in errs[2]  # a bare path is relative to the article's URL, never a local file
    assert not (tmp_path / "out" / "images").exists()
    assert "Traceback" not in capsys.readouterr().err


def test_local_list_refuses_devices_and_fifos_fast(tmp_path, capsys):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    (tmp_path / "zero.jpg").symlink_to("/dev/zero")  # st_size 0, endless bytes
    lst = tmp_path / "list.txt"
    lst.write_text(f"zero.jpg\n{fifo}\n", "utf-8")
    t0 = time.monotonic()
    code, manifest = fetch_cli(tmp_path, str(lst))
    assert time.monotonic() - t0 < 10
    assert code == ExitCode.DOWNLOAD_FAILED and manifest is not None
    assert all("not a regular file" in e for e in errors_of(manifest))


# --------------------------------------------------------------------------- 2. internal addresses


def test_remote_article_cannot_reach_other_internal_hosts(server, other, tmp_path, poster_jpeg):
    other.routes["/x.jpg"] = ok(poster_jpeg)
    server.routes["/own.jpg"] = ok(poster_jpeg)
    server.routes["/r.jpg"] = lambda h, n: (
        h.send_response(302),
        h.send_header("Location", other.url("/x.jpg")),
        h.send_header("Content-Length", "0"),
        h.end_headers(),
    )
    server.routes["/a.html"] = serve_html(
        html_page(
            'src="/own.jpg"',  # the article's own host and port: the user chose it
            f'src="{other.url("/x.jpg")}"',
            f'src="http://0.0.0.0:{other.port}/x.jpg"',
            f'src="http://[::1]:{other.port}/x.jpg"',
            'src="/r.jpg"',  # a redirect from the article's host to an internal one
            f'src="https://cors.example/?url={other.url("/y.jpg")}"',  # unwrapped proxy URL, same rule
        )
    )
    code, manifest = fetch_cli(tmp_path, server.url("/a.html"), "--all-images")
    assert manifest is not None
    status = [im["status"] for im in manifest["images"]]
    assert status[0] == "ok" and status[1:] == ["failed"] * 5
    errs = errors_of(manifest)[1:]
    assert all("rule: a remote article may not reach internal hosts" in e for e in errs[:4]), errs
    assert "loopback" in errs[0] and "unspecified" in errs[1]
    assert other.total_requests() == 0  # nothing ever reached the internal host
    assert code == ExitCode.DOWNLOAD_FAILED


def test_allow_private_lets_them_through(server, other, tmp_path, poster_jpeg):
    other.routes["/x.jpg"] = ok(poster_jpeg)
    server.routes["/a.html"] = serve_html(html_page(f'src="{other.url("/x.jpg")}"'))
    code, manifest = fetch_cli(tmp_path, server.url("/a.html"), "--allow-private")
    assert code == 0 and manifest["images"][0]["status"] == "ok"


def test_resolved_address_is_checked_and_pinned(server, tmp_path, poster_jpeg, monkeypatch):
    """A name that resolves to the metadata address is refused before any connection."""
    looked_up: list[str] = []

    def resolver(host, port):
        looked_up.append(host)
        return ["169.254.169.254"] if host == "metadata.test" else ["127.0.0.1"]

    monkeypatch.setattr(Fetcher, "resolver", staticmethod(resolver))
    server.routes["/a.html"] = serve_html(html_page('src="http://metadata.test/latest.jpg"'))
    _code, manifest = fetch_cli(tmp_path, server.url("/a.html"))
    assert "link-local" in manifest["images"][0]["error"]
    assert looked_up.count("metadata.test") >= 1


@pytest.mark.parametrize(
    "addr,why",
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("::1", "loopback"),
        ("fc00::1", "private"),
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("240.0.0.1", "reserved"),
        ("93.184.216.34", None),
    ],
)
def test_address_classes(addr, why):
    assert address_class(addr) == why


def test_policy_refuses_without_resolving_local_schemes():
    policy = FetchPolicy.for_article("https://news.example/a.html")
    with pytest.raises(Exception, match="only http"):
        policy.check_url("file:///etc/passwd")


# --------------------------------------------------------------------------- 3. memory


def test_billion_laughs_and_deep_yaml_are_ignored(tmp_path):
    laughs = "\n".join(
        ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        + [
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
            f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]"
            for i in range(8)
        ]
        + ["title: *i"]
    )
    t0 = time.monotonic()
    assert split_front_matter(f"---\n{laughs}\n---\n<p>x</p>")[0] == {}
    deep = "title: " + "[" * 20000 + "]" * 20000
    assert split_front_matter(f"---\n{deep}\n---\n<p>x</p>")[0] == {}
    assert split_front_matter("---\ndate: 2022-13-45\n---\n<p>x</p>")[0] == {}
    assert time.monotonic() - t0 < 5


def test_absurd_promises_are_no_promise():
    assert promised_count("支持小微企业的99999999999条措施") is None
    assert promised_count("支持小微企业的1001条措施") is None
    assert promised_count("二十条") == 20


@pytest.mark.slow  # end-to-end: a whole run or the real detector on a big page
def test_verify_never_allocates_by_an_input_number(tmp_path, capsys, demo_result):
    data = json.loads(demo_result.read_text())
    data["verification"]["expected"] = 1_000_000_000
    demo_result.write_text(json.dumps(data))
    t0 = time.monotonic()
    assert main(["verify", str(demo_result.parent)]) == ExitCode.BAD_INPUT
    assert time.monotonic() - t0 < 5
    err = capsys.readouterr().err
    assert "expected" in err and "Traceback" not in err
    assert main(["verify", str(demo_result.parent), "--expect", "99999999999"]) == ExitCode.BAD_INPUT


def test_huge_flat_png_is_refused_with_a_hint_that_exists(tmp_path, capsys):
    big = tmp_path / "big.png"
    Image.fromarray(np.zeros((8900, 8900), np.uint8)).save(big, optimize=True)
    assert big.stat().st_size < 200_000
    code = main(["ocr", str(big), "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == ExitCode.DOWNLOAD_FAILED and "--max-pixels" in err and "Traceback" not in err
    from ocrpipe.cli._main import build_parser

    assert "--max-pixels" in build_parser().format_help() or "--max-pixels" in str(
        build_parser()._subparsers._group_actions[0].choices["ocr"].format_help()
    )


# --------------------------------------------------------------------------- 4. time


def test_a_dripping_server_meets_the_deadline(server, tmp_path, poster_jpeg):
    def drip(h, n):
        h.send_response(200)
        h.send_header("Content-Type", "image/jpeg")
        h.send_header("Content-Length", str(len(poster_jpeg)))
        h.end_headers()
        for b in poster_jpeg[:200]:
            h.wfile.write(bytes([b]))
            h.wfile.flush()
            time.sleep(0.1)

    server.routes["/slow.jpg"] = drip
    lst = tmp_path / "list.txt"
    lst.write_text(server.url("/slow.jpg") + "\n")
    t0 = time.monotonic()
    code, manifest = fetch_cli(tmp_path, str(lst), "--deadline", "1.5", "--tries", "1", "--timeout", "5")
    assert time.monotonic() - t0 < 6
    assert code == ExitCode.DOWNLOAD_FAILED and "deadline" in manifest["images"][0]["error"]


# --------------------------------------------------------------------------- 5. tracebacks


def test_nul_bytes_fail_one_image_not_the_run(tmp_path, poster_jpeg, capsys):
    good = tmp_path / "good.jpg"
    good.write_bytes(poster_jpeg)
    lst = tmp_path / "list.txt"
    lst.write_bytes(b"good.jpg\nbad\x00name.jpg\n")
    code, manifest = fetch_cli(tmp_path, str(lst))
    assert code == ExitCode.DOWNLOAD_FAILED and manifest is not None
    assert [im["status"] for im in manifest["images"]] == ["ok", "failed"]
    art = tmp_path / "a.md"
    art.write_text('---\ntitle: 示例2条\ndate: 2022-13-45\n---\n<p><img src="good.jpg"><img src="x%00.jpg"></p>')
    code, manifest = fetch_cli(tmp_path, str(art))
    assert [im["status"] for im in manifest["images"]] == ["ok", "failed"]
    assert "NUL" in manifest["images"][1]["error"]
    assert "Traceback" not in capsys.readouterr().err


def _damages(data: dict) -> list:
    d = json.loads(json.dumps(data))
    out = []

    def mod(fn):
        x = json.loads(json.dumps(d))
        fn(x)
        out.append(x)

    mod(lambda x: x.pop("clauses"))
    mod(lambda x: x.pop("verification"))
    mod(lambda x: x.__setitem__("clauses", "nope"))
    mod(lambda x: x["clauses"][0].__setitem__("number", "one"))
    mod(lambda x: x["clauses"][0].pop("number"))
    mod(lambda x: x["clauses"].__setitem__(0, None))
    mod(lambda x: x["images"].__setitem__(0, 7))
    mod(lambda x: x["images"][0]["lines"][0].__setitem__("bbox", [1, 2]))
    mod(lambda x: x["images"][0]["lines"][0].__setitem__("confidence", "high"))
    mod(lambda x: x["verification"].__setitem__("found", {"a": 1}))
    mod(lambda x: x["verification"].__setitem__("expected", -3))
    mod(lambda x: x.__setitem__("article", []))
    mod(lambda x: x["article"].__setitem__("categories", 5))
    mod(lambda x: x["clauses"][0].__setitem__("sources", [{"image": "a"}]))
    mod(lambda x: x["provenance"].__setitem__("language_data_sha256", "zz"))
    out.append([])
    out.append("just a string")
    out.append(None)
    out.append({"images": []})
    nested: list = []
    cur = nested
    for _ in range(30000):
        cur.append([])
        cur = cur[0]
    out.append({"images": nested})
    return out


def test_damaged_results_are_one_line_errors(tmp_path, capsys, demo_result):
    data = json.loads(demo_result.read_text())
    for n, damaged in enumerate(_damages(data)):
        d = tmp_path / f"r{n}"
        d.mkdir()
        try:
            text = json.dumps(damaged)
        except RecursionError:
            text = '{"images": ' + "[" * 30000 + "]" * 30000 + "}"
        (d / "result.json").write_text(text)
        assert main(["verify", str(d)]) == ExitCode.BAD_INPUT, n
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.count("\n") <= 2, (n, err)
    (tmp_path / "bad.json").write_bytes(b"\xff\xfe garbage")
    assert main(["verify", str(tmp_path / "bad.json")]) == ExitCode.BAD_INPUT


# --------------------------------------------------------------------------- 6. output directories


def test_a_locked_output_directory_is_refused(tmp_path, poster_jpeg, capsys):
    (tmp_path / "p.jpg").write_bytes(poster_jpeg)
    with OutputDir(tmp_path / "out"):
        code = main(["fetch", str(tmp_path / "p.jpg"), "--out", str(tmp_path / "out"), "-q"])
    assert code == ExitCode.OUTPUT_FAILED
    assert "another ocrpipe run is writing" in capsys.readouterr().err


def test_a_new_run_replaces_the_old_one_whole(tmp_path, poster_jpeg, small_series):
    from bench import synth

    a, b = tmp_path / "a", tmp_path / "b"
    for folder, n in ((a, 3), (b, 1)):
        folder.mkdir()
        for i in range(n):
            (folder / f"p{i}.jpg").write_bytes(synth.jpeg_bytes(small_series.posters[i], 85))
    out = tmp_path / "out"
    (out).mkdir()
    (out / "result.json").write_text("{}")  # a previous run's result: fetch will not throw it away
    assert main(["fetch", str(a), "--out", str(out), "-q"]) == ExitCode.OUTPUT_FAILED
    assert (out / "result.json").read_text() == "{}" and not (out / "images").exists()
    (out / "result.json").unlink()
    assert main(["fetch", str(a), "--out", str(out), "-q"]) == 0
    assert len(list((out / "images").iterdir())) == 3
    assert main(["fetch", str(b), "--out", str(out), "-q"]) == 0
    assert [p.name for p in (out / "images").iterdir()] == ["000.jpg"]  # stale images removed
    assert not list(out.glob(".staging-*"))


@pytest.mark.slow  # end-to-end: a whole run or the real detector on a big page
def test_an_interrupted_run_leaves_the_previous_one(tmp_path, demo_result, monkeypatch):
    import ocrpipe.pipeline as pipeline

    out = demo_result.parent
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "recognize_fetched", boom)
    article = Path(__file__).resolve().parents[1] / "samples" / "demo" / "article.md"
    assert main(["run", str(article), "--out", str(out), "-q", "--jobs", "1"]) == 130
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert after == before
    assert main(["verify", str(out), "-q"]) == 0


# --------------------------------------------------------------------------- 7. flaky hosts


def test_an_error_page_once_on_each_url_is_a_failed_try(server, fast_config, tmp_path, poster_jpeg):
    def once_html(h, n):
        if n == 1:
            send(h, 200, b"<!DOCTYPE html><html>busy</html>", "text/html")
        else:
            send(h, 200, poster_jpeg)

    server.routes["/real.jpg"] = once_html
    server.routes["/proxy/"] = once_html
    from ocrpipe.acquire._article import ImageRef

    ref = ImageRef(index=0, urls=(server.url("/real.jpg"),), proxy_urls=(server.proxy_url("/real.jpg"),))
    with Fetcher(fast_config) as f:
        rec = f.fetch_one(ref, tmp_path)
    assert rec.status == "ok" and rec.attempts == 3  # real (html), proxy (html), real (image)


def test_a_silent_host_hands_over_to_the_proxy_first(server, fast_config, tmp_path, poster_jpeg, stall):
    server.routes["/real.jpg"] = stall(3)
    server.routes["/proxy/"] = ok(poster_jpeg)
    from ocrpipe.acquire._article import ImageRef

    ref = ImageRef(index=0, urls=(server.url("/real.jpg"),), proxy_urls=(server.proxy_url("/real.jpg"),))
    t0 = time.monotonic()
    with Fetcher(fast_config) as f:
        rec = f.fetch_one(ref, tmp_path)
    assert rec.status == "ok" and rec.url == server.proxy_url("/real.jpg")
    assert time.monotonic() - t0 < 2 * fast_config.read_timeout + 1  # one timeout, not `tries` of them


def test_last_round_recovers_an_image_whose_host_came_back(server, fast_config, tmp_path, poster_jpeg):
    server.routes["/p.jpg"] = lambda h, n: send(h, 503, b"down", "text/plain") if n <= 3 else send(h, 200, poster_jpeg)
    lst = tmp_path / "list.txt"
    lst.write_text(server.url("/p.jpg") + "\n")
    from ocrpipe.acquire._sources import load_article

    with Fetcher(fast_config) as f:
        res = f.fetch(load_article(str(lst)), tmp_path / "o")
    assert res.images[0].status == "ok" and server.hits["/p.jpg"] == 4


def test_one_fetch_thread_crash_keeps_the_manifest(tmp_path, poster_jpeg, monkeypatch):
    good = tmp_path / "good.jpg"
    good.write_bytes(poster_jpeg)
    lst = tmp_path / "l.txt"
    (tmp_path / "good2.jpg").write_bytes(poster_jpeg)
    lst.write_text("good.jpg\ngood2.jpg\n")
    real = Fetcher.fetch_one

    def flaky(self, ref, out_dir, downloader=None, rounds=None):
        if ref.index == 1:
            raise RuntimeError("boom")
        return real(self, ref, out_dir, downloader, rounds)

    monkeypatch.setattr(Fetcher, "fetch_one", flaky)
    _code, manifest = fetch_cli(tmp_path, str(lst))
    assert [im["status"] for im in manifest["images"]] == ["ok", "failed"]
    assert "RuntimeError: boom" in manifest["images"][1]["error"]


_ = threading  # the servers run in threads
