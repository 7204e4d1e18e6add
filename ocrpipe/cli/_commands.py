"""The commands: one handler per command, each turning parsed options into a call and a report."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocrpipe.cli._options import config_kwargs, fetch_options, in_flags, ocr_options
from ocrpipe.cli._progress import Progress
from ocrpipe.cli._term import field, json_text, safe, say
from ocrpipe.config import FetchConfig, OcrConfig, PreprocessConfig, default_cache_dir
from ocrpipe.errors import ExitCode, InputError, OcrpipeError
from ocrpipe.output._formats import FORMAT_PATHS

if TYPE_CHECKING:  # the commands import their stages lazily: `ocrpipe --help` stays light
    from ocrpipe.acquire._article import Article
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
    """The store; `must_exist`: a command that only reads it (a read-only store is read as it is)."""
    from ocrpipe.corpus._ingest import default_db
    from ocrpipe.corpus._store import Store

    path = args.db or default_db()
    if must_exist and not path.exists():
        raise InputError(f"no corpus store at {path}", "build one with `ocrpipe corpus add`, or give --db")
    return Store(path, readonly=must_exist)


def cmd_corpus_add(args: argparse.Namespace) -> int:
    from ocrpipe.corpus._ingest import add
    from ocrpipe.pipeline import RunConfig
    from ocrpipe.recognition._dask import DASK_ENV, close_clients

    pre, ocr = _ocr_configs(args)
    config = RunConfig(fetch=_fetch_config(args), preprocess=pre, ocr=ocr, dask=args.dask or os.environ.get(DASK_ENV) or None)
    # a local path that is not there is a typo, not an article to try again next time: refused
    # before the store is opened (or made)
    missing = [s for s in args.sources if s != "-" and "://" not in s and not os.path.lexists(s)]
    if missing:
        raise InputError(f"{missing[0]}: no such file or directory", "check the path, or give an http(s) URL")
    with _open_store(args, must_exist=False) as store:
        try:
            bar = Progress("articles", not args.quiet, detail_label="images")
            summary = add(args.sources, store, config, redo=args.redo, progress=bar, image_progress=bar.detail)
        finally:
            close_clients()
        for spec, err in summary.errors:
            say(_failure_line(spec, err), file=sys.stderr)
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
        f"{c['done']} done, {_count(c['duplicate'], 'duplicate')}, {c['failed']} failed; "
        f"{_count(c['clauses'], 'clause')}, {_count(c['images'], 'image')} recognised; "
        f"{_count(c['flags'], 'span')} where the readers disagreed, on {_count(c['flagged_lines'], 'line')} (review targets)"
    )
    for f in st["failed"]:
        say(f"failed: {field(f['key'])}: {field(_without_name(f['key'], f['error']))}")
    for v in st["verification_failed"]:
        say(
            f"verification failed: {field(v['key'])} ({field(v['title'])}): expected {v['expected']}, found {v['found']}, "
            f"missing {', '.join(map(str, v['missing'])) or '-'}"
            + (f", extra {', '.join(map(str, v['extra']))}" if v.get("extra") else "")
        )
    for d in st["duplicates"]:
        say(f"duplicate: {field(d['key'])} = {field(d['duplicate_of'])}")
    return ExitCode.OK


def cmd_corpus_export(args: argparse.Namespace) -> int:
    from ocrpipe.corpus._export import export, export_to_path, format_for

    fmt = args.format or format_for(args.out)
    with _open_store(args) as store:
        if str(args.out) == "-":
            n = export(store, sys.stdout, fmt, args.level)
        else:
            n = export_to_path(store, args.out, fmt, args.level)
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
        replaced = f" ({summary.replaced} replacing the same article's earlier run)" if summary.replaced else ""
        say(f"{summary.done} imported{replaced}, {_count(summary.duplicate, 'duplicate')}")
    return ExitCode.OK


def cmd_search(args: argparse.Namespace) -> int:

    from ocrpipe.corpus._search import search

    with _open_store(args) as store:
        hits, scanned = search(store, args.query, args.limit, article=args.article, since=args.since, until=args.until)
    found = ExitCode.OK if hits else ExitCode.NO_MATCHES  # as grep: 1 when nothing matched
    if args.json:
        records = [{**h.__dict__, "clause": h.clause} for h in hits]
        say(json_text({"query": args.query, "like_scan": scanned, "hits": records}))
        return found
    if scanned:
        say(f"(a {len(args.query.strip())}-character query is below the trigram index: scanned with LIKE)", file=sys.stderr)
    for h in hits:
        place = [f"image {h.image}" if h.image else None, f"line {h.line}" if h.line else None]
        if h.kind == "clause":
            place.insert(0, f"clause {h.clause}")
        where = ", ".join(p for p in place if p) or "image text"
        say(f"{field(h.title or h.key)} · {field(h.date or '-')} · {where}\n    {field(h.key)}\n    {field(h.snippet)}")
    if not hits:
        say("no matches", file=sys.stderr)
    return found


def _ocr_configs(args: argparse.Namespace) -> tuple[PreprocessConfig, OcrConfig]:
    from ocrpipe.recognition.engines import check_segment, engine_info

    options = ocr_options()
    ocr = OcrConfig(**config_kwargs(args, OcrConfig, options))
    pre_kw = config_kwargs(args, PreprocessConfig, options)
    pre_kw.setdefault("segment", engine_info(ocr.engine).default_segment)
    check_segment(ocr.engine, pre_kw["segment"])  # exit 2 before anything is downloaded or read
    if getattr(args, "debug", None) is not None:
        from ocrpipe._io import make_folder

        make_folder(args.debug, "debug_dir")  # before any work, not after the downloads
    return PreprocessConfig(**pre_kw), ocr


def _report_left_out(result: FetchResult, quiet: bool) -> None:
    """Under the summary of what was excluded: each image, its URL and why (not with --quiet)."""
    if quiet:
        return
    for im in result.images:
        if im.status == "excluded":
            where = im.url or (im.candidates[0] if im.candidates else "no URL")
            say(f"  left out image {im.index + 1} ({field(where)}): {field(in_flags(im.error or ''))}", file=sys.stderr)


def _report_fetch_failures(result: FetchResult) -> int:
    for im in result.failed:
        say(f"ocrpipe: image {im.index + 1} failed: {field(in_flags(im.error or 'failed'))}", file=sys.stderr)
    return ExitCode.DOWNLOAD_FAILED if result.failed else ExitCode.OK


def cmd_fetch(args: argparse.Namespace) -> int:
    from ocrpipe.acquire._fetch import Fetcher
    from ocrpipe.acquire._sources import load_article
    from ocrpipe.output._outdir import OutputDir

    config = _fetch_config(args)
    if os.path.lexists(args.out / "result.json"):
        from ocrpipe.errors import OutputError

        raise OutputError(
            f"{args.out} holds a finished run (result.json): fetching into it would replace its images and remove its results",
            "fetch into a new folder, or `ocrpipe run ARTICLE --out DIR` to redo the whole run",
        )
    with (
        _article_from_stdin(args.article, config.all_images) as spec,
        OutputDir(args.out) as staged,
        Fetcher(config) as fetcher,
    ):
        assert staged.staging is not None
        article = load_article(spec, fetcher.downloader, all_images=config.all_images) if isinstance(spec, str) else spec
        result = fetcher.fetch(article, staged.staging, progress=Progress("fetch", not args.quiet), run_id=staged.run_id)
        staged.commit()
    _report_excluded(result, args.quiet)
    _report_left_out(result, args.quiet)
    ok, failed = len(result.ok), len(result.failed)
    excluded = sum(1 for im in result.images if im.status == "excluded")
    cached = sum(1 for im in result.ok if im.from_cache)
    if not args.quiet:
        say(
            f"{_count(ok, 'image')} ok ({cached} from cache), {failed} failed, {excluded} excluded "
            f"-> {args.out / 'manifest.json'}"
        )
    return _report_fetch_failures(result)


def _verification_lines(v: Verification) -> list[str]:
    return [in_flags(f"verification: {v.summary()}")] + [f"  {line}" for line in v.problems()]


def _clause_table(result: RunResult) -> list[str]:
    if not result.clauses:
        return ["(no numbered clauses found)"]
    rows = [f"{'no.':>4}  {'images':<8} {'conf':>4}  title"]
    for c in result.clauses:
        imgs = ",".join(str(s.image + 1) for s in c.sources)  # people count images from 1
        rows.append(f"{c.number:>4}  {imgs:<8} {c.confidence:>4.0f}  {field(c.title)}")
    return rows


def cmd_run(args: argparse.Namespace) -> int:
    from ocrpipe.pipeline import RunConfig, run_article

    pre, ocr = _ocr_configs(args)
    config = RunConfig(
        fetch=_fetch_config(args), preprocess=pre, ocr=ocr, expect=args.expect, debug_dir=args.debug, formats=args.formats
    )
    with _article_from_stdin(args.article, config.fetch.all_images) as article:
        fetched, result = run_article(
            article,
            args.out,
            config,
            fetch_progress=Progress("fetch", not args.quiet),
            ocr_progress=Progress("ocr  ", not args.quiet),
        )
    _report_excluded(fetched, args.quiet)
    _report_left_out(fetched, args.quiet)
    if not args.quiet:
        say("\n".join(_clause_table(result)))
        failed = [im for im in result.images if im.status != "ok"]
        written = ", ".join(["result.json", "clauses.md", "text.txt", *(FORMAT_PATHS[f] for f in args.formats)])
        say(
            f"{_count(len(result.images) - len(failed), 'image')} read, {len(failed)} failed, "
            f"{_count(len(result.clauses), 'clause')} "
            f"-> {args.out}/{written}"
        )
    if args.review:
        from ocrpipe.review._page import write_page

        page = write_page(args.out)
        if not args.quiet:
            say(f"review page -> {page}")
    _say_verification(result.verification, args.quiet)
    _report_fetch_failures(fetched)
    for im in result.images:
        if im.status != "ok" and im.stage != "download":  # download failures were reported above
            say(f"ocrpipe: image {im.index + 1} failed: {field(in_flags(im.error or 'failed'))}", file=sys.stderr)
    return _images_exit(result.images, result.verification.passed)


def _say_verification(v: Verification, quiet: bool) -> None:
    """A passed verification on stdout (not with --quiet); a failed one on stderr, always."""
    if v.passed and quiet:
        return
    for line in _verification_lines(v):
        say(line, file=sys.stdout if v.passed else sys.stderr)


def _report_excluded(fetched: FetchResult, quiet: bool = False) -> None:
    """Say on stderr which images were left out of the series, and how to keep them (not with --quiet).
    Images over --max-images are not counted here: --all-images does not keep them, and the fetch's
    warning has said how many there were and which option raises the limit."""
    excluded = [im for im in fetched.images if im.status == "excluded" and "--max-images" not in (im.error or "")]
    if not excluded or quiet:
        return
    reasons: dict[str, list[int]] = {}
    for im in excluded:
        reasons.setdefault(_reason_kind(im.error), []).append(im.index)
    why = "; ".join(f"{len(idx)} {kind}" for kind, idx in reasons.items())
    say(
        f"ocrpipe: {len(excluded)} of {len(fetched.images)} images excluded as not part of the poster series ({why}); "
        "--all-images keeps them (details: manifest.json)",
        file=sys.stderr,
    )


def _reason_kind(error: str | None) -> str:
    """An exclusion reason without its numbers, so that like reasons are counted together."""
    text = error or "not part of the series"
    for key, kind in (
        ("related-reading", "in related reading"),
        ("outside the article body", "outside the article body"),
        ("animated", "animated"),
        ("QR code", "QR codes"),
        ("avatar", "avatars"),
        ("small (", "small"),
        ("icon", "icons"),
        ("width", "by size"),
        ("aspect", "by aspect ratio"),
        ("size", "by size"),
        ("source line", "after the article's source line"),
        ("--max-images", "over --max-images"),
    ):
        if key in text:
            return kind
    return text


@contextmanager
def _article_from_stdin(spec: str, all_images: bool) -> Iterator[str | Article]:
    """`-`: the article, a list of image paths/URLs, or one image, from standard input."""
    if spec != "-":
        yield spec
        return
    from ocrpipe.acquire._imageio import probe_image
    from ocrpipe.acquire._sources import load_article

    data = _stdin_bytes()
    try:
        ext = probe_image(data).extension
    except OcrpipeError:
        yield load_article("-", None, all_images, data=data)
        return
    with tempfile.TemporaryDirectory(prefix="ocrpipe-stdin-") as tmp:
        path = Path(tmp) / f"stdin.{ext}"
        path.write_bytes(data)
        yield str(path)


MAX_STDIN = 256 * 1024 * 1024
_STDIN_EXAMPLES = "ocrpipe ocr - < poster.jpg, ocrpipe run - --out DIR < article.md, ls *.jpg | ocrpipe fetch - --out DIR"


def _stdin_bytes() -> bytes:
    if sys.stdin is None or sys.stdin.isatty():
        raise InputError("`-` reads standard input, and it is a terminal", f"pipe a file in: {_STDIN_EXAMPLES}")
    data = sys.stdin.buffer.read(MAX_STDIN + 1)
    if len(data) > MAX_STDIN:
        raise InputError(
            f"standard input is over {MAX_STDIN // (1024 * 1024)} MiB",
            "give a large file by its path instead of piping it",
        )
    if not data:
        raise InputError(
            "standard input is empty", f"pipe an image, an article or a list of image URLs into it: {_STDIN_EXAMPLES}"
        )
    return data


def _stdin_image() -> bytes:
    """An image on standard input for `ocr -`; anything else is bad input (exit 2, before any
    work), as a file that is no image is (it was exit 4, as if an image had failed)."""
    from ocrpipe.acquire._imageio import IMAGE_MAGIC

    data = _stdin_bytes()
    if not data.startswith(IMAGE_MAGIC):
        raise InputError(
            "standard input is not an image (JPEG, PNG, WebP, GIF, BMP or TIFF)",
            "pipe an image in: ocrpipe ocr - < poster.jpg; an article or a list is read by ocrpipe run - --out DIR",
        )
    return data


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


def _check_ocr_paths(images: Sequence[Path]) -> None:
    """A mistyped argument, a folder, an empty file or a .jpg that is no image is bad input (exit 2),
    found before any work, as `run` finds it."""
    missing = [str(p) for p in images if str(p) != "-" and not os.path.lexists(p)]
    if missing:
        raise InputError(f"no such file: {', '.join(missing)}", "check the paths")
    folders = [str(p) for p in images if str(p) != "-" and os.path.isdir(p)]
    if folders:  # bad input too (was exit 4, as if an image had failed)
        raise InputError(
            f"{', '.join(folders)}: a folder, not an image file",
            f"give its images (ocrpipe ocr {folders[0]}/*.jpg), or read it as an article: ocrpipe run {folders[0]} --out DIR",
        )
    # an empty file, or one named .jpg holding no image format, is bad input as for `run` (was exit 4)
    from ocrpipe._io import LocalReadError, read_regular_file
    from ocrpipe.acquire._imageio import check_image_file

    for p in images:
        if str(p) == "-":
            continue
        try:
            head = read_regular_file(p, 16, head=True)
        except LocalReadError as exc:
            if _regular_or_gone(p):
                continue  # unreadable (permissions, I/O): the image's own failure says so (exit 4)
            # a device, FIFO or socket is no image file, as a folder is not (was exit 4, as if
            # an image had failed to read)
            raise InputError(
                str(exc), "give image files (ocrpipe ocr poster.jpg), or pipe one in: ocrpipe ocr - < poster.jpg"
            ) from None
        check_image_file(str(p), head)


def _regular_or_gone(p: Path) -> bool:
    """Whether p (its target, for a link) is a regular file, or cannot be looked at."""
    try:
        mode: int | None = os.stat(p).st_mode
    except (OSError, ValueError):
        mode = None
    return mode is None or stat.S_ISREG(mode)


def cmd_ocr(args: argparse.Namespace) -> int:

    from ocrpipe.output._serial import to_json
    from ocrpipe.recognition._executor import Job, recognize_all

    pre, ocr = _ocr_configs(args)
    _check_ocr_paths(args.images)
    _check_output_file(args.output)
    if sum(str(p) == "-" for p in args.images) > 1:
        raise InputError("`-` (standard input) can be given once")
    fmt = "json" if args.json else args.format
    if fmt in ("hocr", "alto") and len(args.images) > 1:
        raise InputError(f"--format {fmt} writes one document per image", "give one image, or use `ocrpipe run --formats`")
    jobs = [
        Job(index=i, path=p, file="-", data=_stdin_image()) if str(p) == "-" else Job(index=i, path=p, file=str(p))
        for i, p in enumerate(args.images)
    ]
    results, _prov = recognize_all(jobs, ocr, pre, args.debug)
    if fmt == "json":
        out = {
            "images": [
                {"path": r.file, "status": r.status, "error": r.error, "text": r.text, "lines": [to_json(ln) for ln in r.lines]}
                for r in results
            ]
        }
        _write_out(args.output, json_text(out) + "\n")
    elif fmt == "hocr" and results[0].status == "ok":
        from ocrpipe.output._hocr import hocr

        _write_out(args.output, hocr(results[0], ocr.lang))
    elif fmt == "alto" and results[0].status == "ok":
        from ocrpipe.output._alto import alto

        _write_out(args.output, alto(results[0], lang=ocr.lang))
    elif fmt == "text":
        parts = []
        for r in results:
            if r.status == "ok":
                parts.append((f"== {r.file}\n" if len(results) > 1 else "") + r.text + "\n")
        text = "".join(parts)
        _write_out(args.output, safe(text) if args.output == "-" else text)  # a terminal sees no control codes
    for r in results:
        if r.status != "ok":
            say(_failure_line(r.file or f"image {r.index + 1}", r.error), file=sys.stderr)
    return _images_exit(results)


def _failure_line(name: str, error: str | None) -> str:
    """'ocrpipe: NAME failed: ERROR', without naming the file twice when the error starts with it."""
    return f"ocrpipe: {field(name)} failed: {field(in_flags(_without_name(name, error)))}"


def _without_name(name: str, error: str | None) -> str:
    """The error without its leading 'NAME: ' (the line names it already)."""
    error = error or "failed"
    head, sep, rest = error.partition(": ")
    if sep and (head == name or _same_path(head, name)):
        error = rest
    return error


def _same_path(a: str, b: str) -> bool:
    same = False
    with contextlib.suppress(ValueError, OSError):  # a NUL in a name
        same = os.path.abspath(a) == os.path.abspath(b)
    return same


def _count(n: int, noun: str) -> str:
    """'1 image', '2 images'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _write_all(stream: Any, data: bytes) -> None:
    """Every byte, or an OSError. A pipe whose reader went away mid-write (`| head -c 10`) takes a
    part and returns its count without raising: Python's write returned it, the rest was dropped
    and convert exited 0. Writing the rest raises BrokenPipeError, which main() turns into 141."""
    view = memoryview(data)
    while view:
        n = stream.write(view)
        if n is None:  # a non-blocking stream took it all into its buffer
            return
        view = view[n:]


