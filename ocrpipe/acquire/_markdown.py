"""Markdown articles: the images, headings and paragraphs of a .md file as the HTML the parser reads.

Only what an article's structure needs is converted: `![alt](url "title")` (and `<url>`) images,
ATX headings (`# 标题`) and paragraphs. A file that already holds HTML (a blog's front matter
over HTML, as the seed) keeps its HTML; only Markdown images in it become <img> tags.
"""

from __future__ import annotations

import html
import re

# ![alt](url) / ![alt](<url with spaces>) / ![alt](url "title"); alt without nested brackets
MD_IMAGE = re.compile(
    r"!\[([^\]\n]{0,500})\]\(\s*(?:<([^>\n]{1,4000})>|([^\s)]{1,4000}))(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
)
_LINK = re.compile(r"\[([^\]\n]{0,500})\]\(\s*[^)\n]{0,4000}\)")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_HTML_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*\b[^>]*|/[a-zA-Z][a-zA-Z0-9]*\s*)>")


def has_markdown_images(text: str) -> bool:
    return MD_IMAGE.search(text) is not None


def _img(m: re.Match[str]) -> str:
    url = (m.group(2) or m.group(3) or "").strip()
    return f'<img src="{html.escape(url, quote=True)}" alt="{html.escape(m.group(1), quote=True)}">'


def _inline(text: str) -> str:
    """One line of Markdown text as HTML: images as <img>, links as their text, the rest escaped."""
    out, last = [], 0
    for m in MD_IMAGE.finditer(text):
        out.append(html.escape(_LINK.sub(r"\1", text[last : m.start()]), quote=False))
        out.append(_img(m))
        last = m.end()
    out.append(html.escape(_LINK.sub(r"\1", text[last:]), quote=False))
    return "".join(out)


def markdown_to_html(text: str) -> str:
    """The body of a Markdown article as HTML (see the module's doc)."""
    if _HTML_TAG.search(MD_IMAGE.sub("", text)):  # `![a](<url>)` is no HTML
        return MD_IMAGE.sub(_img, text)
    blocks: list[str] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append("<p>" + "<br>".join(_inline(p) for p in para) + "</p>")
            para.clear()

    for raw in text.splitlines():
        line = raw.strip()
        heading = _HEADING.match(line)
        if heading:
            flush()
            n = len(heading.group(1))
            blocks.append(f"<h{n}>{_inline(heading.group(2))}</h{n}>")
        elif not line:
            flush()
        else:
            para.append(line)
    flush()
    return "\n".join(blocks)
