"""The clause count an article promises, read where people write it: the title, the page's
<title>, then the lead.

A title says "二十条，来了！" or "20项措施"; a government notice often has a plain title and says
"提出二十条举措" or "共20条" in its first paragraph. A page whose <h1> is the title may carry the
count only in its <title> element ("二十条来了_某某网" over an <h1> "重磅！政策来了"). A count that
is an ordinal ("第二十条") is no promise. When the places that name a count disagree, none is
chosen: the conflict is reported.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ocrpipe.structure._numerals import MAX_PROMISED, chinese_number

log = logging.getLogger(__name__)

_NUM = r"[0-9０-９]+|[零〇一二两三四五六七八九十百]+"
_NOT_AFTER = r"(?<![第0-9０-９零〇一二两三四五六七八九十百])"  # the whole numeral, and not an ordinal
# A count in a title: "20条", "二十条", "20 项措施" (not "第二十条").
_TITLE_RE = re.compile(rf"{_NOT_AFTER}(?P<n>{_NUM})\s*(?:条|项|点|款)")
# In running text a bare "两条" or "三点" is too common; a promise there names what is counted,
# or is introduced ("提出", "共"), or is quoted ("“20条”").
_NOUNS = r"措施|举措|意见|建议|规定|政策|条款|要点|内容|任务|新规|硬招|实招|办法|细则|要求|原则|重点|机制|工作"
_VERBS = r"提出|出台|推出|发布|印发|明确|包括|包含|制定|共|共计|涵盖|部署|列出|概括为|归纳为"
_LEAD_RE = re.compile(
    rf"(?:(?P<v>{_VERBS})\s*(?P<n1>{_NUM})\s*(?:条|项|点|款))"
    rf"|(?:{_NOT_AFTER}(?P<n2>{_NUM})\s*(?:条|项|点|款)\s*(?:{_NOUNS}))"
    rf"|(?:[“\"「『]\s*[^“”\"」』]{{0,20}}?{_NOT_AFTER}(?P<n3>{_NUM})\s*(?:条|项|点|款)\s*[”\"」』])"
)
MAX_LEAD_PARAGRAPHS = 3


@dataclass(frozen=True)
class Promise:
    count: int | None
    source: str | None = None  # "title" | "lead"
    text: str | None = None
    conflict: tuple[str, ...] = ()
    found_in: str | None = None  # "title", "<title>" (a title's promise read from the element) or "lead"


def _count(numeral: str) -> int | None:
    n = chinese_number(numeral)
    if n is not None and n > MAX_PROMISED:
        log.warning("the article promises %d items, over %d: read as no promise", n, MAX_PROMISED)
        return None
    return n if n and n > 0 else None


def _phrase(text: str, start: int, end: int) -> str:
    """The promise with a little context, as the manifest shows it."""
    return text[max(0, start - 4) : end + 4].strip(" \t\r\n，。,.")


def promised_count(title: str | None) -> int | None:
    """The clause count a title promises: '20条', '二十条', '20项措施' -> 20."""
    found = title_promise(title)
    return found[0] if found else None


def title_promise(title: str | None) -> tuple[int, str] | None:
    if not title:
        return None
    text = title[:1000]
    for m in _TITLE_RE.finditer(text):
        n = _count(m.group("n"))
        if n:
            return n, _phrase(text, m.start(), m.end())
    return None


def lead_promise(paragraphs: list[str]) -> tuple[int, str] | None:
    """The first promise in the lead paragraphs."""
    for para in paragraphs[:MAX_LEAD_PARAGRAPHS]:
        text = para[:2000]
        for m in _LEAD_RE.finditer(text):
            n = _count(m.group("n1") or m.group("n2") or m.group("n3"))
            if n and n > 1:  # "一条" in running text is an article, not a count
                return n, _phrase(text, m.start(), m.end())
    return None


_PLACE = {"title": "title", "<title>": "page's <title>", "lead": "lead paragraph"}


def find_promise(title: str | None, lead: list[str], page_title: str | None = None) -> Promise:
    """The title first, then the page's <title> element (site name removed), then the lead.

    `page_title` is read where it is not the title itself (the title came from an <h1> or
    og:title); it is the page's head, never its navigation. Every place that names a count must
    agree: one that names another is a conflict, not a choice.
    """
    found: list[tuple[str, tuple[int, str]]] = []
    for where, promise in (
        ("title", title_promise(title)),
        ("<title>", title_promise(page_title) if page_title and page_title != title else None),
        ("lead", lead_promise(lead)),
    ):
        if promise and promise[0] not in {p[0] for _, p in found}:  # an agreeing place adds nothing
            found.append((where, promise))
    if len(found) > 1:
        (a, pa), (b, pb) = found[0], found[1]
        log.warning(
            "the %s promises %d but the %s %d: no count is assumed (give the count: --expect N, or expect=N in Python)",
            _PLACE[a],
            pa[0],
            _PLACE[b],
            pb[0],
        )
        return Promise(None, None, None, tuple(f"{where}: {p[0]} ({p[1]})" for where, p in found))
    if not found:
        return Promise(None)
    where, (count, text) = found[0]
    return Promise(count, "lead" if where == "lead" else "title", text, found_in=where)
