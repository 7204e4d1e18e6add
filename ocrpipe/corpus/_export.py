"""The corpus written out, streamed: JSON lines, CSV or text, one record per clause, image or article."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from ocrpipe.corpus._store import Store
from ocrpipe.errors import InputError

LEVELS = ("clause", "image", "article")
FORMATS = ("jsonl", "csv", "txt")


def _records(store: Store, level: str) -> Iterator[dict[str, Any]]:
    """Stream records one at a time: memory stays flat whatever the corpus size."""
    db = store.db
    if level == "clause":
        cur = db.execute(
            "SELECT c.uid, c.number, c.label, c.title, c.body, c.section, c.sections, c.images, c.confidence, "
            "a.key, a.title AS atitle, a.date, a.location, a.source, a.promised, a.verification, a.provenance, a.settings "
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
                "sections": _sections(r["sections"], r["section"]),
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
                    "status": status_of(v),
                    "ok": bool(v.get("ok")),
                    "expected": v.get("expected"),
                    "found": len(v.get("found", [])),
                    "missing": v.get("missing", []),
                    "extra": v.get("extra", []),  # stores written before it read as empty
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
                "verification": status_of(v) if v else None,
                "verification_ok": bool(v.get("ok")) if v else None,
                "missing": v.get("missing", []),
                "extra": v.get("extra", []),
                "duplicate_of": r["dup_key"],
            }


def status_of(v: dict) -> str:
    """ok, failed or not applicable (no count promised); stored rows may predate the field."""
    if v.get("expected") is None:
        return "not applicable"
    return "ok" if v.get("ok") else "failed"


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
            flat = flatten(rec)
            if writer is None:
                # the first record's columns; every record of a level has the same fields
                writer = csv.DictWriter(out, fieldnames=list(flat), restval="", extrasaction="ignore")
                writer.writeheader()
            writer.writerow(flat)
        else:
            out.write(_as_text(rec, level) + "\n")
        n += 1
    return n


SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".txt": "txt", ".tsv": "txt"}


def format_for(path: Path) -> str:
    """The export format a file name asks for: .jsonl/.ndjson, .csv, .txt/.tsv; JSONL for '-' and a
    name without a suffix; an unknown suffix is an InputError (x.xlsx must not get JSONL)."""
    if str(path) == "-" or not Path(path).suffix:
        return "jsonl"
    fmt = SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: cannot tell the export format from the suffix {Path(path).suffix or '(none)'!r}",
            "name the file .jsonl, .csv or .txt, or set format to jsonl, csv or txt",
            option="format",
        )
    return fmt


def _sections(stored: str | None, section: str | None) -> list[str]:
    """The clause's section path, outermost first; a row stored before paths were kept gives its one section."""
    if stored:
        return [str(x) for x in json.loads(stored)]
    return [section] if section else []


def flatten(rec: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """One column per field for CSV: nested objects become dotted names (article.title), lists of
    plain values are joined with spaces; deeper structures (the settings) stay JSON in one cell."""
    out: dict[str, Any] = {}
    for k, v in rec.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and not prefix:
            out.update(flatten(v, name + "."))
        elif isinstance(v, list) and all(isinstance(x, (int, float, str)) and not isinstance(x, bool) for x in v):
            out[name] = " ".join(str(x) for x in v)
        elif isinstance(v, (dict, list)):
            out[name] = json.dumps(v, ensure_ascii=False, sort_keys=True)
        else:
            out[name] = v
    return out


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
