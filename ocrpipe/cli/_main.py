"""The command line's entry point: the parser, and main(), the only place that chooses exit codes."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ocrpipe._version import __version__
from ocrpipe.cli import _commands as cmd
from ocrpipe.cli._options import (
    ARTICLE,
    DB,
    FORMATS_OPTION,
    JSON,
    OUT,
    Option,
    add_common,
    add_group,
    fetch_options,
    formats_arg,
    image_file_arg,
    in_flags,
    ocr_options,
    path_arg,
    port_arg,
    text_arg,
)
from ocrpipe.cli._term import SafeFormatter, field, safe, say
from ocrpipe.config import flag_of
from ocrpipe.errors import EngineError, ExitCode, OcrpipeError
from ocrpipe.output._formats import FORMATS

log = logging.getLogger("ocrpipe")


class _Parser(argparse.ArgumentParser):
    """argparse, except that help it cannot write is an error, not silence (argparse drops OSError)."""

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (file or sys.stderr).write(message)


def _command(sub: Any, name: str, help: str, func: Any, *options: Option) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help)
    add_common(p)
    for opt in options:
        opt.add_to(p)
    p.set_defaults(func=func)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ocrpipe", description="Turn poster-style article images into structured text.")
    parser.add_argument("--version", action="version", version=f"ocrpipe {__version__}")
    parser.set_defaults(verbose=0, quiet=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fetching, recognition = fetch_options(), ocr_options()

    p = _command(
        sub, "fetch", "download an article's poster series into DIR/images with a manifest", cmd.cmd_fetch, ARTICLE, OUT
    )
    add_group(p, "fetching", fetching)

    p = _command(
        sub,
        "run",
        "fetch, recognise and structure an article's poster series",
        cmd.cmd_run,
        ARTICLE,
        OUT,
        Option(("--expect",), "clause count to verify against", type=int, shown="from the title"),
        Option(("--review",), "also write DIR/review.html (see `ocrpipe review`)", flag=True),
        FORMATS_OPTION,
    )
    add_group(p, "fetching", fetching)
    add_group(p, "recognition", recognition)

    p = _command(
        sub,
        "ocr",
        "recognise image files, no article needed",
        cmd.cmd_ocr,
        Option(("images",), "image files; - reads one from standard input", type=image_file_arg, nargs="+"),
        Option(
            ("--format",),
            "text; json (every line with box and confidence); hocr or alto (one image)",
            choices=("text", "json", "hocr", "alto"),
            default="text",
        ),
        Option(("--json",), "the same as --format json", flag=True),
        Option(("-o", "--output"), "write to FILE; - is standard output", metavar="FILE", default="-", shown="-"),
    )
    add_group(p, "recognition", recognition)

    _command(
        sub,
        "convert",
        "add hOCR, ALTO or a searchable PDF to a finished run directory",
        cmd.cmd_convert,
        Option(("dir",), "output directory of `ocrpipe run`", type=path_arg),
        Option(
            ("--to",),
            f"formats, comma-separated: {', '.join(FORMATS)} (DIR/hocr/NNN.hocr, DIR/alto/NNN.xml, DIR/article.pdf)",
            type=formats_arg,
            required=True,
            metavar="FORMATS",
        ),
        Option(
            ("-o", "--output"),
            "write one format to FILE instead (- is standard output): the PDF, or with --image one image's hOCR/ALTO",
            metavar="FILE",
            shown="into DIR",
        ),
        Option(("--image",), "the image for --output with hocr or alto, counted from 1 as in every message", type=int),
    )

    _command(
        sub,
        "verify",
        "re-check the clause numbers of a run's result",
        cmd.cmd_verify,
        Option(("result",), "output directory of `ocrpipe run` (or its result.json)", type=path_arg),
        Option(("--expect",), "clause count to verify against", type=int, shown="the count the run verified against"),
    )

    _command(
        sub,
        "review",
        "write DIR/review.html; with --serve, an editable page",
        cmd.cmd_review,
        Option(("result",), "output directory of `ocrpipe run`", type=path_arg),
        Option(("--serve",), "serve the page on 127.0.0.1 (a token in the URL) where corrections can be made", flag=True),
        Option(("--port",), "port for --serve", type=port_arg, default=0, shown="0, any free port"),
    )

    _add_corpus_commands(sub, fetching, recognition)
    return parser


def _add_corpus_commands(sub: Any, fetching: list[Option], recognition: list[Option]) -> None:
    corpus = sub.add_parser("corpus", help="build a searchable text corpus from many articles")
    add_common(corpus)
    csub = corpus.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")

    p = _command(
        csub,
        "add",
        "fetch, recognise and store articles (resumable)",
        cmd.cmd_corpus_add,
        Option(
            ("sources",),
            "anything `run` accepts, a .txt list of articles, or a folder of article files",
            nargs="+",
            type=text_arg,
        ),
        DB,
        Option(("--redo",), "recognise again articles already done with these settings", flag=True),
        Option(
            ("--dask",),
            "run recognition on this Dask scheduler",
            metavar="ADDRESS",
            shown="$OCRPIPE_DASK; none: this machine",
        ),
    )
    add_group(p, "fetching", fetching)
    add_group(p, "recognition", recognition)

    _command(csub, "status", "counts, failed articles, failed verifications, duplicates", cmd.cmd_corpus_status, DB, JSON)
    _command(
        csub,
        "export",
        "write the corpus out, streamed",
        cmd.cmd_corpus_export,
        Option(("out",), "output file ('-' for standard output)", type=path_arg),
        DB,
        Option(
            ("--format",),
            "record format; csv is flat, one column per field",
            choices=("jsonl", "csv", "txt"),
            shown="from OUT's suffix (.jsonl, .csv, .txt); jsonl for - or no suffix",
        ),
        Option(
            ("--level",), "one record per clause, image or article", choices=("clause", "image", "article"), default="clause"
        ),
    )
    _command(
        csub,
        "import",
        "add finished `ocrpipe run` directories, no OCR",
        cmd.cmd_corpus_import,
        Option(("dirs",), "output directories of `ocrpipe run`", type=path_arg, nargs="+"),
        DB,
        Option(
            ("--cache-dir",),
            "the download cache the runs' images are kept in (for `corpus review`)",
            type=path_arg,
            shown="as for `corpus add`",
        ),
    )
    _command(
        csub,
        "review",
        "a review page per stored article and an index, failed verifications first",
        cmd.cmd_corpus_review,
        Option(("out",), "folder to write the pages into", type=path_arg),
        DB,
        Option(("--cache-dir",), "the download cache holding the images", type=path_arg, shown="as for `corpus add`"),
    )
    _command(
        sub,
        "search",
        "full-text search over the corpus's clauses and image text",
        cmd.cmd_search,
        Option(("query",), "words to find; two characters or fewer are scanned, not looked up"),
        DB,
        Option(("--limit",), "hits shown at most", type=int, default=20),
        Option(("--article",), "only articles whose URL/path or title contains this", shown="all"),
        Option(("--since",), "only articles dated on or after this (2024, 2024-05, 2024-05-01)", shown="any date"),
        Option(("--until",), "only articles dated on or before this", shown="any date"),
        JSON,
    )


class _Formatter(SafeFormatter):
    """ocrpipe's own records as "ocrpipe: LEVEL: ...", another library's under its own name;
    through the terminal sanitiser (SafeFormatter). A setting the library names for both callers
    ("max_images (--max-images on the command line)") is its flag alone, as in printed errors."""

    def format(self, record: logging.LogRecord) -> str:
        ours = record.name.split(".")[0] == "ocrpipe"
        record.who = "ocrpipe" if ours else record.name
        text = logging.Formatter.format(self, record)
        return safe(in_flags(text) if ours else text)


def _setup_logging(level: int) -> None:
    """-v/-vv raise ocrpipe's own log level only: other libraries (Pillow's PNG chunks at debug)
    stay at warnings."""
    root = logging.getLogger()
    if not root.handlers:  # as basicConfig: a host that set up logging (or pytest) keeps its own
        handler = logging.StreamHandler()
        handler.setFormatter(_Formatter("%(who)s: %(levelname)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
    log.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    # Parallelism is ocrpipe's own (worker processes); Tesseract's OpenMP threads only
    # fight it (on 2 cores a poster was 4x slower). A user's own setting wins.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version or a usage error: argparse has printed
        return _after_argparse(exc)
    except OSError as exc:  # what argparse printed could not be written (`--help > /dev/full`)
        return _after_argparse(exc)
    level = logging.WARNING if args.quiet or args.verbose == 0 else (logging.INFO if args.verbose == 1 else logging.DEBUG)
    _setup_logging(level)
    try:
        return int(args.func(args))
    except OcrpipeError as exc:
        say(f"ocrpipe: error: {field(in_flags(exc.message, exc.option, lead=True))}", file=sys.stderr)
        hint = _with_flag(exc.hint, exc.option)
        if hint:
            say(f"ocrpipe: hint: {field(hint)}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, as other Unix tools do
        _drop_stdout()
        return ExitCode.BROKEN_PIPE
    except OSError as exc:
        if exc.errno not in _WRITE_FAILED:
            return _unexpected(exc)
        # a full disk or a broken device under an output (stdout included) is not a bug
        _drop_stdout()
        say(f"ocrpipe: error: output could not be written: {field(exc.strerror or str(exc))}", file=sys.stderr)
        say("ocrpipe: hint: free some space or write somewhere else", file=sys.stderr)
        return ExitCode.OUTPUT_FAILED
    except KeyboardInterrupt:
        say("ocrpipe: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenProcessPool as exc:
        log.debug("worker pool broke", exc_info=True)
        say(f"ocrpipe: error: a recognition worker died ({exc or 'killed'})", file=sys.stderr)
        say("ocrpipe: hint: out of memory? try --jobs 1 or a lower --max-pixels; -vv shows the details", file=sys.stderr)
        return EngineError.exit_code
    except Exception as exc:
        return _unexpected(exc)


def _with_flag(hint: str, option: str | None) -> str:
    """The library's hint names a setting by its Python name (`expect`); here it names its flag
    ("give --expect a real clause count"), or adds the flag where it does not name the setting."""
    hint = in_flags(hint, option)
    if not option:
        return hint
    flag = flag_of(option)
    if not hint:
        return f"set it with {flag}"
    return hint if flag in hint else f"{hint} ({flag})"


def _after_argparse(exc: SystemExit | OSError) -> int:
    """argparse's own exit, unless what it printed could not be written (`--help > /dev/full`)."""
    code = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else ExitCode.BAD_INPUT
    try:
        if isinstance(exc, OSError):
            raise exc
        sys.stdout.flush()
    except BrokenPipeError:
        _drop_stdout()
        return ExitCode.BROKEN_PIPE
    except OSError as err:
        _drop_stdout()
        say(f"ocrpipe: error: output could not be written: {field(err.strerror or str(err))}", file=sys.stderr)
        return ExitCode.OUTPUT_FAILED
    return code


# errno values that mean an output could not be written (ENOSPC: /dev/full, a full disk)
_WRITE_FAILED = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _unexpected(exc: BaseException) -> int:
    log.debug("unexpected error", exc_info=exc)
    say(f"ocrpipe: error: unexpected {type(exc).__name__}: {field(str(exc)[:300])}", file=sys.stderr)
    say("ocrpipe: hint: this is a bug in ocrpipe; run again with -vv and report the log", file=sys.stderr)
    return ExitCode.UNEXPECTED


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not hit the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a real file (a test's capture): nothing will flush to a pipe


if __name__ == "__main__":
    raise SystemExit(main())
