"""Command line: the only place that prints and chooses exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import cast

from ocrpipe._version import __version__
from ocrpipe.config import DEFAULT_MAX_PIXELS, FetchConfig, default_cache_dir
from ocrpipe.errors import EngineError, ExitCode, InputError, OcrpipeError

log = logging.getLogger("ocrpipe")


class Progress:
    """A one-line progress bar on stderr, shown only on a terminal."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()

    def __call__(self, done: int, total: int, *_: object) -> None:
        if not self.enabled or total <= 0:
            return
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _default(cls, name: str):
    """A config dataclass field's default: the CLI never repeats one."""
    f = cls.__dataclass_fields__[name]
    return f.default


class CorpusProgress:
    """One line on a terminal: articles done, and the images of the article being read."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.article = (0, 0)
        self.images = (0, 0)

    def articles(self, done: int, total: int, _spec: str) -> None:
        self.article, self.images = (done, total), (0, 0)
        self._draw(final=done >= total)

    def image(self, done: int, total: int) -> None:
        self.images = (done, total)
        self._draw()

    def _draw(self, final: bool = False) -> None:
        if not self.enabled:
            return
        (a, at), (i, it) = self.article, self.images
        width = 24
        filled = int(width * a / at) if at else 0
        imgs = f"  images {i}/{it}" if it else ""
        sys.stderr.write(f"\rarticles [{'#' * filled}{'.' * (width - filled)}] {a}/{at}{imgs}\033[K")
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _add_fetch_options(p: argparse.ArgumentParser) -> None:
    d = lambda name: _default(FetchConfig, name)  # noqa: E731
    g = p.add_argument_group("fetching")
    g.add_argument("--all-images", action="store_true", help="keep every image, not only the poster series")
    g.add_argument("--refresh", action="store_true", help="download again even when the cache has the image")
    g.add_argument(
        "--cache-dir", type=Path, default=None, help=f"download cache (default $OCRPIPE_CACHE_DIR or {default_cache_dir()})"
    )
    g.add_argument(
        "--prefer",
        choices=("real", "proxy"),
        default=d("prefer"),
        help=f"try the real image URL or the proxied one first (default {d('prefer')})",
    )
    g.add_argument("--workers", type=int, default=d("workers"), help=f"concurrent downloads (default {d('workers')})")
    g.add_argument(
        "--timeout",
        type=float,
        default=d("read_timeout"),
        help=f"read timeout per request in seconds (default {d('read_timeout'):g})",
    )
    g.add_argument(
        "--connect-timeout",
        type=float,
        default=d("connect_timeout"),
        help=f"connect timeout in seconds (default {d('connect_timeout'):g})",
    )
    g.add_argument("--tries", type=int, default=d("tries"), help=f"tries per URL (default {d('tries')})")
    g.add_argument(
        "--deadline",
        type=float,
        default=d("deadline"),
        help=f"seconds for one image's whole download, all URLs and tries (default {d('deadline'):g})",
    )
    g.add_argument(
        "--max-bytes", type=int, default=d("max_bytes"), help=f"size cap per image in bytes (default {d('max_bytes')})"
    )
    g.add_argument(
        "--max-images",
        type=int,
        default=d("max_images"),
        help=f"images fetched per article at most (default {d('max_images')})",
    )
    g.add_argument(
        "--allow-private",
        action="store_true",
        help="let a remote article's images reach loopback, private and link-local addresses",
    )
    g.add_argument("--referer", default=None, help="send this Referer (default: none, as the seed page asks)")


def _fetch_config(args: argparse.Namespace) -> FetchConfig:
    kw = dict(
        connect_timeout=args.connect_timeout,
        read_timeout=args.timeout,
        tries=args.tries,
        max_bytes=args.max_bytes,
        workers=args.workers,
        prefer=args.prefer,
        use_cache=not args.refresh,
        referer=args.referer,
        all_images=args.all_images,
        deadline=args.deadline,
        max_images=args.max_images,
        allow_private=args.allow_private,
    )
    if args.cache_dir is not None:
        kw["cache_dir"] = args.cache_dir
    return FetchConfig(**kw)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocrpipe", description="Turn poster-style article images into structured text.")
    parser.add_argument("--version", action="version", version=f"ocrpipe {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary; errors only")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("fetch", parents=[common], help="download an article's poster series into DIR/images with a manifest")
    p.add_argument("article", help="article file (.md/.html), article URL, list of image URLs, or image directory")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    _add_fetch_options(p)
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("run", parents=[common], help="fetch, recognise and structure an article's poster series")
    p.add_argument("article", help="article file (.md/.html), article URL, list of image URLs, or image directory")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--expect", type=int, default=None, help="clause count to verify against (default: from the title)")
    p.add_argument("--review", action="store_true", help="also write DIR/review.html (see `ocrpipe review`)")
    _add_fetch_options(p)
    _add_ocr_options(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("ocr", parents=[common], help="recognise image files, no article needed")
    p.add_argument("images", nargs="+", type=Path, help="image files")
    p.add_argument("--json", action="store_true", help="print JSON instead of plain text")
    _add_ocr_options(p)
    p.set_defaults(func=cmd_ocr)

    p = sub.add_parser("verify", parents=[common], help="re-check the clause numbers of a run's result")
    p.add_argument("result", type=Path, help="output directory of `ocrpipe run` (or its result.json)")
    p.add_argument("--expect", type=int, default=None, help="clause count to verify against")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("review", parents=[common], help="write DIR/review.html; with --serve, an editable page")
    p.add_argument("result", type=Path, help="output directory of `ocrpipe run`")
    p.add_argument(
        "--serve", action="store_true", help="serve the page on 127.0.0.1 (a token in the URL) where corrections can be made"
    )
    p.add_argument("--port", type=int, default=0, help="port for --serve (default: any free port)")
    p.set_defaults(func=cmd_review)

    _add_corpus_commands(sub, common)
    return parser


def cmd_review(args: argparse.Namespace) -> int:
    from ocrpipe.review._page import write_page
    from ocrpipe.review._server import serve

    path = write_page(args.result)
    if not args.serve:
        if not args.quiet:
            print(f"-> {path}")
        return ExitCode.OK

    def ready(server) -> None:
        print(f"review {args.result} at {server.url}  (Ctrl-C to stop)", flush=True)

    serve(args.result, args.port, ready)
    return ExitCode.OK


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", type=Path, default=None, help="the corpus store, one SQLite file (default $OCRPIPE_DB or ./ocrpipe.db)"
    )


def _add_corpus_commands(sub, common: argparse.ArgumentParser) -> None:
    corpus = sub.add_parser("corpus", parents=[common], help="build a searchable text corpus from many articles")
    csub = corpus.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")

    p = csub.add_parser("add", parents=[common], help="fetch, recognise and store articles (resumable)")
    p.add_argument("sources", nargs="+", help="anything `run` accepts, a .txt list of articles, or a folder of article files")
    _db_option(p)
    p.add_argument("--redo", action="store_true", help="recognise again articles already done with these settings")
    p.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="run recognition on this Dask scheduler (default $OCRPIPE_DASK; none: this machine)",
    )
    _add_fetch_options(p)
    _add_ocr_options(p)
    p.set_defaults(func=cmd_corpus_add)

    p = csub.add_parser("status", parents=[common], help="counts, failed articles, failed verifications, duplicates")
    _db_option(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_corpus_status)

    p = csub.add_parser("export", parents=[common], help="write the corpus out, streamed")
    p.add_argument("out", type=Path, help="output file ('-' for standard output)")
    _db_option(p)
    p.add_argument("--format", choices=("jsonl", "csv", "txt"), default="jsonl")
    p.add_argument("--level", choices=("clause", "image", "article"), default="clause")
    p.set_defaults(func=cmd_corpus_export)

    p = csub.add_parser("import", parents=[common], help="add finished `ocrpipe run` directories, no OCR")
    p.add_argument("dirs", nargs="+", type=Path)
    _db_option(p)
    p.set_defaults(func=cmd_corpus_import)

    p = csub.add_parser(
        "review", parents=[common], help="a review page per stored article and an index, failed verifications first"
    )
    p.add_argument("out", type=Path, help="folder to write the pages into")
    _db_option(p)
    p.add_argument("--cache-dir", type=Path, default=None, help="the download cache holding the images")
    p.set_defaults(func=cmd_corpus_review)

    p = sub.add_parser("search", parents=[common], help="full-text search over the corpus's clauses and image text")
    p.add_argument("query")
    _db_option(p)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_search)


def _open_store(args: argparse.Namespace, must_exist: bool = True):
    from ocrpipe.corpus._corpus import default_db
    from ocrpipe.corpus._store import Store

    path = args.db or default_db()
    if must_exist and not path.exists():
        raise InputError(f"no corpus store at {path}", "build one with `ocrpipe corpus add`, or give --db")
    return Store(path)


def cmd_corpus_add(args: argparse.Namespace) -> int:
    from ocrpipe.corpus._corpus import add
    from ocrpipe.pipeline import RunConfig
    from ocrpipe.recognition._dask import DASK_ENV, close_clients

    pre, ocr = _ocr_configs(args)
    config = RunConfig(fetch=_fetch_config(args), preprocess=pre, ocr=ocr, dask=args.dask or os.environ.get(DASK_ENV) or None)
    with _open_store(args, must_exist=False) as store:
        try:
            bar = CorpusProgress(not args.quiet)
            summary = add(args.sources, store, config, redo=args.redo, progress=bar.articles, image_progress=bar.image)
        finally:
            close_clients()
        for spec, err in summary.errors:
            print(f"ocrpipe: {spec}: {err}", file=sys.stderr)
        if not args.quiet:
            print(
                f"{summary.done} added, {summary.duplicate} duplicates, {summary.skipped} already done, "
                f"{summary.failed} failed -> {store.path}"
            )
    return ExitCode.DOWNLOAD_FAILED if summary.failed else ExitCode.OK


def cmd_corpus_status(args: argparse.Namespace) -> int:
    import json

    with _open_store(args) as store:
        st = store.status()
    if args.json:
        print(json.dumps(st, ensure_ascii=False, indent=2))
        return ExitCode.OK
    c = st["counts"]
    print(
        f"{c['done']} done, {c['duplicate']} duplicates, {c['failed']} failed; "
        f"{c['clauses']} clauses, {c['images']} images recognised"
    )
    for f in st["failed"]:
        print(f"failed: {f['key']}: {f['error']}")
    for v in st["verification_failed"]:
        print(
            f"verification failed: {v['key']} ({v['title']}): expected {v['expected']}, found {v['found']}, "
            f"missing {', '.join(map(str, v['missing'])) or '-'}"
        )
    for d in st["duplicates"]:
        print(f"duplicate: {d['key']} = {d['duplicate_of']}")
    return ExitCode.OK


def cmd_corpus_export(args: argparse.Namespace) -> int:
    from ocrpipe.corpus._corpus import export, export_to_path

    with _open_store(args) as store:
        if str(args.out) == "-":
            n = export(store, sys.stdout, args.format, args.level)
        else:
            n = export_to_path(store, args.out, args.format, args.level)
    if not args.quiet and str(args.out) != "-":
        print(f"{n} {args.level} records -> {args.out}")
    return ExitCode.OK


def cmd_corpus_review(args: argparse.Namespace) -> int:
    from ocrpipe.corpus._corpus import review_pages

    with _open_store(args) as store:
        index = review_pages(store, args.out, args.cache_dir or default_cache_dir())
    if not args.quiet:
        print(f"-> {index}")
    return ExitCode.OK


def cmd_corpus_import(args: argparse.Namespace) -> int:
    from ocrpipe.corpus._corpus import import_runs

    with _open_store(args, must_exist=False) as store:
        summary = import_runs(args.dirs, store)
    if not args.quiet:
        print(f"{summary.done} imported, {summary.duplicate} duplicates")
    return ExitCode.OK


def cmd_search(args: argparse.Namespace) -> int:
    import json

    from ocrpipe.corpus._corpus import search

    with _open_store(args) as store:
        hits, scanned = search(store, args.query, args.limit)
    if args.json:
        print(
            json.dumps(
                {"query": args.query, "like_scan": scanned, "hits": [h.__dict__ for h in hits]}, ensure_ascii=False, indent=2
            )
        )
        return ExitCode.OK
    if scanned:
        print(f"(a {len(args.query.strip())}-character query is below the trigram index: scanned with LIKE)", file=sys.stderr)
    for h in hits:
        where = f"clause {h.number}" if h.kind == "clause" else "image text"
        print(f"{h.title or h.key} · {h.date or '-'} · {where}\n    {h.snippet}")
    if not hits:
        print("no matches", file=sys.stderr)
    return ExitCode.OK


def _add_ocr_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("recognition")
    from ocrpipe.config import BACKENDS, BINARIZE, SEGMENTS, OcrConfig, PreprocessConfig
    from ocrpipe.recognition.engines import ENGINES

    g.add_argument(
        "--engine",
        choices=tuple(ENGINES),
        default="tesseract",
        help="; ".join(f"{e.name}: {e.summary}" for e in ENGINES.values()) + " (default tesseract)",
    )
    g.add_argument("--jobs", type=int, default=None, help="images recognised in parallel (default: all cores)")
    o = lambda name: _default(OcrConfig, name)  # noqa: E731
    g.add_argument(
        "--backend", choices=BACKENDS, default=o("backend"), help="Tesseract binding (default auto: tesserocr when installed)"
    )
    g.add_argument("--lang", default=o("lang"), help=f"Tesseract language (default {o('lang')})")
    g.add_argument("--tessdata", type=Path, default=None, help="folder holding <lang>.traineddata")
    g.add_argument(
        "--ocr-timeout", type=float, default=o("timeout"), help=f"seconds per recognition call (default {o('timeout'):g})"
    )
    g.add_argument(
        "--segment",
        choices=SEGMENTS,
        default=None,
        help="detect: lines found by the DB text detector (models/); lines: the classical line "
        "finder; page: one cleaned page; engine: the engine's own detector (rapidocr only). "
        "Default: " + ", ".join(f"{e.default_segment} for {e.name}" for e in ENGINES.values()),
    )
    g.add_argument(
        "--binarize",
        choices=BINARIZE,
        default=_default(PreprocessConfig, "binarize"),
        help="binarise line images before recognition (default none)",
    )
    g.add_argument("--no-deskew", action="store_true", help="do not straighten rotated posters")
    g.add_argument(
        "--max-pixels",
        type=int,
        default=DEFAULT_MAX_PIXELS,
        help=f"refuse images with more decoded pixels than this (default {DEFAULT_MAX_PIXELS})",
    )
    g.add_argument(
        "--debug",
        type=Path,
        default=None,
        metavar="DIR",
        help="write the ink mask and a numbered line-box overlay per image to DIR",
    )


def _ocr_configs(args: argparse.Namespace):
    from ocrpipe.config import OcrConfig, PreprocessConfig, Segment
    from ocrpipe.recognition.engines import check_segment, engine_info

    kw = dict(engine=args.engine, backend=args.backend, lang=args.lang, tessdata=args.tessdata, timeout=args.ocr_timeout)
    if args.jobs is not None:
        kw["jobs"] = args.jobs
    segment = cast(Segment, args.segment or engine_info(args.engine).default_segment)
    check_segment(args.engine, segment)  # exit 2 before anything is downloaded or read
    pre = PreprocessConfig(segment=segment, binarize=args.binarize, deskew=not args.no_deskew, max_pixels=args.max_pixels)
    return pre, OcrConfig(**kw)


def _report_fetch_failures(result) -> int:
    for im in result.failed:
        print(f"ocrpipe: image {im.index} failed: {im.error}", file=sys.stderr)
    return ExitCode.DOWNLOAD_FAILED if result.failed else ExitCode.OK


def cmd_fetch(args: argparse.Namespace) -> int:
    from ocrpipe.acquire._fetch import Fetcher
    from ocrpipe.acquire._sources import load_article
    from ocrpipe.output._outdir import OutputDir

    config = _fetch_config(args)
    with OutputDir(args.out) as staged, Fetcher(config) as fetcher:
        assert staged.staging is not None
        article = load_article(args.article, fetcher.downloader, all_images=config.all_images)
        result = fetcher.fetch(article, staged.staging, progress=Progress("fetch", not args.quiet), run_id=staged.run_id)
        staged.commit()
    ok, failed = len(result.ok), len(result.failed)
    excluded = sum(1 for im in result.images if im.status == "excluded")
    cached = sum(1 for im in result.ok if im.from_cache)
    if not args.quiet:
        print(f"{ok} images ok ({cached} from cache), {failed} failed, {excluded} excluded -> {args.out / 'manifest.json'}")
    return _report_fetch_failures(result)


def _verification_lines(v) -> list[str]:
    return [f"verification: {v.summary()}"] + [f"  {line}" for line in v.problems()]


def _clause_table(result) -> list[str]:
    rows = [f"{'no.':>4}  {'images':<8} {'conf':>4}  title"]
    for c in result.clauses:
        imgs = ",".join(str(s.image) for s in c.sources)
        rows.append(f"{c.number:>4}  {imgs:<8} {c.confidence:>4.0f}  {c.title}")
    return rows


def cmd_run(args: argparse.Namespace) -> int:
    from ocrpipe.pipeline import RunConfig, run_article

    pre, ocr = _ocr_configs(args)
    config = RunConfig(fetch=_fetch_config(args), preprocess=pre, ocr=ocr, expect=args.expect, debug_dir=args.debug)
    fetched, result = run_article(
        args.article,
        args.out,
        config,
        fetch_progress=Progress("fetch", not args.quiet),
        ocr_progress=Progress("ocr  ", not args.quiet),
    )
    if not args.quiet:
        print("\n".join(_clause_table(result)))
        failed = [im for im in result.images if im.status != "ok"]
        print(
            f"{len(result.images) - len(failed)} images read, {len(failed)} failed, {len(result.clauses)} clauses "
            f"-> {args.out}/result.json, clauses.md, text.txt"
        )
    if args.review:
        from ocrpipe.review._page import write_page

        page = write_page(args.out)
        if not args.quiet:
            print(f"review page -> {page}")
    for line in _verification_lines(result.verification):
        print(line, file=sys.stdout if result.verification.ok else sys.stderr)
    _report_fetch_failures(fetched)
    for im in result.images:
        if im.status != "ok" and im.stage != "download":  # download failures were reported above
            print(f"ocrpipe: image {im.index} failed: {im.error}", file=sys.stderr)
    return _images_exit(result.images, result.verification.ok)


def _images_exit(images, verified: bool = True) -> ExitCode:
    """An incomplete set wins over a failed verification: fix what is missing first.

    download failed -> 4; the engine failed on an image -> 5; an image unreadable -> 4;
    clause numbers wrong -> 3.
    """
    stages = {im.stage for im in images if im.status != "ok"}
    if "download" in stages:
        return ExitCode.DOWNLOAD_FAILED
    if "recognize" in stages:
        return ExitCode.ENGINE_FAILED
    if stages:
        return ExitCode.DOWNLOAD_FAILED
    return ExitCode.OK if verified else ExitCode.VERIFICATION_FAILED


def cmd_ocr(args: argparse.Namespace) -> int:
    import json

    from ocrpipe.output._serial import to_json
    from ocrpipe.recognition._executor import Job, recognize_all

    pre, ocr = _ocr_configs(args)
    jobs = [Job(index=i, path=p, file=str(p)) for i, p in enumerate(args.images)]
    results, _prov = recognize_all(jobs, ocr, pre, args.debug)
    if args.json:
        out = {
            "images": [
                {"path": r.file, "status": r.status, "error": r.error, "text": r.text, "lines": [to_json(ln) for ln in r.lines]}
                for r in results
            ]
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for r in results:
            if r.status == "ok":
                print(f"== {r.file}")
                print(r.text)
    for r in results:
        if r.status != "ok":
            print(f"ocrpipe: {r.file}: {r.error}", file=sys.stderr)
    return _images_exit(results)


def cmd_verify(args: argparse.Namespace) -> int:
    from ocrpipe.output._export import read_result
    from ocrpipe.structure._clauses import verify

    result = read_result(args.result)
    expected = args.expect if args.expect is not None else result.verification.expected
    v = verify([c.number for c in result.clauses], expected)
    if not args.quiet:
        print("\n".join(_clause_table(result)))
    for line in _verification_lines(v):
        print(line, file=sys.stdout if v.ok else sys.stderr)
    return ExitCode.OK if v.ok else ExitCode.VERIFICATION_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    # Parallelism is ocrpipe's own (worker processes); Tesseract's OpenMP threads only
    # fight it (on 2 cores a poster was 4x slower). A user's own setting wins.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING if args.quiet or args.verbose == 0 else (logging.INFO if args.verbose == 1 else logging.DEBUG)
    logging.basicConfig(level=level, format="ocrpipe: %(levelname)s: %(message)s")
    try:
        return args.func(args)
    except OcrpipeError as exc:
        print(f"ocrpipe: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"ocrpipe: hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ocrpipe: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenProcessPool as exc:
        log.debug("worker pool broke", exc_info=True)
        print(f"ocrpipe: error: a recognition worker died ({exc or 'killed'})", file=sys.stderr)
        print("ocrpipe: hint: out of memory? try --jobs 1 or a lower --max-pixels; -vv shows the details", file=sys.stderr)
        return EngineError.exit_code
    except Exception as exc:  # noqa: BLE001 - the last net: one line, never a traceback
        log.debug("unexpected error", exc_info=True)
        print(f"ocrpipe: error: unexpected {type(exc).__name__}: {str(exc)[:300]}", file=sys.stderr)
        print("ocrpipe: hint: this is a bug in ocrpipe; run again with -vv and report the log", file=sys.stderr)
        return ExitCode.UNEXPECTED


if __name__ == "__main__":
    raise SystemExit(main())
