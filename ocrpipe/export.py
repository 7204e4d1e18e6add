"""Write a run's outputs: result.json, clauses.md, text.txt (all atomically)."""

from __future__ import annotations

import json
from pathlib import Path

from ._io import atomic_write_json, atomic_write_text
from .errors import InputError
from .results import RunResult

RESULT = "result.json"


def clauses_markdown(result: RunResult) -> str:
    meta, v = result.article, result.verification
    out = [f"# {meta.title or 'ocrpipe result'}", ""]
    if meta.source or meta.date:
        out += [" · ".join(x for x in (meta.source, meta.date) if x), ""]
    out += [f"Verification: {v.summary()}"] + [f"- {line}" for line in v.problems()] + [""]
    section = None
    for c in result.clauses:
        if c.section and c.section != section:
            section = c.section
            out += [f"## {section}", ""]
        images = ", ".join(str(s.image) for s in c.sources)
        out += [f"### {c.number}. {c.title}", "", c.text or "_(no body text)_", "",
                f"<sub>label {c.label!r} · images {images} · confidence {c.confidence:.0f}</sub>", ""]
    failed = [im for im in result.images if im.status != "ok"]
    if failed:
        out += ["## Images that failed", ""] + [f"- image {im.index}: {im.error}" for im in failed] + [""]
    return "\n".join(out)


def write_outputs(result: RunResult, out_dir: Path) -> None:
    out_dir = Path(out_dir)
    atomic_write_json(out_dir / RESULT, result.to_dict())
    atomic_write_text(out_dir / "clauses.md", clauses_markdown(result))
    atomic_write_text(out_dir / "text.txt", result.text + "\n")


def read_result(path: Path) -> RunResult:
    """Read result.json (or a directory holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / RESULT
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file", "give the output directory of `ocrpipe run`") from exc
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read a result: {exc}") from exc
    if not isinstance(data, dict) or "images" not in data:
        raise InputError(f"{path}: not an ocrpipe result.json")
    return RunResult.from_dict(data)
