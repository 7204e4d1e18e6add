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
