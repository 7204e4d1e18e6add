from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocrpipe.acquire._article import chinese_number, parse_article, promised_count, split_front_matter, unwrap_proxy
from ocrpipe.acquire._sources import load_article
from ocrpipe.errors import ArticleError, InputError

from .conftest import seed_path


@pytest.fixture(scope="module")
def seed():
    return parse_article(seed_path().read_text("utf-8"), location="seed")


def test_seed_metadata(seed):
    m = seed.meta
    assert m.title == "司法助力中小微企业发展20条，来了！"
    assert m.date == "2022-01-14T08:21:39+00:00"
    assert m.author == "ZAKER"
    assert m.categories == ("新媒体", "ZAKER", "source")
    assert m.source == "人民法院新闻传媒总社"
    assert m.promised_count == 20


def test_seed_series_in_order_with_real_and_proxied_urls(seed):
    series = seed.series
    assert len(series) == 20
    suffixes = [im.urls[0].rsplit("/", 1)[1] for im in series]
    expected = [f"61e19fb18e9f09208c206f{h:02x}_1024.jpg" for h in range(0xA0, 0xB4)]
    assert suffixes == expected
    for im in series:
        assert im.urls[0].startswith("http://zkres")
        assert im.proxy_urls == (f"https://cors.zfour.workers.dev/?{im.urls[0]}",)
        assert (im.width_hint, im.height_hint) == (876, 1567)
        assert im.ordered_urls("real")[0] == im.urls[0]
        assert im.ordered_urls("proxy")[0] == im.proxy_urls[0]


def test_seed_promo_banner_excluded_with_reason(seed):
    excluded = [im for im in seed.images if not im.in_series]
    assert len(excluded) == 1
    assert excluded[0].urls[0].endswith("61d7ec44b15ec03734491922_1024.jpg")
    assert excluded[0].excluded_reason


def test_all_images_keeps_the_banner():
    art = parse_article(seed_path().read_text("utf-8"), all_images=True)
    assert len(art.series) == 21


def test_banner_excluded_by_size_even_before_source_line():
    html = (
        '<img data-original="a.jpg" data-width="876" data-height="1567">'
        '<img data-original="b.jpg" data-width="1000" data-height="556">'
        '<img data-original="c.jpg" data-width="876" data-height="1567">'
    )
    art = parse_article(html, base_url="http://h/x/")
    assert [im.in_series for im in art.images] == [True, False, True]
    assert "1000x556" in art.images[1].excluded_reason


@pytest.mark.parametrize(
    "title,count",
    [
        ("司法助力中小微企业发展20条，来了！", 20),
        ("二十条措施发布", 20),
        ("出台20项措施", 20),
        ("十二条意见", 12),
        ("３条建议", 3),
        ("一图读懂", None),
        (None, None),
        ("新闻发布会", None),
    ],
)
def test_promised_count(title, count):
    assert promised_count(title) == count


@pytest.mark.parametrize(
    "text,n", [("20", 20), ("二十", 20), ("十", 10), ("十二", 12), ("一百零五", 105), ("两", 2), ("x", None)]
)
def test_chinese_number(text, n):
    assert chinese_number(text) == n


@pytest.mark.parametrize(
    "url,real,proxy",
    [
        ("https://p.dev/?http://a.com/x.jpg", "http://a.com/x.jpg", "https://p.dev/?http://a.com/x.jpg"),
        (
            "https://p.dev/?url=http%3A%2F%2Fa.com%2Fx.jpg",
            "http://a.com/x.jpg",
            "https://p.dev/?url=http%3A%2F%2Fa.com%2Fx.jpg",
        ),
        ("https://p.dev/?http%3A%2F%2Fa.com%2Fx.jpg", "http://a.com/x.jpg", "https://p.dev/?http%3A%2F%2Fa.com%2Fx.jpg"),
        ("http://a.com/x.jpg?w=100", "http://a.com/x.jpg?w=100", None),
    ],
)
def test_unwrap_proxy(url, real, proxy):
    assert unwrap_proxy(url) == (real, proxy)


def test_lazy_attributes_srcset_relative_and_duplicates():
    html = """<p>x</p>
    <img src="data:image/gif;base64,R0lGOD" data-src="/img/1.jpg">
    <img data-lazy-src="img/2.jpg">
    <img srcset="s/3-small.jpg 480w, s/3-big.jpg 1200w, s/3-mid.jpg 800w">
    <img src="//cdn.example.com/4.jpg">
    <img data-src="/img/1.jpg">"""
    art = parse_article(html, base_url="https://news.example.com/a/page.html")
    assert [im.urls[0] for im in art.images] == [
        "https://news.example.com/img/1.jpg",
        "https://news.example.com/a/img/2.jpg",
        "https://news.example.com/a/s/3-big.jpg",
        "https://cdn.example.com/4.jpg",
    ]


