"""Download an article's poster series into DIR/images with a manifest.

One failed image never loses the others: each image gets a record with its
status, and the manifest is written whatever happened.
"""

from __future__ import annotations

import logging
import statistics
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from ._io import atomic_write_bytes, atomic_write_json
from ._version import __version__
from .article import Article, ArticleMeta, ImageRef
from .cache import DownloadCache, sha256_hex
from .config import FetchConfig
from .http import Attempt, Downloader, DownloadFailed
from .imageio import probe_image

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
PIXEL_ASPECT_TOLERANCE = 0.10  # for images that came without size hints


@dataclass(frozen=True)
class FetchedImage:
    """What happened to one image of the article."""

    index: int
    status: str  # "ok" | "failed" | "excluded"
    urls_tried: tuple[str, ...] = ()
    url: str | None = None  # the URL the bytes came from
    file: str | None = None  # relative to the output directory
    sha256: str | None = None
    bytes: int | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None
    attempts: int = 0
    from_cache: bool = False
    error: str | None = None

    def to_dict(self) -> dict:
        return {
            "index": self.index, "status": self.status, "urls_tried": list(self.urls_tried), "url": self.url,
            "file": self.file, "sha256": self.sha256, "bytes": self.bytes, "content_type": self.content_type,
            "width": self.width, "height": self.height, "attempts": self.attempts,
            "from_cache": self.from_cache, "error": self.error,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "FetchedImage":
        return cls(**{**d, "urls_tried": tuple(d.get("urls_tried") or ())})


@dataclass(frozen=True)
class FetchResult:
    meta: ArticleMeta
    out_dir: Path
    images: tuple[FetchedImage, ...]

    @property
    def ok(self) -> tuple[FetchedImage, ...]:
        return tuple(im for im in self.images if im.status == "ok")

    @property
    def failed(self) -> tuple[FetchedImage, ...]:
        return tuple(im for im in self.images if im.status == "failed")

    def path(self, image: FetchedImage) -> Path:
        assert image.file is not None
        return self.out_dir / image.file

    def to_manifest(self) -> dict:
        return {"ocrpipe": __version__, "article": self.meta.to_dict(), "images": [im.to_dict() for im in self.images]}

    @classmethod
    def from_manifest(cls, out_dir: Path, d: dict) -> "FetchResult":
        return cls(meta=ArticleMeta.from_dict(d.get("article") or {}), out_dir=Path(out_dir),
                   images=tuple(FetchedImage.from_dict(x) for x in d.get("images") or ()))


ProgressFn = Callable[[int, int, FetchedImage], None]


class Fetcher:
    """Downloads image series; owns the HTTP session and the cache."""

    def __init__(self, config: FetchConfig | None = None, downloader: Downloader | None = None) -> None:
        self.config = config or FetchConfig()
        self.downloader = downloader or Downloader(self.config)
        self.cache = DownloadCache(self.config.cache_dir)

    def close(self) -> None:
        self.downloader.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def fetch_one(self, ref: ImageRef, out_dir: Path) -> FetchedImage:
        """Try each URL of one image in order; never raises for network or image trouble."""
        tried: list[str] = []
        attempts: list[Attempt] = []
        errors: list[str] = []
        for url in ref.ordered_urls(self.config.prefer):
            tried.append(url)
            remote = "://" in url and not url.startswith("file:")  # local files are not cached
            cached = self.cache.get(url) if self.config.use_cache and remote else None
            if cached is not None:
                return self._store(ref, out_dir, url, cached.data, cached.content_type, tuple(tried), 0, True)
            try:
                dl = self.downloader.get(url)
            except DownloadFailed as exc:
                attempts.extend(exc.attempts)
                errors.append(exc.message)
                log.info("image %d: %s", ref.index, exc.message)
                continue
            attempts.extend(dl.attempts)
            if remote:
                self.cache.put(url, dl.data, dl.content_type)
            return self._store(ref, out_dir, url, dl.data, dl.content_type or dl.info.mime, tuple(tried),
                               len(attempts), False)
        if not tried:
            errors.append("the image has no usable URL")
        return FetchedImage(index=ref.index, status="failed", urls_tried=tuple(tried), attempts=len(attempts),
                            error="; ".join(errors))

    def _store(self, ref: ImageRef, out_dir: Path, url: str, data: bytes, ctype: str | None,
               tried: tuple[str, ...], attempts: int, from_cache: bool) -> FetchedImage:
        info = probe_image(data, what=url)  # cheap for cache hits too: a cache never hands back junk
        rel = f"images/{ref.index:03d}.{info.extension}"
        atomic_write_bytes(out_dir / rel, data)
        return FetchedImage(index=ref.index, status="ok", urls_tried=tried, url=url, file=rel,
                            sha256=sha256_hex(data), bytes=len(data), content_type=(ctype or info.mime).split(";")[0],
                            width=info.width, height=info.height, attempts=attempts, from_cache=from_cache)

    def fetch(self, article: Article, out_dir: Path, progress: ProgressFn | None = None) -> FetchResult:
        """Download the article's series (or every image with all_images) and write the manifest."""
        out_dir = Path(out_dir)
        wanted = [im for im in article.images if im.in_series or self.config.all_images]
        kept = {im.index for im in wanted}
        results: dict[int, FetchedImage] = {
            im.index: FetchedImage(index=im.index, status="excluded", error=im.excluded_reason)
            for im in article.images if im.index not in kept
        }

        done = 0
        with ThreadPoolExecutor(max_workers=self.config.workers, thread_name_prefix="ocrpipe-fetch") as pool:
            for rec in pool.map(lambda r: self.fetch_one(r, out_dir), wanted):
                results[rec.index] = rec
                done += 1
                if progress:
                    progress(done, len(wanted), rec)

        hinted = {im.index for im in article.images if im.width_hint and im.height_hint}
        images = exclude_by_pixels([results[i] for i in sorted(results)], hinted, self.config.all_images)
        result = FetchResult(meta=article.meta, out_dir=out_dir, images=tuple(images))
        atomic_write_json(out_dir / MANIFEST, result.to_manifest())
        return result


def exclude_by_pixels(images: list[FetchedImage], hinted: set[int], keep_all: bool) -> list[FetchedImage]:
    """Images that came without size hints leave the series when their aspect is an outlier."""
    if keep_all:
        return images
    ok = [im for im in images if im.status == "ok" and im.width and im.height]
    if len(ok) < 3:
        return images
    aspect = statistics.median(im.width / im.height for im in ok)  # type: ignore[operator]
    out = []
    for im in images:
        if im.status == "ok" and im.index not in hinted and im.width and im.height:
            a = im.width / im.height
            if abs(a - aspect) / aspect > PIXEL_ASPECT_TOLERANCE:
                im = replace(im, status="excluded",
                             error=f"aspect {a:.2f} ({im.width}x{im.height}) differs from the series' {aspect:.2f}")
        out.append(im)
    return out
