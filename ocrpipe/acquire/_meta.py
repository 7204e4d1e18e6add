"""Title, date, author, source and canonical URL of a page, each by a priority list.

Each field is read from the first place on the list that has it, and `found_in` records
which place that was, so a wrong title can be traced to the tag it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime

from ocrpipe.acquire._dom import Node

SOURCE_RE = re.compile(r"来源\s*[：:]\s*(?P<src>[^\n<]{1,60})")
AUTHOR_RE = re.compile(r"(?:作者|文)\s*[：:丨|]\s*(?P<a>[^\s\n<|丨]{1,20})")
DATE_RE = re.compile(
    r"(?P<y>20\d\d|19\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?)?"
)
# Common article-title classes and ids of news portals, public-account pages and government CMSs.
TITLE_CLASS_RE = re.compile(
    r"rich_media_title|activity-name|article[-_]?title|art[-_]?title|news[-_]?title|detail[-_]?title|"
    r"post[-_]?title|entry[-_]title|main[-_]?title|content[-_]?title|(?:^|\s)title(?:\s|$)|sp_title|con_title"
)
DATE_CLASS_RE = re.compile(
    r"publish[-_]?time|pub[-_]?time|pubdate|publish[-_]?date|post[-_]?time|(?:^|\s|[-_])(?:time|date)(?:\s|$)"
)
AUTHOR_CLASS_RE = re.compile(r"(?:^|\s|[-_])author(?:\s|$|[-_]name)|js_name|rich_media_meta_nickname|byline")
SOURCE_CLASS_RE = re.compile(r"(?:^|\s|[-_])source(?:\s|$)|article[-_]source|js_name")
# "_新闻频道_某某网", " - 某某网", "|某某网": a <title> carries the site's name.
SITE_SEP_RE = re.compile(r"\s*(?:_|\||｜|\s[-–—]\s|－|——)\s*")


@dataclass
class PageMeta:
    title: str | None = None
    date: str | None = None
    author: str | None = None
    source: str | None = None
    canonical_url: str | None = None
    found_in: dict[str, str] = field(default_factory=dict)


def clean(value: object) -> str | None:
    if value is None:
        return None
    s = re.sub(r"\s+", " ", str(value)).strip()
    return s[:500] or None


def iso_date(value: object) -> str | None:
    """A date as ISO 8601 where it can be read; otherwise the text as given."""
    if value is None or value == "":
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    s = str(value).strip()
    if s.isdigit() and len(s) == 10:  # a Unix time, as public-account pages carry it
        return datetime.fromtimestamp(int(s), timezone.utc).isoformat()
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    m = DATE_RE.search(s)
    if m:
        try:
            d = datetime(int(m["y"]), int(m["m"]), int(m["d"]), int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0))
        except ValueError:
            return s[:100]
        return d.isoformat() if m["H"] else d.date().isoformat()
    try:
        dt = parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return s[:100]
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.isoformat()


def strip_site_suffix(title: str) -> str:
    """'二十条，来了！_新闻频道_某某网' -> '二十条，来了！': the longest part is the article's own."""
    parts = [p for p in SITE_SEP_RE.split(title) if p.strip()]
    if len(parts) < 2:
        return title.strip()
    return max(parts, key=len).strip()


class _Page:
    """Look-ups over one page's tree, computed once."""

    def __init__(self, root: Node, body: Node | None) -> None:
        self.root = root
        self.body = body
        self.meta: dict[str, str] = {}
        self.elements = list(root.iter())
        for n in self.elements:
            if n.tag == "meta":
                key = (n.get("property") or n.get("name") or n.get("itemprop")).lower()
                if key and n.get("content").strip() and key not in self.meta:
                    self.meta[key] = n.get("content")

    def first_meta(self, *keys: str) -> tuple[str, str] | None:
        for k in keys:
            if clean(self.meta.get(k)):
                return clean(self.meta[k]), f"meta {k}"  # type: ignore[return-value]
        return None

    def by_class(self, pattern: re.Pattern, tags: tuple[str, ...] | None = None) -> list[Node]:
        return [
            n
            for n in self.elements
            if (tags is None or n.tag in tags) and n.tag not in ("meta", "script", "style") and pattern.search(n.classes)
        ]

    def where(self, node: Node) -> str:
        first_class = node.get("class").split()[0] if node.get("class").split() else ""
        ident = f"#{node.get('id')}" if node.get("id") else (f".{first_class}" if first_class else "")
        return f"<{node.tag}{ident}>"


def _first(*steps: Callable[[], tuple[str, str] | None]) -> tuple[str, str] | None:
    for step in steps:
        found = step()
        if found and found[0]:
            return found
    return None


