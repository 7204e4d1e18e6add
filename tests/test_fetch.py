from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from bench import synth
from ocrpipe.acquire._article import ImageRef, parse_article
from ocrpipe.acquire._fetch import Fetcher
from ocrpipe.cli._main import main

from .conftest import seed_path
from .http_helpers import reset, send


def ok(body: bytes):
    return lambda h, n: send(h, 200, body)


def fail_first(k: int, status: int, body: bytes, headers=None):
    def route(h, n):
        if n <= k:
            send(h, status, b"busy", "text/plain", headers=headers)
        else:
            send(h, 200, body)

    return route


def fetch(server, config, path, out_dir):
    """One image with one URL through Fetcher.fetch_one: the retry loop `fetch` and `run` use."""
    with Fetcher(config) as fetcher:
        return fetcher.fetch_one(ImageRef(index=0, urls=(server.url(path),)), out_dir)


def body(rec, out_dir) -> bytes:
    assert rec.status == "ok", rec.error
    return (out_dir / rec.file).read_bytes()


def test_503_twice_then_200(server, fast_config, poster_jpeg, tmp_path):
    server.routes["/p.jpg"] = fail_first(2, 503, poster_jpeg)
    rec = fetch(server, fast_config, "/p.jpg", tmp_path)
    assert body(rec, tmp_path) == poster_jpeg
    assert rec.attempts == 3 and server.hits["/p.jpg"] == 3


def test_429_honours_retry_after(server, fast_config, poster_jpeg, tmp_path):
    server.routes["/p.jpg"] = fail_first(1, 429, poster_jpeg, {"Retry-After": "1"})
    t0 = time.monotonic()
    rec = fetch(server, fast_config, "/p.jpg", tmp_path)
    assert time.monotonic() - t0 >= 0.95  # backoff alone would wait ~0.01 s
    assert body(rec, tmp_path) == poster_jpeg and rec.attempts == 2


def test_retries_are_bounded(server, fast_config, tmp_path):
    server.routes["/p.jpg"] = lambda h, n: send(h, 502, b"bad gateway", "text/plain")
    rec = fetch(server, fast_config, "/p.jpg", tmp_path)
    assert rec.status == "failed" and "HTTP 502" in (rec.error or "")
    assert server.hits["/p.jpg"] == 3 and rec.attempts == 3


def test_stalled_response_times_out(server, fast_config, stall, tmp_path):
    server.routes["/slow.jpg"] = stall(1.5)
    cfg = replace(fast_config, tries=2)
    t0 = time.monotonic()
    rec = fetch(server, cfg, "/slow.jpg", tmp_path)
    assert rec.status == "failed" and "read timeout" in (rec.error or "")
    assert time.monotonic() - t0 < 5


@pytest.mark.parametrize(
    "route,message",
    [
        (lambda h, n: send(h, 404, b"nope", "text/plain"), "HTTP 404"),
        (
            lambda h, n: (
                h.send_response(302),
                h.send_header("Location", "/loop.jpg"),
                h.send_header("Content-Length", "0"),
                h.end_headers(),
            ),
            "redirect loop",
        ),
        (lambda h, n: send(h, 200, b"\xff\xd8\xff" + b"0" * 2000, length=3 * 1024 * 1024), "over the"),
    ],
)
def test_permanent_failures_are_not_retried(server, fast_config, route, message, tmp_path):
    path = "/loop.jpg"
    server.routes[path] = route
    rec = fetch(server, replace(fast_config, max_bytes=1024 * 1024), path, tmp_path)
    assert rec.status == "failed" and message in (rec.error or "")
    if message != "redirect loop":
        assert server.hits[path] == 1


