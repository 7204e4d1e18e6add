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
# "文：张三" is a byline, "正文：…" or "原文：…" is not: 文 alone only where no other character precedes it
AUTHOR_RE = re.compile(r"(?:作者|撰文|(?<![\u3400-\u9fff])文)\s*[：:丨|]\s*(?P<a>[^\s\n<|丨]{1,20})")
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


# A page's chrome: navigation, headers and footers, sidebars, hot lists, related reading, share
# bars and comments. Their counts ("热点：稳经济30条") and labels are not the article's.
CHROME_TAGS = {"nav", "header", "footer", "aside"}
CHROME_CLASS_RE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|sidebar|side|breadcrumb|crumbs?|hot|hotnews|related|recommend|footer|header|"
    r"topbar|banner|share|comments?)(?:$|[\s_-])"
)


def _chrome(node: Node) -> bool:
    return node.tag in CHROME_TAGS or CHROME_CLASS_RE.search(node.classes) is not None


def prose_text(node: Node, stop: Node | None = None, limit: int = 20_000) -> str:
    """node's text as Node.text gives it, without the page's chrome inside it, and ending where
    `stop` (the article's body) begins: what a reader takes for the article's own words."""
    return node.text(limit, skip=_chrome, stop=stop)


@dataclass
class PageMeta:
    title: str | None = None
    date: str | None = None
    author: str | None = None
    source: str | None = None
    canonical_url: str | None = None
    found_in: dict[str, str] = field(default_factory=dict)
    # the <title> element, site name removed, whichever place the title came from: a promise
    # ("…20条…") may stand only there when the <h1> is the title
    page_title: str | None = None


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


Found = tuple[str, str] | None  # (value, where it was read)
_LABEL_RE = re.compile(r"^\s*(?:来源|作者|文)\s*[：:]\s*")
_DATE_LABEL_RE = re.compile(r"(?:发布时间|发布日期|时间|日期)\s*[：:]\s*(" + DATE_RE.pattern + ")")
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "og:release_date",
    "pubdate",
    "publishdate",
    "datepublished",
    "firstpublishedtime",
    "date",
)


def _first(*steps: Callable[[], Found]) -> Found:
    for step in steps:
        found = step()
        if found and found[0]:
            return found
    return None


