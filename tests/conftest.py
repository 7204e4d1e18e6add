"""Shared fixtures: rendered posters and a real HTTP server on 127.0.0.1 with injected faults."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench import synth
from ocrpipe.config import FetchConfig

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "zaker-20-measures.md"
REPO = Path(__file__).resolve().parents[1]


def seed_path() -> Path:
    """The seed article: ../shared beside the checkout, else the copy in samples/."""
    return SEED if SEED.exists() else REPO / "samples" / "zaker-20-measures.md"


@pytest.fixture(scope="session")
def small_series() -> synth.RenderedSeries:
    """A short rendered series (4 clauses) used wherever real poster bytes are needed."""
    return synth.render_series(synth.SeriesSpec(title="示例措施4条", n_clauses=4, seed=7))


@pytest.fixture(scope="session")
def poster_jpeg(small_series) -> bytes:
    return synth.jpeg_bytes(small_series.posters[1], 85)


Handler = Callable[[BaseHTTPRequestHandler, int], None]


class FaultServer:
    """Serves routes on 127.0.0.1; each route is a function of (handler, hit number)."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: dict[str, int] = defaultdict(int)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):  # keep test output clean
                pass

            def do_GET(self):
                key = self.path if self.path in server.routes else urlsplit(self.path).path
                with server.lock:
                    server.hits[key] += 1
                    n = server.hits[key]
                    server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(key)
                if route is None:
                    send(self, 404, b"not found", "text/plain")
                    return
                try:
                    route(self, n)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class _Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # injected faults break sockets on purpose
                pass

        self.httpd = _Server(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def proxy_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/proxy/?{self.url(path)}"

    def total_requests(self) -> int:
        return len(self.requests)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    ctype: str = "image/jpeg",
    headers: dict[str, str] | None = None,
    length: int | None = None,
) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body) if length is None else length))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)
    h.wfile.flush()


def reset(h: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP RST, as a dying host does."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


@pytest.fixture
def server():
    s = FaultServer()
    yield s
    s.close()


@pytest.fixture
def fast_config(tmp_path) -> FetchConfig:
    """Short timeouts and backoff so fault tests stay fast; a private cache."""
    return FetchConfig(
        connect_timeout=2, read_timeout=0.6, tries=3, backoff_base=0.01, backoff_max=2, cache_dir=tmp_path / "cache", workers=4
    )


@pytest.fixture
def stall() -> Callable[[float], Handler]:
    def make(seconds: float) -> Handler:
        def route(h, n):
            time.sleep(seconds)
            send(h, 200, b"late", "text/plain")

        return route

    return make


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`ocrpipe run` on the bundled demo article, once per session: (exit code, output dir)."""
    from ocrpipe.cli._main import main

    out = tmp_path_factory.mktemp("demo")
    cache = tmp_path_factory.mktemp("demo-cache")
    rc = main(
        ["run", str(REPO / "samples/demo/article.md"), "--out", str(out), "--quiet", "--jobs", "2", "--cache-dir", str(cache)]
    )
    return rc, out


@pytest.fixture
def demo_result(demo_run, tmp_path) -> Path:
    """A private copy of the demo run's directory; returns its result.json."""
    import shutil

    dst = tmp_path / "run"
    shutil.copytree(demo_run[1], dst, ignore=shutil.ignore_patterns(".ocrpipe.lock", ".staging-*"))
    return dst / "result.json"
