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


@pytest.mark.parametrize("kind", ["character device", "FIFO"])
def test_ocr_and_run_of_a_file_that_is_not_regular_are_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    import os

    from ocrpipe.cli._main import main
    from ocrpipe.errors import ExitCode

    if kind == "FIFO":
        path = tmp_path / "pipe"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    # `ocr` made it a failed image (exit 4, a download failure) where a folder is exit 2
    assert main(["ocr", str(path)]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert f"not a regular file but a {kind}" in err and "hint" in err
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == ExitCode.BAD_INPUT
