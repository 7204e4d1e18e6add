"""Write a run's outputs: result.json, clauses.md, text.txt (all atomically)."""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

from ocrpipe._io import LocalReadError, atomic_write_json, atomic_write_text, read_regular_file
from ocrpipe.errors import InputError
from ocrpipe.output._results import RunResult

RESULT = "result.json"


def clauses_markdown(result: RunResult) -> str:
    meta, v = result.article, result.verification
    out = [f"# {meta.title or 'ocrpipe result'}", ""]
    if meta.source or meta.date:
        out += [" · ".join(x for x in (meta.source, meta.date) if x), ""]
    out += [f"Verification: {v.summary()}"] + [f"- {line}" for line in v.problems()] + [""]
    open_sections: tuple[str, ...] = ()
    for c in result.clauses:
        # the section path, outermost first: "一、总体要求 › （一）依法保护"
        path = c.sections or ((c.section,) if c.section else ())
        if path and path != open_sections:
            out += [f"## {' › '.join(path)}", ""]
        open_sections = path
        images = ", ".join(str(s.image + 1) for s in c.sources)  # counted from 1, as people do
        out += [
            f"### {c.number}. {c.title}",
            "",
            c.text or "_(no body text)_",
            "",
            f"<sub>label {c.label!r} · images {images} · confidence {c.confidence:.0f}</sub>",
            "",
        ]
    failed = [im for im in result.images if im.status != "ok"]
    if failed:
        out += (
            ["## Images that failed", ""]
            + [f"- image {im.index + 1} ({im.file or im.url}): {im.error}" for im in failed]
            + [""]
        )
    return "\n".join(out)


def write_outputs(result: RunResult, out_dir: Path) -> None:
    out_dir = Path(out_dir)
    atomic_write_json(out_dir / RESULT, result.to_dict())
    atomic_write_text(out_dir / "clauses.md", clauses_markdown(result))
    atomic_write_text(out_dir / "text.txt", result.text + "\n")


MAX_RESULT_BYTES = 256 * 1024 * 1024


def _schema_file() -> Any:
    """result.schema.json where this ocrpipe is installed (a path a wheel's user can open)."""
    return resources.files("ocrpipe.output").joinpath("schema/result.schema.json")


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(_schema_file().read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


def validate_result(data: object, where: str) -> None:
    """Raise InputError naming the first place where data breaks result.schema.json."""
    error = next(iter(sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        at = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise InputError(
            f"{where}: not a valid ocrpipe result at {at}: {error.message[:200]}",
            f"re-create it with `ocrpipe run`; the schema: {_schema_file()}",
        )


def read_result(path: Path) -> RunResult:
    """Read result.json (or a directory holding it), validated against the schema."""
    path = Path(path)
    if path.is_dir():
        path = path / RESULT
    try:
        data = json.loads(read_regular_file(path, MAX_RESULT_BYTES))
    except LocalReadError as exc:
        raise InputError(f"{exc}; not a result ocrpipe wrote", "give the output directory of `ocrpipe run`") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(
            f"{path}: not a result ocrpipe wrote (not valid JSON: {str(exc)[:200] or type(exc).__name__})",
            "give the output directory of `ocrpipe run`; run it again to write a new result.json",
        ) from exc
    validate_result(data, str(path))
    _check_same_run(path.parent, data)
    try:
        return RunResult.from_dict(data)
    except ValueError as exc:  # the schema let it through, the types did not
        raise InputError(f"{path}: not a valid ocrpipe result: {exc}") from exc


def _check_same_run(folder: Path, data: dict) -> None:
    """A manifest.json beside the result must come from the same run."""
    try:
        manifest = json.loads(read_regular_file(folder / "manifest.json", MAX_RESULT_BYTES))
    except (LocalReadError, ValueError, RecursionError):
        return
    mine, theirs = data.get("run_id"), manifest.get("run_id") if isinstance(manifest, dict) else None
    if mine and theirs and mine != theirs:
        raise InputError(
            f"{folder}: manifest.json and result.json come from different runs", "run `ocrpipe run` again into this directory"
        )