class _Page:
    """Look-ups over one page's tree, computed once; one method per field's priority list."""

    def __init__(self, root: Node, body: Node | None, front: dict, page_url: str | None) -> None:
        self.root = root
        self.body = body
        self.front = front
        self.page_url = page_url
        self.meta: dict[str, str] = {}
        self.elements = list(root.iter())
        for n in self.elements:
            if n.tag == "meta":
                key = (n.get("property") or n.get("name") or n.get("itemprop")).lower()
                if key and n.get("content").strip() and key not in self.meta:
                    self.meta[key] = n.get("content")
        self._text: str | None = None
        self._before: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = (self.body or self.root).text()
        return self._text

    @property
    def text_before_body(self) -> str:
        """The page's words above the article's container, chrome left out: where many sites put
        "发布时间：… 来源：…" (empty when no container was found: `text` is the whole page then)."""
        if self._before is None:
            self._before = prose_text(self.root, stop=self.body) if self.body is not None else ""
        return self._before

    # -- steps shared by the fields

    def first_meta(self, *keys: str) -> Found:
        for k in keys:
            value = clean(self.meta.get(k))
            if value:
                return value, f"meta {k}"
        return None

    def from_front(self, key: str, fn: Callable[[object], str | None] = clean) -> Found:
        value = fn(self.front.get(key))
        return (value, "front matter") if value else None

    def by_class(self, pattern: re.Pattern, tags: tuple[str, ...] | None = None) -> list[Node]:
        return [
            n
            for n in self.elements
            if (tags is None or n.tag in tags) and n.tag not in ("meta", "script", "style") and pattern.search(n.classes)
        ]

    def short_text_by_class(self, pattern: re.Pattern) -> Found:
        for n in self.by_class(pattern, ("span", "a", "div", "p", "em", "strong", "li")):
            t = clean(_LABEL_RE.sub("", clean(n.text(200)) or ""))
            if t and len(t) <= 60:
                return t, self.where(n)
        return None

    def _search(self, pattern: re.Pattern, group: str | int, convert: Callable[[str], str | None], label: str) -> Found:
        """The first match in the article's text, else in the words above its container, as `convert` reads it."""
        for text in (self.text, self.text_before_body):
            m = pattern.search(text)
            value = convert(m.group(group)) if m else None
            if value:
                return value, label
        return None

    def text_match(self, pattern: re.Pattern, group: str, label: str) -> Found:
        return self._search(pattern, group, clean, label)

    @staticmethod
    def where(node: Node) -> str:
        first_class = node.get("class").split()[0] if node.get("class").split() else ""
        ident = f"#{node.get('id')}" if node.get("id") else (f".{first_class}" if first_class else "")
        return f"<{node.tag}{ident}>"

    # -- title

    def h1(self) -> Found:
        for n in (self.body or self.root).find_all("h1"):
            t = clean(n.text())
            if t:
                return t, self.where(n)
        # An <h1> outside the body: the page's own heading, unless it is the site's logo.
        for n in self.root.find_all("h1"):
            t = clean(n.text())
            if t and not re.search(r"logo|site|brand", n.classes):
                return t, self.where(n)
        return None

    def title_class(self) -> Found:
        for n in self.by_class(TITLE_CLASS_RE, ("h1", "h2", "h3", "div", "p", "span", "strong", "td")):
            t = clean(n.text())
            if t and len(t) >= 4:
                return t, self.where(n)
        return None

    def title_tag(self) -> Found:
        for n in self.root.find_all("title"):
            t = clean(n.text())
            if t:
                stripped = strip_site_suffix(t)
                return stripped, "<title>" + (" (site name removed)" if stripped != t else "")
        return None

    def title(self) -> Found:
        return _first(
            lambda: self.from_front("title"),
            lambda: self.first_meta("og:title", "twitter:title", "articletitle"),
            self.h1,
            self.title_class,
            self.title_tag,
        )

    # -- date

    def meta_date(self) -> Found:
        found = self.first_meta(*_DATE_META)
        value = iso_date(found[0]) if found else None
        return (value, found[1]) if found and value else None

    def time_tag(self) -> Found:
        for n in self.root.find_all("time"):
            value = iso_date(n.get("datetime") or clean(n.text(200)))
            if value:
                return value, "<time>"
        return None

    def date_class(self) -> Found:
        for n in self.by_class(DATE_CLASS_RE):
            m = DATE_RE.search(n.text(200))
            value = iso_date(m.group(0)) if m else None
            if value:
                return value, self.where(n)
        return None

    def date_text(self) -> Found:
        return self._search(_DATE_LABEL_RE, 1, iso_date, "text 发布时间：")

    def date(self) -> Found:
        return _first(lambda: self.from_front("date", iso_date), self.meta_date, self.time_tag, self.date_class, self.date_text)

    # -- author, source, canonical URL

    def author(self) -> Found:
        return _first(
            lambda: self.from_front("author"),
            lambda: self.first_meta("author", "article:author", "og:article:author", "contentauthor"),
            lambda: self.short_text_by_class(AUTHOR_CLASS_RE),
            lambda: self.text_match(AUTHOR_RE, "a", "text 作者："),
        )

    def source(self) -> Found:
        return _first(
            lambda: self.text_match(SOURCE_RE, "src", "text 来源："),
            lambda: self.first_meta("contentsource", "source", "og:site_name"),
            lambda: self.short_text_by_class(SOURCE_CLASS_RE),
        )

    def link_canonical(self) -> Found:
        for n in self.root.find_all("link"):
            if "canonical" in n.get("rel").lower().split() and n.get("href").strip():
                return n.get("href").strip(), "link rel=canonical"
        return None

    def canonical_url(self) -> Found:
        saved = self.root.get("saved-from")
        url = self.page_url
        return _first(
            self.link_canonical,
            lambda: self.first_meta("og:url"),
            lambda: (saved, "saved page's origin") if saved else None,
            lambda: (url, "the page's address") if url and re.match(r"https?://", url, re.I) else None,
        )


FIELDS = ("title", "date", "author", "source", "canonical_url")


def read_page_meta(root: Node, body: Node | None, front: dict, page_url: str | None) -> PageMeta:
    """Every field by its priority list; front matter (the seed's format) always wins."""
    page = _Page(root, body, front, page_url)
    out = PageMeta()
    for name in FIELDS:
        found = getattr(page, name)()
        if found:
            setattr(out, name, found[0])
            out.found_in[name] = found[1]
    tag = page.title_tag()
    out.page_title = tag[0] if tag else None
    return out
