"""The public Python API: read one image, process an article, keep a corpus.

    import ocrpipe
    page = ocrpipe.read("poster.png")                 # or bytes, a PIL image, a numpy array
    run = ocrpipe.process("article.md", out="out/a")  # fetch, recognise, find clauses, verify
    with ocrpipe.Corpus("articles.db") as corpus:
        corpus.add("list.txt")
        hits = corpus.search("营商环境")

Options are the fields of the configuration dataclasses (FetchConfig, PreprocessConfig,
OcrConfig) by name, plus `expect`, `debug_dir`, `dask` and `formats`: an unknown name is an
InputError that lists the known ones. Errors are ocrpipe.OcrpipeError subclasses.

Safe without an `if __name__ == "__main__":` guard: recognition in parallel starts its
worker processes only when a call needs them, and they never run the caller's script
(recognition/_executor.py). See docs/api.md.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import weakref
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any, Literal, TextIO

from ocrpipe.acquire._article import Article
from ocrpipe.acquire._sources import is_url
from ocrpipe.config import FetchConfig, OcrConfig, PreprocessConfig
from ocrpipe.corpus import _export, _ingest, _search
from ocrpipe.corpus._store import Store
from ocrpipe.errors import EngineError, ImageError, InputError
from ocrpipe.output._export import read_result
from ocrpipe.output._formats import FORMATS, write_formats
from ocrpipe.output._outdir import OutputDir
from ocrpipe.output._results import Box, ClauseResult, ImageResult, Point, RunResult, Verification
from ocrpipe.pipeline import RunConfig, run_article
from ocrpipe.recognition._executor import Job, recognize_all
from ocrpipe.recognition.engines import engine_info

__all__ = ["Corpus", "ImageText", "Line", "Run", "options", "process", "read"]

_RUN_OPTIONS = ("expect", "debug_dir", "dask", "formats")


def options() -> dict[str, Any]:
    """Every option `read`, `process` and `Corpus.add` accept, with its default."""
    out: dict[str, Any] = {}
    for cls in (FetchConfig, PreprocessConfig, OcrConfig):
        for f in fields(cls):
            out[f.name] = f.default_factory() if f.default is MISSING else f.default  # type: ignore[operator]
    out.update(expect=None, debug_dir=None, dask=None, formats=())
    return out


def _path(value: object, name: str) -> Path:
    """A path parameter of the API; an empty one (an unset variable?) is refused, never read as '.'."""
    if not isinstance(value, (str, os.PathLike)):
        raise InputError(f"{name} must be a path, got {type(value).__name__}", f"give {name} as a str or Path", option=name)
    text = os.fspath(value)
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{name} is an empty path (an unset variable?)", f"give {name} a file or folder name", option=name)
    return Path(text)


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_formats(value: Any) -> tuple[str, ...]:
    """`formats`: one format name, or a list of them (a single str was read letter by letter),
    each one ocrpipe writes."""
    if isinstance(value, str):
        value = (value,)  # one format, not its letters
    elif value is None:
        value = ()
    elif not isinstance(value, (list, tuple, set, frozenset)) or not all(isinstance(f, str) for f in value):
        raise InputError(
            f"formats must be a format name or a list of them, got {value!r}",
            f"choose from {', '.join(FORMATS)}",
            option="formats",
        )
    unknown = [f for f in value if f not in FORMATS]
    if unknown:
        raise InputError(f"unknown output format {unknown[0]!r}", f"choose from {', '.join(FORMATS)}", option="formats")
    return tuple(value)


def _check_option(name: str, value: Any, default: Any) -> Any:
    """An option's value of the right type (a bool is not a number here), or an InputError naming it."""
    if name == "formats":
        return _check_formats(value)
    if name in ("debug_dir", "tessdata", "cache_dir"):
        return None if value is None and name != "cache_dir" else _path(value, name)
    if name == "expect" or name == "det_side":
        if value is None or (_integer(value) and value >= 0):
            return value
        raise InputError(f"{name} must be a whole number 0 or more, got {value!r}", f"give {name} an int", option=name)
    if isinstance(default, bool):
        ok, what = isinstance(value, bool), "True or False"
    elif isinstance(default, int):
        ok, what = _integer(value), "a whole number (int)"
    elif isinstance(default, float):
        ok, what = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
    elif isinstance(default, str) or name in ("referer", "dask"):
        ok, what = isinstance(value, str) or (default is None and value is None), "a str"
    else:
        return value
    if not ok:
        raise InputError(f"{name} must be {what}, got {value!r}", f"give {name} as {what}", option=name)
    return value


