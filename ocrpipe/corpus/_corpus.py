"""Build a text corpus from many articles: add (resumable, deduplicated), import, search, export.

Each article goes through `pipeline.run_article`, exactly as `ocrpipe run`, and is
written to the store in one transaction. Images whose bytes the store has already
recognised with the same settings are not recognised again.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

from ocrpipe._io import LocalReadError, read_regular_file
from ocrpipe._version import __version__
from ocrpipe.acquire._cache import DownloadCache, sha256_hex
from ocrpipe.acquire._fetch import FetchResult
from ocrpipe.acquire._http import is_local
from ocrpipe.acquire._imageio import IMAGE_SUFFIXES
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
ARTICLE_SUFFIXES = (".md", ".markdown", ".html", ".htm")
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
                summary.errors.append((spec, str(exc)))
                log.warning("%s: %s", spec, exc)
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
            log.warning("%s: image %d names %r, outside its images/ folder: not read", d, im.index, im.file)
            continue
        try:
            data = read_regular_file(path, MAX_IMAGE_BYTES)
        except LocalReadError as exc:
            log.warning("%s: image %d: %s", d, im.index, exc)
            continue
        if sha256_hex(data) == sha:
            cache.put_object(data)
        else:
            log.warning("%s: image %d does not match the sha256 in its manifest: not kept", d, im.index)


def import_runs(dirs: list[Path], store: Store, cache_dir: Path | None = None) -> AddSummary:
    """Add finished `ocrpipe run` directories without recognising again (their images go to the cache)."""
    summary = AddSummary()
    cache = DownloadCache(cache_dir or default_cache_dir())
    for d in dirs:
        result = read_result(d)
        try:
            manifest = json.loads(read_regular_file(Path(d) / "manifest.json", MAX_MANIFEST_BYTES))
        except (LocalReadError, ValueError, RecursionError) as exc:
            raise InputError(f"{d}: no readable manifest.json beside result.json ({exc})") from None
        by_index = _manifest_shas(manifest, Path(d))
        shas = [by_index.get(im.index) for im in result.images]
        settings_src = result.provenance.get("settings") or {}
        engine = str(result.provenance.get("engine", "unknown"))
        settings = settings_key({"imported": settings_src, "versions": versions_of(result.provenance)}, engine)
        key = _import_key(result.article.location, Path(d))
        state = store.put_result(key, result, settings, str(result.provenance.get("ocrpipe", "")), shas)
        _import_images(Path(d), result, shas, cache)
        setattr(summary, state, getattr(summary, state) + 1)
    return summary


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
    run directory itself stands for the article."""
    if location and (_URL_RE.match(location) or Path(location).is_absolute()):
        return article_key(location)
    return str(run_dir.resolve())


# --------------------------------------------------------------------------- search


@dataclass(frozen=True)
class Hit:
    kind: str  # "clause" or "image"
    title: str | None
    date: str | None
    key: str
    number: int | None
    snippet: str
    score: float


MARK = ("[", "]")
MAX_LIMIT = 10_000


def search(store: Store, query: str, limit: int = 20) -> tuple[list[Hit], bool]:
    """Clauses and image text matching query, best first; (hits, used the LIKE fallback)."""
    q = query.strip()
    if not q:
        raise InputError("the search query is empty")
    try:
        q.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "the search query is not valid UTF-8 text (undecodable bytes)", "type the query in a UTF-8 terminal"
        ) from None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"--limit must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}")
    if len(q) >= 3:
        phrase = '"' + q.replace('"', '""') + '"'  # one phrase: trigram matches any substring
        rows = store.db.execute(
            "SELECT a.title, a.date, a.key, c.number, snippet(clause_fts, -1, ?, ?, '…', 12) AS snip, "
            "bm25(clause_fts) AS score FROM clause_fts JOIN clauses c ON c.id = clause_fts.rowid "
            "JOIN articles a ON a.id = c.article_id WHERE clause_fts MATCH ? ORDER BY score LIMIT ?",
            (*MARK, phrase, limit),
        ).fetchall()
        hits = [Hit("clause", r["title"], r["date"], r["key"], r["number"], _flat(r["snip"]), r["score"]) for r in rows]
        rows = store.db.execute(
            "SELECT a.title, a.date, a.key, m.snip, min(m.score) AS score FROM "
            "(SELECT sha256, settings, snippet(image_fts, 2, ?, ?, '…', 12) AS snip, bm25(image_fts) AS score "
            " FROM image_fts WHERE image_fts MATCH ? ORDER BY score LIMIT ?) m "
            "JOIN article_images ai ON ai.sha256 = m.sha256 "
            "JOIN articles a ON a.id = ai.article_id AND a.settings = m.settings AND a.state = 'done' "
            "GROUP BY a.id ORDER BY score LIMIT ?",
            (*MARK, phrase, limit, limit),
        ).fetchall()
        hits += [Hit("image", r["title"], r["date"], r["key"], None, _flat(r["snip"]), r["score"]) for r in rows]
        hits.sort(key=lambda h: (h.score, h.kind != "clause"))
        return hits[:limit], False
    # 1-2 characters: below the trigram; a plain scan (slower on a big store, and said so)
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = store.db.execute(
        "SELECT a.title, a.date, a.key, c.number, c.title AS ct, c.body FROM clauses c "
        "JOIN articles a ON a.id = c.article_id WHERE c.title LIKE ? ESCAPE '\\' OR c.body LIKE ? ESCAPE '\\' "
        "ORDER BY a.key, c.ordinal LIMIT ?",
        (like, like, limit),
    ).fetchall()
    hits = [
        Hit("clause", r["title"], r["date"], r["key"], r["number"], _mark(r["ct"] + "：" + r["body"], q), 0.0) for r in rows
    ]
    return hits, True


