"""Parse an article (optional YAML front matter + HTML) into metadata and its image series.

Pure functions over text: no network, no files. `_sources.py` decides where the text
comes from; `_meta.py` reads title, date, author, source and canonical URL by priority
lists; `_promise.py` the promised count; `_series.py` which images are the posters.
URLs are resolved as a browser does: `<base href>`, `//host` with the page's scheme, `../`
against the page, lazy-loading attributes, `<noscript>` fallbacks and CSS backgrounds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote, urljoin, urlsplit

import yaml

from ocrpipe.acquire._dom import Node, parse_html
from ocrpipe.acquire._meta import clean, prose_text, read_page_meta
from ocrpipe.acquire._promise import find_promise, promised_count
from ocrpipe.acquire._refs import Article, ImageRef
from ocrpipe.acquire._series import markup_reason, select_by_hints
from ocrpipe.output._results import ArticleMeta
from ocrpipe.structure._numerals import chinese_number

log = logging.getLogger(__name__)

# Attributes that lazy-loading pages use for the real image, most specific first; srcset's
# largest candidate comes before src, as a browser on a large screen would choose it.
LAZY_ATTRS = ("data-original", "data-src", "data-actualsrc", "data-lazy-src", "data-original-src", "data-echo", "data-url")
SOURCE_LINE_RE = re.compile(r"来源\s*[：:]")
# A lazy image's stand-in until a script swaps the real URL in.
PLACEHOLDER_RE = re.compile(
    r"(?:^|[/_\-.])(?:blank|spacer|placeholder|loading|lazy|grey|gray|transparent|pixel|1x1|default)[^/]*$", re.I
)
CSS_URL_RE = re.compile(r"background(?:-image)?\s*:[^;]*?url\(\s*(['\"]?)(?P<u>[^'\")]+)\1\s*\)", re.I)
CSS_PX_RE = re.compile(r"(?<![-\w])(?P<k>width|height)\s*:\s*(?P<v>\d{1,5})(?:\.\d+)?px", re.I)
# The container of the article's text and posters on news portals, public-account pages and government CMSs.
BODY_RE = re.compile(
    r"js_content|rich_media_content|article[-_]?(?:content|body|main|text|con)|post[-_]?(?:content|body)|entry[-_]content|"
    r"(?:^|\s)(?:content|article|main[-_]?content|detail[-_]?content|text[-_]?content)(?:\s|$)|trs_editor|trs_ueditor|"
    r"ucap[-_]content|pages_content|art[-_]?con|news[-_]?(?:content|text|body)|zoom|con[-_]?text"
)
RELATED_CLASS_RE = re.compile(
    r"relat|recommend|tuijian|xgyd|xgxw|xgwz|xgwj|more[-_]?news|hot[-_]?news|read[-_]?more|readmore|guess|also[-_]?read|"
    r"extend[-_]?read|rec[-_]?list|side[-_]?bar|sidebar"
)
RELATED_TEXT_RE = re.compile(
    r"相关阅读|推荐阅读|相关新闻|延伸阅读|热门推荐|猜你喜欢|相关文章|相关链接|相关文件|往期回顾|往期推荐|热点推荐|更多阅读"
)
OUTSIDE_TAGS = {"header", "nav", "footer", "aside"}
TYPES = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "webp": "webp", "bmp": "bmp", "avif": "avif", "svg": "svg"}


# --------------------------------------------------------------------------- urls


def _split(url: str) -> SplitResult | None:
    """urlsplit, or None for a URL it refuses (`http://[::1`: an unclosed IPv6 bracket)."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _url_path(url: str) -> str:
    return parts.path if (parts := _split(url.strip())) else ""


def unwrap_proxy(url: str) -> tuple[str, str | None]:
    """Split a CORS-proxy URL into (real URL, proxied URL); (url, None) if not proxied.

    Handles `https://proxy/?http://real/x.jpg` and `https://proxy/?url=http%3A...`. A URL
    that does not parse is no proxy URL: its image fails at the download, as in a browser.
    """
    parts = _split(url)
    query = parts.query if parts else ""
    if not query:
        return url, None
    inner = unquote(query) if re.match(r"https?%3A", query, re.I) else query
    if re.match(r"https?://", inner, re.I):
        return inner, url
    for _key, value in parse_qsl(query, keep_blank_values=False):
        if re.match(r"https?://", value, re.I):
            return value, url
    return url, None