def test_local_article_resolves_relative_paths(tmp_path):
    (tmp_path / "a.md").write_text("---\ntitle: 三条\n---\n<img data-original='posters/p1.jpg'>", "utf-8")
    art = load_article(str(tmp_path / "a.md"))
    assert art.images[0].urls[0] == (tmp_path / "posters/p1.jpg").as_uri()
    assert art.meta.promised_count == 3


def test_malformed_front_matter_is_ignored():
    fm, body = split_front_matter("---\ntitle: [unclosed\n---\n<p>body</p>")
    assert fm == {} and "body" in body


def test_sources_list_dir_and_errors(tmp_path, poster_jpeg):
    d = tmp_path / "imgs"
    d.mkdir()
    for name in ("p10.jpg", "p2.jpg", "p1.jpg", "notes.txt"):
        (d / name).write_bytes(poster_jpeg if name.endswith("jpg") else b"x")
    art = load_article(str(d))
    assert [im.urls[0].rsplit("/", 1)[1] for im in art.images] == ["p1.jpg", "p2.jpg", "p10.jpg"]

    lst = tmp_path / "list.txt"
    lst.write_text("# posters\nhttps://p.dev/?http://a.com/1.jpg\nimgs/p2.jpg\n", "utf-8")
    art = load_article(str(lst))
    assert art.images[0].urls == ("http://a.com/1.jpg",) and art.images[0].proxy_urls
    assert art.images[1].urls[0] == (d / "p2.jpg").as_uri()

    with pytest.raises(InputError, match="no such file"):
        load_article(str(tmp_path / "missing.md"))
    (tmp_path / "prose.txt").write_text("just some words\nand more", "utf-8")
    with pytest.raises(ArticleError):
        load_article(str(tmp_path / "prose.txt"))
    (tmp_path / "noimg.html").write_text("<p>hello</p>", "utf-8")
    with pytest.raises(ArticleError, match="no <img>"):
        load_article(str(tmp_path / "noimg.html"))


# ---------------------------------------------------------------- property-based

_html_text = st.text(alphabet=string.printable + "中文来源：<>/=\"'条", max_size=300)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_html_text, _html_text)
def test_parser_never_crashes_on_arbitrary_html_and_front_matter(front, body):
    art = parse_article(f"---\n{front}\n---\n{body}")
    assert all(im.index == i for i, im in enumerate(art.images))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), min_size=1, max_size=15, unique=True),
    st.lists(st.sampled_from(["<p>段落</p>", "<div>", "</div>", "<br>", "噪声<b>x</b>", "<img>"]), max_size=15),
)
def test_parser_keeps_image_order(names, noise):
    parts = []
    for i, name in enumerate(names):
        parts.append(noise[i] if i < len(noise) else "")
        parts.append(f'<img data-original="http://h/{name}.jpg" src="https://proxy/?http://h/{name}.jpg">')
    art = parse_article("".join(parts))
    assert [im.urls[0] for im in art.images] == [f"http://h/{n}.jpg" for n in names]


# ---------------------------------------------------------------- URLs as a browser resolves them


def test_protocol_relative_takes_the_page_scheme_and_base_href_is_honoured():
    html = '<base href="/gov/zwgk/2022-01/14/"><img src="//cdn.example/p1"><img src="../../../p2.jpg">'
    art = parse_article(html, base_url="http://www.example.gov/c/5.htm", page_url="http://www.example.gov/c/5.htm")
    assert [im.urls[0] for im in art.images] == ["http://cdn.example/p1", "http://www.example.gov/gov/p2.jpg"]
    # A page read from disk says no scheme; its saved origin does.
    saved = "<!-- saved from url=(0030)http://www.example.gov/c/5.htm -->\n<html><img src='//cdn.example/p1'></html>"
    assert parse_article(saved, base_url="file:///tmp/page.html").images[0].urls[0] == "http://cdn.example/p1"
    assert parse_article("<img src='//cdn.example/p1'>", base_url="file:///tmp/a.html").images[0].urls[0].startswith("https:")