def read_page_meta(root: Node, body: Node | None, front: dict, page_url: str | None) -> PageMeta:
    """Every field by its priority list; front matter (the seed's format) always wins."""
    page = _Page(root, body)
    out = PageMeta()

    def front_value(key: str, fn=clean) -> Callable[[], tuple[str, str] | None]:
        return lambda: (fn(front.get(key)), "front matter") if fn(front.get(key)) else None

    def h1() -> tuple[str, str] | None:
        scope = body or root
        for n in scope.find_all("h1") + ([] if body is None else []):
            t = clean(n.text())
            if t:
                return t, page.where(n)
        # An <h1> outside the body: the page's own heading, unless it is the site's logo.
        for n in root.find_all("h1"):
            t = clean(n.text())
            if t and not re.search(r"logo|site|brand", n.classes):
                return t, page.where(n)
        return None

    def title_class() -> tuple[str, str] | None:
        for n in page.by_class(TITLE_CLASS_RE, ("h1", "h2", "h3", "div", "p", "span", "strong", "td")):
            t = clean(n.text())
            if t and len(t) >= 4:
                return t, page.where(n)
        return None

    def title_tag() -> tuple[str, str] | None:
        for n in root.find_all("title"):
            t = clean(n.text())
            if t:
                stripped = strip_site_suffix(t)
                return stripped, "<title>" + (" (site name removed)" if stripped != t else "")
        return None

    title = _first(
        front_value("title"),
        lambda: page.first_meta("og:title", "twitter:title", "articletitle"),
        h1,
        title_class,
        title_tag,
    )

    def date_class() -> tuple[str, str] | None:
        for n in page.by_class(DATE_CLASS_RE):
            m = DATE_RE.search(n.text(200))
            if m:
                return iso_date(m.group(0)), page.where(n)  # type: ignore[return-value]
        return None

    def time_tag() -> tuple[str, str] | None:
        for n in root.find_all("time"):
            value = n.get("datetime") or clean(n.text(200))
            if value:
                return iso_date(value), "<time>"  # type: ignore[return-value]
        return None

    def date_text() -> tuple[str, str] | None:
        m = re.search(r"(?:发布时间|发布日期|时间|日期)\s*[：:]\s*(" + DATE_RE.pattern + ")", (body or root).text())
        return (iso_date(m.group(1)), "text 发布时间：") if m else None  # type: ignore[return-value]

    def meta_date() -> tuple[str, str] | None:
        found = page.first_meta(
            "article:published_time",
            "og:article:published_time",
            "og:release_date",
            "pubdate",
            "publishdate",
            "datepublished",
            "firstpublishedtime",
            "date",
        )
        return (iso_date(found[0]), found[1]) if found else None  # type: ignore[return-value]

    when = _first(front_value("date", iso_date), meta_date, time_tag, date_class, date_text)

    def by_class_text(pattern: re.Pattern, strip: re.Pattern | None = None) -> Callable[[], tuple[str, str] | None]:
        def step() -> tuple[str, str] | None:
            for n in page.by_class(pattern, ("span", "a", "div", "p", "em", "strong", "li")):
                t = clean(n.text(200))
                if t and strip is not None:
                    t = clean(strip.sub("", t))
                if t and len(t) <= 60:
                    return t, page.where(n)
            return None

        return step

    def text_match(pattern: re.Pattern, group: str, label: str) -> Callable[[], tuple[str, str] | None]:
        def step() -> tuple[str, str] | None:
            m = pattern.search((body or root).text())
            return (clean(m.group(group)), label) if m and clean(m.group(group)) else None  # type: ignore[return-value]

        return step

    label_re = re.compile(r"^\s*(?:来源|作者|文)\s*[：:]\s*")
    author = _first(
        front_value("author"),
        lambda: page.first_meta("author", "article:author", "og:article:author", "contentauthor"),
        by_class_text(AUTHOR_CLASS_RE, label_re),
        text_match(AUTHOR_RE, "a", "text 作者："),
    )
    source = _first(
        text_match(SOURCE_RE, "src", "text 来源："),
        lambda: page.first_meta("contentsource", "source", "og:site_name"),
        by_class_text(SOURCE_CLASS_RE, label_re),
    )

    def link_canonical() -> tuple[str, str] | None:
        for n in root.find_all("link"):
            if "canonical" in n.get("rel").lower().split() and n.get("href").strip():
                return n.get("href").strip(), "link rel=canonical"
        return None

    canonical = _first(
        link_canonical,
        lambda: page.first_meta("og:url"),
        lambda: (root.get("saved-from"), "saved page's origin") if root.get("saved-from") else None,
        lambda: (page_url, "the page's address") if page_url and re.match(r"https?://", page_url, re.I) else None,
    )
    for name, found in (("title", title), ("date", when), ("author", author), ("source", source), ("canonical_url", canonical)):
        if found:
            setattr(out, name, found[0])
            out.found_in[name] = found[1]
    return out