def _largest_srcset(srcset: str) -> str | None:
    best, best_score = None, -1.0
    for item in srcset.split(","):
        bits = item.strip().split()
        if not bits:
            continue
        score = 1.0
        if len(bits) > 1:
            m = re.match(r"([\d.]+)([wx])$", bits[1])
            if m:
                try:
                    score = float(m.group(1))
                except ValueError:
                    score = 1.0
        if score > best_score:
            best, best_score = bits[0], score
    return best


@dataclass(frozen=True)
class PageBase:
    """What relative URLs resolve against: the document's base and the page's own scheme."""

    base: str | None
    scheme: str = "https"  # for //host/x; a page read from disk does not say, https is the web's default


def resolve_url(url: str, page: PageBase) -> str | None:
    """A URL as a browser resolves it on that page; None for data:, javascript: and the like."""
    url = url.strip()
    if not url or url.lower().startswith(("data:", "javascript:", "about:", "blob:", "#")):
        return None
    if url.startswith("//"):
        return f"{page.scheme}:{url}"
    if re.match(r"[a-z][a-z0-9+.-]*:", url, re.I) and not re.match(r"[a-z]:[\\/]", url, re.I):
        return url
    return urljoin(page.base, url) if page.base else url


def type_hint(url: str) -> str | None:
    """The image type a URL names: its extension, or wx_fmt= / tp= where it has none."""
    parts = _split(url)
    if parts is None:
        return None
    for key, value in parse_qsl(parts.query):
        if key.lower() in ("wx_fmt", "tp", "fmt", "format") and value.lower() in TYPES:
            return TYPES[value.lower()]
    m = re.search(r"\.([a-z]{3,4})$", parts.path, re.I)
    return TYPES.get(m.group(1).lower()) if m else None


def _int_attr(value: str | None) -> int | None:
    """A pixel size from an attribute; '100%' or 'auto' says nothing about the image."""
    if value is None:
        return None
    m = re.match(r"\s*(\d{1,6})(?:\.\d+)?\s*(px)?\s*$", value)
    return int(m.group(1)) if m and int(m.group(1)) > 0 else None


# --------------------------------------------------------------------------- images


@dataclass
class _Found:
    """An image candidate before selection: its ref, element and position in document order."""

    ref: ImageRef
    node: Node
    pos: int


def _walk(root: Node) -> Iterator[tuple[int, Node | str]]:
    """Elements and text in document order, with a running position."""
    stack: list[Node | str] = [root]
    pos = 0
    while stack:
        item = stack.pop()
        if isinstance(item, Node):
            if item.tag in ("script", "style", "template", "head"):
                continue
            stack.extend(reversed(item.children))
        pos += 1
        yield pos, item


def _urls(raw: list[str], page: PageBase) -> tuple[list[str], list[str]]:
    real: list[str] = []
    proxied: list[str] = []
    for r in raw:
        resolved = resolve_url(r, page)
        if not resolved:
            continue
        inner, proxy = unwrap_proxy(resolved)
        if inner not in real:
            real.append(inner)
        if proxy and proxy not in proxied:
            proxied.append(proxy)
    return real, proxied


def _img_raw_urls(node: Node) -> list[str]:
    raw = [node.get(name) for name in LAZY_ATTRS if node.get(name).strip()]
    srcset = node.get("srcset") or node.get("data-srcset")
    if srcset:
        best = _largest_srcset(srcset)
        if best:
            raw.append(best)
    if node.get("src").strip():
        raw.append(node.get("src"))
    # A placeholder is no image of the article: with nothing else, the <noscript> copy is.
    return [u for u in raw if not PLACEHOLDER_RE.search(_url_path(u))]


def _hints(node: Node) -> tuple[int | None, int | None]:
    style = {m["k"].lower(): int(m["v"]) for m in CSS_PX_RE.finditer(node.get("style"))}
    w = _int_attr(node.get("data-w") or node.get("data-width") or node.get("width")) or style.get("width")
    h = _int_attr(node.get("data-h") or node.get("data-height") or node.get("height")) or style.get("height")
    ratio = node.get("data-ratio")
    if w and not h and ratio:
        try:
            r = float(ratio)
        except ValueError:
            r = 0.0
        if 0 < r < 100:
            h = round(w * r)
    return w, h