def test_truncated_body_is_a_failed_try(server, fast_config, poster_jpeg, tmp_path):
    def route(h, n):
        if n == 1:
            send(h, 200, poster_jpeg[: len(poster_jpeg) // 2], length=len(poster_jpeg))
            h.close_connection = True
        else:
            send(h, 200, poster_jpeg)

    server.routes["/t.jpg"] = route
    rec = fetch(server, fast_config, "/t.jpg", tmp_path)
    assert body(rec, tmp_path) == poster_jpeg and rec.attempts == 2


def test_oversized_stream_without_length_is_cut(server, fast_config, tmp_path):
    def route(h, n):
        h.send_response(200)
        h.send_header("Content-Type", "image/jpeg")
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(40):
            h.wfile.write(b"\0" * 65536)
        h.close_connection = True

    server.routes["/big.jpg"] = route
    rec = fetch(server, replace(fast_config, max_bytes=1024 * 1024), "/big.jpg", tmp_path)
    assert rec.status == "failed" and "over the" in (rec.error or "")


def _article(server, names, banner=None):
    pairs = [(server.url(f"/real/{n}"), server.proxy_url(f"/real/{n}")) for n in names]
    return parse_article(synth.article_markdown("测试措施3条", pairs, banner), location=server.url("/a"))


def test_reset_real_host_falls_back_to_proxy_and_no_referer(server, fast_config, poster_jpeg, tmp_path):
    server.routes["/real/a.jpg"] = lambda h, n: reset(h)
    server.routes["/real/b.jpg"] = ok(poster_jpeg)

    def proxy(h, n):
        if "Referer" in h.headers:
            send(h, 403, b"no referer please", "text/plain")
        else:
            send(h, 200, poster_jpeg)

    server.routes["/proxy/"] = proxy
    art = _article(server, ["a.jpg", "b.jpg"])
    with Fetcher(fast_config) as f:
        res = f.fetch(art, tmp_path / "out")
    a, b = res.images
    assert a.status == "ok" and a.url.startswith(server.url("/proxy/")) and len(a.urls_tried) == 2
    assert b.status == "ok" and b.url == server.url("/real/b.jpg")
    assert all("Referer" not in hdrs for _p, hdrs in server.requests)
    assert (tmp_path / "out" / a.file).read_bytes() == poster_jpeg


def test_referer_when_configured_is_sent(server, fast_config, poster_jpeg, tmp_path):
    server.routes["/real/a.jpg"] = lambda h, n: send(h, 403 if "Referer" in h.headers else 200, poster_jpeg)
    with Fetcher(replace(fast_config, referer="https://news.example/")) as f:
        rec = f.fetch_one(ImageRef(index=0, urls=(server.url("/real/a.jpg"),)), tmp_path)
    assert rec.status == "failed" and "HTTP 403" in rec.error


def test_one_failure_keeps_the_others_and_manifest(server, fast_config, poster_jpeg, small_series, tmp_path):
    server.routes["/real/1.jpg"] = ok(poster_jpeg)
    server.routes["/real/2.jpg"] = lambda h, n: send(h, 404, b"gone", "text/plain")
    server.routes["/real/3.jpg"] = ok(synth.jpeg_bytes(small_series.posters[2]))
    server.routes["/proxy/"] = lambda h, n: send(h, 404, b"gone", "text/plain")
    art = _article(server, ["1.jpg", "2.jpg", "3.jpg"], banner=(server.url("/real/promo.jpg"), None))
    with Fetcher(fast_config) as f:
        res = f.fetch(art, tmp_path / "out")
    assert [im.status for im in res.images] == ["ok", "failed", "ok", "excluded"]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    assert manifest["article"]["promised_count"] == 3
    rec = manifest["images"][0]
    for key in (
        "index",
        "urls_tried",
        "url",
        "status",
        "file",
        "sha256",
        "bytes",
        "content_type",
        "width",
        "height",
        "attempts",
        "error",
    ):
        assert key in rec
    assert rec["width"] == 876 and rec["height"] == 1567 and rec["content_type"] == "image/jpeg"
    assert "HTTP 404" in manifest["images"][1]["error"]
    assert server.hits.get("/real/promo.jpg", 0) == 0


def test_cache_second_run_makes_no_requests(server, fast_config, poster_jpeg, tmp_path):
    for n in ("a.jpg", "b.jpg"):
        server.routes[f"/real/{n}"] = ok(poster_jpeg)
    art = _article(server, ["a.jpg", "b.jpg"])
    with Fetcher(fast_config) as f:
        first = f.fetch(art, tmp_path / "o1")
    before = server.total_requests()
    with Fetcher(fast_config) as f:
        second = f.fetch(art, tmp_path / "o2")
    assert server.total_requests() == before
    assert all(im.from_cache for im in second.ok)
    assert [im.sha256 for im in first.images] == [im.sha256 for im in second.images]
    with Fetcher(replace(fast_config, use_cache=False)) as f:
        f.fetch(art, tmp_path / "o3")
    assert server.total_requests() == before + 2


def test_cli_fetch_over_http(server, poster_jpeg, tmp_path, capsys):
    server.routes["/real/a.jpg"] = ok(poster_jpeg)
    server.routes["/real/b.jpg"] = lambda h, n: send(h, 404, b"", "text/plain")
    server.routes["/proxy/"] = lambda h, n: send(h, 404, b"", "text/plain")
    art = tmp_path / "article.md"
    art.write_text(
        synth.article_markdown(
            "两条",
            [
                (server.url("/real/a.jpg"), server.proxy_url("/real/a.jpg")),
                (server.url("/real/b.jpg"), server.proxy_url("/real/b.jpg")),
            ],
            None,
        )
    )
    rc = main(["fetch", str(art), "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 4
    assert "image 2 failed" in err and "HTTP 404" in err and "Traceback" not in err  # counted from 1


def test_seed_without_network_fails_fast_and_clearly(tmp_path, capsys):
    t0 = time.monotonic()
    rc = main(
        [
            "fetch",
            str(seed_path()),
            "--out",
            str(tmp_path / "out"),
            "--cache-dir",
            str(tmp_path / "c"),
            "--quiet",
            "--tries",
            "2",
            "--connect-timeout",
            "3",
        ]
    )
    elapsed = time.monotonic() - t0
    err = capsys.readouterr().err
    assert rc == 4
    assert err.count("failed:") == 20
    assert "Traceback" not in err
    assert elapsed < 60
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    assert [im["status"] for im in manifest["images"]] == ["failed"] * 20 + ["excluded"]


def test_cli_bad_input_is_one_line_error(tmp_path, capsys):
    rc = main(["fetch", str(tmp_path / "nope.md"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("ocrpipe: error:") and "Traceback" not in err


def test_https_to_a_plain_http_port_is_a_failed_try_not_a_crash(server, fast_config, poster_jpeg, tmp_path):
    """ssl.SSLError carries `reason` as a string; walking it for DNS errors once crashed every image
    with "'str' object has no attribute '__cause__'"."""
    server.routes["/p.jpg"] = ok(poster_jpeg)
    https_url = server.url("/p.jpg").replace("http://", "https://")
    cfg = replace(fast_config, tries=1)
    with Fetcher(cfg) as fetcher:
        alone = fetcher.fetch_one(ImageRef(index=0, urls=(https_url,)), tmp_path)
        assert alone.status == "failed" and "connection error" in (alone.error or "")
        assert "__cause__" not in (alone.error or "") and "unexpected" not in (alone.error or "")
        rec = fetcher.fetch_one(ImageRef(index=0, urls=(https_url, server.url("/p.jpg"))), tmp_path)
    assert rec.status == "ok" and rec.url == server.url("/p.jpg")
    assert rec.urls_tried == (https_url, server.url("/p.jpg"))
