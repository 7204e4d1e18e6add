"""Corrections a person made in the review page, and the results rebuilt from them.

`DIR/corrections.json` holds each correction with what it replaced, where, and
when::

    {"version": 1, "corrections": [
      {"kind": "line", "image": 3, "line": 5, "original": "4推进…", "text": "4.推进…", "at": "…"},
      {"kind": "clause", "image": 3, "line": 5, "original_number": 4, "original_title": "…",
       "number": 4, "title": "…", "at": "…"}]}

The results are always rebuilt from what the engine read (a corrected line keeps
it in `original`) plus the corrections: clauses are extracted again and verified
again. A correction whose line now reads differently (a re-run of `ocrpipe run`
changed it) is not applied and is reported as stale.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ocrpipe._io import LocalReadError, atomic_write_json, read_regular_file
from ocrpipe.errors import InputError
from ocrpipe.output._export import read_result, write_outputs
from ocrpipe.output._results import ClauseResult, ImageResult, RunResult
from ocrpipe.structure._clauses import extract_clauses, verify

log = logging.getLogger(__name__)

CORRECTIONS = "corrections.json"
MAX_CORRECTIONS = 10_000
MAX_TEXT = 2_000
MAX_CORRECTIONS_BYTES = 64 * 1024 * 1024
_lock = threading.Lock()  # one rebuild at a time per process (the review server is threaded)


@dataclass(frozen=True)
class Applied:
    result: RunResult
    applied: int
    stale: tuple[dict, ...]


def load(out_dir: Path) -> list[dict[str, Any]]:
    """The corrections saved in out_dir ([] when there are none); InputError when the file is damaged."""
    path = Path(out_dir) / CORRECTIONS
    try:
        if not path.exists() and not path.is_symlink():
            return []
        data = json.loads(read_regular_file(path, MAX_CORRECTIONS_BYTES))
    except (LocalReadError, ValueError, RecursionError) as exc:
        raise InputError(
            f"{path}: cannot read corrections: {str(exc)[:200]}",
            "fix or remove the file; it is only written by the review page",
        ) from exc
    items = data.get("corrections") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) > MAX_CORRECTIONS:
        raise InputError(f"{path}: not an ocrpipe corrections file")
    return [_checked(c, path) for c in items]


def _checked(c: Any, path: Path) -> dict[str, Any]:
    ok = (
        isinstance(c, dict)
        and c.get("kind") in ("line", "clause")
        and isinstance(c.get("image"), int)
        and isinstance(c.get("line"), int)
    )
    if ok and c["kind"] == "line":
        ok = isinstance(c.get("text"), str) and isinstance(c.get("original"), str) and len(c["text"]) <= MAX_TEXT
    if ok and c["kind"] == "clause":
        ok = (c.get("number") is None or (isinstance(c["number"], int) and 0 < c["number"] <= 100_000)) and (
            c.get("title") is None or (isinstance(c["title"], str) and len(c["title"]) <= MAX_TEXT)
        )
    if not ok:
        raise InputError(f"{path}: a correction is damaged: {json.dumps(c, ensure_ascii=False)[:200]}")
    return c


def _recognised(result: RunResult) -> list[ImageResult]:
    """The images as the engine read them: corrections taken out."""
    return [
        replace(
            im, lines=tuple(replace(ln, text=ln.original, original=None) if ln.original is not None else ln for ln in im.lines)
        )
        for im in result.images
    ]


def apply(result: RunResult, corrections: list[dict[str, Any]]) -> Applied:
    """Rebuild clauses and verification from the recognised lines plus the corrections."""
    images = _recognised(result)
    by_index = {im.index: k for k, im in enumerate(images)}
    stale: list[dict] = []
    applied = 0
    latest = _latest(corrections)
    for c in (c for c in latest if c["kind"] == "line"):
        k = by_index.get(c["image"])
        lines = list(images[k].lines) if k is not None else []
        if k is None or not (0 <= c["line"] < len(lines)) or lines[c["line"]].text != c["original"]:
            stale.append(c)
            continue
        ln = lines[c["line"]]
        lines[c["line"]] = replace(ln, text=c["text"], original=ln.text)
        images[k] = replace(images[k], lines=tuple(lines))
        applied += 1
    expected = result.verification.expected
    clauses, _ = extract_clauses(images, expected)
    clauses, n, clause_stale = _apply_clause_edits(clauses, [c for c in latest if c["kind"] == "clause"])
    applied += n
    stale += clause_stale
    verification = verify([c.number for c in clauses], expected)
    provenance = {**result.provenance, "corrections": {"applied": applied, "stale": len(stale)}}
    out = replace(result, images=tuple(images), clauses=tuple(clauses), verification=verification, provenance=provenance)
    return Applied(out, applied, tuple(stale))


def _latest(corrections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last correction of each target wins (a line corrected twice)."""
    out: dict[tuple, dict] = {}
    for c in corrections:
        out[(c["kind"], c["image"], c["line"])] = c
    return list(out.values())


def _apply_clause_edits(clauses: list[ClauseResult], edits: list[dict]) -> tuple[list[ClauseResult], int, list[dict]]:
    by_start = {c.start: k for k, c in enumerate(clauses) if c.start is not None}
    stale, n = [], 0
    for e in edits:
        k = by_start.get((e["image"], e["line"]))
        if k is None:
            stale.append(e)
            continue
        c = clauses[k]
        fields = []
        if e.get("number") is not None:
            c = replace(c, number=e["number"])
            fields.append("number")
        if e.get("title") is not None:
            c = replace(c, title=e["title"])
            fields.append("title")
        clauses[k] = replace(c, corrected=tuple(fields))
        n += 1
    return clauses, n, stale


def save(out_dir: Path, corrections: list[dict[str, Any]]) -> None:
    atomic_write_json(Path(out_dir) / CORRECTIONS, {"version": 1, "corrections": corrections})


def rebuild(out_dir: Path) -> Applied:
    """Apply DIR/corrections.json to DIR/result.json and write result.json, clauses.md, text.txt."""
    with _lock:
        result = read_result(out_dir)
        done = apply(result, load(out_dir))
        write_outputs(done.result, out_dir)
        return done


def add(out_dir: Path, correction: dict[str, Any]) -> Applied:
    """Record one correction (with its time) and rebuild; serialised, so none is lost."""
    with _lock:
        result = read_result(out_dir)
        correction = _checked(
            {**correction, "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}, Path(out_dir) / CORRECTIONS
        )
        corrections = [*load(out_dir), correction]
        done = apply(result, corrections)
        if correction in done.stale:
            raise InputError("that line or clause is not there any more; reload the page")
        save(out_dir, corrections)
        write_outputs(done.result, out_dir)
        return done
