"""HTTP downloads with retries, backoff, size caps and image validation.

The only module that talks to the network. `Downloader.try_once(url)` makes one try
of one image URL (acquire._fetch runs the rounds of tries across an image's URLs);
`Downloader.get_text(url)` fetches an article page with retries, raising
`DownloadFailed` carrying every attempt it made.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from urllib3.exceptions import HTTPError
from urllib3.exceptions import NameResolutionError as _NameResolutionError  # urllib3 >= 2 names DNS failures
from urllib3.util import parse_url

from ocrpipe._io import LocalReadError, read_regular_file
from ocrpipe.acquire._dom import decode_html
from ocrpipe.acquire._imageio import ImageInfo, probe_image
from ocrpipe.acquire._netguard import AddressRefused, FetchPolicy, GuardedAdapter
from ocrpipe.config import FetchConfig, on_both
from ocrpipe.errors import FetchError, ImageError

log = logging.getLogger(__name__)

RETRY_STATUS = {500, 502, 503, 504}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Attempt:
    url: str
    status: int | None  # HTTP status, None when no response came
    error: str | None  # None for the successful attempt


@dataclass(frozen=True)
class Download:
    url: str
    data: bytes
    content_type: str | None
    info: ImageInfo
    attempts: tuple[Attempt, ...]
    hops: tuple[str, ...] = ()  # every URL the bytes came through (redirects), the last one last


class DownloadFailed(FetchError):
    """All tries of one URL failed; `attempts` says how."""

    def __init__(self, url: str, attempts: list[Attempt], message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.attempts = tuple(attempts)


class TryFailed(Exception):
    """One try of one URL failed. `retry`: another try of the same URL may cure it."""

    retry = True

    def __init__(self, message: str, status: int | None = None, wait: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.wait = wait


class _Retry(TryFailed):
    """A failure that another try of the same URL may cure."""


class _GiveUp(TryFailed):
    """A failure that retrying the same URL will not cure; try the next URL."""

    retry = False


class DeadlinePassed(_GiveUp):
    """The image's total download deadline has passed: no URL is tried again."""


def backoff_delay(config: FetchConfig, n: int, wait: float | None = None) -> float:
    """Seconds to wait before try n+2: exponential with jitter, at least an honoured Retry-After."""
    delay = min(config.backoff_max, config.backoff_base * (2**n)) * random.uniform(0.5, 1.5)
    if wait is not None:
        delay = min(config.backoff_max, max(delay, wait))
    return delay


def make_session(config: FetchConfig, policy: FetchPolicy | None = None) -> requests.Session:
    s = requests.Session()
    adapter = GuardedAdapter(
        policy or FetchPolicy(), pool_connections=max(4, config.workers), pool_maxsize=max(4, config.workers), max_retries=0
    )
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.max_redirects = 10
    s.headers.update({"User-Agent": config.user_agent, "Accept": "image/*,*/*;q=0.5"})
    s.headers.pop("Referer", None)
    return s


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _hostname(url: str) -> str | None:
    """The URL's host for a message; urllib's when it parses the URL, else the one requests tried
    (requests sends `http://a\uff0fb@c/x.jpg` to `c`, a netloc urllib refuses under NFKC)."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return parse_url(url).host


def _is_name_error(exc: BaseException) -> bool:
    """DNS failure (the name will not resolve on the next try either), by exception type."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, (socket.gaierror, _NameResolutionError)):
            return True
        # `reason` is an exception on urllib3's errors but a string on ssl.SSLError
        # ("WRONG_VERSION_NUMBER": https:// to a plain-http port): only exceptions are walked.
        links = (getattr(e, "reason", None), e.__cause__, e.__context__, *e.args)
        todo += [x for x in links if isinstance(x, BaseException)]
    return False


def _check_status(resp: requests.Response) -> None:
    """Raise the try's failure for an answer that is not a 2xx (closing the response)."""
    status = resp.status_code
    if status == 429:
        resp.close()
        raise _Retry("HTTP 429 Too Many Requests", status, _retry_after(resp.headers.get("Retry-After")))
    if status in RETRY_STATUS:
        resp.close()
        raise _Retry(f"HTTP {status}", status, _retry_after(resp.headers.get("Retry-After")))
    if status >= 400 or status < 200:
        resp.close()
        raise _GiveUp(f"HTTP {status} {resp.reason or ''}".strip(), status)


