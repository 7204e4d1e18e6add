"""The commands: one handler per command, each turning parsed options into a call and a report."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ocrpipe.cli._options import config_kwargs, fetch_options, ocr_options
from ocrpipe.cli._progress import Progress
from ocrpipe.cli._term import field, json_text, say
from ocrpipe.config import FetchConfig, OcrConfig, PreprocessConfig, default_cache_dir
from ocrpipe.errors import ExitCode, InputError

if TYPE_CHECKING:  # the commands import their stages lazily: `ocrpipe --help` stays light
    from ocrpipe.acquire._fetch import FetchResult
    from ocrpipe.corpus._store import Store
    from ocrpipe.output._results import ImageResult, RunResult, Verification
    from ocrpipe.review._server import ReviewServer


def _fetch_config(args: argparse.Namespace) -> FetchConfig:
    return FetchConfig(**config_kwargs(args, FetchConfig, fetch_options()))


def cmd_review(args: argparse.Namespace) -> int:
    from ocrpipe.review._page import write_page
    from ocrpipe.review._server import serve

    path = write_page(args.result)
    if not args.serve:
        if not args.quiet:
            say(f"-> {path}")
        return ExitCode.OK

    def ready(server: ReviewServer) -> None:
        say(f"review {args.result} at {server.url}  (Ctrl-C to stop)", flush=True)

    serve(args.result, args.port, ready)
    return ExitCode.OK


def _open_store(args: argparse.Namespace, must_exist: bool = True) -> Store:
    from ocrpipe.corpus._ingest import default_db
    from ocrpipe.corpus._store import Store

    path = args.db or default_db()
    if must_exist and not path.exists():
        raise InputError(f"no corpus store at {path}", "build one with `ocrpipe corpus add`, or give --db")
    return Store(path)


def cmd_corpus_add(args: argparse.Namespace) -> int:
    from ocrpipe.corpus._ingest import add
    from ocrpipe.pipeline import RunConfig
    from ocrpipe.recognition._dask import DASK_ENV, close_clients

    pre, ocr = _ocr_configs(args)
    config = RunConfig(fetch=_fetch_config(args), preprocess=pre, ocr=ocr, dask=args.dask or os.environ.get(DASK_ENV) or None)
    with _open_store(args, must_exist=False) as store:
        try:
            bar = Progress("articles", not args.quiet, detail_label="images")
            summary = add(args.sources, store, config, redo=args.redo, progress=bar, image_progress=bar.detail)
        finally:
            close_clients()
        for spec, err in summary.errors:
            say(f"ocrpipe: {field(spec)}: {field(err)}", file=sys.stderr)
        if not args.quiet:
            say(
                f"{summary.done} added, {summary.duplicate} duplicates, {summary.skipped} already done, "
                f"{summary.failed} failed, {summary.incomplete} with failed images (tried again next time) -> {store.path}"
            )
    return ExitCode.DOWNLOAD_FAILED if summary.failed or summary.incomplete else ExitCode.OK


def cmd_corpus_status(args: argparse.Namespace) -> int:

    with _open_store(args) as store:
        st = store.status()
    if args.json:
        say(json_text(st))
        return ExitCode.OK
    c = st["counts"]
    say(
        f"{c['done']} done, {c['duplicate']} duplicates, {c['failed']} failed; "
        f"{c['clauses']} clauses, {c['images']} images recognised"
    )
    for f in st["failed"]:
        say(f"failed: {field(f['key'])}: {field(f['error'])}")
    for v in st["verification_failed"]:
        say(
            f"verification failed: {field(v['key'])} ({field(v['title'])}): expected {v['expected']}, found {v['found']}, "
            f"missing {', '.join(map(str, v['missing'])) or '-'}"
        )
    for d in st["duplicates"]:
        say(f"duplicate: {field(d['key'])} = {field(d['duplicate_of'])}")
    return ExitCode.OK


def cmd_corpus_export(args: argparse.Namespace) -> int:
    from ocrpipe.corpus._export import export, export_to_path

    with _open_store(args) as store:
        if str(args.out) == "-":
            n = export(store, sys.stdout, args.format, args.level)
        else:
            n = export_to_path(store, args.out, args.format, args.level)
    if not args.quiet and str(args.out) != "-":
        say(f"{n} {args.level} records -> {args.out}")
    return ExitCode.OK


def cmd_corpus_review(args: argparse.Namespace) -> int:
    from ocrpipe.corpus._pages import review_pages

    with _open_store(args) as store:
        index = review_pages(store, args.out, args.cache_dir or default_cache_dir())
    if not args.quiet:
        say(f"-> {index}")
    return ExitCode.OK


def cmd_corpus_import(args: argparse.Namespace) -> int:
    from ocrpipe.corpus._ingest import import_runs

    with _open_store(args, must_exist=False) as store:
        summary = import_runs(args.dirs, store, args.cache_dir)
    if not args.quiet:
        say(f"{summary.done} imported, {summary.duplicate} duplicates")
    return ExitCode.OK


def cmd_search(args: argparse.Namespace) -> int:

    from ocrpipe.corpus._search import search

    with _open_store(args) as store:
        hits, scanned = search(store, args.query, args.limit)
    if args.json:
        say(json_text({"query": args.query, "like_scan": scanned, "hits": [h.__dict__ for h in hits]}))
        return ExitCode.OK
    if scanned:
        say(f"(a {len(args.query.strip())}-character query is below the trigram index: scanned with LIKE)", file=sys.stderr)
    for h in hits:
        where = f"clause {h.number}" if h.kind == "clause" else "image text"
        say(f"{field(h.title or h.key)} · {field(h.date or '-')} · {where}\n    {field(h.snippet)}")
    if not hits:
        say("no matches", file=sys.stderr)
    return ExitCode.OK


def _ocr_configs(args: argparse.Namespace) -> tuple[PreprocessConfig, OcrConfig]:
    from ocrpipe.recognition.engines import check_segment, engine_info

    options = ocr_options()
    ocr = OcrConfig(**config_kwargs(args, OcrConfig, options))
    pre_kw = config_kwargs(args, PreprocessConfig, options)
    pre_kw.setdefault("segment", engine_info(ocr.engine).default_segment)
    check_segment(ocr.engine, pre_kw["segment"])  # exit 2 before anything is downloaded or read
    return PreprocessConfig(**pre_kw), ocr


def _report_fetch_failures(result: FetchResult) -> int:
    for im in result.failed:
        say(f"ocrpipe: image {im.index} failed: {field(im.error)}", file=sys.stderr)
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
        say(f"{ok} images ok ({cached} from cache), {failed} failed, {excluded} excluded -> {args.out / 'manifest.json'}")
    return _report_fetch_failures(result)


def _verification_lines(v: Verification) -> list[str]:
    return [f"verification: {v.summary()}"] + [f"  {line}" for line in v.problems()]


def _clause_table(result: RunResult) -> list[str]:
    rows = [f"{'no.':>4}  {'images':<8} {'conf':>4}  title"]
    for c in result.clauses:
        imgs = ",".join(str(s.image) for s in c.sources)
        rows.append(f"{c.number:>4}  {imgs:<8} {c.confidence:>4.0f}  {field(c.title)}")
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
        say("\n".join(_clause_table(result)))
        failed = [im for im in result.images if im.status != "ok"]
        say(
            f"{len(result.images) - len(failed)} images read, {len(failed)} failed, {len(result.clauses)} clauses "
            f"-> {args.out}/result.json, clauses.md, text.txt"
        )
    if args.review:
        from ocrpipe.review._page import write_page

        page = write_page(args.out)
        if not args.quiet:
            say(f"review page -> {page}")
    for line in _verification_lines(result.verification):
        say(line, file=sys.stdout if result.verification.ok else sys.stderr)
    _report_fetch_failures(fetched)
    for im in result.images:
        if im.status != "ok" and im.stage != "download":  # download failures were reported above
            say(f"ocrpipe: image {im.index} failed: {field(im.error)}", file=sys.stderr)
    return _images_exit(result.images, result.verification.ok)


def _images_exit(images: Sequence[ImageResult], verified: bool = True) -> ExitCode:
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

    from ocrpipe.output._serial import to_json
    from ocrpipe.recognition._executor import Job, recognize_all

    pre, ocr = _ocr_configs(args)
    missing = [str(p) for p in args.images if not os.path.lexists(p)]
    if missing:  # a mistyped argument is bad input (exit 2), found before any work
        raise InputError(f"no such file: {', '.join(missing)}", "check the paths")
    jobs = [Job(index=i, path=p, file=str(p)) for i, p in enumerate(args.images)]
    results, _prov = recognize_all(jobs, ocr, pre, args.debug)
    if args.json:
        out = {
            "images": [
                {"path": r.file, "status": r.status, "error": r.error, "text": r.text, "lines": [to_json(ln) for ln in r.lines]}
                for r in results
            ]
        }
        say(json_text(out))
    else:
        for r in results:
            if r.status == "ok":
                say(f"== {r.file}")
                say(r.text)
    for r in results:
        if r.status != "ok":
            say(f"ocrpipe: image {r.index} failed: {field(r.error)}", file=sys.stderr)
    return _images_exit(results)


def cmd_verify(args: argparse.Namespace) -> int:
    from ocrpipe.output._export import read_result
    from ocrpipe.structure._clauses import verify

    result = read_result(args.result)
    expected = args.expect if args.expect is not None else result.verification.expected
    v = verify([c.number for c in result.clauses], expected)
    if not args.quiet:
        say("\n".join(_clause_table(result)))
    for line in _verification_lines(v):
        say(line, file=sys.stdout if v.ok else sys.stderr)
    return ExitCode.OK if v.ok else ExitCode.VERIFICATION_FAILED