def _flat(text: str) -> str:
    return " ".join(text.split("\n"))


def _mark(text: str, q: str, width: int = 14) -> str:
    i = text.find(q)
    if i < 0:
        return text[: 2 * width]
    a, b = max(0, i - width), min(len(text), i + len(q) + width)
    return ("…" if a else "") + text[a:i] + MARK[0] + q + MARK[1] + text[i + len(q) : b] + ("…" if b < len(text) else "")


# --------------------------------------------------------------------------- export

LEVELS = ("clause", "image", "article")
FORMATS = ("jsonl", "csv", "txt")


def _records(store: Store, level: str) -> Iterator[dict[str, Any]]:
    """Stream records one at a time: memory stays flat whatever the corpus size."""
    db = store.db
    if level == "clause":
        cur = db.execute(
            "SELECT c.uid, c.number, c.label, c.title, c.body, c.section, c.images, c.confidence, a.key, a.title AS "
            "atitle, a.date, a.location, a.source, a.promised, a.verification, a.provenance, a.settings "
            "FROM clauses c JOIN articles a ON a.id = c.article_id ORDER BY a.key, c.ordinal"
        )
        for r in cur:
            prov = json.loads(r["provenance"] or "{}")
            v = json.loads(r["verification"] or "{}")
            yield {
                "id": r["uid"],
                "number": r["number"],
                "label": r["label"],
                "title": r["title"],
                "text": r["body"],
                "section": r["section"],
                "images": json.loads(r["images"]),
                "confidence": r["confidence"],
                "article": {
                    "key": r["key"],
                    "title": r["atitle"],
                    "date": r["date"],
                    "location": r["location"],
                    "source": r["source"],
                    "promised_count": r["promised"],
                },
                "verification": {
                    "ok": bool(v.get("ok")),
                    "expected": v.get("expected"),
                    "found": len(v.get("found", [])),
                    "missing": v.get("missing", []),
                },
                "provenance": _provenance(prov, r["settings"]),
            }
    elif level == "image":
        cur = db.execute(
            "SELECT a.key, a.title, ai.position, ai.sha256, ai.url, ai.status, ai.error, i.text, i.width, i.height "
            "FROM article_images ai JOIN articles a ON a.id = ai.article_id "
            "LEFT JOIN images i ON i.sha256 = ai.sha256 AND i.settings = a.settings ORDER BY a.key, ai.position"
        )
        for r in cur:
            yield {
                "article": r["key"],
                "title": r["title"],
                "position": r["position"],
                "sha256": r["sha256"],
                "url": r["url"],
                "status": r["status"],
                "error": r["error"],
                "width": r["width"],
                "height": r["height"],
                "text": r["text"] or "",
            }
    else:
        cur = db.execute(
            "SELECT key, title, date, location, state, error, promised, verification, duplicate_of, "
            "(SELECT key FROM articles b WHERE b.id = articles.duplicate_of) AS dup_key "
            "FROM articles ORDER BY key"
        )
        for r in cur:
            v = json.loads(r["verification"] or "{}")
            yield {
                "key": r["key"],
                "title": r["title"],
                "date": r["date"],
                "location": r["location"],
                "state": r["state"],
                "error": r["error"],
                "promised_count": r["promised"],
                "verification_ok": bool(v.get("ok")) if v else None,
                "missing": v.get("missing", []),
                "duplicate_of": r["dup_key"],
            }


def _provenance(prov: dict, settings: str | None) -> dict[str, Any]:
    det = prov.get("detection") or {}
    return {
        "ocrpipe": prov.get("ocrpipe"),
        "engine": prov.get("engine"),
        "version": prov.get("version"),
        "language_data_sha256": prov.get("language_data_sha256"),
        "detector_sha256": det.get("detector_sha256"),
        "settings_key": settings,
        "settings": prov.get("recognition"),
    }