class Downloader:
    """Fetches single URLs robustly. Thread-safe: one shared requests Session."""

    def __init__(
        self,
        config: FetchConfig,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        policy: FetchPolicy | None = None,
    ) -> None:
        self.config = config
        self.policy = policy or FetchPolicy()
        self.session = session or make_session(config, self.policy)
        self._sleep = sleep

    def with_policy(self, policy: FetchPolicy) -> "Downloader":
        """A downloader for one article's images: same settings, that article's fetch policy."""
        return Downloader(self.config, sleep=self._sleep, policy=policy)

    def close(self) -> None:
        self.session.close()

    def get_text(self, url: str) -> str:
        """An article page as text (no image check)."""
        data, ctype = self.get_page(url)
        return decode_html(data, ctype)

    def get_page(self, url: str) -> tuple[bytes, str | None]:
        """An article URL's body and Content-Type, with retries: a page, a Markdown file or one image."""
        (data, ctype), _attempts = self._with_retries(url, self._fetch_once_raw)
        return data, ctype

    def try_once(self, url: str, deadline: float | None = None) -> Download:
        """One try of one image URL; raises TryFailed (its `retry` says whether another try may help)."""
        if is_local(url):
            try:
                return self.read_local(url)
            except DownloadFailed as exc:
                raise _GiveUp(exc.attempts[-1].error or exc.message) from None
        data, ctype, info, hops = self._fetch_image_once(url, deadline)
        return Download(url=url, data=data, content_type=ctype, info=info, attempts=(Attempt(url, 200, None),), hops=hops)

    # -- internals ---------------------------------------------------------------

    def _with_retries(self, url: str, once: Callable[[str], Any], deadline: float | None = None) -> tuple[Any, list[Attempt]]:
        attempts: list[Attempt] = []
        cfg = self.config
        for n in range(cfg.tries):
            try:
                result = once(url)
            except TryFailed as exc:
                attempts.append(Attempt(url, exc.status, str(exc)))
                if not exc.retry:
                    raise DownloadFailed(url, attempts, str(exc)) from None
                if n + 1 >= cfg.tries:
                    raise DownloadFailed(url, attempts, f"{exc} (gave up after {cfg.tries} tries)") from None
                delay = backoff_delay(cfg, n, exc.wait)
                if deadline is not None and time.monotonic() + delay >= deadline:
                    raise DownloadFailed(url, attempts, f"{exc} (the download deadline passed)") from None
                log.info("retrying %s in %.2fs: %s", url, delay, exc)
                self._sleep(delay)
                continue
            attempts.append(Attempt(url, 200, None))
            return result, attempts
        raise AssertionError("unreachable")

    def _request(self, url: str) -> requests.Response:
        cfg = self.config
        headers = {"Referer": cfg.referer} if cfg.referer else {}
        try:
            self.policy.check_url(url)
            resp = self.session.get(
                url, timeout=(cfg.connect_timeout, cfg.read_timeout), stream=True, headers=headers, allow_redirects=True
            )
        except AddressRefused as exc:
            raise _GiveUp(str(exc)) from None
        except (
            requests.exceptions.InvalidSchema
        ):  # (a ValueError too) ftp:, gopher:, ...: requests' "No connection adapters ..."
            scheme = url.split(":", 1)[0].lower()  # not urlsplit: "ftp://[::1/x" would raise here
            raise _GiveUp(f"not an http(s) URL ({scheme}:): ocrpipe downloads http and https, and reads local files") from None
        except ValueError as exc:  # a NUL or other junk requests cannot put on the wire
            raise _GiveUp(f"invalid URL: {exc}") from None
        except requests.exceptions.TooManyRedirects as exc:
            raise _GiveUp("redirect loop (more than 10 redirects)") from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
            raise _GiveUp(f"invalid URL: {exc}") from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise _Retry(f"connect timeout after {cfg.connect_timeout:g}s") from exc
        except requests.exceptions.ReadTimeout as exc:
            raise _Retry(f"read timeout after {cfg.read_timeout:g}s") from exc
        except requests.exceptions.ConnectionError as exc:
            if _is_name_error(exc):
                host = _hostname(url)
                raise _GiveUp(f"network error: cannot resolve host {host!r} (no network, or a wrong host name)") from exc
            raise _Retry(f"connection error: {_short(exc)}") from exc
        except requests.exceptions.RequestException as exc:
            raise _Retry(f"request failed: {_short(exc)}") from exc
        _check_status(resp)
        return resp

    def _read_body(self, resp: requests.Response, deadline: float | None = None) -> bytes:
        cap = self.config.max_bytes
        declared = resp.headers.get("Content-Length")
        expected = int(declared) if declared and declared.isdigit() else None
        if expected is not None and expected > cap:
            resp.close()
            raise _GiveUp(f"body of {expected} bytes is over the {cap}-byte limit", resp.status_code)
        buf = bytearray()
        try:
            # read1 returns what one socket read brings, so a server that drips a byte at a
            # time cannot hold a single read past the deadline
            while True:
                if deadline is not None and time.monotonic() > deadline:
                    raise DeadlinePassed(
                        f"download deadline passed after {len(buf)} bytes "
                        f"(the server sends too slowly; raise {on_both('deadline')})",
                        resp.status_code,
                    )
                chunk = resp.raw.read1(CHUNK, decode_content=True)
                if not chunk:
                    break
                buf += chunk
                if len(buf) > cap:
                    raise _GiveUp(f"body is over the {cap}-byte limit", resp.status_code)
        except requests.exceptions.ConnectionError as exc:
            raise _Retry(f"connection broke mid-body after {len(buf)} bytes: {_short(exc)}", resp.status_code) from exc
        except requests.exceptions.RequestException as exc:  # ChunkedEncodingError, ContentDecodingError
            raise _Retry(f"body incomplete after {len(buf)} bytes: {_short(exc)}", resp.status_code) from exc
        except (OSError, HTTPError) as exc:  # urllib3's own errors: read timeout, protocol error, decoding
            raise _Retry(f"body incomplete after {len(buf)} bytes: {_short(exc)}", resp.status_code) from exc
        finally:
            resp.close()
        encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
        if expected is not None and not encoded and len(buf) < expected:
            raise _Retry(f"body truncated: {len(buf)} of {expected} bytes", resp.status_code)
        return bytes(buf)

    def _fetch_once_raw(self, url: str) -> tuple[bytes, str | None]:
        resp = self._request(url)
        return self._read_body(resp), resp.headers.get("Content-Type")

    def _fetch_image_once(
        self, url: str, deadline: float | None = None
    ) -> tuple[bytes, str | None, ImageInfo, tuple[str, ...]]:
        if deadline is not None and time.monotonic() > deadline:
            raise DeadlinePassed(f"download deadline passed (raise {on_both('deadline')})")
        resp = self._request(url)
        data = self._read_body(resp, deadline)
        try:
            info = probe_image(data, what="response body")
        except ImageError as exc:
            # An error page served with 200 or a damaged body is a failed try, like a 503:
            # a flaky host often serves the image on the next one.
            raise _Retry(exc.message, resp.status_code) from exc
        hops = tuple(dict.fromkeys([*(h.url for h in resp.history), resp.url or url]))
        return data, resp.headers.get("Content-Type"), info, hops

    def read_local(self, url: str) -> Download:
        """Read a local image: only a regular file, never more than max_bytes whatever its size says."""
        attempt_err = self._local_refusal(url)
        if attempt_err is None:
            try:
                path = local_path(url)
                data = read_regular_file(path, self.config.max_bytes)
                info = probe_image(data, what=str(path))
                return Download(url=url, data=data, content_type=info.mime, info=info, attempts=(Attempt(url, None, None),))
            except ImageError as exc:
                attempt_err = exc.message.removeprefix(f"{local_path(url)}: ")  # the URL names the file already
            except LocalReadError as exc:
                attempt_err = str(exc)
        raise DownloadFailed(url, [Attempt(url, None, attempt_err)], attempt_err)

    def _local_refusal(self, url: str) -> str | None:
        try:
            self.policy.check_url(url)
        except AddressRefused as exc:
            return str(exc)
        return None