def _run_config(opts: dict[str, Any], jobs: int | None = None) -> RunConfig:
    """Options by name into one RunConfig; an unknown name is an InputError naming the known ones."""
    defaults = options()
    groups: dict[type, dict[str, Any]] = {FetchConfig: {}, PreprocessConfig: {}, OcrConfig: {}}
    run: dict[str, Any] = {}
    known = {f.name: cls for cls in groups for f in fields(cls)}
    for name, value in opts.items():
        if name in defaults:
            value = _check_option(name, value, defaults[name])
        if name in _RUN_OPTIONS:
            run[name] = value
        elif name in known:
            groups[known[name]][name] = value
        else:
            raise InputError(f"unknown option {name!r}", "known options: " + ", ".join(sorted([*known, *_RUN_OPTIONS])))
    if jobs is not None:
        groups[OcrConfig].setdefault("jobs", jobs)
    ocr = OcrConfig(**groups[OcrConfig])
    groups[PreprocessConfig].setdefault("segment", engine_info(ocr.engine).default_segment)
    formats = tuple(run.pop("formats", ()) or ())  # checked by _check_option
    return RunConfig(
        fetch=FetchConfig(**groups[FetchConfig]),
        preprocess=PreprocessConfig(**groups[PreprocessConfig]),
        ocr=ocr,
        formats=formats,
        **run,
    )


# --------------------------------------------------------------------------- one image


@dataclass(frozen=True)
class Line:
    """One recognised line. `box` is (x, y, width, height) in the image's pixels; `polygon` its
    outline, clockwise from the top-left (the box's corners unless the line is rotated)."""

    text: str
    box: Box
    polygon: tuple[Point, ...]
    confidence: float  # 0..100, the engine's
    role: Literal["text", "badge"]  # badge: a clause number printed in a shape beside its heading
    block: int  # the text block (column, panel) it was read in


@dataclass(frozen=True)
class ImageText:
    """The text of one image, line by line in reading order."""

    lines: tuple[Line, ...]
    width: int | None
    height: int | None
    source: str | None = None  # the file or URL it came from
    error: str | None = None  # why it failed (only in Run.images: `read` raises instead)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    @classmethod
    def from_result(cls, im: ImageResult) -> "ImageText":
        lines = tuple(Line(ln.text, ln.bbox, ln.outline, ln.confidence, ln.kind, ln.block) for ln in im.lines if ln.text)
        return cls(lines, im.width, im.height, im.url or im.file, im.error if im.status != "ok" else None)


ImageInput = Any  # str | Path | bytes | PIL.Image.Image | numpy.ndarray


