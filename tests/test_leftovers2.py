"""Low-severity defects left after the stranger passes (second round), each with its fix's test."""

from __future__ import annotations

from pathlib import Path

import pytest

import ocrpipe
from ocrpipe.errors import InputError


def test_corpus_search_checks_its_limit_once_with_the_range(tmp_path: Path) -> None:
    from ocrpipe.corpus._store import Store

    Store(tmp_path / "c.db").close()
    corpus = ocrpipe.Corpus(tmp_path / "c.db")
    for bad in ("5", 0, True, 10001):
        with pytest.raises(InputError) as err:
            corpus.search("营商环境", limit=bad)  # type: ignore[arg-type]
        # one check, the search's: it names the range (the API's own said only "a whole number (int)")
        assert err.value.option == "limit" and "from 1 to 10000" in err.value.message, err.value.message


def _write_result(folder: Path, numbers: list[int], expected: int | None) -> Path:
    import json

    from ocrpipe.output._results import ArticleMeta, ClauseResult, RunResult
    from ocrpipe.structure._clauses import verify

    from .conftest import PROVENANCE

    result = RunResult(
        article=ArticleMeta(title=f"措施{expected}条"),
        images=(),
        clauses=tuple(ClauseResult(number=n, label=f"{n}.", title=f"第{n}项", text="正文。") for n in numbers),
        verification=verify(numbers, expected),
        provenance=PROVENANCE,
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.json").write_text(json.dumps(result.to_dict(), ensure_ascii=False), "utf-8")
    return folder


@pytest.mark.parametrize("quiet", [False, True])
def test_verify_prints_its_verdict_on_stdout_passed_or_failed(tmp_path: Path, capsys, quiet: bool) -> None:
    from ocrpipe.cli._main import main
    from ocrpipe.errors import ExitCode

    q = ["-q"] if quiet else []
    ok = _write_result(tmp_path / "ok", [1, 2, 3], 3)
    assert main(["verify", str(ok), *q]) == ExitCode.OK
    out = capsys.readouterr()
    assert ("verification: ok" in out.out) is not quiet and out.err == ""
    bad = _write_result(tmp_path / "bad", [1, 3], 3)
    assert main(["verify", str(bad), *q]) == ExitCode.VERIFICATION_FAILED
    out = capsys.readouterr()
    # the verdict is the command's output, failed or not (was: on stderr when it failed)
    assert "verification: FAILED" in out.out and "missing: 2" in out.out and out.err == "", out


@pytest.mark.parametrize("content", [b"", b"hello, not a poster\n"])
def test_ocr_and_run_refuse_an_empty_or_non_image_jpg_alike_with_exit_2(tmp_path: Path, capsys, content: bytes) -> None:
    from ocrpipe.cli._main import main
    from ocrpipe.errors import ExitCode

    bad = tmp_path / "empty.jpg"
    bad.write_bytes(content)
    # bad input (README: exit 2, before any work) for both commands: `ocr` said exit 4, as if an image had failed
    assert main(["ocr", str(bad)]) == ExitCode.BAD_INPUT
    ocr_err = capsys.readouterr().err
    assert main(["run", str(bad), "--out", str(tmp_path / "out"), "-q"]) == ExitCode.BAD_INPUT
    run_err = capsys.readouterr().err
    what = "empty file" if not content else "not a readable image"
    assert what in ocr_err and what in run_err, (ocr_err, run_err)
    assert not (tmp_path / "out").exists()


def test_ocr_of_a_truncated_jpeg_is_still_an_image_that_failed(tmp_path: Path, capsys) -> None:
    from ocrpipe.cli._main import main
    from ocrpipe.errors import ExitCode

    poster = Path(__file__).resolve().parents[1] / "samples" / "demo" / "posters" / "p01.jpg"
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(poster.read_bytes()[:3000])
    assert main(["ocr", str(cut), "--jobs", "1"]) == ExitCode.DOWNLOAD_FAILED  # 4: an image could not be read
    assert "truncated or corrupt" in capsys.readouterr().err


def test_cli_messages_name_the_flag_where_the_library_names_the_setting(tmp_path: Path, capsys) -> None:
    from ocrpipe.cli._main import main
    from ocrpipe.errors import ExitCode

    folder = _write_result(tmp_path / "run", [1, 2], None)  # no count promised
    assert main(["verify", str(folder)]) == ExitCode.OK
    out = capsys.readouterr().out
    # was "give expect (--expect on the command line) to check a count"
    assert "give --expect to check a count" in out and "on the command line" not in out, out
    assert main(["verify", str(folder), "--expect", "-1"]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    # was "give expect a real clause count (--expect on the command line)"
    assert "hint: give --expect a real clause count\n" in err, err


def test_in_flags_leaves_paths_values_and_code_alone() -> None:
    from ocrpipe.cli._options import in_flags

    assert in_flags("raise the pixel limit, max_pixels (--max-pixels on the command line), if genuine") == (
        "raise the pixel limit, --max-pixels, if genuine"
    )
    assert in_flags("start it with `dask scheduler`, or leave dask unset", "dask") == (
        "start it with `dask scheduler`, or leave --dask unset"
    )
    assert (
        in_flags("/srv/out/c.db is not a store; give db a new name", "db")
        == "/srv/out/c.db is not a store; give --db a new name"
    )
    assert in_flags("give out another folder than /x/out", "out") == "give --out another folder than /x/out"
    assert in_flags("limit must be 1 to 10000", "limit", lead=True) == "--limit must be 1 to 10000"
    assert in_flags("unknown engine 'x'", "engine", lead=True) == "unknown engine 'x'"
    assert in_flags("set debug_dir to a folder", "debug_dir") == "set --debug to a folder"


def test_an_output_folder_keeps_no_lock_file_and_stays_one_run_at_a_time(tmp_path: Path) -> None:
    from ocrpipe.errors import OutputError
    from ocrpipe.output._outdir import LOCK, OutputDir

    out = tmp_path / "out"
    with OutputDir(out) as first:
        assert (out / LOCK).exists()
        with pytest.raises(OutputError) as err, OutputDir(out):
            pass
        assert err.value.exit_code == 6
        assert first.staging is not None
        (first.staging / "result.json").write_text("{}")
        first.commit()
    assert sorted(p.name for p in out.iterdir()) == ["result.json"]  # was: .ocrpipe.lock left behind
    with OutputDir(out):  # the next run locks it again
        assert (out / LOCK).exists()
    assert not (out / LOCK).exists()


def test_the_lock_holds_when_its_holder_removes_the_file_another_has_just_opened(tmp_path: Path, monkeypatch) -> None:
    """The holder releases (and removes the file) between another's open and flock: that one must
    not be left holding a lock on the removed file while a third locks the new one."""
    import os

    import ocrpipe._io as io_
    from ocrpipe._io import exclusive_lock, release_lock
    from ocrpipe.errors import OutputError

    path = tmp_path / "x.lock"
    first = exclusive_lock(path, "busy", "wait")
    real_open, calls = os.open, []

    def open_then_holder_finishes(*args, **kwargs):
        fd = real_open(*args, **kwargs)
        if not calls:
            calls.append(1)
            release_lock(path, first)  # the file this fd is open on goes
        return fd

    monkeypatch.setattr(io_.os, "open", open_then_holder_finishes)
    second = exclusive_lock(path, "busy", "wait")
    monkeypatch.undo()
    with pytest.raises(OutputError):  # the second holds the lock on the file at the path
        exclusive_lock(path, "busy", "wait")
    release_lock(path, second)
    assert not path.exists()


def test_ocr_of_standard_input_that_is_no_image_is_bad_input(monkeypatch, capsys) -> None:
    import io
    import sys

    from ocrpipe.cli._main import main
    from ocrpipe.errors import ExitCode

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"hello, not a poster\n")))
    assert main(["ocr", "-"]) == ExitCode.BAD_INPUT  # was 4: "- failed: image: not a recognised image"
    assert "standard input is not an image" in capsys.readouterr().err


def test_run_into_a_file_says_a_file_is_in_the_way(tmp_path: Path, capsys) -> None:
    from ocrpipe.cli._main import main
    from ocrpipe.errors import ExitCode

    (tmp_path / "afile").write_text("x")
    article = Path(__file__).resolve().parents[1] / "samples" / "demo" / "article.md"
    assert main(["run", str(article), "--out", str(tmp_path / "afile"), "-q"]) == ExitCode.OUTPUT_FAILED
    err = capsys.readouterr().err
    # was "cannot use output directory ...: File exists" with a hint about a full disk
    assert "a file of that name is in the way" in err and "hint: give --out a folder" in err, err
    assert (tmp_path / "afile").read_text() == "x"
