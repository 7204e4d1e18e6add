"""Articles into the corpus store: add (fetch and recognise, resumable, deduplicated) and import.

Each article goes through `pipeline.run_article`, exactly as `ocrpipe run`, and is
written to the store in one transaction. Images whose bytes the store has already
recognised with the same settings are not recognised again.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ocrpipe._io import LocalReadError, read_regular_file
from ocrpipe._version import __version__
from ocrpipe.acquire._cache import DownloadCache, sha256_hex
from ocrpipe.acquire._fetch import FetchResult
from ocrpipe.acquire._http import is_local
from ocrpipe.acquire._imageio import IMAGE_SUFFIXES
from ocrpipe.acquire._saved import MHTML_SUFFIXES
from ocrpipe.acquire._sources import STDIN_PREFIX
from ocrpipe.config import default_cache_dir
from ocrpipe.corpus._store import Store, settings_key
from ocrpipe.errors import EngineNotAvailable, FetchError, InputError, OcrpipeError, OutputError
from ocrpipe.output._export import read_result
from ocrpipe.output._results import RunResult
from ocrpipe.pipeline import RunConfig, recognition_key, run_article
from ocrpipe.recognition._executor import engine_versions, versions_of

log = logging.getLogger(__name__)


DB_ENV = "OCRPIPE_DB"
DEFAULT_DB = Path("ocrpipe.db")
# saved pages too: a list or a folder of .mhtml files is articles, as `ocrpipe run page.mhtml` reads one
ARTICLE_SUFFIXES = (".md", ".markdown", ".html", ".htm", *MHTML_SUFFIXES)
_URL_RE = re.compile(r"^https?://", re.I)
MAX_LIST_BYTES = 16 * 1024 * 1024  # a list of articles
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_IMAGE_BYTES = 200 * 1024 * 1024


def default_db() -> Path:
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


# --------------------------------------------------------------------------- sources


def article_key(spec: str) -> str:
    """One name per article: a URL without its fragment (scheme and host lower-cased), or an absolute path."""
    if _URL_RE.match(spec):
        p = urlsplit(spec.strip())
        return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path or "/", p.query, ""))
    return str(Path(spec).expanduser().resolve())


def _article_list(path: Path) -> list[str] | None:
    """The articles a text file lists (URL or path per line, # comments), or None if it lists images."""
    try:
        text = read_regular_file(path, MAX_LIST_BYTES).decode("utf-8")
    except (LocalReadError, UnicodeDecodeError):
        return None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    if not lines:
        return None
    out = []
    for ln in lines:
        if _URL_RE.match(ln) and not urlsplit(ln).path.lower().endswith(IMAGE_SUFFIXES):
            out.append(ln)
            continue
        local = (path.parent / ln) if not Path(ln).is_absolute() else Path(ln)
        if local.suffix.lower() in ARTICLE_SUFFIXES or local.is_dir():
            out.append(str(local))
            continue
        return None  # an image: the file is an image list, i.e. one article
    return out


def expand_sources(sources: list[str]) -> list[str]:
    """Article specs from what the user gave: articles, lists of articles, folders of article files."""
    out: list[str] = []
    for src in sources:
        path = Path(src)
        if _URL_RE.match(src) or not path.exists():
            out.append(src)  # a URL, or a missing path (recorded as a failed article)
        elif path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES)
            out.extend(str(p) for p in files) if files else out.append(src)  # else: a folder of images
        elif path.suffix.lower() == ".txt" and (listed := _article_list(path)) is not None:
            out.extend(listed)
        else:
            out.append(src)
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- add


@dataclass
class AddSummary:
    done: int = 0
    duplicate: int = 0
    failed: int = 0
    skipped: int = 0
    incomplete: int = 0  # stored, but some images failed: tried again by the next `corpus add`
    replaced: int = 0  # import: of those done, how many replaced an article stored under the same key
    errors: list[tuple[str, str]] = field(default_factory=list)


ArticleProgress = Callable[[int, int, str], None]


def add(
    sources: list[str],
    store: Store,
    config: RunConfig,
    redo: bool = False,
    progress: ArticleProgress | None = None,
    image_progress: Callable[[int, int], None] | None = None,
    work_dir: Path | None = None,
) -> AddSummary:
    """Fetch, recognise and store each article; skip those done with the same settings and version."""
    specs = expand_sources(sources)
    settings = settings_key(recognition_key(config, engine_versions(config.ocr, config.preprocess)), config.ocr.engine)
    summary = AddSummary()
    work_root = Path(work_dir or store.path.parent)
    store.lock_writer()
    for stale in work_root.glob(".ocrpipe-corpus-*"):  # left by a killed run; we hold the writer lock
        shutil.rmtree(stale, ignore_errors=True)
    if progress:
        progress(0, len(specs), "")
    for n, spec in enumerate(specs, 1):
        key = article_key(spec)
        row = store.article(key)
        if (
            not redo
            and row is not None
            and row.state in ("done", "duplicate")
            and not row.incomplete
            and row.settings == settings
            and row.version == __version__
        ):
            summary.skipped += 1
        else:
            try:
                with tempfile.TemporaryDirectory(prefix=".ocrpipe-corpus-", dir=work_root) as tmp:
                    fetched, result = run_article(
                        spec,
                        Path(tmp) / "run",
                        config,
                        ocr_progress=image_progress,
                        known=None if redo else (lambda sha: store.known_image(sha, settings)),
                    )
                    _keep_local_images(fetched, DownloadCache(config.fetch.cache_dir))
                failed_images = [im for im in result.images if im.status != "ok"]
                if len(failed_images) == len(result.images):
                    # nothing was read: a failed article (retried by the next plain `corpus add`), not an empty one
                    why = failed_images[0].error if failed_images else "the article has no images"
                    raise FetchError(f"no image of the article could be downloaded or read ({why})")
                shas = [im.sha256 for im in fetched.images if im.status != "excluded"]
                state = store.put_result(key, result, settings, __version__, shas)
                setattr(summary, state, getattr(summary, state) + 1)
                if failed_images:
                    summary.incomplete += 1
                    log.warning("%s: %d of %d images failed", spec, len(failed_images), len(result.images))
            except (EngineNotAvailable, OutputError):
                raise  # the engine or the disk: every article would fail the same way
            except OcrpipeError as exc:
                store.put_failed(key, str(exc), spec)
                summary.failed += 1
                summary.errors.append((spec, str(exc)))  # the caller reports it (the CLI prints it once)
                log.info("%s: %s", spec, exc)
        if progress:
            progress(n, len(specs), spec)
    return summary


