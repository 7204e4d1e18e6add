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
