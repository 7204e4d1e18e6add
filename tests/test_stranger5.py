"""Defects found by the fifth stranger pass (a user of the built wheel), each with its fix's test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ocrpipe.acquire._article import parse_article, type_hint, unwrap_proxy
from ocrpipe.acquire._sources import load_article
from ocrpipe.errors import ExitCode

REPO = Path(__file__).resolve().parents[1]

# urlsplit refuses these (an unclosed IPv6 bracket): the page parser had raised ValueError,
# which the CLI reported as a bug (exit 1) for the whole article
BAD = "http://[::1/a.jpg"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_THREAD_LIMIT": "1", "OCRPIPE_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "ocrpipe", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


# 1. an image URL that does not parse fails that image, never the article


def test_url_helpers_take_a_url_that_does_not_parse() -> None:
    assert unwrap_proxy(BAD) == (BAD, None)
    assert type_hint(BAD) is None


@pytest.mark.parametrize(
    "tag",
    [
        f'<img src="{BAD}">',
        f'<img data-src="{BAD}" src="x/blank.gif">',
        f'<img srcset="{BAD} 2x, small.jpg 1x">',
        f'<div style="background-image:url({BAD})">x</div>',
        f'<noscript><img src="{BAD}"></noscript>',
    ],
)
def test_page_with_an_image_url_that_does_not_parse(tag: str) -> None:
    art = parse_article(f'<div class="article-content"><img src="p1.jpg">{tag}<img src="p2.jpg"></div>')
    urls = [im.urls[0] for im in art.images]
    assert urls[0] == "p1.jpg" and urls[-1] == "p2.jpg"
    assert BAD in urls or len(urls) == 2  # kept for the download to fail it, or never an image


def test_markdown_image_url_that_does_not_parse_is_kept_to_fail_alone(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(f"# 标题\n\n![]({BAD})\n\n![](p2.jpg)\n")
    art = load_article(str(tmp_path / "a.md"))
    assert [im.urls[0] for im in art.images] == [BAD, (tmp_path / "p2.jpg").as_uri()]


def test_base_href_that_does_not_parse_is_ignored_as_a_browser_does() -> None:
    art = parse_article('<base href="http://[::1"><img src="p1.jpg">', base_url="file:///tmp/page.html")
    assert [im.urls[0] for im in art.images] == ["file:///tmp/p1.jpg"]


def test_list_file_with_a_url_that_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "list.txt").write_text(f"{BAD}\np2.jpg\n")
    art = load_article(str(tmp_path / "list.txt"))
    assert art.images[0].urls == (BAD,) and art.images[0].proxy_urls == ()
    assert len(art.images) == 2


def test_fetch_fails_only_that_image(tmp_path: Path, poster_jpeg: bytes) -> None:
    (tmp_path / "p1.jpg").write_bytes(poster_jpeg)
    (tmp_path / "page.html").write_text(f'<div class="article-content"><img src="p1.jpg"><img src="{BAD}"></div>')
    r = _cli("fetch", "page.html", "--out", "out", "--deadline", "3", cwd=tmp_path)
    assert r.returncode == ExitCode.DOWNLOAD_FAILED, r.stderr
    assert "Traceback" not in r.stderr and "bug" not in r.stderr
    assert "image 2 failed: http://[::1/a.jpg: invalid URL" in r.stderr
    images = json.loads((tmp_path / "out" / "manifest.json").read_text())["images"]
    assert [im["status"] for im in images] == ["ok", "failed"]


# 2. a host name that urllib refuses but requests sends: the download's own error, not "unexpected"


def test_unresolvable_host_urllib_refuses_is_a_network_error(tmp_path: Path, poster_jpeg: bytes) -> None:
    (tmp_path / "p1.jpg").write_bytes(poster_jpeg)
    # requests sends this to the host "localhost" (no traffic leaves the machine: the loopback
    # address is refused before any connection); urlsplit refuses its netloc (／ under NFKC is /)
    (tmp_path / "page.html").write_text('<div><img src="p1.jpg"><img src="http://a\uff0fb@localhost:9/x.jpg"></div>')
    r = _cli("fetch", "page.html", "--out", "out", "--deadline", "3", cwd=tmp_path)
    assert r.returncode == ExitCode.DOWNLOAD_FAILED, r.stderr
    assert "unexpected" not in r.stderr and "ValueError" not in r.stderr
    assert "image 2 failed" in r.stderr