def _collect(root: Node, page: PageBase) -> tuple[list[_Found], list[tuple[int, str]]]:
    """Every image candidate in document order, and the text events (position, text)."""
    found: list[_Found] = []
    texts: list[tuple[int, str]] = []
    seen: set[str] = set()
    lazy_without_url: Node | None = None  # an <img> whose real URL only its <noscript> twin has

    def add(node: Node, pos: int, raw: list[str], origin: str, hints: tuple[int | None, int | None]) -> bool:
        real, proxied = _urls(raw, page)
        if not real and not proxied:
            return False
        key = (real or proxied)[0]
        if key in seen:
            return True
        seen.add(key)
        ref = ImageRef(
            index=len(found),
            urls=tuple(real),
            proxy_urls=tuple(proxied),
            width_hint=hints[0],
            height_hint=hints[1],
            type_hint=type_hint(key),
            origin=origin,
        )
        found.append(_Found(ref, node, pos))
        return True

    for pos, item in _walk(root):
        if isinstance(item, str):
            if item.strip():
                texts.append((pos, item))
            continue
        node = item
        if node.tag == "img":
            in_noscript = any(a.tag == "noscript" for a in node.ancestors())
            if in_noscript:
                if lazy_without_url is not None:
                    hints = _hints(lazy_without_url)
                    own = _hints(node)
                    add(node, pos, _img_raw_urls(node), "noscript", (hints[0] or own[0], hints[1] or own[1]))
                    lazy_without_url = None
                continue  # otherwise the same image as the lazy <img> before it
            ok = add(node, pos, _img_raw_urls(node), "img", _hints(node))
            lazy_without_url = None if ok else node
        elif "url(" in node.get("style"):
            m = CSS_URL_RE.search(node.get("style"))
            if m and not any(a.tag in OUTSIDE_TAGS for a in (node, *node.ancestors())):
                add(node, pos, [m.group("u")], "css", _hints(node))
    return found, texts


def _find_body(root: Node, found: list[_Found]) -> Node | None:
    """The innermost article-body container holding at least half of the page's images."""
    if not found:
        return None
    best: tuple[int, Node] | None = None
    for node in root.iter():
        if node.tag in ("html", "body", "#document") or not BODY_RE.search(node.classes):
            continue
        inside = sum(1 for f in found if node.contains(f.node))
        if inside * 2 < len(found) or inside == 0:
            continue
        depth = sum(1 for _ in node.ancestors())
        if best is None or depth > best[0]:
            best = (depth, node)
    return best[1] if best else None


def _markup_text(node: Node, stop: Node | None, levels: int = 4) -> str:
    """Class, id, alt, title and file name of an image, and the classes of a few of its containers."""
    bits = [node.classes, node.get("alt"), node.get("title")]
    for u in (node.get("src"), node.get("data-src"), node.get("data-original")):
        path = _url_path(u)
        if path:
            bits.append(path.rsplit("/", 1)[-1])
    for i, a in enumerate(node.ancestors()):
        if a is stop or i >= levels:
            break
        bits.append(a.classes)
    return " ".join(bits)


def _structure(found: list[_Found], texts: list[tuple[int, str]], body: Node | None) -> list[ImageRef]:
    """Leave out what the page's structure says is not the article's own poster."""
    out: list[ImageRef] = []
    body_imgs = [f for f in found if body is None or body.contains(f.node)]
    first_pos = body_imgs[0].pos if body_imgs else 0
    related_at = next(
        (p for p, t in texts if p > first_pos and len(t.strip()) <= 16 and RELATED_TEXT_RE.search(t)),
        None,
    )
    for f in found:
        reason = None
        if any(RELATED_CLASS_RE.search(a.classes) for a in f.node.ancestors() if body is None or not a.contains(body)):
            reason = "in a related-reading block: another article's image"
        elif body is not None and not body.contains(f.node):
            reason = "outside the article body (page header, sidebar or footer)"
        elif related_at is not None and f.pos > related_at:
            reason = "after a related-reading heading: another article's image"
        else:
            reason = markup_reason(_markup_text(f.node, body))
        out.append(f.ref if reason is None else replace(f.ref, in_series=False, excluded_reason=reason))
    # The "来源：…" line closes the seed's body: images after it are promos, when most come before it.
    src_pos = next((p for p, t in texts if SOURCE_LINE_RE.search(t)), None)
    if src_pos is not None:
        before = sum(1 for f, r in zip(found, out) if r.in_series and f.pos < src_pos)
        after = sum(1 for f, r in zip(found, out) if r.in_series and f.pos > src_pos)
        if before > after:
            out = [
                replace(r, in_series=False, excluded_reason="after the article's source line")
                if r.in_series and f.pos > src_pos
                else r
                for f, r in zip(found, out)
            ]
    return out