def _check_output_file(target: str | None) -> None:
    """Refuse an -o FILE that cannot be written before any work (exit 6): a read-only or foreign
    folder was found only after every image had been recognised. Its folder is made when written."""
    if target is None or target == "-":
        return
    from ocrpipe._io import check_replaceable
    from ocrpipe.errors import OutputError

    path = Path(os.path.abspath(target))
    check_replaceable(path)
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):  # EROFS too, even for root
        raise OutputError(
            f"cannot write {target}: {folder} is {'not a folder' if not folder.is_dir() else 'not writable'}",
            "give -o a file in a folder you can write to, or `-` for standard output",
        )


def _write_out(target: str, content: str | bytes) -> None:
    """To standard output for `-`, else atomically to the file."""
    from ocrpipe._io import atomic_write_bytes

    data = content.encode("utf-8") if isinstance(content, str) else content
    if target == "-":
        sys.stdout.flush()
        _write_all(sys.stdout.buffer, data)
        sys.stdout.flush()
    else:
        atomic_write_bytes(Path(target), data)


def cmd_convert(args: argparse.Namespace) -> int:
    from ocrpipe.output._formats import FORMAT_PATHS, convert

    if args.output is not None:
        return _convert_to_file(args)
    convert(args.dir, args.to)
    if not args.quiet:
        say(f"-> {', '.join(field(args.dir / FORMAT_PATHS[f]) for f in args.to)}")
    return ExitCode.OK


