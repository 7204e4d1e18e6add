"""Every command-line option, defined once: its flags, its help, and the config field it sets.

An option tied to a config field takes its default from the dataclass, so a default is
written in exactly one place (config.py), and its help always says what the default is.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocrpipe.config import (
    BACKENDS,
    BINARIZE,
    CACHE_ENV,
    PREFER,
    FetchConfig,
    OcrConfig,
    PreprocessConfig,
    default_cache_dir,
    flag_of,
)
from ocrpipe.errors import InputError
from ocrpipe.output._formats import parse_formats

_UNSET: Any = object()


@dataclass(frozen=True)
class Option:
    flags: tuple[str, ...]
    help: str
    config: Any = None  # the config dataclass whose `field` this option sets
    field: str = ""
    type: Callable[[str], Any] | None = None
    choices: Sequence[str] | None = None
    flag: bool = False  # a switch (store_true); with `invert`, it turns the field off
    invert: bool = False
    default: Any = _UNSET  # the parser's default, where it is not the config field's
    shown: str | None = None  # the default as the help says it, where it is not one plain value
    metavar: str | None = None
    nargs: str | None = None
    required: bool = False

    @property
    def dest(self) -> str:
        return self.flags[-1].lstrip("-").replace("-", "_")

    @property
    def positional(self) -> bool:
        return not self.flags[0].startswith("-")

    def parser_default(self) -> Any:
        if self.default is not _UNSET:
            return self.default
        if self.config is None:
            return None
        f = self.config.__dataclass_fields__[self.field]
        # a field computed at run time (cache dir, cores) is left to the dataclass: None here
        return None if f.default is dataclasses.MISSING else f.default

    def help_text(self) -> str:
        if self.flag or self.positional or self.required:
            return self.help
        shown = self.shown
        if shown is None:
            d = self.parser_default()
            shown = "none" if d is None else (f"{d:g}" if isinstance(d, float) else str(d))
        return f"{self.help} (default {shown})"

    def add_to(self, parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
        kw: dict[str, Any] = {"help": self.help_text()}
        if self.flag:
            kw["action"] = "store_true"
        else:
            for name in ("type", "choices", "metavar", "nargs"):
                if getattr(self, name) is not None:
                    kw[name] = getattr(self, name)
            if self.required:
                kw["required"] = True
            elif not self.positional:
                kw["default"] = self.parser_default()
        parser.add_argument(*self.flags, **kw)


def add_group(parser: argparse.ArgumentParser, title: str, options: Iterable[Option]) -> None:
    group = parser.add_argument_group(title)
    for opt in options:
        opt.add_to(group)


def config_kwargs(args: argparse.Namespace, cls: type, options: Iterable[Option]) -> dict[str, Any]:
    """The fields of `cls` the command line set; a None leaves the dataclass's own default."""
    kw: dict[str, Any] = {}
    for opt in options:
        if opt.config is not cls:
            continue
        value = getattr(args, opt.dest)
        if opt.invert:
            value = not value
        if value is not None:
            kw[opt.field] = value
    return kw


def fetch_options() -> list[Option]:
    F = FetchConfig
    return [
        Option(("--all-images",), "keep every image, not only the poster series", F, "all_images", flag=True),
        Option(("--refresh",), "download again even when the cache has the image", F, "use_cache", flag=True, invert=True),
        Option(
            ("--cache-dir",), "download cache", F, "cache_dir", type=path_arg, shown=f"${CACHE_ENV} or {default_cache_dir()}"
        ),
        Option(("--prefer",), "try the real image URL or the proxied one first", F, "prefer", choices=PREFER),
        Option(("--workers",), "concurrent downloads", F, "workers", type=int),
        Option(("--timeout",), "read timeout per request in seconds", F, "read_timeout", type=float),
        Option(("--connect-timeout",), "connect timeout in seconds", F, "connect_timeout", type=float),
        Option(("--tries",), "tries per URL", F, "tries", type=int),
        Option(("--deadline",), "seconds for one image's whole download, all URLs and tries", F, "deadline", type=float),
        Option(("--max-bytes",), "size cap per image in bytes", F, "max_bytes", type=int),
        Option(("--max-images",), "images fetched per article at most", F, "max_images", type=int),
        Option(
            ("--allow-private",),
            "let a remote article's images reach loopback, private and link-local addresses",
            F,
            "allow_private",
            flag=True,
        ),
        Option(("--referer",), "send this Referer", F, "referer", shown="none, as the seed page asks"),
    ]