def is_local(url: str) -> bool:
    return url.lower().startswith("file:") or "://" not in url


def local_path(url: str) -> Path:
    """The path a file: URL names, byte for byte as Path.as_uri() wrote it: a file name that is not
    UTF-8 (a%FF.jpg) is the same name again, not one with U+FFFD that no file has."""
    if not url.lower().startswith("file:"):
        return Path(url)
    return Path(os.fsdecode(unquote_to_bytes(urlsplit(url).path)))


# the operating system's words for a failed connection, found in urllib3's long reprs
_SOCKET_ERRORS = (
    ("Connection refused", "connection refused (nothing listens on that port)"),
    ("Connection reset", "connection reset by the server"),
    ("Network is unreachable", "network unreachable"),
    ("No route to host", "no route to host"),
    ("Remote end closed connection", "the server closed the connection without answering"),
    ("RemoteDisconnected", "the server closed the connection without answering"),
    ("CERTIFICATE_VERIFY_FAILED", "TLS certificate not trusted"),
    ("WRONG_VERSION_NUMBER", "TLS handshake failed (https:// to a plain-http port?)"),
)


def _short(exc: BaseException) -> str:
    """A network failure in a few plain words, not urllib3's nested repr."""
    text = str(exc)
    for needle, words in _SOCKET_ERRORS:
        if needle in text:
            return words
    # urllib3 wraps the useful part in a long repr; keep the end of it.
    if "Caused by" in text:
        text = text.split("Caused by", 1)[1].strip(" ()")
    return text[:200]
