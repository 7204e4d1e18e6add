"""The benchmark's smoke version: one short series, real engines, figures with tolerances."""

from __future__ import annotations

import pytest

from ocrpipe.bench import QUICK, compare, edit_distance, render_table, run_bench

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("a,b,d", [("", "", 0), ("abc", "abc", 0), ("依法保护", "依法保户", 1), ("abc", "", 3),
                                   ("kitten", "sitting", 3)])
def test_edit_distance(a, b, d):
    assert edit_distance(a, b) == d


def test_quick_bench_measures_ours_and_the_baseline(tmp_path):
    figures = run_bench(QUICK, workdir=tmp_path, baseline=True, jobs=2, rapidocr=False)
    row = figures["rows"][0]
    ours, base = row["ours"], row["baseline"]
    assert ours["posters"] == base["posters"] > 0
    assert ours["cer"] < 0.03  # measured 0.0-0.5% on this series
    assert ours["clause_recall"] >= 0.75 and ours["verification_right"]
    assert ours["sec_per_poster"] > 0 and ours["peak_mb"] > 0 and base["peak_mb"] > 0
    table = render_table(figures["rows"] + [figures["overall"]])
    assert "quick" in table and "overall" in table
    assert compare(figures, figures)[0].startswith("change since")
