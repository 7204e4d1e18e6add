"""Content-addressed download cache.

Layout under the cache root::

    objects/ab/abcdef...        the bytes, named by their sha256
    urls/<sha256 of url>.json   {"url", "sha256", "content_type", "hops"}

A URL hit whose object is gone or damaged counts as a miss. The cache does not
decide who may have its bytes: `hops` (every URL the bytes came through, redirects
included) is kept so that the fetcher can ask the article's fetch policy about each
of them before it serves a hit, exactly as it would before a download.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from ocrpipe._io import atomic_write_bytes, atomic_write_json
from ocrpipe.errors import OutputError

log = logging.getLogger(__name__)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    url: str
    sha256: str
    content_type: str | None
    data: bytes
    hops: tuple[str, ...] = ()  # the URL itself and every redirect the bytes came through


class DownloadCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _object(self, digest: str) -> Path:
        return self.root / "objects" / digest[:2] / digest

    def _index(self, url: str) -> Path:
        return self.root / "urls" / f"{sha256_hex(url.encode('utf-8'))}.json"

    def get(self, url: str) -> CacheEntry | None:
        """The cached bytes for url, verified against their hash; None on a miss."""
        try:
            meta = json.loads(self._index(url).read_text("utf-8"))
            digest = meta["sha256"]
            hops = tuple(str(h) for h in meta.get("hops") or ())
            data = self._object(digest).read_bytes()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if sha256_hex(data) != digest:
            log.warning("cache object for %s is damaged; downloading again", url)
            return None
        return CacheEntry(
            url=url, sha256=digest, content_type=meta.get("content_type"), data=data, hops=tuple(dict.fromkeys((url, *hops)))
        )

    def get_object(self, digest: str) -> bytes | None:
        """Bytes by their sha256, verified; None when the cache does not hold them."""
        try:
            data = self._object(digest).read_bytes()
        except OSError:
            return None
        return data if sha256_hex(data) == digest else None

    def put_object(self, data: bytes) -> str:
        """Store bytes by their sha256 alone (no URL points at them); returns the sha256."""
        digest = sha256_hex(data)
        try:
            obj = self._object(digest)
            if not obj.exists():
                atomic_write_bytes(obj, data)
        except OutputError as exc:
            log.warning("cannot write to cache %s: %s", self.root, exc.message)
        return digest

    def put(self, url: str, data: bytes, content_type: str | None, hops: tuple[str, ...] = ()) -> str:
        """Store bytes for url; returns their sha256. A failing cache is logged, not fatal."""
        digest = sha256_hex(data)
        try:
            obj = self._object(digest)
            if not obj.exists():
                atomic_write_bytes(obj, data)
            atomic_write_json(
                self._index(url), {"url": url, "sha256": digest, "content_type": content_type, "hops": list(hops)}
            )
        except OutputError as exc:
            log.warning("cannot write to cache %s: %s", self.root, exc.message)
        return digest