def _image_job(image: ImageInput) -> Job:
    if isinstance(image, str) and is_url(image):
        raise InputError(
            f"{image}: read takes an image file, not a URL",
            "download it first, or give the URL to ocrpipe.process (which fetches it)",
            option="image",
        )
    if isinstance(image, (str, os.PathLike)):
        path = _path(image, "image")
        if not path.exists():
            raise InputError(
                f"{path}: no such file", "check the path; an image may also be given as bytes, a PIL image or an array"
            )
        if not path.is_file():
            raise InputError(f"{path}: not a regular file", "give an image file (for a folder of posters use ocrpipe.process)")
        return Job(index=0, path=path, file=str(path))
    if isinstance(image, (bytes, bytearray, memoryview)):
        return Job(index=0, path=Path("<bytes>"), file=None, data=bytes(image))
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a dependency
        Image = None  # type: ignore[assignment]
    if Image is not None and isinstance(image, Image.Image):
        if 0 in image.size:
            raise InputError(
                f"a PIL image must not be empty; got size {image.size}", "give an image at least 1x1", option="image"
            )
        pil = image
    elif type(image).__module__ == "numpy" and hasattr(image, "shape"):
        import numpy as np

        arr = np.asarray(image)
        if arr.dtype != np.uint8 or arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (1, 3, 4)):
            raise InputError(
                f"a numpy image must be uint8 of shape (h, w), (h, w, 3) or (h, w, 4); got {arr.dtype} {arr.shape}",
                "channels are read as RGB(A); convert OpenCV's BGR first (cv2.cvtColor)",
            )
        if 0 in arr.shape[:2]:
            raise InputError(
                f"a numpy image must not be empty; got shape {arr.shape}", "give an image at least 1x1", option="image"
            )
        pil = Image.fromarray(arr[:, :, 0] if arr.ndim == 3 and arr.shape[2] == 1 else arr)
    else:
        raise InputError(
            f"cannot read an image from a {type(image).__name__}", "give a path, bytes, a PIL image or a numpy array"
        )
    buf = io.BytesIO()
    pil.save(buf, format="PNG")  # lossless: what the caller holds is what is read
    return Job(index=0, path=Path("<image>"), file=None, data=buf.getvalue())


def read(image: ImageInput, **options: Any) -> ImageText:
    """Recognise one image: a path, encoded bytes, a PIL image or a numpy array (RGB).

    Raises ImageError when the image cannot be decoded (or is over max_pixels), EngineError
    when the engine fails on it, EngineNotAvailable when the engine is not installed.
    """
    config = _run_config(options, jobs=1)
    job = _image_job(image)
    (result,), _ = recognize_all([job], config.ocr, config.preprocess, config.debug_dir)
    if result.status != "ok":
        err = result.error or "failed"
        cls = ImageError if result.stage == "read" else EngineError
        # the recorded error ends with the hint the error class adds again: said once
        raise cls(err.removesuffix(f" ({cls.default_hint})") if cls.default_hint else err)
    return ImageText.from_result(result)


# --------------------------------------------------------------------------- one article


class Run:
    """One processed article: its images' text, the clauses found, the verification."""

    def __init__(self, result: RunResult, directory: Path, temporary: bool = False) -> None:
        self.result = result
        self.directory = directory  # where the run's files are (a temporary folder when no `out` was given)
        if temporary:
            self._cleanup = weakref.finalize(self, shutil.rmtree, directory, True)

    @property
    def images(self) -> tuple[ImageText, ...]:
        return tuple(ImageText.from_result(im) for im in self.result.images)

    @property
    def clauses(self) -> tuple[ClauseResult, ...]:
        return self.result.clauses

    @property
    def verification(self) -> Verification:
        return self.result.verification

    @property
    def text(self) -> str:
        return self.result.text

    def save(self, directory: str | Path, formats: tuple[str, ...] | list[str] = ()) -> Path:
        """Write the run's files (images/, manifest.json, result.json, clauses.md, text.txt, and
        any of hocr, alto, pdf) into directory, replacing an earlier run there."""
        target = _path(directory, "directory")
        formats = _check_formats(formats)
        if target.resolve() == self.directory.resolve():
            write_formats(self.result, target, formats)
            return target
        with OutputDir(target) as staged:
            assert staged.staging is not None
            for item in self.directory.iterdir():
                if item.name.startswith("."):
                    continue  # the lock and staging folders of the source directory
                if item.is_dir():
                    shutil.copytree(item, staged.staging / item.name)
                else:
                    shutil.copy2(item, staged.staging / item.name)
            write_formats(self.result, staged.staging, formats)
            staged.commit()
        return target

    def __repr__(self) -> str:
        return (
            f"<ocrpipe.Run {self.result.article.title!r}: {len(self.result.images)} images, "
            f"{len(self.clauses)} clauses, verification {self.verification.status}>"
        )


