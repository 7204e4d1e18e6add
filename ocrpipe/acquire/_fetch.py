"""Download an article's poster series into DIR/images with a manifest.

One failed image never loses the others: each image gets a record with its
status, and the manifest is written whatever happened.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeVar

from ocrpipe._io import atomic_write_bytes, atomic_write_json
from ocrpipe._version import __version__
from ocrpipe.acquire._article import Article, ImageRef
from ocrpipe.acquire._cache import CacheEntry, DownloadCache, sha256_hex
from ocrpipe.acquire._http import DeadlinePassed, Downloader, TryFailed, backoff_delay, is_local
from ocrpipe.acquire._imageio import probe_image
from ocrpipe.acquire._netguard import AddressRefused, FetchPolicy
from ocrpipe.acquire._series import content_reason, odd_sizes, pixel_reason
from ocrpipe.config import FetchConfig, on_both
from ocrpipe.errors import ImageError, OutputError
from ocrpipe.output._results import ArticleMeta
from ocrpipe.output._serial import to_json

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class FetchedImage:
    """What happened to one image of the article."""

    index: int
    status: Literal["ok", "failed", "excluded"]
    candidates: tuple[str, ...] = ()  # every URL the article gives for this image, in the order they are tried
    urls_tried: tuple[str, ...] = ()
    url: str | None = None  # the URL the bytes came from (an image left out by its markup: the URL it has)
    file: str | None = None  # relative to the output directory
    sha256: str | None = None
    bytes: int | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None
    attempts: int = 0
    from_cache: bool = False
    error: str | None = None
    retryable: bool = field(default=False, compare=False, metadata={"export": False})  # a later try might work


@dataclass(frozen=True)
class FetchResult:
    meta: ArticleMeta
    out_dir: Path
    images: tuple[FetchedImage, ...]
    run_id: str | None = None  # shared with the result.json of the same run

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
        return {
            "ocrpipe": __version__,
            "run_id": self.run_id,
            "article": to_json(self.meta),
            "images": [to_json(im) for im in self.images],
        }


ProgressFn = Callable[[int, int, FetchedImage], None]

_T = TypeVar("_T")
_R = TypeVar("_R")


def map_in_daemon_threads(fn: Callable[[_T], _R], items: Sequence[_T], workers: int) -> Generator[_R, None, None]:
    """fn over items on at most `workers` daemon threads; the results in the items' order.

    Daemon threads, not a ThreadPoolExecutor: an interrupt (Ctrl-C) while a download is in
    flight leaves at once. An executor's threads are waited for, on leaving its block and
    again when the interpreter exits, so a server dripping bytes held Ctrl-C until that
    image's deadline (127 s). Once the caller stops (an exception, or the iterator closed),
    no thread takes another item; one in flight ends on its own deadline, or with the process.
    """
    todo: queue.SimpleQueue[tuple[_T, Future[_R]]] = queue.SimpleQueue()
    futures: list[Future[_R]] = []
    for item in items:
        fut: Future[_R] = Future()
        futures.append(fut)
        todo.put((item, fut))
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            try:
                item, fut = todo.get_nowait()
            except queue.Empty:
                return
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(item))
            except BaseException as exc:  # handed to the caller, as an executor does
                fut.set_exception(exc)

    for i in range(min(workers, len(futures))):
        threading.Thread(target=work, name=f"ocrpipe-fetch-{i}", daemon=True).start()
    try:
        for fut in futures:
            yield fut.result()
    finally:
        stop.set()
        for fut in futures:
            fut.cancel()


class Fetcher:
    """Downloads image series; owns the HTTP session and the cache."""

    resolver = None  # tests inject a resolver for the address rule; None: the system's

    def __init__(
        self,
        config: FetchConfig | None = None,
        downloader: Downloader | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config or FetchConfig()
        self.downloader = downloader or Downloader(self.config)
        self.cache = DownloadCache(self.config.cache_dir)
        self._sleep = sleep

    def close(self) -> None:
        self.downloader.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch_one(
        self, ref: ImageRef, out_dir: Path, downloader: Downloader | None = None, rounds: int | None = None
    ) -> FetchedImage:
        """Try the URLs of one image in rounds; never raises for network or image trouble.

        Each round tries every URL still in play once, so a host that times out hands
        over to the next URL (the proxy) before it is tried again. A URL leaves play on
        an answer another try will not change (404, refused by the fetch policy);
        rounds stop at `tries` per URL or at the image's deadline.
        """
        dl_ = downloader or self.downloader
        cfg = self.config
        urls = ref.ordered_urls(cfg.prefer)
        if not urls:
            return FetchedImage(index=ref.index, status="failed", error="the image has no usable URL")
        hit = self._from_cache(ref, out_dir, urls, dl_.policy) if cfg.use_cache else None
        if hit is not None:
            return hit
        tried: dict[str, None] = {}
        errors: dict[str, str] = {}
        attempts = 0
        live = list(urls)
        deadline = time.monotonic() + cfg.deadline
        for n in range(rounds or cfg.tries):
            waits: list[float] = []
            for url in list(live):
                tried.setdefault(url, None)
                try:
                    dl = dl_.try_once(url, deadline)
                except TryFailed as exc:
                    attempts += 1
                    errors[url] = str(exc)
                    log.info("image %d: %s: %s", ref.index + 1, url, exc)
                    if isinstance(exc, DeadlinePassed):
                        live.clear()
                        break
                    if not exc.retry:
                        live.remove(url)
                    elif exc.wait is not None:
                        waits.append(exc.wait)
                    continue
                attempts += 1
                if not is_local(url):
                    self.cache.put(url, dl.data, dl.content_type, dl.hops)
                return self._store(ref, out_dir, url, dl.data, dl.content_type or dl.info.mime, tuple(tried), attempts, False)
            if not live or n + 1 >= (rounds or cfg.tries):
                break
            delay = backoff_delay(cfg, n, max(waits) if waits else None)
            if time.monotonic() + delay >= deadline:
                errors[live[0]] = f"{errors.get(live[0], '')} (the {cfg.deadline:g}s download deadline passed)"
                break
            self._sleep(delay)
        return FetchedImage(
            index=ref.index,
            status="failed",
            urls_tried=tuple(tried),
            attempts=attempts,
            error="; ".join(f"{u}: {e}" for u, e in errors.items()),
            retryable=bool(live),
        )

    def _from_cache(self, ref: ImageRef, out_dir: Path, urls: tuple[str, ...], policy: FetchPolicy) -> FetchedImage | None:
        """The image stored from the first of its URLs the cache holds (and the policy allows)."""
        for url in urls:
            cached = self._cached(url, policy)
            if cached is not None:
                return self._store(ref, out_dir, url, cached.data, cached.content_type, (url,), 0, True)
        return None

    def _cached(self, url: str, policy: FetchPolicy) -> CacheEntry | None:
        """A cache hit only where the article's fetch policy would allow the download itself:
        bytes another article fetched from an internal host stay with that article."""
        if is_local(url):
            return None  # local files are not cached
        cached = self.cache.get(url)
        if cached is None:
            return None
        try:
            for hop in cached.hops:
                policy.check(hop)
        except AddressRefused as exc:
            log.info("image %s: cached bytes not used: %s", url, exc)
            return None
        return cached

    def _fetch_safely(self, ref: ImageRef, out_dir: Path, downloader: Downloader, rounds: int | None = None) -> FetchedImage:
        """fetch_one, with anything unforeseen recorded on that image: the others and the manifest go on."""
        try:
            return self.fetch_one(ref, out_dir, downloader, rounds)
        except OutputError:
            raise  # the output directory is unusable: every image would fail the same way
        except Exception as exc:
            log.debug("image %d: unexpected error", ref.index + 1, exc_info=True)
            return FetchedImage(
                index=ref.index,
                status="failed",
                urls_tried=ref.ordered_urls(self.config.prefer),
                error=f"unexpected error: {type(exc).__name__}: {exc}"[:300],
            )

    def _take_saved(
        self,
        article: Article,
        wanted: list[ImageRef],
        results: dict[int, FetchedImage],
        out_dir: Path,
        progress: ProgressFn | None,
        total: int,
    ) -> list[ImageRef]:
        """A saved page's own copies into `results`; returns the images still to download."""
        if not (article.resources or article.offline):
            return wanted
        left = []
        done = 0
        for im in wanted:
            rec = self._from_saved(im, article, out_dir)
            if rec is None:
                left.append(im)
                continue
            results[im.index] = rec = replace(rec, candidates=im.ordered_urls(self.config.prefer))
            done += 1
            if progress:
                progress(done, total, rec)
        return left

    def _from_saved(self, ref: ImageRef, article: Article, out_dir: Path) -> FetchedImage | None:
        """The image from the saved page itself; None when it must be fetched."""
        urls = ref.ordered_urls(self.config.prefer)
        for url in urls:
            res = article.resources.get(url)
            if res is not None:
                return self._store(ref, out_dir, url, res.data, res.content_type, (url,), 0, False)
        if article.offline:
            return FetchedImage(
                index=ref.index,
                status="failed",
                urls_tried=urls,
                error=f"{urls[0] if urls else 'the image'}: not inside the saved page (a saved page is read without "
                "the network; save it again once the image has loaded)",
            )
        return None

    def _store(
        self,
        ref: ImageRef,
        out_dir: Path,
        url: str,
        data: bytes,
        ctype: str | None,
        tried: tuple[str, ...],
        attempts: int,
        from_cache: bool,
    ) -> FetchedImage:
        try:
            info = probe_image(data, what=url)  # cheap for cache hits too: a cache never hands back junk
        except ImageError as exc:
            return FetchedImage(index=ref.index, status="failed", urls_tried=tried, attempts=attempts, error=exc.message)
        rel = f"images/{ref.index:03d}.{info.extension}"
        atomic_write_bytes(out_dir / rel, data)
        return FetchedImage(
            index=ref.index,
            status="ok",
            urls_tried=tried,
            url=url,
            file=rel,
            sha256=sha256_hex(data),
            bytes=len(data),
            content_type=(ctype or info.mime).split(";")[0],
            width=info.width,
            height=info.height,
            attempts=attempts,
            from_cache=from_cache,
        )

    def fetch(
        self, article: Article, out_dir: Path, progress: ProgressFn | None = None, run_id: str | None = None
    ) -> FetchResult:
        """Download the article's series (or every image with all_images) and write the manifest."""
        out_dir = Path(out_dir)
        cfg = self.config
        wanted = [im for im in article.images if im.in_series or cfg.all_images]
        if len(wanted) > cfg.max_images:
            log.warning(
                "the article names %d images; only the first %d are fetched (%s)",
                len(wanted),
                cfg.max_images,
                on_both("max_images"),
            )
        over = {im.index for im in wanted[cfg.max_images :]}
        wanted = wanted[: cfg.max_images]
        kept = {im.index for im in wanted}
        results: dict[int, FetchedImage] = {
            im.index: FetchedImage(
                index=im.index,
                status="excluded",
                candidates=im.ordered_urls(cfg.prefer),
                error=f"over the {cfg.max_images}-image limit ({on_both('max_images')})"
                if im.index in over
                else im.excluded_reason,
            )
            for im in article.images
            if im.index not in kept
        }
        policy = FetchPolicy.for_article(article.meta.location, cfg.allow_private, self.resolver)
        downloader = self.downloader.with_policy(policy) if policy.remote else self.downloader
        refs = {im.index: im for im in wanted}

        wanted = self._take_saved(article, wanted, results, out_dir, progress, len(refs))
        done = len(refs) - len(wanted)
        try:
            fetched = map_in_daemon_threads(lambda r: self._fetch_safely(r, out_dir, downloader), wanted, cfg.workers)
            with closing(fetched):  # an interrupt in this loop stops the threads too
                for rec in fetched:
                    results[rec.index] = replace(rec, candidates=refs[rec.index].ordered_urls(cfg.prefer))
                    done += 1
                    if progress:
                        progress(done, len(refs), rec)
            # One more round over the URLs of each image that failed for a reason a later
            # try may cure: a host that was down a moment ago may be back.
            for idx, rec in list(results.items()):
                if rec.status == "failed" and rec.retryable:
                    log.info("image %d: one more round over its URLs", idx + 1)
                    again = self._fetch_safely(refs[idx], out_dir, downloader, rounds=1)
                    results[idx] = (
                        replace(again, candidates=rec.candidates)
                        if again.status == "ok"
                        else replace(
                            rec,
                            attempts=rec.attempts + again.attempts,
                            error=rec.error if again.error == rec.error else f"{rec.error}; last round: {again.error}",
                        )
                    )
        finally:
            if downloader is not self.downloader:
                downloader.close()

        hinted = {im.index for im in article.images if im.width_hint and im.height_hint}
        images = [results[i] for i in sorted(results)]
        if not cfg.all_images:
            images = exclude_by_content(images, out_dir, hinted)
        for rec in images:
            if rec.status == "excluded":
                log.info("image %d left out: %s", rec.index + 1, rec.error)
        result = FetchResult(meta=article.meta, out_dir=out_dir, images=tuple(images), run_id=run_id)
        atomic_write_json(out_dir / MANIFEST, result.to_manifest())
        return result


def exclude_by_content(images: list[FetchedImage], out_dir: Path, hinted: set[int]) -> list[FetchedImage]:
    """What the pixels say: animated GIFs, QR codes and tiny images leave the series, and so do
    images without size hints whose width and aspect both differ from the series'."""
    out: list[FetchedImage] = []
    for im in images:
        if im.status == "ok" and im.file:
            reason = pixel_reason(im.width or 0, im.height or 0) or content_reason((out_dir / im.file).read_bytes())
            if reason:
                im = replace(im, status="excluded", error=reason)
        out.append(im)
    sizes = {im.index: (im.width, im.height) for im in out if im.status == "ok" and im.width and im.height}
    odd = odd_sizes(sizes)
    return [
        replace(im, status="excluded", error=odd[im.index]) if im.index in odd and im.index not in hinted else im for im in out
    ]
