"""Command line: the only place that prints and chooses exit codes."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from ._version import __version__
from .config import FetchConfig, default_cache_dir
from .errors import OcrpipeError

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


def _add_fetch_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("fetching")
    g.add_argument("--all-images", action="store_true", help="keep every image, not only the poster series")
    g.add_argument("--refresh", action="store_true", help="download again even when the cache has the image")
    g.add_argument("--cache-dir", type=Path, default=None,
                   help=f"download cache (default $OCRPIPE_CACHE_DIR or {default_cache_dir()})")
    g.add_argument("--prefer", choices=("real", "proxy"), default="real",
                   help="try the real image URL or the proxied one first (default real)")
    g.add_argument("--workers", type=int, default=4, help="concurrent downloads (default 4)")
    g.add_argument("--timeout", type=float, default=30.0, help="read timeout per request in seconds (default 30)")
    g.add_argument("--connect-timeout", type=float, default=10.0, help="connect timeout in seconds (default 10)")
    g.add_argument("--tries", type=int, default=4, help="tries per URL (default 4)")
    g.add_argument("--max-bytes", type=int, default=50 * 1024 * 1024, help="size cap per image (default 50 MB)")
    g.add_argument("--referer", default=None, help="send this Referer (default: none, as the seed page asks)")


def _fetch_config(args: argparse.Namespace) -> FetchConfig:
    kw = dict(
        connect_timeout=args.connect_timeout, read_timeout=args.timeout, tries=args.tries,
        max_bytes=args.max_bytes, workers=args.workers, prefer=args.prefer, use_cache=not args.refresh,
        referer=args.referer, all_images=args.all_images,
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
    return parser


def _report_fetch_failures(result) -> int:
    for im in result.failed:
        print(f"ocrpipe: image {im.index} failed: {im.error}", file=sys.stderr)
    return 4 if result.failed else 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from .fetch import Fetcher
    from .sources import load_article

    config = _fetch_config(args)
    with Fetcher(config) as fetcher:
        article = load_article(args.article, fetcher.downloader, all_images=config.all_images)
        result = fetcher.fetch(article, args.out, progress=Progress("fetch", not args.quiet))
    ok, failed = len(result.ok), len(result.failed)
    excluded = sum(1 for im in result.images if im.status == "excluded")
    cached = sum(1 for im in result.ok if im.from_cache)
    if not args.quiet:
        print(f"{ok} images ok ({cached} from cache), {failed} failed, {excluded} excluded -> {args.out / 'manifest.json'}")
    return _report_fetch_failures(result)


def main(argv: Sequence[str] | None = None) -> int:
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
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
