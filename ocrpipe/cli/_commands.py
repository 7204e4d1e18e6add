"""The commands: one handler per command, each turning parsed options into a call and a report."""

from __future__ import annotations

import argparse
import os
import sys

from ocrpipe.cli._options import config_kwargs, fetch_options, ocr_options
from ocrpipe.cli._progress import Progress
from ocrpipe.config import FetchConfig, OcrConfig, PreprocessConfig, default_cache_dir
from ocrpipe.errors import ExitCode, InputError


def _fetch_config(args: argparse.Namespace) -> FetchConfig:
    return FetchConfig(**config_kwargs(args, FetchConfig, fetch_options()))


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
            bar = Progress("articles", not args.quiet, detail_label="images")
            summary = add(args.sources, store, config, redo=args.redo, progress=bar, image_progress=bar.detail)
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


def _ocr_configs(args: argparse.Namespace) -> tuple[PreprocessConfig, OcrConfig]:
    from ocrpipe.recognition.engines import check_segment, engine_info

    options = ocr_options()
    ocr = OcrConfig(**config_kwargs(args, OcrConfig, options))
    pre_kw = config_kwargs(args, PreprocessConfig, options)
    pre_kw.setdefault("segment", engine_info(ocr.engine).default_segment)
    check_segment(ocr.engine, pre_kw["segment"])  # exit 2 before anything is downloaded or read
    return PreprocessConfig(**pre_kw), ocr


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
