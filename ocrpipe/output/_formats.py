"""The standard outputs beside result.json: hOCR, ALTO and a searchable PDF.

    DIR/hocr/NNN.hocr    one per image (NNN: the image's number in the series)
    DIR/alto/NNN.xml     one per image
    DIR/article.pdf      one page per image

`write_formats` writes them into a run's (staging) directory; `convert` adds them to a
finished run directory, under the same lock `ocrpipe run` takes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ocrpipe._io import _umask, atomic_replace_from, atomic_write_bytes, atomic_write_text, exclusive_lock, release_lock
from ocrpipe.errors import InputError
from ocrpipe.output._alto import alto
from ocrpipe.output._hocr import hocr
from ocrpipe.output._outdir import LOCK
from ocrpipe.output._results import RunResult

FORMATS = ("hocr", "alto", "pdf")
# what each format puts into a run directory (removed with the previous run's results)
FORMAT_PATHS = {"hocr": "hocr", "alto": "alto", "pdf": "article.pdf"}


def parse_formats(spec: str) -> tuple[str, ...]:
    """ "hocr,alto,pdf" -> ("hocr", "alto", "pdf"); an unknown name is an InputError."""
    names = tuple(dict.fromkeys(s.strip().lower() for s in spec.split(",") if s.strip()))
    bad = [n for n in names if n not in FORMATS]
    if bad or not names:
        raise InputError(f"unknown output format {bad[0] if bad else spec!r}", f"choose from {', '.join(FORMATS)}")
    return names


def _lang(result: RunResult) -> str | None:
    ocr = (result.provenance.get("settings") or {}).get("ocr") or {}
    lang = ocr.get("lang")
    return lang if isinstance(lang, str) else None


def write_formats(result: RunResult, run_dir: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write the formats asked for into run_dir (whose images/ the result names); returns what was written."""
    run_dir = Path(run_dir)
    written: list[Path] = []
    lang = _lang(result)
    ok = [im for im in result.images if im.status == "ok"]
    for fmt in formats:
        if fmt in ("hocr", "alto"):
            final = run_dir / FORMAT_PATHS[fmt]
            with _swapped_in(final) as folder:
                for im in ok:
                    # the image as the file inside hocr/ or alto/ reaches it
                    ref = os.path.relpath(run_dir / im.file, final) if im.file else None
                    if fmt == "hocr":
                        atomic_write_text(folder / f"{im.index:03d}.hocr", hocr(im, lang, ref))
                    else:
                        atomic_write_bytes(folder / f"{im.index:03d}.xml", alto(im, ref, lang))
            written.append(final)
        elif fmt == "pdf":
            from ocrpipe.output._pdf import write_pdf

            target = run_dir / FORMAT_PATHS["pdf"]
            with atomic_replace_from(target) as fh:
                write_pdf(result, run_dir, fh)
            written.append(target)
        else:
            raise InputError(f"unknown output format {fmt!r}", f"choose from {', '.join(FORMATS)}")
    return written


@contextmanager
def _swapped_in(final: Path) -> Iterator[Path]:
    """A new folder, filled by the caller, that replaces `final` whole at the end: files from an
    earlier conversion never linger, and a reader never sees a half-written folder."""
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}-"))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; give what a plain mkdir would
    try:
        yield tmp
        old = final.parent / f".{final.name}-old-{os.getpid()}"
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def convert(run_dir: Path, formats: tuple[str, ...]) -> list[Path]:
    """Add formats to a finished run directory (as `ocrpipe convert DIR --to ...`)."""
    from ocrpipe.output._export import read_result

    run_dir = Path(run_dir)
    if not (run_dir / "result.json").is_file():
        raise InputError(f"{run_dir}: no result.json here", "give the output directory of `ocrpipe run`")
    fd = exclusive_lock(run_dir / LOCK, f"another ocrpipe run is writing to {run_dir}", "wait for it to finish, then convert")
    try:
        result = read_result(run_dir)
        return write_formats(result, run_dir, formats)
    finally:
        release_lock(run_dir / LOCK, fd)
