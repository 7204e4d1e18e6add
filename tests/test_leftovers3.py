"""Outside review leftovers: a list read from standard input has no title (not "-"); a file
that is not a regular file given to `ocr` or `run` is bad input (exit 2), as a folder is."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocrpipe.acquire._sources import load_article


def test_a_list_from_standard_input_has_no_title_and_a_list_file_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    piped = load_article("-", data=b"p01.jpg\np02.jpg\n")
    assert piped.meta.title is None and piped.meta.promised_count is None
    (tmp_path / "march.txt").write_bytes(b"p01.jpg\np02.jpg\n")
    assert load_article(str(tmp_path / "march.txt")).meta.title == "march"
    # a page from standard input keeps the title it gives
    page = load_article("-", data="<h1>司法助力中小微企业发展20条</h1><img src='p01.jpg'>".encode())
    assert page.meta.title == "司法助力中小微企业发展20条" and page.meta.promised_count == 20
