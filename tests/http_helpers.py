"""HTTP test helpers: a real server on 127.0.0.1 whose routes inject faults, and the replies they send."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

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
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self, n)

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


def stalling(seconds: float) -> Handler:
    """A route that answers only after `seconds` (a stalled host)."""

    def route(h: BaseHTTPRequestHandler, n: int) -> None:
        time.sleep(seconds)
        send(h, 200, b"late", "text/plain")

    return route
