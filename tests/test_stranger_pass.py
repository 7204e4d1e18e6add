"""An outside tester's pass over the built wheel: what a stranger hit that the suite missed."""

from __future__ import annotations

import base64
import logging
import os

import pytest

from ocrpipe.acquire._http import Downloader
from ocrpipe.acquire._sources import load_article
from ocrpipe.config import FetchConfig
from ocrpipe.errors import ArticleError

from .http_helpers import send

# a JPEG's worth of base64: long enough to be a picture, not a lazy-load placeholder
_B64 = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 12).decode()


def _page(server, body: str) -> str:
    html = f"<html><head><title>t</title></head><body><div class='article-content'>{body}</div></body></html>"
    server.routes["/a.html"] = lambda h, n: send(h, 200, html.encode(), "text/html; charset=utf-8")
    return server.url("/a.html")


def test_a_page_read_over_http_with_only_embedded_images_says_so(server, tmp_path):
    url = _page(server, f'<img src="data:image/jpeg;base64,{_B64}">')
    with pytest.raises(ArticleError) as e:
        load_article(url, Downloader(FetchConfig(cache_dir=tmp_path / "c")))
    assert "data: URIs" in e.value.message and "Webpage, complete" in e.value.hint


def test_embedded_images_beside_linked_ones_are_counted_on_a_page_read_over_http(server, tmp_path, caplog):
    url = _page(server, f'<img src="data:image/jpeg;base64,{_B64}"><img src="p.jpg">')
    with caplog.at_level(logging.WARNING, logger="ocrpipe"):
        article = load_article(url, Downloader(FetchConfig(cache_dir=tmp_path / "c")))
    assert len(article.images) == 1
    assert any("data: URIs (1)" in r.getMessage() for r in caplog.records)


def test_a_logged_setting_is_named_by_its_flag_alone_on_the_command_line():
    from ocrpipe.cli._main import _Formatter

    fmt = _Formatter("%(who)s: %(levelname)s: %(message)s")
    record = logging.LogRecord(
        "ocrpipe.acquire._fetch", logging.WARNING, __file__, 1, "only the first %d are fetched (%s)",
        (500, "max_images (--max-images on the command line)"), None,
    )  # fmt: skip
    assert fmt.format(record) == "ocrpipe: WARNING: only the first 500 are fetched (--max-images)"


def test_images_over_max_images_are_not_said_to_be_kept_by_all_images(tmp_path, poster_jpeg, capsys):
    from ocrpipe.cli import main

    for name in ("a.jpg", "b.jpg"):
        (tmp_path / name).write_bytes(poster_jpeg)
    (tmp_path / "list.txt").write_text("a.jpg\nb.jpg\n", "utf-8")
    for extra in ([], ["--all-images"]):
        out = tmp_path / f"out{len(extra)}"
        argv = ["fetch", str(tmp_path / "list.txt"), "--out", str(out), "--max-images", "1", "--cache-dir", str(tmp_path / "c")]
        main(argv + extra)
        err = capsys.readouterr().err
        assert "over the 1-image limit" in err  # the left-out line names the limit
        assert "--all-images keeps them" not in err, err


def test_saved_pages_in_a_list_or_a_folder_of_articles_are_articles(tmp_path):
    from ocrpipe.corpus._ingest import expand_sources

    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("a.mhtml", "b.MHT", "c.html"):
        (pages / name).write_bytes(b"MIME-Version: 1.0\r\n")
    listed = tmp_path / "articles.txt"
    listed.write_text(f"{pages / 'a.mhtml'}\nhttp://example.org/p.html\n", "utf-8")
    assert expand_sources([str(listed)]) == [str(pages / "a.mhtml"), "http://example.org/p.html"]
    assert expand_sources([str(pages)]) == [str(pages / n) for n in ("a.mhtml", "b.MHT", "c.html")]


def test_a_folder_image_whose_name_is_not_utf8_is_read(tmp_path, poster_jpeg):
    from ocrpipe.acquire._http import local_path

    name = os.fsdecode(b"a\xff\xfe.jpg")
    (tmp_path / name).write_bytes(poster_jpeg)
    article = load_article(str(tmp_path))
    (url,) = article.images[0].urls
    assert local_path(url) == tmp_path / name and local_path(url).read_bytes() == poster_jpeg
    assert local_path((tmp_path / "报告 1.jpg").as_uri()) == tmp_path / "报告 1.jpg"


def test_a_list_with_a_junk_line_names_the_line(tmp_path):
    lst = tmp_path / "list.txt"
    lst.write_text("# posters\n\na.jpg\nhttp://example.org/b.png\nnot a path at all\n/etc/passwd\n", "utf-8")
    with pytest.raises(ArticleError) as e:
        load_article(str(lst))
    assert "line 5 ('not a path at all') is neither an image URL nor an image path" in e.value.message
    plain = tmp_path / "notes.txt"
    plain.write_text("just some notes\n", "utf-8")
    with pytest.raises(ArticleError) as e:
        load_article(str(plain))
    assert e.value.message.endswith("neither an article nor a list of image URLs")


def test_an_image_url_of_another_scheme_fails_with_words_of_ocrpipe(tmp_path, capsys):
    from ocrpipe.cli import main

    (tmp_path / "list.txt").write_text("ftp://127.0.0.1:9/x.jpg\nftp://[::1/y.jpg\n", "utf-8")
    argv = ["fetch", str(tmp_path / "list.txt"), "--out", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")]
    assert main(argv) == 4
    err = capsys.readouterr().err
    assert "x.jpg: not an http(s) URL (ftp:)" in err and "connection adapters" not in err, err
    assert "image 2 failed: ftp://[::1/y.jpg: invalid URL" in err and "Traceback" not in err, err


def test_ocr_refuses_an_output_file_it_cannot_write_before_recognising(tmp_path, poster_jpeg, capsys, monkeypatch):
    from ocrpipe.cli import main
    from ocrpipe.errors import ExitCode
    from ocrpipe.recognition import _executor

    def never(*a, **k):
        raise AssertionError("recognised before the output was checked")

    monkeypatch.setattr(_executor, "recognize_all", never)
    (tmp_path / "p.jpg").write_bytes(poster_jpeg)
    (tmp_path / "afile").write_text("x", "utf-8")
    assert main(["ocr", str(tmp_path / "p.jpg"), "-o", str(tmp_path / "afile" / "out.txt")]) == ExitCode.OUTPUT_FAILED
    err = capsys.readouterr().err
    assert "cannot write" in err and "ocrpipe: hint:" in err, err