def test_noscript_fallback_only_for_a_lazy_image_without_a_real_url():
    html = (
        '<img class="lazy" src="/img/loading.gif"><noscript><img src="/real/1.jpg"></noscript>'
        '<img data-src="/real/2.jpg" src="data:image/gif;base64,R0lG"><noscript><img src="/real/2-small.jpg"></noscript>'
    )
    art = parse_article(html, base_url="https://h.example/a.html")
    assert [(im.urls[0].rsplit("/", 1)[1], im.origin) for im in art.images] == [("1.jpg", "noscript"), ("2.jpg", "img")]


def test_css_background_on_an_article_block_is_an_image_but_not_in_the_header():
    html = (
        "<header><div style=\"background-image:url('/logo-bg.png')\"></div></header>"
        '<div class="article-content"><div class="poster" style="width: 750px; height:1334px; '
        'background: #fff url(&quot;/p1.jpg&quot;) no-repeat"></div></div>'
    )
    art = parse_article(html, base_url="https://h.example/a.html")
    assert [(im.urls[0], im.origin, im.width_hint, im.height_hint) for im in art.images] == [
        ("https://h.example/p1.jpg", "css", 750, 1334)
    ]


@pytest.mark.parametrize(
    "url,kind",
    [
        ("https://mmbiz.example/mmbiz_jpg/abc/640?wx_fmt=jpeg", "jpeg"),
        ("https://mmbiz.example/mmbiz_gif/abc/0?wx_fmt=gif&tp=webp", "gif"),
        ("https://img.example/p1?tp=webp", "webp"),
        ("https://img.example/p1.PNG", "png"),
        ("https://img.example/p1", None),
    ],
)
def test_type_hint_from_extension_wx_fmt_and_tp(url, kind):
    from ocrpipe.acquire._article import type_hint

    assert type_hint(url) == kind


def test_percent_width_is_no_size_hint_and_data_ratio_gives_the_height():
    art = parse_article('<img data-src="/a" width="100%" data-w="1080" data-ratio="1.7778">', base_url="https://h/x")
    assert (art.images[0].width_hint, art.images[0].height_hint) == (1080, 1920)


def test_posters_sharing_a_width_stay_whatever_their_height():
    html = "".join(f'<img src="/p{i}.jpg" width="750" height="{h}">' for i, h in enumerate((1334, 1334, 4002, 1334, 2668)))
    html += '<img src="/banner.jpg" width="1080" height="300">'
    art = parse_article(html, base_url="https://h/x")
    assert len(art.series) == 5 and "width 750" in (art.images[-1].excluded_reason or "")


@pytest.mark.parametrize(
    "title,lead,count,source",
    [
        ("关于印发指导意见的通知", ["为贯彻落实部署，提出二十条举措，助力企业发展。"], 20, "lead"),
        ("关于印发指导意见的通知", ["《意见》共20条，分为四个部分。"], 20, "lead"),
        ("关于印发指导意见的通知", ["会议研究出台十项措施，推动工作落实。"], 10, "lead"),
        ("关于印发指导意见的通知", ["也称为“20条”，受到关注。"], 20, "lead"),
        ("关于印发指导意见的通知", ["根据第二十条规定，依法处理。"], None, None),
        ("关于印发指导意见的通知", ["这是一条重要新闻，值得关注一下。"], None, None),
        ("二十条措施发布", ["提出二十条举措。"], 20, "title"),
        ("依据第三条作出决定", [], None, None),
    ],
)
def test_promise_from_title_then_lead(title, lead, count, source):
    from ocrpipe.acquire._promise import find_promise

    p = find_promise(title, lead)
    assert (p.count, p.source) == (count, source)


def test_news_title_loses_the_site_suffix():
    from ocrpipe.acquire._meta import strip_site_suffix

    assert strip_site_suffix("二十条，来了！_新闻频道_某某网") == "二十条，来了！"
    assert strip_site_suffix("二十条，来了！ - 某某网") == "二十条，来了！"
    assert strip_site_suffix("某某网|二十条，来了！") == "二十条，来了！"
    assert strip_site_suffix("二十条，来了！") == "二十条，来了！"


def test_hostile_nesting_and_stray_end_tags_stay_linear():
    import time

    html = "<div>" * 50_000 + "<p>" * 20_000 + "</span>" * 20_000 + '<img src="/p.jpg">' + "</div>" * 50_000
    t0 = time.monotonic()
    art = parse_article(html, base_url="https://h.example/a.html")
    assert time.monotonic() - t0 < 10
    assert [im.urls[0] for im in art.images] == ["https://h.example/p.jpg"]
