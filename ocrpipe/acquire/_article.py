"""Parse an article (YAML front matter + HTML body) into metadata and its image series.

Pure functions over text: no network, no files. `sources.py` decides where the
text comes from.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

import yaml

from ocrpipe.output._results import ArticleMeta
from ocrpipe.structure._numerals import MAX_PROMISED, chinese_number

log = logging.getLogger(__name__)

# Attributes that lazy-loading pages use for the real image, most specific first.
LAZY_ATTRS = ("data-original", "data-src", "data-lazy-src", "data-actualsrc", "src")
SOURCE_RE = re.compile(r"来源\s*[：:]\s*(?P<src>[^\n<]*)")
ASPECT_TOLERANCE = 0.03  # relative; "same aspect" for series membership


@dataclass(frozen=True)
class ImageRef:
    """One <img> of the article, in document order."""

    index: int
    urls: tuple[str, ...]  # real (unwrapped) URLs, best first
    proxy_urls: tuple[str, ...] = ()  # the same image through a proxy, as printed
    width_hint: int | None = None
    height_hint: int | None = None
    in_series: bool = True
    excluded_reason: str | None = None

    def ordered_urls(self, prefer: str = "real") -> tuple[str, ...]:
        """All candidate URLs, the preferred kind first."""
        first, second = (self.urls, self.proxy_urls) if prefer == "real" else (self.proxy_urls, self.urls)
        seen: dict[str, None] = {}
        for u in (*first, *second):
            seen.setdefault(u, None)
        return tuple(seen)


@dataclass(frozen=True)
class Article:
    meta: ArticleMeta
    images: tuple[ImageRef, ...] = ()

    @property
    def series(self) -> tuple[ImageRef, ...]:
        return tuple(im for im in self.images if im.in_series)


# --------------------------------------------------------------------------- counts

_COUNT_RE = re.compile(r"([0-9０-９]+|[零〇一二两三四五六七八九十百]+)\s*(?:条|项|点|款)")


def promised_count(title: str | None) -> int | None:
    """The clause count a title promises: '20条', '二十条', '20项措施' -> 20."""
    if not title:
        return None
    m = _COUNT_RE.search(title[:1000])
    if not m:
        return None
    n = chinese_number(m.group(1))
    if n is not None and n > MAX_PROMISED:
        log.warning("the title promises %d items, over %d: read as no promise", n, MAX_PROMISED)
        return None
    return n if n and n > 0 else None


# --------------------------------------------------------------------------- urls


def unwrap_proxy(url: str) -> tuple[str, str | None]:
    """Split a CORS-proxy URL into (real URL, proxied URL); (url, None) if not proxied.

    Handles `https://proxy/?http://real/x.jpg` and `https://proxy/?url=http%3A...`.
    """
    parts = urlsplit(url)
    query = parts.query
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


def _resolve(url: str, base: str | None) -> str | None:
    url = url.strip()
    if not url or url.lower().startswith(("data:", "javascript:", "about:", "blob:")):
        return None
    if url.startswith("//"):
        return "https:" + url
    if re.match(r"[a-z][a-z0-9+.-]*://", url, re.I):
        return url
    return urljoin(base, url) if base else url


def _int_attr(value: str | None) -> int | None:
    if value is None:
        return None
    m = re.match(r"\s*(\d{1,6})", value)
    return int(m.group(1)) if m and int(m.group(1)) > 0 else None


# --------------------------------------------------------------------------- html


class _BodyParser(HTMLParser):
    """Collects text and <img> tags in document order."""

    BLOCK: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "section",
        "article",
        "figure",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, object]] = []  # ("text", str) | ("img", attrs)
        self._skip = 0
        self.title: str | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "img":
            self.events.append(("img", {k.lower(): (v or "") for k, v in attrs}))
        elif tag in self.BLOCK:
            self.events.append(("text", "\n"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in self.BLOCK:
            self.events.append(("text", "\n"))

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title = ((self.title or "") + data).strip() or None
            return
        self.events.append(("text", data))


def _image_from_attrs(attrs: dict, base: str | None) -> tuple[list[str], list[str]]:
    raw: list[str] = []
    for name in LAZY_ATTRS:
        if attrs.get(name):
            raw.append(attrs[name])
    if attrs.get("srcset") or attrs.get("data-srcset"):
        best = _largest_srcset(attrs.get("srcset") or attrs.get("data-srcset") or "")
        if best:
            raw.append(best)
    real: list[str] = []
    proxied: list[str] = []
    for r in raw:
        resolved = _resolve(r, base)
        if not resolved:
            continue
        inner, proxy = unwrap_proxy(resolved)
        if inner not in real:
            real.append(inner)
        if proxy and proxy not in proxied:
            proxied.append(proxy)
    return real, proxied


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


def _iso_date(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    s = str(value).strip()
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    try:
        dt = parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return s
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.isoformat()


def _str_or_none(value: object) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def _categories(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if v is not None and str(v).strip())
    return (str(value).strip(),) if str(value).strip() else ()


# --------------------------------------------------------------------------- series


def select_series(images: list[ImageRef], source_pos: int | None, positions: list[int]) -> list[ImageRef]:
    """Mark which images form the poster series; the others get an excluded_reason.

    Images after the source line are not part of the set. Among the rest, the
    series is the images that share the dominant size hint (or its aspect);
    images without hints are kept, since nothing says they differ.
    """
    out = list(images)
    for i, im in enumerate(out):
        if source_pos is not None and positions[i] > source_pos and any(p < source_pos for p in positions):
            out[i] = replace(im, in_series=False, excluded_reason="after the article's source line")
    hinted = [(im.width_hint, im.height_hint) for im in out if im.in_series and im.width_hint and im.height_hint]
    if not hinted:
        return out
    (dw, dh), _ = Counter(hinted).most_common(1)[0]
    aspect = dw / dh
    for i, im in enumerate(out):
        if not im.in_series or not (im.width_hint and im.height_hint):
            continue
        if abs(im.width_hint / im.height_hint - aspect) / aspect > ASPECT_TOLERANCE:
            out[i] = replace(
                im,
                in_series=False,
                excluded_reason=f"size {im.width_hint}x{im.height_hint} differs from the series' {dw}x{dh}",
            )
    return out


# --------------------------------------------------------------------------- entry point


def _collect_images(
    events: list[tuple[str, object]], base_url: str | None
) -> tuple[list[ImageRef], list[int], str | None, int | None]:
    """The article's <img> refs in document order (deduplicated), their event positions,
    and the "来源：…" source line with its position."""
    images: list[ImageRef] = []
    positions: list[int] = []
    seen: set[str] = set()
    source: str | None = None
    source_pos: int | None = None
    for pos, (kind, payload) in enumerate(events):
        if kind == "text":
            if source is None and isinstance(payload, str):
                m = SOURCE_RE.search(payload)
                if m:
                    source, source_pos = m.group("src").strip() or None, pos
            continue
        attrs: dict[str, str] = payload  # type: ignore[assignment]
        real, proxied = _image_from_attrs(attrs, base_url)
        if not real and not proxied:
            continue
        key = (real or proxied)[0]
        if key in seen:
            continue
        seen.add(key)
        images.append(
            ImageRef(
                index=len(images),
                urls=tuple(real),
                proxy_urls=tuple(proxied),
                width_hint=_int_attr(attrs.get("data-width") or attrs.get("width")),
                height_hint=_int_attr(attrs.get("data-height") or attrs.get("height")),
            )
        )
        positions.append(pos)
    return images, positions, source, source_pos


def _meta(front: dict, page_title: str | None, source: str | None, location: str | None) -> ArticleMeta:
    title = _str_or_none(front.get("title")) or page_title
    return ArticleMeta(
        title=title,
        date=_iso_date(front.get("date")),
        author=_str_or_none(front.get("author")),
        categories=_categories(front.get("categories")),
        source=source,
        location=location,
        promised_count=promised_count(title),
    )


def parse_article(text: str, location: str | None = None, base_url: str | None = None, all_images: bool = False) -> Article:
    """Parse article text (optional YAML front matter + HTML) into an Article."""
    front, body = split_front_matter(text)
    parser = _BodyParser()
    try:
        parser.feed(body)
        parser.close()
    except Exception as exc:
        log.warning("HTML parser gave up part-way: %s", exc)
    images, positions, source, source_pos = _collect_images(parser.events, base_url)
    if not all_images:
        images = select_series(images, source_pos, positions)
    return Article(meta=_meta(front, parser.title, source, location), images=tuple(images))


__all__ = [
    "Article",
    "ArticleMeta",
    "ImageRef",
    "chinese_number",
    "parse_article",
    "promised_count",
    "select_series",
    "split_front_matter",
    "unwrap_proxy",
]
