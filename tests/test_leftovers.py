"""Defects the third stranger pass left open, each with its fix's test."""

from __future__ import annotations

_IMGS = "".join(f'<p><img src="/p{i}.jpg"></p>' for i in range(3))


def _meta(html: str):
    from ocrpipe.acquire._article import parse_article

    return parse_article(html, location="http://news.example.cn/a.html", base_url="http://news.example.cn/a.html").meta


def _page(title: str, h1: str, lead: str = "为贯彻落实，现通知如下。", nav: str = "") -> str:
    return (
        f"<html><head><title>{title}</title></head><body>{nav}"
        f"<div class='article-content'><h1>{h1}</h1><p>{lead}</p>{_IMGS}</div></body></html>"
    )


def test_a_promise_only_in_the_page_s_title_element_is_read():
    meta = _meta(_page("稳经济二十条来了_新闻频道_某某网", "重磅！政策来了"))
    assert meta.title == "重磅！政策来了"  # the <h1> stays the title
    assert (meta.promised_count, meta.promise_source) == (20, "title")  # was None: the count was lost
    assert meta.found_in["promised_count"] == "<title>" and meta.promise_text and "二十条" in meta.promise_text


def test_the_title_element_s_promise_comes_after_the_h1_s_and_must_agree():
    same = _meta(_page("二十条来了_某某网", "助企纾困二十条"))
    assert (same.promised_count, same.found_in["promised_count"]) == (20, "title")
    other = _meta(_page("稳经济30条_某某网", "助企纾困二十条"))
    assert other.promised_count is None
    assert [c.split(":")[0] for c in other.promise_conflict] == ["title", "<title>"]
    lead = _meta(_page("稳经济二十条_某某网", "政策来了", lead="日前，省政府印发《若干措施》，共15条。"))
    assert lead.promised_count is None and [c.split(":")[0] for c in lead.promise_conflict] == ["<title>", "lead"]


def test_the_title_element_is_read_but_a_count_in_the_navigation_still_is_not():
    meta = _meta(_page("政策来了_某某网", "政策来了", nav="<div class='nav'><p>热点：稳经济30条政策解读</p></div>"))
    assert meta.promised_count is None
    nav_and_title = _meta(_page("二十条来了_某某网", "重磅！", nav="<nav><p>热点：稳经济30条政策解读</p></nav>"))
    assert (nav_and_title.promised_count, nav_and_title.found_in["promised_count"]) == (20, "<title>")
