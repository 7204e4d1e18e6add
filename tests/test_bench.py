"""The benchmark's smoke version: one short series, real engines, figures with tolerances."""

from __future__ import annotations

import pytest

from bench.posters import QUICK, compare, edit_distance, render_table, run_bench
from bench.realdev import _find_realdev, char_f1, char_recall

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "a,b,d", [("", "", 0), ("abc", "abc", 0), ("依法保护", "依法保户", 1), ("abc", "", 3), ("kitten", "sitting", 3)]
)
def test_edit_distance(a, b, d):
    assert edit_distance(a, b) == d


@pytest.mark.parametrize(
    "got,ref,f1",
    [
        ("你好世界", "你好，世界！", 1.0),
        ("世界你好", "你好世界", 1.0),
        ("", "你好", 0.0),
        ("你好", "你好世界", 2 / 3),
        ("Hello", "hello", 1.0),
    ],
)
def test_char_f1_is_order_free_and_ignores_punctuation(got, ref, f1):
    assert char_f1(got, ref) == pytest.approx(f1)


@pytest.mark.parametrize("got,ref,recall", [("你好世界多", "你好世界", 1.0), ("你好", "你好世界", 0.5), ("", "", 1.0)])
def test_char_recall_counts_only_the_references_characters(got, ref, recall):
    assert char_recall(got, ref) == pytest.approx(recall)


def test_realdev_folder_from_the_environment_or_above_the_checkout(tmp_path, monkeypatch):
    monkeypatch.setenv("OCRPIPE_REALDEV", str(tmp_path))
    assert _find_realdev() == tmp_path
    monkeypatch.delenv("OCRPIPE_REALDEV")
    found = _find_realdev()
    assert found.parts[-2:] == ("shared", "realdev")


def test_quick_bench_measures_ours_and_a_peer(tmp_path):
    figures = run_bench(
        (("quick", QUICK),),
        workdir=tmp_path,
        jobs=2,
        systems=("tesseract:detect", "tesseract:lines", "plain-tesseract"),
        big_type=False,
    )
    row = figures["rows"][0]
    ours, lines, base = (row["systems"][k] for k in ("tesseract:detect", "tesseract:lines", "plain-tesseract"))
    assert ours["posters"] == base["posters"] == lines["posters"] > 0
    assert ours["cer"] < 0.03 and lines["cer"] < 0.03  # measured 0.0-0.5% on this series
    assert ours["clause_recall"] >= 0.75 and ours["verification_right"]
    assert ours["sec_per_poster"] > 0 and ours["peak_mb"] > 0 and base["peak_mb"] > 0
    assert base["clause_recall"] is None  # a peer has no clauses
    table = render_table(figures["rows"], figures["systems"])
    assert "quick" in table and "tesseract:detect" in table
    assert compare(figures, figures)[0].startswith("change since")


def test_readers_bench_counts_flag_coverage_and_the_oracle():
    from bench.readers import flag_coverage, score_posters
    from ocrpipe.output._results import Flag, ImageResult, LineResult

    line = LineResult("依法保户企业", 90.0, (0, 0, 10, 10), flags=(Flag(3, 4, 40.0),))
    other = LineResult("合法权溢", 90.0, (0, 10, 10, 10))
    im = ImageResult(0, "a.jpg", lines=(line, other))
    covered, errors, flagged, chars = flag_coverage(im, "依法保护企业合法权益")
    assert (covered, errors, flagged, chars) == (1, 2, 1, 10)
    figs = score_posters(
        ["依法保护企业"], {"ppocrv6": ["依法保户企业"], "ppocrv4": ["依法保护企"], "consensus": ["依法保户企业"]}
    )
    assert figs["ppocrv6"]["edits"] == 1 and figs["ppocrv4"]["edits"] == 1
    assert figs["oracle"]["edits"] == 0  # every character was right in some reader


def test_flag_breakdown_tells_errors_a_flag_can_reach_from_order_lost_and_unlisted_text():
    from bench.readers import flag_breakdown, flag_coverage, flag_coverage_by_line
    from ocrpipe.output._results import Flag, ImageResult, LineResult

    truth = "植物医生\n红参男士醒肤活力\n净含量"
    lines = (
        LineResult("参男士际快活力", 90.0, (0, 0, 10, 10), flags=(Flag(3, 4, 40.0),)),  # 红 lost, 醒肤 misread
        LineResult("Cleanser for Men", 90.0, (0, 10, 10, 10)),  # small print the reference leaves out
        LineResult("植物医生", 90.0, (0, 20, 10, 10)),  # read after the line below it: order is no error here
    )
    im = ImageResult(0, "a.jpg", lines=lines)
    b = flag_breakdown(im, truth)
    assert (b["read"], b["covered_read"]) == (2, 2)  # 际快 for 醒肤: one step, which a flag on 际 covers
    assert (b["unlisted"], b["covered_unlisted"]) == (14, 0)
    assert b["lost"] == 1 + 3  # 红, and 净含量 that no line read
    assert (b["flagged"], b["chars"]) == (1, 25)
    covered, errors, _f, _c = flag_coverage_by_line(im, truth)
    assert (covered, errors) == (2, 2 + 14 + 4)
    assert flag_coverage(im, truth)[1] > errors  # in reading order the moved line counts too


def test_layout_model_bench_judges_title_lines_by_the_truth():
    from bench.layout_model import _title_truth

    clauses = [{"title": "健全信用修复机制", "body": "依法审慎采取强制措施，减少对企业的影响。"}]
    assert _title_truth("第三条健全信用", clauses) is True  # a label before a wrapped title's first line
    assert _title_truth("修复机制", clauses) is True
    assert _title_truth("依法审慎采取强制措施，", clauses) is False
    assert _title_truth("健全信用修复机制。依法审慎采取", clauses) is None  # inline: title and body on one line
    assert _title_truth("05", clauses) is None and _title_truth("制", clauses) is None