def process(article: str | Path | Article, out: str | Path | None = None, **options: Any) -> Run:
    """Fetch, recognise and structure an article: anything `ocrpipe run` accepts.

    With `out`, the run's files are written there (as `ocrpipe run --out`); without it,
    into a temporary folder removed with the Run (keep them with `run.save(dir)`).
    """
    if isinstance(article, str) and not article.strip():
        raise InputError("the article is empty", "give an article file, URL, list or folder of images", option="article")
    if not isinstance(article, (str, os.PathLike, Article)):
        raise InputError(
            f"article must be a path, URL or Article, got {type(article).__name__}",
            "give an article file, URL, list or folder of images",
            option="article",
        )
    target = None if out is None else _path(out, "out")
    config = _run_config(options)
    temporary = target is None
    directory = Path(tempfile.mkdtemp(prefix="ocrpipe-run-")) if target is None else target
    try:
        spec: str | Article = article if isinstance(article, Article) else str(article)
        _, result = run_article(spec, directory, config)
    except BaseException:
        if temporary:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    return Run(result, directory, temporary)


def load(directory: str | Path) -> Run:
    """A finished run directory (of `ocrpipe run` or `process`), read back and validated."""
    directory = _path(directory, "directory")
    return Run(read_result(directory), directory)


# --------------------------------------------------------------------------- corpus


class Corpus:
    """A searchable store of many articles (one SQLite file), as `ocrpipe corpus` keeps it."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = _path(path, "path") if path is not None else _ingest.default_db()

    def _store(self, reading: bool = False) -> Store:
        """The store; `reading`: it must exist (nothing is created) and may be read-only."""
        if reading and not self.path.exists():
            raise InputError(f"no corpus store at {self.path}", "build one with Corpus.add, or give its path")
        return Store(self.path, readonly=reading)

    def add(self, *sources: str | Path, redo: bool = False, **options: Any) -> _ingest.AddSummary:
        """Fetch, recognise and store articles; those already done with these settings are skipped."""
        if not sources:
            raise InputError("Corpus.add needs at least one article, list or folder")
        for source in sources:
            if isinstance(source, str) and not source.strip():
                raise InputError("a source is empty", "give an article, list or folder", option="sources")
        config = _run_config(options)
        with self._store() as store:
            return _ingest.add([str(s) for s in sources], store, config, redo=redo)

    def search(
        self,
        query: str,
        limit: int = 20,
        article: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[_search.Hit]:
        """Clauses and image lines containing query, best first; `article` narrows to articles whose key or
        title contains it, `since`/`until` to dates (ISO, inclusive)."""
        if not isinstance(query, str):
            raise InputError(f"query must be a str, got {type(query).__name__}", "give the words to search for", option="query")
        # limit is checked once, by _search.search (a whole number in range), as for the CLI
        for name, value in (("article", article), ("since", since), ("until", until)):
            if value is not None and not isinstance(value, str):
                raise InputError(f"{name} must be a str, got {type(value).__name__}", f"give {name} as a str", option=name)
        with self._store(reading=True) as store:
            hits, _ = _search.search(store, query, limit, article=article, since=since, until=until)
        return hits

    def export(self, out: str | Path | TextIO, format: str | None = None, level: str = "clause") -> int:
        """Write every record of the level (clause, image, article); the format (jsonl, csv, txt) is
        inferred from the file's suffix when not given. Returns the number of records."""
        with self._store(reading=True) as store:
            if isinstance(out, (str, os.PathLike)):
                out = _path(out, "out")
                return _export.export_to_path(store, Path(out), format or _export.format_for(Path(out)), level)
            return _export.export(store, out, format or "jsonl", level)

    def status(self) -> dict[str, Any]:
        with self._store(reading=True) as store:
            return store.status()

    def __enter__(self) -> "Corpus":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def __repr__(self) -> str:
        return f"<ocrpipe.Corpus {str(self.path)!r}>"
