"""The review page: each poster beside its lines and clauses; corrections when served.

`write_page(DIR)` writes DIR/review.html: one self-contained file (inline CSS and
plain JavaScript, the run's data as JSON, images by relative path) that opens
from disk with no network. Line boxes are SVG in the image's own pixel
coordinates, laid over the image, so they stay aligned at any zoom.

The page's HTML, CSS and JavaScript are package files (review/assets/), read
with importlib.resources and inlined, so the written page needs nothing else.
The editable, served variant lives in review._server.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from ocrpipe._io import atomic_write_text
from ocrpipe.output._export import read_result
from ocrpipe.output._results import RunResult

PAGE = "review.html"
LOW_CONFIDENCE = 60.0  # lines read with less confidence stand out


def page_data(result: RunResult, stale: int = 0) -> dict[str, Any]:
    """What the page shows, as plain JSON."""
    v = result.verification
    dup = set(v.duplicates) | set(v.out_of_order) | set(v.extra)
    return {
        "title": result.article.title,
        "date": result.article.date,
        "source": result.article.source,
        "verification": {
            "ok": v.ok,
            "status": v.status,
            "expected": v.expected,
            "found": len(v.found),
            "missing": list(v.missing),
            "extra": list(v.extra),
            "duplicates": list(v.duplicates),
            "out_of_order": list(v.out_of_order),
        },
        "clauses": [
            {
                "number": c.number,
                "label": c.label,
                "title": c.title,
                "sections": list(c.sections or ((c.section,) if c.section else ())),
                "start": list(c.start or ()),
                "images": [s.image for s in c.sources],
                "flag": c.number in dup,
                "corrected": list(c.corrected),
            }
            for c in result.clauses
        ],
        "images": [
            {
                "index": im.index,
                "file": im.file,
                "width": im.width,
                "height": im.height,
                "status": im.status,
                "error": im.error,
                "lines": [
                    {
                        "text": ln.text,
                        "conf": round(ln.confidence, 1),
                        "bbox": list(ln.bbox),
                        "polygon": [list(p) for p in ln.polygon],
                        "kind": ln.kind,
                        "role": ln.role,
                        "region": ln.region,
                        "corrected": ln.original is not None,
                        "original": ln.original,
                        # consensus: where the readers disagreed (review targets), and what each read
                        "flags": [[f.start, f.end, round(f.confidence, 1)] for f in ln.flags if ln.original is None],
                        "readers": [[r.reader, r.text] for r in ln.readers],
                    }
                    for ln in im.lines
                ],
            }
            for im in result.images
        ],
        "low": LOW_CONFIDENCE,
        "stale": stale,
    }


# Inside <script>, the HTML parser looks for "</script", and after "<!--" for "<script" too (its
# script-data escape states): one of those in a title, a line or a correction would end the data
# early or swallow the page's own script. With every <, > and & written as a JSON \u escape, the
# embedded data holds no markup character at all, whatever it says; JSON.parse reads it back
# unchanged. U+2028/2029 are escaped as well, for JavaScript parsers older than ES2019.
_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}
_SLOT = re.compile(r"\{\{(TITLE|DATA)\}\}")


def script_json(obj: Any) -> str:
    """JSON that is safe inside an HTML <script> element, in any parser state."""
    return json.dumps(obj, ensure_ascii=False).translate(_SCRIPT_SAFE)


def render(result: RunResult, stale: int = 0) -> str:
    slots = {
        "DATA": script_json(page_data(result, stale)),
        "TITLE": html.escape(result.article.title or "ocrpipe review").replace("\x00", "\ufffd"),
    }
    # one pass: a title that reads "{{DATA}}" stays text
    return _SLOT.sub(lambda m: slots[m.group(1)], _template())


def write_page(out_dir: Path) -> Path:
    """Write DIR/review.html for a finished run (corrections applied)."""
    out_dir = Path(out_dir)
    result = read_result(out_dir)
    path = out_dir / PAGE
    atomic_write_text(path, render(result))
    return path


VERDICT_CLASS = {
    "ok": "ok",
    "failed": "bad",
    "not applicable": "na",
    "fetch failed": "bad",
    "no review page": "bad",
    "duplicate": "na",
}


def index_page(rows: list[dict[str, Any]]) -> str:
    """The corpus's index: one row per article (title, date, verdict, where it came from), in the
    article pages' style. A row: title, date, key, link (None: no page), verdict (a key of
    VERDICT_CLASS), detail."""
    esc = html.escape
    items = []
    for r in rows:
        verdict = r["verdict"]
        shown = "FAILED" if verdict == "failed" else verdict  # as the CLI and the article page say it
        label = verdict if verdict in ("fetch failed", "duplicate", "no review page") else f"verification {shown}"
        name = esc(r.get("title") or r["key"])
        title = f'<a href="{esc(r["link"])}">{name}</a>' if r.get("link") else name
        detail = f'<span class="detail">{esc(r["detail"])}</span>' if r.get("detail") else ""
        items.append(
            f'<li class="{VERDICT_CLASS.get(verdict, "na")}"><span class="verdict {VERDICT_CLASS.get(verdict, "na")}">'
            f'{esc(label)}</span> <span class="title">{title}</span> <span class="date">{esc(r.get("date") or "–")}</span>'
            f' {detail}<div class="key">{esc(r["key"])}</div></li>'
        )
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    summary = " · ".join(f"{n} {v}" for v, n in counts.items())
    return (
        "<!doctype html>\n<html lang='zh-CN'><head><meta charset='utf-8'><title>ocrpipe corpus review</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><link rel='icon' href='data:,'>"
        f"<style>\n{_asset('review.css')}{_asset('index.css')}</style></head><body>"
        f"<header><h1>ocrpipe corpus: {len(rows)} articles</h1><div class='meta'>{esc(summary)}</div></header>"
        f"<main class='index'><ol class='articles'>{''.join(items)}</ol></main></body></html>\n"
    )


def _asset(name: str) -> str:
    return (files("ocrpipe.review") / "assets" / name).read_text("utf-8")


@cache
def _template() -> str:
    """review.html with review.css and review.js inlined: the page opens from disk, offline."""
    assets = files("ocrpipe.review") / "assets"
    text = lambda name: (assets / name).read_text("utf-8")
    return text("review.html").replace("{{STYLE}}", text("review.css")).replace("{{SCRIPT}}", text("review.js"))