def select_series(images: list[ImageRef]) -> list[ImageRef]:
    """Size hints: see `_series.select_by_hints`."""
    return select_by_hints(images)


# --------------------------------------------------------------------------- front matter


MAX_FRONT_MATTER = 64 * 1024  # bytes; real front matter is a few hundred
MAX_YAML_DEPTH = 20


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader without aliases (no "billion laughs") and with a nesting limit (no RecursionError)."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in front matter", self.peek_event().start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def split_front_matter(text: str) -> tuple[dict, str]:
    """Return (front matter mapping, body). Malformed or hostile front matter is logged and ignored."""
    text = text.lstrip("\ufeff \t\r\n")
    m = re.match(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", text, re.S)
    if not m:
        return {}, text
    body = text[m.end() :]
    if len(m.group(1)) > MAX_FRONT_MATTER:
        log.warning("ignoring front matter of %d characters (limit %d)", len(m.group(1)), MAX_FRONT_MATTER)
        return {}, body
    try:
        data = yaml.load(m.group(1), Loader=_FrontMatterLoader)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        # ValueError etc.: a value YAML parses but Python refuses, such as date: 2022-13-45
        log.warning("ignoring malformed front matter: %s", (str(exc).splitlines() or [type(exc).__name__])[0])
        return {}, body
    return (data if isinstance(data, dict) else {}), body


# --------------------------------------------------------------------------- entry point


def _categories(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if v is not None and str(v).strip())
    return (str(value).strip(),) if str(value).strip() else ()


def _lead(root: Node, body: Node | None, title: str | None) -> list[str]:
    """The article's first paragraphs of prose: where a plain-titled notice states its count."""
    out = []
    skip = re.compile(r"^\s*(?:来源|作者|发布时间|发布日期|时间|日期|编辑|责任编辑|字号|分享|【)")
    for para in prose_text(body or root).split("\n"):  # a nav's "热点：…30条" is no lead
        para = clean(para) or ""
        if len(para) < 8 or skip.match(para) or (title and para in title):
            continue
        out.append(para)
        if len(out) >= 3:
            break
    return out


def _page_base(root: Node, base_url: str | None, page_url: str | None) -> PageBase:
    """<base href> over the page's own URL; the scheme //host takes is the page's (or its saved origin's)."""
    base = base_url
    for node in root.find_all("base"):
        href = node.get("href").strip()
        if href:
            # a base URL that does not parse is ignored, as a browser ignores it
            if _split(href) is not None:
                base = urljoin(base, href) if base else href
            break
    scheme = "https"
    for candidate in (page_url, root.get("saved-from"), base_url):
        if candidate and re.match(r"https?://", candidate, re.I):
            scheme = urlsplit(candidate).scheme.lower()
            break
    return PageBase(base, scheme)


def parse_article(
    text: str,
    location: str | None = None,
    base_url: str | None = None,
    all_images: bool = False,
    page_url: str | None = None,
) -> Article:
    """Parse article text (optional YAML front matter + HTML) into an Article.

    `base_url` is what relative URLs resolve against (the page's URL, or the file's for a
    local page); `page_url` the address the page was published at, when that differs (a
    saved page's origin).
    """
    front, body_text = split_front_matter(text)
    root = parse_html(body_text)
    page = _page_base(root, base_url, page_url)
    found, texts = _collect(root, page)
    body = _find_body(root, found)
    images = [f.ref for f in found] if all_images else select_series(_structure(found, texts, body))
    pm = read_page_meta(root, body, front, page_url or base_url)
    promise = find_promise(pm.title, _lead(root, body, pm.title), pm.page_title)
    found_in = dict(pm.found_in)
    if promise.found_in:
        found_in["promised_count"] = promise.found_in
    meta = ArticleMeta(
        title=pm.title,
        date=pm.date,
        author=pm.author,
        categories=_categories(front.get("categories")),
        source=pm.source,
        location=location,
        promised_count=promise.count,
        canonical_url=pm.canonical_url,
        promise_source=promise.source,
        promise_text=promise.text,
        promise_conflict=promise.conflict,
        found_in=found_in,
    )
    return Article(meta=meta, images=tuple(images))


__all__ = [
    "Article",
    "ArticleMeta",
    "ImageRef",
    "chinese_number",
    "parse_article",
    "promised_count",
    "resolve_url",
    "select_series",
    "split_front_matter",
    "unwrap_proxy",
]