def ocr_options() -> list[Option]:
    from ocrpipe.config import SEGMENTS
    from ocrpipe.recognition.engines import ENGINES

    Oc, P = OcrConfig, PreprocessConfig
    segment_defaults = {e.default_segment for e in ENGINES.values()}
    segment_shown = (
        next(iter(segment_defaults))
        if len(segment_defaults) == 1
        else ", ".join(f"{e.default_segment} for {e.name}" for e in ENGINES.values())
    )
    return [
        Option(
            ("--engine",),
            "; ".join(f"{e.name}: {e.summary}" for e in ENGINES.values()),
            Oc,
            "engine",
            choices=tuple(ENGINES),
        ),
        Option(("--jobs",), "images recognised in parallel", Oc, "jobs", type=int, shown="all cores"),
        Option(("--backend",), "Tesseract binding", Oc, "backend", choices=BACKENDS, shown="auto: tesserocr when installed"),
        Option(("--lang",), "Tesseract language(s), a+b for several (chi_sim+eng)", Oc, "lang"),
        Option(
            ("--tessdata",), "folder holding <lang>.traineddata", Oc, "tessdata", type=path_arg, shown="found automatically"
        ),
        Option(("--ocr-timeout",), "seconds per recognition call", Oc, "timeout", type=float),
        Option(
            ("--segment",),
            "detect: lines found by the DB text detector (ocrpipe/models/); lines: the classical line finder; "
            "page: one cleaned page; engine: the engine's own detector (rapidocr only)",
            P,
            "segment",
            choices=SEGMENTS,
            default=None,  # None: the engine's own default, chosen in commands._ocr_configs
            shown=segment_shown,
        ),
        Option(("--binarize",), "binarise line images before recognition", P, "binarize", choices=BINARIZE),
        Option(("--no-deskew",), "do not straighten rotated posters", P, "deskew", flag=True, invert=True),
        Option(("--max-pixels",), "refuse images with more decoded pixels than this", P, "max_pixels", type=int),
        Option(
            ("--debug",),
            "write the ink mask and a numbered line-box overlay per image to DIR",
            metavar="DIR",
            type=path_arg,
            shown="off",
        ),
    ]


def formats_arg(spec: str) -> tuple[str, ...]:
    """--formats/--to: argparse reports a bad name as a usage error (exit 2), never a traceback."""
    try:
        return parse_formats(spec)
    except InputError as exc:
        raise argparse.ArgumentTypeError(f"{exc.message} ({exc.hint})") from None


def path_arg(text: str) -> Path:
    """A file or folder option: an empty one (`--out "$UNSET"`) is a usage error (exit 2), not the
    current folder (Path("") is "."; a run wrote its images/ and result.json there)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path (an unset shell variable?); give a file or folder name")
    return Path(text)


def image_file_arg(text: str) -> Path:
    """An image file of `ocrpipe ocr`: a URL is refused as such, its text intact (a Path made
    'http://h/x.jpg' into 'http:/h/x.jpg', reported as no such file)."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", text):
        raise argparse.ArgumentTypeError(
            f"{text}: ocr takes image files, not URLs; download it first, or run `ocrpipe run {text}`"
        )
    return path_arg(text)


def text_arg(text: str) -> str:
    """A non-empty string argument (an article: "" was read as the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("it is empty (an unset shell variable?)")
    return text


def port_arg(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535; out of range was a traceback-free 'bug' (exit 1)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: give 0 (any free port) to 65535")
    return port


# options of more than one command, outside the configs
FORMATS_OPTION = Option(
    ("--formats",),
    "also write standard outputs, comma-separated: hocr (DIR/hocr/NNN.hocr), alto (DIR/alto/NNN.xml), "
    "pdf (DIR/article.pdf, searchable)",
    type=formats_arg,
    default=(),
    metavar="LIST",
    shown="none",
)
OUT = Option(("--out",), "output directory", type=path_arg, required=True)
JSON = Option(("--json",), "print JSON", flag=True)
DB = Option(("--db",), "the corpus store, one SQLite file", type=path_arg, shown="$OCRPIPE_DB or ./ocrpipe.db")
ARTICLE = Option(
    ("article",),
    "article file (.md/.html), article URL, list of image URLs, image directory, or - (standard input)",
    type=text_arg,
)


def add_common(parser: argparse.ArgumentParser) -> None:
    """-v and -q, on every command and at every level of `corpus`.

    Their parser defaults are suppressed so that a subcommand's parser does not overwrite
    what an outer level parsed (`ocrpipe corpus -v -q status`); main() fills them in.
    """
    parser.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="more log output (-vv for debug; default warnings)"
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bar or summary; errors only"
    )


# a setting named for both callers in recorded text (config.on_both): "max_pixels (--max-pixels on the command line)"
_ON_BOTH = re.compile(r"\b([a-z][a-z0-9_]*) \((--[a-z0-9-]+) on the command line\)")


def in_flags(text: str, option: str | None = None, *, lead: bool = False) -> str:
    """Library text as the command line says it: by flags, not by the Python API's names.

    A setting named for both callers is its flag alone ("raise --max-pixels"). `option`, the
    setting an error is about, is named by its flag where the text names it as a word ("give
    --since a year, ...", "set --segment to lines"); with `lead`, only where the text starts with
    it ("--limit must be ..."): a message holds paths and values, a hint only words.
    """
    text = _ON_BOTH.sub(lambda m: m[2] if flag_of(m[1]) == m[2] else m[0], text)
    if option:
        word = re.escape(option)
        # not part of a path, a file name, a flag or `code` ("c.db", "/out/", "`dask scheduler`")
        pattern = rf"^{word}(?= )" if lead else rf"(?<![\w./`$-]){word}(?![\w/`-]|\.\w)"
        flag = flag_of(option)
        text = re.sub(pattern, lambda _: flag, text)
    return text