def _convert_to_file(args: argparse.Namespace) -> int:
    """--output FILE (or `-`): one format written as one file: the PDF, or one image's hOCR/ALTO (--image N)."""
    import io

    from ocrpipe.output._export import read_result

    if len(args.to) != 1:
        raise InputError("--output takes one format", "give --to pdf, or --to hocr/alto with --image N")
    fmt = args.to[0]
    result = read_result(args.dir)
    if fmt == "pdf":
        from ocrpipe.output._pdf import write_pdf

        buf = io.BytesIO()
        write_pdf(result, Path(args.dir), buf)
        _write_out(args.output, buf.getvalue())
        return ExitCode.OK
    # --image counts from 1, as every message and page does (hocr/000.hocr is image 1)
    wanted = [im for im in result.images if im.status == "ok" and (args.image is None or im.index + 1 == args.image)]
    if args.image is None or not wanted:
        numbers = ", ".join(str(im.index + 1) for im in result.images if im.status == "ok")
        if args.image is None:
            raise InputError(f"--to {fmt} --output writes one image's document", f"give --image N, one of: {numbers}")
        raise InputError(
            f"--image {args.image}: the run has no recognised image {args.image} (images count from 1)",
            f"give --image N, one of: {numbers or 'none (no image was recognised)'}",
        )
    lang = ((result.provenance.get("settings") or {}).get("ocr") or {}).get("lang")
    if fmt == "hocr":
        from ocrpipe.output._hocr import hocr

        _write_out(args.output, hocr(wanted[0], lang))
    else:
        from ocrpipe.output._alto import alto

        _write_out(args.output, alto(wanted[0], lang=lang))
    return ExitCode.OK


def cmd_verify(args: argparse.Namespace) -> int:
    from ocrpipe.output._export import read_result
    from ocrpipe.structure._clauses import verify

    result = read_result(args.result)
    expected = args.expect if args.expect is not None else result.verification.expected
    v = verify([c.number for c in result.clauses], expected)
    if not args.quiet:
        say("\n".join(_clause_table(result)))
    # The verdict is what verify outputs: on stdout, passed or failed (exit 3 says which); a
    # failed one is shown with --quiet too. `run` keeps its failed verdict on stderr, beside the
    # other problems of the run.
    if v.passed and args.quiet:
        return ExitCode.OK
    say("\n".join(_verification_lines(v)))
    return ExitCode.OK if v.passed else ExitCode.VERIFICATION_FAILED
