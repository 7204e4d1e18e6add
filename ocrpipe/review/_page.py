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
    dup = set(v.duplicates) | set(v.out_of_order)
    return {
        "title": result.article.title,
        "date": result.article.date,
        "source": result.article.source,
        "verification": {
            "ok": v.ok,
            "expected": v.expected,
            "found": len(v.found),
            "missing": list(v.missing),
            "duplicates": list(v.duplicates),
            "out_of_order": list(v.out_of_order),
        },
        "clauses": [
            {
                "number": c.number,
                "label": c.label,
                "title": c.title,
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
                        "kind": ln.kind,
                        "corrected": ln.original is not None,
                        "original": ln.original,
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


@cache
def _template() -> str:
    """review.html with review.css and review.js inlined: the page opens from disk, offline."""
    assets = files("ocrpipe.review") / "assets"
    text = lambda name: (assets / name).read_text("utf-8")
    return text("review.html").replace("{{STYLE}}", text("review.css")).replace("{{SCRIPT}}", text("review.js"))
