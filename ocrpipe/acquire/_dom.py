"""A small, forgiving element tree over html.parser: enough structure to tell an article's
body from its header, sidebar and "related reading" blocks.

Real pages are not well-formed: an end tag closes the nearest open element of its name
(and whatever is still open inside it), a stray end tag is dropped, void elements never
take children. The tree is bounded: past MAX_NODES elements the rest is read as text.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

log = logging.getLogger(__name__)

MAX_NODES = 100_000
MAX_DEPTH = 512  # as browsers' parsers cap it; deeper elements become siblings, so no scan is quadratic
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
# Elements whose start implicitly closes an open <p> (HTML's "p end tag omitted" rule, the common cases).
CLOSES_P = {"p", "div", "section", "article", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "header"}
BLOCK = CLOSES_P | {"li", "tr", "td", "br", "footer", "aside", "nav", "main", "blockquote", "pre", "dd", "dt", "noscript"}


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.attrs.get(name, "")

    @property
    def classes(self) -> str:
        """class and id together, lower-cased: what structure heuristics look at."""
        return f"{self.get('class')} {self.get('id')}".lower()

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def iter(self) -> Iterator[Node]:
        """This element and every element under it, in document order."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(c for c in reversed(node.children) if isinstance(c, Node))

    def find_all(self, tag: str) -> list[Node]:
        return [n for n in self.iter() if n.tag == tag]

    def text(self, limit: int = 20_000, skip: Callable[["Node"], bool] | None = None, stop: "Node | None" = None) -> str:
        """The element's text with block boundaries as newlines (scripts and styles left out);
        elements under it for which `skip` is true left out too, and the text ending where `stop` begins."""
        out: list[str] = []
        size = 0
        stack: list[Node | str] = [self]
        while stack and size < limit:
            item = stack.pop()
            if isinstance(item, str):
                out.append(item)
                size += len(item)
                continue
            if item is stop:
                break
            if item.tag in ("script", "style", "template"):
                continue
            if skip is not None and item is not self and skip(item):
                continue
            if item.tag in BLOCK:
                out.append("\n")
            stack.append("\n" if item.tag in BLOCK else "")
            stack.extend(reversed(item.children))
        return "".join(out)[:limit]

    def contains(self, other: Node) -> bool:
        return other is self or any(a is self for a in other.ancestors())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack: list[Node] = [self.root]
        self.count = 0
        self.open: Counter[str] = Counter()  # tags on the stack: a stray end tag costs no scan

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag.lower(), attrs)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        """Add an element; whether it was pushed as the open element."""
        if self.count >= MAX_NODES:
            if self.count == MAX_NODES:  # said once: images past the bound are not seen
                self.count += 1
                log.warning(
                    "the page has over %d elements: the rest of it is read as text, and images there are not seen",
                    MAX_NODES,
                )
            return False
        self.count += 1
        if tag in CLOSES_P and self.open["p"]:
            self._close("p")
        node = Node(tag, {k.lower(): (v or "") for k, v in attrs if k}, parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(node)
            self.open[tag] += 1
            return True
        return False

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._start(tag.lower(), attrs):  # <div/> opens and closes at once
            self.open[self.stack.pop().tag] -= 1

    def handle_endtag(self, tag: str) -> None:
        self._close(tag.lower())

    def _close(self, tag: str) -> None:
        if not self.open[tag]:
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                for n in self.stack[i:]:
                    self.open[n.tag] -= 1
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if data:
            self.stack[-1].children.append(data)

    def handle_comment(self, data: str) -> None:
        # Chrome's "Webpage, complete" marks the page's origin: <!-- saved from url=(0042)https://... -->
        if "saved from url=" in data:
            self.root.attrs.setdefault("saved-from", data.split("saved from url=", 1)[1].split(")", 1)[-1].strip())


def parse_html(text: str) -> Node:
    """The element tree of a page; never raises on malformed markup."""
    builder = _TreeBuilder()
    try:
        builder.feed(text)
        builder.close()
    except Exception as exc:
        log.warning("HTML parser gave up part-way: %s", exc)
    return builder.root


_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_\-]+)""", re.I)


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """A page's text: the charset its HTTP header or <meta> declares (GBK on many government
    sites), else UTF-8; bytes that do not decode become U+FFFD, never an error."""
    candidates = []
    if content_type:
        m = re.search(r"charset\s*=\s*[\"']?([a-z0-9_\-]+)", content_type, re.I)
        if m:
            candidates.append(m.group(1))
    m2 = _META_CHARSET_RE.search(data[:4096])
    if m2:
        candidates.append(m2.group(1).decode("ascii", "replace"))
    if data.startswith(b"\xef\xbb\xbf"):
        candidates.insert(0, "utf-8-sig")
    for name in candidates:
        name = {"gb2312": "gb18030", "gbk": "gb18030"}.get(name.lower(), name)  # the superset reads both
        try:
            return data.decode(name, errors="replace")
        except LookupError:
            continue
    return data.decode("utf-8", errors="replace")
