"""Turn what the user passed (file, URL, list, directory) into an Article."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from ocrpipe._io import LocalReadError, read_regular_file
from ocrpipe.acquire._article import Article, ImageRef, parse_article, promised_count, split_front_matter, unwrap_proxy
from ocrpipe.acquire._dom import decode_html
from ocrpipe.acquire._fetch import Fetcher
from ocrpipe.acquire._http import Downloader
from ocrpipe.acquire._imageio import IMAGE_MAGIC, IMAGE_SUFFIXES, check_image_file
from ocrpipe.acquire._markdown import has_markdown_images, markdown_to_html
from ocrpipe.acquire._netguard import FetchPolicy
from ocrpipe.acquire._saved import complete_folder, looks_like_mhtml, read_mhtml, with_saved_files
from ocrpipe.errors import ArticleError, FetchError, InputError
from ocrpipe.output._results import ArticleMeta

log = logging.getLogger(__name__)

_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def is_url(text: str) -> bool:
    """Text that opens with a URL scheme (http://, ftp://, …): an address, not a file name."""
    return _URL_RE.match(text) is not None


# An article, a list or a single poster named as the article; a saved .mhtml carries its posters too.
MAX_ARTICLE_BYTES = 128 * 1024 * 1024


def natural_key(name: str) -> list:
    """Sort key so that 'p2' comes before 'p10'."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name)]


def _images_article(refs: list[ImageRef], title: str | None, location: str) -> Article:
    if not refs:
        raise ArticleError(f"{location}: no images found")
    return Article(meta=ArticleMeta(title=title, location=location, promised_count=promised_count(title)), images=tuple(refs))


def _from_directory(path: Path) -> Article:
    files = sorted(
        (p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES), key=lambda p: natural_key(p.name)
    )
    if not files:
        raise ArticleError(f"{path}: no images found in this folder", _folder_hint(path))
    refs = [ImageRef(index=i, urls=(p.resolve().as_uri(),)) for i, p in enumerate(files)]
    return _images_article(refs, path.resolve().name, str(path))


_ARTICLE_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".mhtml", ".mht", ".txt")


def _folder_hint(path: Path) -> str:
    """What to pass instead of a folder without images: the article file in it, or a subfolder of images."""
    try:
        entries = sorted(path.iterdir(), key=lambda p: natural_key(p.name))[:1000]
    except OSError:
        entries = []
    fetched = _fetched_article(path)
    if fetched is not None:  # `ocrpipe fetch ARTICLE --out DIR` made it: DIR/images alone would lose the article
        return (
            f"it holds a downloaded article (manifest.json): run the article itself, ocrpipe run {fetched} --out {path} "
            f"(its images again, from the download cache for a URL), or pass {path / 'images'} for the images alone"
        )
    articles = [p for p in entries if p.is_file() and p.suffix.lower() in _ARTICLE_SUFFIXES]
    if articles:
        return f"it holds an article file: pass that instead, e.g. {articles[0]}"
    for sub in (p for p in entries if p.is_dir()):
        try:
            if any(p.suffix.lower() in IMAGE_SUFFIXES for p in sub.iterdir()):
                return f"its subfolder {sub} holds images: pass that folder"
        except OSError:
            continue
    return f"a folder is read as its image files ({', '.join(sorted(IMAGE_SUFFIXES))}) in name order"


def _fetched_article(path: Path) -> str | None:
    """The article location a fetch folder's manifest.json records, if it is one."""
    try:
        manifest = json.loads(read_regular_file(path / "manifest.json", 1 << 24))
        location = manifest["article"]["location"]
    except (LocalReadError, ValueError, KeyError, TypeError):
        return None
    return location if isinstance(location, str) and location else None


def _from_list(text: str, path: Path, location: str) -> Article:
    refs: list[ImageRef] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if is_url(line):
            real, proxy = unwrap_proxy(line)
            refs.append(ImageRef(index=len(refs), urls=(real,), proxy_urls=(proxy,) if proxy else ()))
        else:
            # abspath, not resolve(): a NUL or other junk must fail that one image, not the list
            local = Path(os.path.abspath(path.parent / line))
            refs.append(ImageRef(index=len(refs), urls=(local.as_uri(),)))
    # a list names no title: a list file gives its name ("march" for march.txt); one read from
    # standard input has no name, so none (its "path" "-" is no title)
    return _images_article(refs, None if location.startswith(STDIN_PREFIX) else path.stem, location)


def _is_markdown(url: str, ctype: str | None, text: str) -> bool:
    """A Markdown body at a URL: served as text/markdown, named .md, or plain text with ![](image) links."""
    mime = (ctype or "").split(";")[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml"):
        return False
    if "markdown" in mime or urlsplit(url).path.lower().endswith((".md", ".markdown")):
        return True
    return mime == "text/plain" and has_markdown_images(text) and "<img" not in text.lower()


def _looks_like_list(text: str) -> bool:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    if not lines:
        return False
    return all(_list_entry(ln) for ln in lines)


def _list_entry(line: str) -> bool:
    return is_url(line) or line.lower().endswith(IMAGE_SUFFIXES)


def _not_a_list_entry(text: str) -> str:
    """In a text meant as a list of images (some of its lines are image URLs or paths), the first
    line that is not one, as 'line N (...)'; "" when no line is an image entry."""
    numbered = [(n, ln.strip()) for n, ln in enumerate(text.splitlines(), 1) if ln.strip() and not ln.strip().startswith("#")]
    if not any(_list_entry(ln) for _n, ln in numbered):
        return ""
    n, bad = next((n, ln) for n, ln in numbered if not _list_entry(ln))
    return f"; line {n} ({bad[:80]!r}) is neither an image URL nor an image path"


STDIN_PREFIX = "stdin:sha256:"


def stdin_location(data: bytes) -> str:
    """The location of an article read from standard input: its bytes' sha256 (16 hex digits),
    so a corpus keys it by what was read: the same list piped twice is one article, two lists two."""
    return STDIN_PREFIX + hashlib.sha256(data).hexdigest()[:16]


def load_article(
    spec: str, downloader: Downloader | None = None, all_images: bool = False, data: bytes | None = None
) -> Article:
    """Read an article from a path or URL: article file, HTML, URL list, directory, or single image.

    With `data` (spec "-": standard input), those bytes are the article file or list, and
    relative paths in them are taken from the current directory; its location is
    stdin_location(data), which names what was read (every run from standard input had
    "<cwd>/-", and `corpus import` took two unrelated runs for one article).
    """
    if data is not None:
        if data.startswith(IMAGE_MAGIC):
            raise InputError("an image on standard input is read by the command line, not as an article")
        return _from_text(data, Path.cwd() / "-", stdin_location(data), all_images)
    if re.match(r"https?://", spec, re.I):
        if not _url_host(spec):
            raise InputError(f"{spec}: not a URL ocrpipe can fetch (it names no host)", "give an article's http(s) address")
        return _from_url(spec, downloader, all_images)

    # The location is recorded absolute: a relative one would mean something else to whoever
    # reads the result from another directory (`corpus import`, the review page).
    path = Path(os.path.abspath(spec)) if "\x00" not in spec else Path(spec)
    if not path.exists():
        raise InputError(f"{spec}: no such file or directory", "check the path, or give an http(s) URL")
    if path.is_dir():
        return _from_directory(path)
    spec = str(path)
    try:
        data = read_regular_file(path, MAX_ARTICLE_BYTES)
    except LocalReadError as exc:
        raise InputError(
            f"{spec}: cannot read: {exc}", "give an article file, a saved page (.mhtml), a list, a folder or a URL"
        ) from None
    if data.startswith(IMAGE_MAGIC):
        return _images_article([ImageRef(index=0, urls=(path.resolve().as_uri(),))], path.stem, spec)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        check_image_file(spec, data)  # empty, or no image format inside: the same refusal as `ocr`'s
    return _from_text(data, path, spec, all_images)


def _url_host(url: str) -> str:
    """The host a URL names ("" when none, or when it cannot be parsed)."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _from_url(spec: str, downloader: Downloader | None, all_images: bool) -> Article:
    """An article URL: a page, a Markdown file served as such, or the URL of one poster."""
    if downloader is None:
        raise InputError("a downloader is needed to read an article URL")
    # the page's redirects follow the rule its images do: its own host and port (the user named
    # them), but no other internal address (a public page redirecting to 169.254.169.254 was followed)
    policy = FetchPolicy.for_article(spec, downloader.config.allow_private, Fetcher.resolver)
    page_downloader = downloader.with_policy(policy)
    try:
        body, ctype = page_downloader.get_page(spec)
    except FetchError as exc:
        raise FetchError(f"cannot download the article page: {exc.message}") from exc
    finally:
        page_downloader.close()
    if body.startswith(IMAGE_MAGIC):  # the URL of one poster: read as a one-image article
        name = Path(urlsplit(spec).path).stem or urlsplit(spec).hostname or spec
        return _images_article([ImageRef(index=0, urls=(spec,))], name, spec)
    html = decode_html(body, ctype)
    if _is_markdown(spec, ctype, html):  # a Markdown article served as such (a raw .md file)
        _front, md = split_front_matter(html)
        html = html[: len(html) - len(md)] + markdown_to_html(md)
    article = parse_article(html, location=spec, base_url=spec, all_images=all_images, page_url=spec)
    return _with_embedded_checked(article, spec, html, f"{spec}: the page holds no <img> images")


def _from_text(data: bytes, path: Path, spec: str, all_images: bool) -> Article:
    """An article file, a saved page (.mhtml or "Webpage, complete") or a list of image URLs."""
    if looks_like_mhtml(path, data):
        article = read_mhtml(data, spec, all_images=all_images)
        if not article.images:
            raise ArticleError(f"{spec}: the saved page holds no images")
        return article
    text = decode_html(data)
    if _looks_like_list(text):
        return _from_list(text, path, spec)
    if path.suffix.lower() in (".md", ".markdown") or has_markdown_images(text):
        _front, body = split_front_matter(text)
        text = text[: len(text) - len(body)] + markdown_to_html(body)
    if "<" not in text and not text.lstrip().startswith("---"):
        raise ArticleError(
            f"{spec}: neither an article nor a list of image URLs{_not_a_list_entry(text)}",
            "an article is HTML, Markdown with ![](image) links, or either under YAML front matter; "
            "a list is one image URL or path per line",
        )
    article = parse_article(text, location=spec, base_url=path.resolve().as_uri(), all_images=all_images)
    folder = complete_folder(path)
    if folder is not None:  # "Webpage, complete": the images' copies beside the page
        article = with_saved_files(article, folder)
    return _with_embedded_checked(
        article, spec, text, f"{spec}: the article holds no images (no <img> tag or Markdown ![](...) link)"
    )


def _with_embedded_checked(article: Article, spec: str, text: str, no_images: str) -> Article:
    """The article, after the images embedded in its page as data: URIs are accounted for: with
    nothing else it is refused with a hint to save the page with its images as files; beside linked
    images a warning counts them. The same for a local page and one read over http(s)."""
    embedded = len(_EMBEDDED_IMAGE.findall(text))
    if not article.images:
        if embedded:
            raise ArticleError(
                f"{spec}: the article's images ({embedded}) are embedded in the page as data: URIs, "
                "which ocrpipe does not read",
                'save the page with its images as files ("Webpage, complete") or as .mhtml, or pass a folder of the images',
            )
        raise ArticleError(no_images)
    if embedded:
        log.warning("%s: images embedded as data: URIs (%d) were not read; only linked images are", spec, embedded)
    return article


# an image embedded in the page (SingleFile and some editors): a data: URI long enough to be a picture,
# not a lazy-load placeholder (a 1x1 GIF is under 100 characters)
_EMBEDDED_IMAGE = re.compile(r"""\bsrc\s*=\s*["']?\s*data:image/[a-z+.-]{1,20};base64,[A-Za-z0-9+/=\s]{3000}""", re.I)
