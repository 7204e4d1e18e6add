"""HTTP downloads with retries, backoff, size caps and image validation.

The only module that talks to the network. `Downloader.get(url)` returns the
body of one URL or raises `DownloadFailed` carrying every attempt it made.
"""

from __future__ import annotations

import email.utils
import logging
import random
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter

try:  # urllib3 >= 2 names DNS failures; older versions wrap a socket.gaierror
    from urllib3.exceptions import NameResolutionError as _NameResolutionError
except ImportError:  # pragma: no cover
    _NameResolutionError = None  # type: ignore[assignment,misc]

from .config import FetchConfig
from .errors import FetchError, ImageError
from .imageio import ImageInfo, probe_image

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


class DownloadFailed(FetchError):
    """All tries of one URL failed; `attempts` says how."""

    def __init__(self, url: str, attempts: list[Attempt], message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.attempts = tuple(attempts)


class _Retry(Exception):
    """A failure that another try of the same URL may cure."""

    def __init__(self, message: str, status: int | None = None, wait: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.wait = wait


class _GiveUp(Exception):
    """A failure that retrying the same URL will not cure; try the next URL."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def make_session(config: FetchConfig) -> requests.Session:
    s = requests.Session()
    adapter = HTTPAdapter(pool_connections=max(4, config.workers), pool_maxsize=max(4, config.workers), max_retries=0)
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


def _is_name_error(exc: BaseException) -> bool:
    """DNS failure (the name will not resolve on the next try either), by exception type."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, socket.gaierror) or (_NameResolutionError and isinstance(e, _NameResolutionError)):
            return True
        todo += [getattr(e, "reason", None), e.__cause__, e.__context__,
                 *(a for a in e.args if isinstance(a, BaseException))]
    return False


class Downloader:
    """Fetches single URLs robustly. Thread-safe: one shared requests Session."""

    def __init__(self, config: FetchConfig, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.session = session or make_session(config)
        self._sleep = sleep

    def close(self) -> None:
        self.session.close()

    def get_text(self, url: str) -> str:
        """An article page as text (no image check)."""
        (data, _ctype), _attempts = self._with_retries(url, self._fetch_once_raw)
        return data.decode("utf-8", errors="replace")

    def get(self, url: str) -> Download:
        """Download one image URL, retrying transient failures."""
        if url.startswith("file://") or "://" not in url:
            return self._read_local(url)
        (data, ctype, info), attempts = self._with_retries(url, self._fetch_image_once)
        return Download(url=url, data=data, content_type=ctype, info=info, attempts=tuple(attempts))

    # -- internals ---------------------------------------------------------------

    def _with_retries(self, url: str, once: Callable[[str], Any]) -> tuple[Any, list[Attempt]]:
        attempts: list[Attempt] = []
        cfg = self.config
        for n in range(cfg.tries):
            try:
                result = once(url)
            except _GiveUp as exc:
                attempts.append(Attempt(url, exc.status, str(exc)))
                raise DownloadFailed(url, attempts, str(exc)) from None
            except _Retry as exc:
                attempts.append(Attempt(url, exc.status, str(exc)))
                if n + 1 >= cfg.tries:
                    raise DownloadFailed(url, attempts, f"{exc} (gave up after {cfg.tries} tries)") from None
                delay = min(cfg.backoff_max, cfg.backoff_base * (2 ** n)) * random.uniform(0.5, 1.5)
                if exc.wait is not None:
                    delay = min(cfg.backoff_max, max(delay, exc.wait))
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
            resp = self.session.get(url, timeout=(cfg.connect_timeout, cfg.read_timeout), stream=True,
                                    headers=headers, allow_redirects=True)
        except requests.exceptions.TooManyRedirects as exc:
            raise _GiveUp("redirect loop (more than 10 redirects)") from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            raise _GiveUp(f"invalid URL: {exc}") from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise _Retry(f"connect timeout after {cfg.connect_timeout:g}s") from exc
        except requests.exceptions.ReadTimeout as exc:
            raise _Retry(f"read timeout after {cfg.read_timeout:g}s") from exc
        except requests.exceptions.ConnectionError as exc:
            if _is_name_error(exc):
                host = urlsplit(url).hostname
                raise _GiveUp(f"network error: cannot resolve host {host!r} (no network, or a wrong host name)") from exc
            raise _Retry(f"connection error: {_short(exc)}") from exc
        except requests.exceptions.RequestException as exc:
            raise _Retry(f"request failed: {_short(exc)}") from exc
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
        return resp

    def _read_body(self, resp: requests.Response) -> bytes:
        cap = self.config.max_bytes
        declared = resp.headers.get("Content-Length")
        expected = int(declared) if declared and declared.isdigit() else None
        if expected is not None and expected > cap:
            resp.close()
            raise _GiveUp(f"body of {expected} bytes is over the {cap}-byte limit", resp.status_code)
        buf = bytearray()
        try:
            for chunk in resp.iter_content(CHUNK):
                buf += chunk
                if len(buf) > cap:
                    raise _GiveUp(f"body is over the {cap}-byte limit", resp.status_code)
        except requests.exceptions.ConnectionError as exc:
            raise _Retry(f"connection broke mid-body after {len(buf)} bytes: {_short(exc)}", resp.status_code) from exc
        except requests.exceptions.RequestException as exc:  # ChunkedEncodingError, ContentDecodingError
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

    def _fetch_image_once(self, url: str) -> tuple[bytes, str | None, ImageInfo]:
        resp = self._request(url)
        data = self._read_body(resp)
        try:
            info = probe_image(data, what="response body")
        except ImageError as exc:
            # An error page served with 200 or a damaged body: the next URL may do better.
            raise _GiveUp(exc.message, resp.status_code) from exc
        return data, resp.headers.get("Content-Type"), info

    def _read_local(self, url: str) -> Download:
        path = Path(unquote(urlsplit(url).path)) if url.startswith("file://") else Path(url)
        attempt_err: str | None = None
        try:
            size = path.stat().st_size
            if size > self.config.max_bytes:
                attempt_err = f"file of {size} bytes is over the {self.config.max_bytes}-byte limit"
            else:
                data = path.read_bytes()
                info = probe_image(data, what=str(path))
                return Download(url=url, data=data, content_type=info.mime, info=info,
                                attempts=(Attempt(url, None, None),))
        except FileNotFoundError:
            attempt_err = f"no such file: {path}"
        except OSError as exc:
            attempt_err = f"cannot read {path}: {exc.strerror or exc}"
        except ImageError as exc:
            attempt_err = exc.message
        raise DownloadFailed(url, [Attempt(url, None, attempt_err)], attempt_err)


def _short(exc: BaseException) -> str:
    text = str(exc)
    # urllib3 wraps the useful part in a long repr; keep the end of it.
    if "Caused by" in text:
        text = text.split("Caused by", 1)[1].strip(" ()")
    return text[:200]
