"""Review pages for the stored articles and their index, failed verifications first."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from pathlib import Path

from ocrpipe.acquire._cache import DownloadCache
from ocrpipe.corpus._export import status_of
from ocrpipe.corpus._store import Store
from ocrpipe.errors import OcrpipeError, OutputError

log = logging.getLogger(__name__)


def review_pages(store: Store, out_dir: Path, cache_dir: Path) -> Path:
    """A review page per stored article and an index, failed first.

    Images come from the download cache alone, by the sha256 the store holds: a URL or
    path in a stored (or imported) result is never read. One article that cannot be
    written is listed with its error; the others and the index go on.
    """
    from ocrpipe._io import atomic_write_text
    from ocrpipe.review._page import index_page

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
    meta = {
        r["key"]: r
        for r in store.db.execute("SELECT key, title, date, verification, error, duplicate_of FROM articles").fetchall()
    }
    entries = []
    for key, state, _verified, link in rows:
        m = meta.get(key)
        v = json.loads(m["verification"] or "{}") if m else {}
        if state in ("failed", "duplicate", "unreviewable"):
            verdict = {"failed": "fetch failed", "duplicate": "duplicate", "unreviewable": "no review page"}[state]
            detail = (m["error"] or "") if m and state == "failed" else ""
        else:
            verdict = status_of(v)
            found = len(v.get("found", []))
            detail = f"{found} clauses" + (f" of {v['expected']}" if v.get("expected") is not None else "")
            if v.get("missing"):
                detail += ", missing " + ", ".join(map(str, v["missing"]))
        entries.append(
            {
                "title": m["title"] if m else None,
                "date": m["date"] if m else None,
                "key": key,
                "link": link,
                "verdict": verdict,
                "detail": detail[:200],
            }
        )
    page = index_page(entries)
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