def _keep_local_images(fetched: FetchResult, cache: DownloadCache) -> None:
    """Local images go into the download cache by their sha256, as downloaded ones already are:
    `corpus review` then reads images from the cache alone, never from a path a result names."""
    for im in fetched.ok:
        if im.url and is_local(im.url) and im.file:
            try:
                data = read_regular_file(fetched.path(im), MAX_IMAGE_BYTES)
            except LocalReadError as exc:
                log.warning("cannot keep %s for review: %s", im.url, exc)
                continue
            if sha256_hex(data) == im.sha256:
                cache.put_object(data)


def _import_images(d: Path, result: RunResult, shas: list[str | None], cache: DownloadCache) -> None:
    """An imported run's images, read from its own images/ folder and checked against the manifest's
    sha256, go into the download cache; nothing outside the run directory is read."""
    images = (d / "images").resolve()
    for im, sha in zip(result.images, shas):
        if im.status != "ok" or not sha or not im.file:
            continue
        path = (d / im.file).resolve()
        if path.parent != images:
            log.warning("%s: image %d names %r, outside its images/ folder: not read", d, im.index + 1, im.file)
            continue
        try:
            data = read_regular_file(path, MAX_IMAGE_BYTES)
        except LocalReadError as exc:
            log.warning("%s: image %d: %s", d, im.index + 1, exc)
            continue
        if sha256_hex(data) == sha:
            cache.put_object(data)
        else:
            log.warning("%s: image %d does not match the sha256 in its manifest: not kept", d, im.index + 1)


def import_runs(dirs: list[Path], store: Store, cache_dir: Path | None = None) -> AddSummary:
    """Add finished `ocrpipe run` directories without recognising again (their images go to the cache)."""
    summary = AddSummary()
    cache = DownloadCache(cache_dir or default_cache_dir())
    # every directory is read and checked first: one bad directory stores nothing (exit 2 before any work)
    # (read twice rather than held: a thousand results need not sit in memory at once)
    for d in dirs:
        _read_run(Path(d))
    for d, result, shas in map(_read_run, map(Path, dirs)):
        settings_src = result.provenance.get("settings") or {}
        engine = str(result.provenance.get("engine", "unknown"))
        settings = settings_key({"imported": settings_src, "versions": versions_of(result.provenance)}, engine)
        key = _import_key(result.article.location, Path(d))
        before = store.article(key)
        state = store.put_result(key, result, settings, str(result.provenance.get("ocrpipe", "")), shas)
        if before is not None and state == "done":
            # one article (URL or file) is stored once: a second run of it takes the first one's place
            log.warning("%s: replaces the stored run of the same article (%s)", d, key)
            summary.replaced += 1
        _import_images(Path(d), result, shas, cache)
        setattr(summary, state, getattr(summary, state) + 1)
    return summary


def _read_run(d: Path) -> tuple[Path, RunResult, list[str | None]]:
    """A run directory's result and the sha256 of each of its images, or InputError."""
    result = read_result(d)
    try:
        manifest = json.loads(read_regular_file(d / "manifest.json", MAX_MANIFEST_BYTES))
    except (LocalReadError, ValueError, RecursionError) as exc:
        raise InputError(
            f"{d}: no readable manifest.json beside result.json ({exc})", "re-run `ocrpipe run` into that directory"
        ) from None
    by_index = _manifest_shas(manifest, d)
    return d, result, [by_index.get(im.index) for im in result.images]


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _manifest_shas(manifest: Any, d: Path) -> dict[int, str | None]:
    """index -> sha256 of each image a manifest lists, every entry checked (InputError naming the first bad one)."""
    images = manifest.get("images") if isinstance(manifest, dict) else None
    if not isinstance(images, list):
        raise InputError(f"{d}/manifest.json: no list of images; not a manifest ocrpipe wrote", "re-run `ocrpipe run`")
    out: dict[int, str | None] = {}
    for n, im in enumerate(images):
        index = im.get("index") if isinstance(im, dict) else None
        sha = im.get("sha256") if isinstance(im, dict) else None
        if (
            isinstance(index, bool)
            or not isinstance(index, int)
            or not (sha is None or (isinstance(sha, str) and _SHA256.match(sha)))
        ):
            raise InputError(
                f"{d}/manifest.json: image entry {n} needs an integer index and a sha256 of 64 hex digits (or null)",
                "re-run `ocrpipe run` into that directory",
            )
        out[index] = sha
    return out


def _import_key(location: str | None, run_dir: Path) -> str:
    """The article key of an imported run: its URL or absolute path. A relative location (runs made
    before locations were recorded absolute) means nothing in the importer's directory, so the
    run directory itself stands for the article. A run from standard input is keyed by its
    input's hash, its location (acquire._sources.stdin_location)."""
    if location and location.startswith(STDIN_PREFIX):
        return location
    if location and (_URL_RE.match(location) or Path(location).is_absolute()):
        return article_key(location)
    return str(run_dir.resolve())
