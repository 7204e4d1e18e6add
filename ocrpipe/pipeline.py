"""The whole job: fetch -> preprocess -> recognise -> clauses -> verify -> write."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ocrpipe._version import __version__
from ocrpipe.acquire._article import Article
from ocrpipe.acquire._fetch import Fetcher, FetchResult
from ocrpipe.acquire._sources import load_article
from ocrpipe.config import FetchConfig, OcrConfig, PreprocessConfig
from ocrpipe.output._export import write_outputs
from ocrpipe.output._formats import write_formats
from ocrpipe.output._outdir import OutputDir
from ocrpipe.output._results import ImageResult, RunResult
from ocrpipe.recognition._executor import Job, recognize_all, versions_of
from ocrpipe.review import _corrections as corrections
from ocrpipe.structure._clauses import structure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunConfig:
    """Everything one run needs, grouped by stage."""

    fetch: FetchConfig = field(default_factory=FetchConfig)
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    ocr: OcrConfig = field(default_factory=OcrConfig)
    expect: int | None = None  # overrides the count the title promises
    debug_dir: Path | None = None
    dask: str | None = None  # a Dask scheduler address: recognition runs on that cluster
    formats: tuple[str, ...] = ()  # standard outputs beside result.json: hocr, alto, pdf (output/_formats.py)


def recognition_key(config: RunConfig, versions: dict) -> dict:
    """What decides what recognition of given bytes yields (not parallelism or timeouts): the settings,
    and the versions of ocrpipe, the engine and its models (`versions_of`, `engine_versions`)."""
    ocr = config.ocr
    pre = {k: v for k, v in asdict(config.preprocess).items() if k not in ("max_pixels",)}
    return {
        "versions": versions,
        "engine": ocr.engine,
        "lang": ocr.lang,
        "line_psm": ocr.line_psm,
        "retry_psm": ocr.retry_psm,
        "page_psm": ocr.page_psm,
        "preprocess": pre,
    }


def _settings(config: RunConfig) -> dict:
    pre = asdict(config.preprocess)
    ocr = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config.ocr).items()}
    return {"preprocess": pre, "ocr": ocr, "expect": config.expect}


Known = Callable[[str], "ImageResult | None"]  # sha256 -> an earlier recognition of those bytes


def recognize_fetched(
    fetched: FetchResult, config: RunConfig, progress: Callable[[int, int], None] | None = None, known: Known | None = None
) -> RunResult:
    """Recognise the downloaded series and structure it; failed downloads are carried through.

    `known` hands back an earlier recognition of the same bytes (the corpus store):
    those images are not recognised again.
    """
    by_index: dict[int, ImageResult] = {}
    todo = []
    for im in fetched.ok:
        earlier = known(im.sha256) if known and im.sha256 else None
        if earlier is not None:
            by_index[im.index] = replace(earlier, index=im.index, file=im.file, url=im.url)
        else:
            todo.append(Job(index=im.index, path=fetched.path(im), url=im.url, file=im.file))
    recognised, engine_info = recognize_all(todo, config.ocr, config.preprocess, config.debug_dir, progress, dask=config.dask)
    by_index.update((r.index, r) for r in recognised)
    images: list[ImageResult] = []
    for im in fetched.images:
        if im.status == "excluded":
            continue
        images.append(
            by_index.get(im.index)
            or ImageResult(
                index=im.index, file=None, url=im.url, status="failed", stage="download", error=f"download failed: {im.error}"
            )
        )
    expected = config.expect if config.expect is not None else fetched.meta.promised_count
    structured = structure(images, expected)  # clauses, and a role on every line
    provenance = {
        "ocrpipe": __version__,
        **engine_info,
        "settings": _settings(config),
        "recognition": recognition_key(config, versions_of({"ocrpipe": __version__, **engine_info})),
        "omp_thread_limit": os.environ.get("OMP_THREAD_LIMIT"),
    }
    return RunResult(
        article=fetched.meta,
        images=structured.images,
        clauses=structured.clauses,
        verification=structured.verification,
        provenance=provenance,
    )


def _with_corrections(result: RunResult, out_dir: Path) -> RunResult:
    """A person's corrections from an earlier review of this directory, where the lines still read the same."""
    fixes = corrections.load(out_dir)
    if not fixes:
        return result
    done = corrections.apply(result, fixes)
    if done.stale:
        log.warning(
            "%d of %d corrections in %s are stale (the line now reads differently) and were not applied",
            len(done.stale),
            len(fixes),
            out_dir / corrections.CORRECTIONS,
        )
    return done.result


def run_article(
    article: str | Article,
    out_dir: Path,
    config: RunConfig | None = None,
    fetch_progress: Callable[..., None] | None = None,
    ocr_progress: Callable[..., None] | None = None,
    known: Known | None = None,
) -> tuple[FetchResult, RunResult]:
    """Fetch an article's poster series into out_dir, recognise it and write the outputs."""
    config = config or RunConfig()
    out_dir = Path(out_dir)
    with Fetcher(config.fetch) as fetcher:
        if isinstance(article, str):
            # read before the output folder is made: bad input leaves nothing behind
            article = load_article(article, fetcher.downloader, all_images=config.fetch.all_images)
        with OutputDir(out_dir) as staged:
            assert staged.staging is not None
            fetched = fetcher.fetch(article, staged.staging, progress=fetch_progress, run_id=staged.run_id)
            result = replace(recognize_fetched(fetched, config, ocr_progress, known), run_id=staged.run_id)
            result = _with_corrections(result, out_dir)
            write_outputs(result, staged.staging)
            write_formats(result, staged.staging, config.formats)
            staged.commit()
    return replace(fetched, out_dir=out_dir), result
