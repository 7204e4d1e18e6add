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
