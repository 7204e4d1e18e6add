"""The editable review page, served on 127.0.0.1 behind a random token.

`serve(DIR)` serves review._page's page; there a correction is saved at once
(corrections.json), and the results are rebuilt and verified again (review._corrections).

Every request runs inside one safety net: whatever it sends, a client gets an answer
(400 for a malformed request, 500 for anything unforeseen) and the server goes on, with
no traceback. A request must name this server in Host (127.0.0.1 or localhost and its
port: a DNS-rebound name is refused) and, when it carries an Origin, come from the page
itself (a cross-site form or fetch is refused), on top of the token. Reads time out, so
a body that never completes cannot hold a thread.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import re
import secrets
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ocrpipe._io import LocalReadError, atomic_write_text, read_regular_file
from ocrpipe.errors import InputError, OcrpipeError
from ocrpipe.output._export import read_result
from ocrpipe.review import _corrections as corrections
from ocrpipe.review._page import PAGE, page_data, render

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
MAX_IMAGE_BYTES = 200 * 1024 * 1024
READ_TIMEOUT = 10.0  # seconds a client may take for one read, and for a whole request body
MAX_CONNECTIONS = 32  # open at once; more are closed at once (the page itself needs a handful)


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ReviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, out_dir: Path, port: int = 0, token: str | None = None) -> None:
        self.out_dir = Path(out_dir).resolve()
        self.token = token or secrets.token_urlsafe(18)
        read_result(self.out_dir)  # a clear error now, not on the first request
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/?token={self.token}"

    @property
    def hosts(self) -> frozenset[str]:
        port = self.server_address[1]
        return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})

    def server_bind(self) -> None:
        super().server_bind()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        # a thread per connection, but only so many: a flood of idle connections cannot pile up threads
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hung up or timed out: nothing to report on the console
        log.debug("review server: request from %s ended abnormally", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"
    timeout = READ_TIMEOUT  # applied to the socket: every read of the request line, headers and body

    def log_message(self, fmt: str, *args: Any) -> None:
        log.debug("review server: " + fmt, *args)

    def _send(self, status: int, body: bytes, ctype: str = "application/json; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode())

    def _check(self) -> None:
        """Host, Origin and token, in that order; raises _Refused."""
        host = (self.headers.get("Host") or "").strip().lower()
        if host not in self.server.hosts:
            raise _Refused(HTTPStatus.MISDIRECTED_REQUEST, "wrong Host: open the URL ocrpipe printed")
        origin = self.headers.get("Origin")
        if origin is not None and origin.strip().lower() not in {f"http://{h}" for h in self.server.hosts}:
            raise _Refused(HTTPStatus.FORBIDDEN, "cross-origin requests are refused")
        if (self.headers.get("Sec-Fetch-Site") or "").lower() == "cross-site":
            raise _Refused(HTTPStatus.FORBIDDEN, "cross-site requests are refused")
        query = parse_qs(urlsplit(self.path).query)
        given = self.headers.get("X-Ocrpipe-Token") or (query.get("token") or [""])[0]
        if not secrets.compare_digest(given.encode("utf-8", "replace"), self.server.token.encode()):
            raise _Refused(HTTPStatus.FORBIDDEN, "a valid token is needed: open the URL ocrpipe printed")

    def _safely(self, handler: Callable[[], None]) -> None:
        """The safety net around every request."""
        try:
            self._check()
            handler()
        except _Refused as exc:
            self._answer_error(exc.status, str(exc))
        except (OcrpipeError, ValueError, TypeError, RecursionError, UnicodeError) as exc:
            self._answer_error(HTTPStatus.BAD_REQUEST, str(exc)[:300] or type(exc).__name__)
        except (TimeoutError, ConnectionError):
            self.close_connection = True  # the client is gone or too slow: nobody to answer
        except Exception as exc:
            log.debug("review server: unexpected error", exc_info=True)
            self._answer_error(HTTPStatus.INTERNAL_SERVER_ERROR, f"unexpected {type(exc).__name__}")

    def _answer_error(self, status: int, message: str) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client hung up
            self._json(status, {"error": message})

    def do_GET(self) -> None:
        self._safely(self._get)

    def do_POST(self) -> None:
        self._safely(self._post)

    def _get(self) -> None:
        path = unquote(urlsplit(self.path).path, errors="strict")
        if "\x00" in path:
            raise _Refused(HTTPStatus.NOT_FOUND, "no such file")
        out = self.server.out_dir
        if path in ("/", "/" + PAGE):
            self._send(HTTPStatus.OK, render(read_result(out)).encode(), "text/html; charset=utf-8")
        elif path == "/api/state":
            self._json(HTTPStatus.OK, page_data(read_result(out)))
        elif path.startswith("/images/"):
            target = (out / path.lstrip("/")).resolve()
            if target.parent != (out / "images").resolve():
                raise _Refused(HTTPStatus.NOT_FOUND, "no such image")
            try:
                data = read_regular_file(target, MAX_IMAGE_BYTES)
            except LocalReadError:
                raise _Refused(HTTPStatus.NOT_FOUND, "no such image") from None
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(HTTPStatus.OK, data, ctype)
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def _post(self) -> None:
        if urlsplit(self.path).path != "/api/correct":
            raise _Refused(HTTPStatus.NOT_FOUND, "not found")
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            raise InputError("a correction is a small JSON object")
        raw = self._read_body(length)
        body = json.loads(raw)  # RecursionError for absurd nesting: a 400 like any bad JSON
        done = correct(self.server.out_dir, body)
        self._json(HTTPStatus.OK, page_data(done.result, len(done.stale)))

    def _read_body(self, length: int) -> bytes:
        """The body, within READ_TIMEOUT in all: a client dripping a byte at a time is cut off too."""
        deadline = time.monotonic() + READ_TIMEOUT
        buf = bytearray()
        while len(buf) < length:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request body did not arrive in time")
            self.connection.settimeout(min(left, self.timeout or left))
            chunk = self.rfile.read1(length - len(buf))
            if not chunk:
                raise InputError("the request body ended early")
            buf += chunk
        self.connection.settimeout(self.timeout)
        return bytes(buf)


def correct(out_dir: Path, body: Any) -> corrections.Applied:
    """One correction from the page: {kind: line|clause, image, line, text | number/title}."""
    if not isinstance(body, dict) or body.get("kind") not in ("line", "clause"):
        raise InputError("a correction needs kind 'line' or 'clause'")
    result = read_result(out_dir)
    image, line = body.get("image"), body.get("line")
    im = next((x for x in result.images if x.index == image), None)
    if im is None or not isinstance(line, int) or not 0 <= line < len(im.lines):
        raise InputError("no such line; reload the page")
    ln = im.lines[line]
    recognised = ln.original if ln.original is not None else ln.text
    if body["kind"] == "line":
        text = _one_line(body.get("text"), "a line correction needs its text")
        c = {"kind": "line", "image": image, "line": line, "original": recognised, "text": text.strip()}
    else:
        clause = next((x for x in result.clauses if x.start == (image, line)), None)
        if clause is None:
            raise InputError("no clause starts on that line; reload the page")
        number = body.get("number")
        title = _one_line(body.get("title"), "a clause correction's title is text") if body.get("title") is not None else None
        try:
            number = int(number) if number not in (None, "") else None
        except (TypeError, ValueError):
            raise InputError(f"a clause number is a whole number, not {str(number)[:20]!r}") from None
        c = {
            "kind": "clause",
            "image": image,
            "line": line,
            "original_number": clause.number,
            "original_title": clause.title,
            "number": number,
            "title": title,
        }
    done = corrections.add(out_dir, c)
    atomic_write_text(Path(out_dir) / PAGE, render(done.result, len(done.stale)))
    return done


_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def _one_line(value: Any, what: str) -> str:
    """A line's or a title's text: one line (a break in it split the title and clauses.md's heading)."""
    if not isinstance(value, str):
        raise InputError(what)
    if _BREAKS.search(value):
        raise InputError("a line or title is one line of text: no line breaks")
    return value.strip()


def serve(out_dir: Path, port: int = 0, ready: Callable[[ReviewServer], None] | None = None) -> None:
    """Serve the editable page until interrupted; `ready` gets the server once it listens."""
    server = ReviewServer(out_dir, port)
    if ready:
        ready(server)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def serve_in_thread(out_dir: Path, port: int = 0) -> tuple[ReviewServer, threading.Thread]:
    """For tests and embedding: the server running in a daemon thread."""
    server = ReviewServer(out_dir, port)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return server, t