def export(store: Store, out: TextIO, fmt: str = "jsonl", level: str = "clause") -> int:
    """Write every record of the level to out; returns how many."""
    if fmt not in FORMATS or level not in LEVELS:
        raise InputError(f"format must be one of {', '.join(FORMATS)} and level one of {', '.join(LEVELS)}")
    n = 0
    writer = None
    for rec in _records(store, level):
        if fmt == "jsonl":
            out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
        elif fmt == "csv":
            flat = {
                k: (json.dumps(v, ensure_ascii=False, sort_keys=True) if isinstance(v, (dict, list)) else v)
                for k, v in rec.items()
            }
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(flat))
                writer.writeheader()
            writer.writerow(flat)
        else:
            out.write(_as_text(rec, level) + "\n")
        n += 1
    return n


def _as_text(rec: dict[str, Any], level: str) -> str:
    if level == "clause":
        return f"{rec['article']['title'] or rec['article']['key']}\t{rec['number']}. {rec['title']}\t{rec['text']}"
    if level == "image":
        return f"{rec['article']}#{rec['position']}\t" + (rec["text"] or "").replace("\n", " ")
    return f"{rec['key']}\t{rec['state']}\t{rec['title'] or ''}"


def export_to_path(store: Store, path: Path, fmt: str, level: str) -> int:
    """Export atomically: the file appears whole or not at all."""
    from ocrpipe._io import atomic_replace_from

    with atomic_replace_from(path) as fh:
        wrapper = io.TextIOWrapper(fh, encoding="utf-8", newline="")
        n = export(store, wrapper, fmt, level)
        wrapper.flush()
        wrapper.detach()
    return n


# --------------------------------------------------------------------------- review


def review_pages(store: Store, out_dir: Path, cache_dir: Path) -> Path:
    """A review page per stored article and an index, failed first.

    Images come from the download cache alone, by the sha256 the store holds: a URL or
    path in a stored (or imported) result is never read. One article that cannot be
    written is listed with its error; the others and the index go on.
    """
    import html

    from ocrpipe._io import atomic_write_text

    cache = DownloadCache(cache_dir)
    out_dir = Path(out_dir)
    rows: list[tuple[str, str, bool | None, str | None]] = []
    for key, state, verified in store.article_keys():
        if state == "failed":
            rows.append((key, state, verified, None))
            continue
        try:
            link = _review_article(store, key, out_dir, cache)
        except OutputError:
            raise  # the output folder itself: every article would fail the same way
        except OcrpipeError as exc:
            log.warning("%s: no review page: %s", key, exc)
            rows.append((key, "unreviewable", verified, None))
            continue
        if link is not None:
            rows.append((key, state, verified, link))
    items = []
    for key, state, verified, link in rows:
        label = {"failed": "fetch failed", "duplicate": "duplicate", "unreviewable": "no review page"}.get(state) or (
            "verification ok" if verified else "verification FAILED"
        )
        cls = "bad" if state in ("failed", "unreviewable") or verified is False else "ok"
        name = html.escape(key)
        items.append(
            f'<li class="{cls}"><span>{label}</span> '
            + (f'<a href="{html.escape(link)}">{name}</a>' if link else name)
            + "</li>"
        )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>ocrpipe corpus review</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><link rel='icon' href='data:,'>"
        "<style>body{font-family:system-ui,sans-serif;margin:1rem}li{margin:.3rem 0}li span{display:inline-block;"
        "width:11rem;font-weight:600}.bad span{color:#c62828}.ok span{color:#1a7f37}</style></head><body>"
        f"<h1>ocrpipe corpus: {len(rows)} articles</h1><ol>{''.join(items)}</ol></body></html>"
    )
    index = out_dir / "index.html"
    atomic_write_text(index, page)
    return index


def _review_article(store: Store, key: str, out_dir: Path, cache: DownloadCache) -> str | None:
    """Write one article's review folder; its link from the index (None when it is not stored whole)."""
    from ocrpipe._io import atomic_write_bytes
    from ocrpipe.acquire._imageio import probe_image
    from ocrpipe.errors import ImageError
    from ocrpipe.output._export import write_outputs
    from ocrpipe.review._page import write_page

    stored = store.stored_result(key)
    if stored is None:
        return None
    result, shas = stored
    slug = article_slug(key)
    folder = out_dir / slug
    images = []
    for im, sha in zip(result.images, shas):
        data = cache.get_object(sha) if sha and im.status == "ok" else None
        ext = None
        if data is not None:
            try:
                ext = probe_image(data).extension
            except ImageError:
                ext = None
        if ext is not None and data is not None:
            rel = f"images/{im.index:03d}.{ext}"
            atomic_write_bytes(folder / rel, data)
            im = replace(im, file=rel)
        elif im.status == "ok":
            im = replace(im, file=None, status="failed", error="the image bytes are not in the download cache")
        images.append(im)
    write_outputs(replace(result, images=tuple(images)), folder)
    write_page(folder)
    return f"{slug}/review.html"


def article_slug(key: str) -> str:
    """A folder name for an article: the end of its key, readable, and a hash for uniqueness."""
    import hashlib

    tail = re.sub(r"[^A-Za-z0-9]+", "-", key.rsplit("/", 1)[-1])[:40].strip("-") or "article"
    return f"{tail}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
