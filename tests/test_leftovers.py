"""Defects the third stranger pass left open, each with its fix's test."""

from __future__ import annotations

from .conftest import PROVENANCE

_IMGS = "".join(f'<p><img src="/p{i}.jpg"></p>' for i in range(3))


def _meta(html: str):
    from ocrpipe.acquire._article import parse_article

    return parse_article(html, location="http://news.example.cn/a.html", base_url="http://news.example.cn/a.html").meta


def _page(title: str, h1: str, lead: str = "为贯彻落实，现通知如下。", nav: str = "") -> str:
    return (
        f"<html><head><title>{title}</title></head><body>{nav}"
        f"<div class='article-content'><h1>{h1}</h1><p>{lead}</p>{_IMGS}</div></body></html>"
    )


def test_a_promise_only_in_the_page_s_title_element_is_read():
    meta = _meta(_page("稳经济二十条来了_新闻频道_某某网", "重磅！政策来了"))
    assert meta.title == "重磅！政策来了"  # the <h1> stays the title
    assert (meta.promised_count, meta.promise_source) == (20, "title")  # was None: the count was lost
    assert meta.found_in["promised_count"] == "<title>" and meta.promise_text and "二十条" in meta.promise_text


def test_the_title_element_s_promise_comes_after_the_h1_s_and_must_agree():
    same = _meta(_page("二十条来了_某某网", "助企纾困二十条"))
    assert (same.promised_count, same.found_in["promised_count"]) == (20, "title")
    other = _meta(_page("稳经济30条_某某网", "助企纾困二十条"))
    assert other.promised_count is None
    assert [c.split(":")[0] for c in other.promise_conflict] == ["title", "<title>"]
    lead = _meta(_page("稳经济二十条_某某网", "政策来了", lead="日前，省政府印发《若干措施》，共15条。"))
    assert lead.promised_count is None and [c.split(":")[0] for c in lead.promise_conflict] == ["<title>", "lead"]


def test_the_title_element_is_read_but_a_count_in_the_navigation_still_is_not():
    meta = _meta(_page("政策来了_某某网", "政策来了", nav="<div class='nav'><p>热点：稳经济30条政策解读</p></div>"))
    assert meta.promised_count is None
    nav_and_title = _meta(_page("二十条来了_某某网", "重磅！", nav="<nav><p>热点：稳经济30条政策解读</p></nav>"))
    assert (nav_and_title.promised_count, nav_and_title.found_in["promised_count"]) == (20, "<title>")


def test_wrapped_lines_join_without_a_space_in_chinese_and_with_one_between_latin_words():
    from ocrpipe.structure._textnorm import join_wrapped

    assert join_wrapped(["支持小微", "企业发展"]) == "支持小微企业发展"
    assert join_wrapped(["support", "SMEs"]) == "support SMEs"
    assert join_wrapped(["开通APP", "Store上架"]) == "开通APP Store上架"
    assert join_wrapped(["降至3", "0%"]) == "降至30%"  # a number broken across lines stays one number
    assert join_wrapped(["使用5G", "网络", "，推动GDP", "增长"]) == "使用5G网络，推动GDP增长"
    assert join_wrapped(["…[support]", "SMEs"], marks="[]") == "…[support] SMEs"


def test_a_clause_s_latin_words_across_a_wrap_keep_their_space():
    from ocrpipe.structure._clauses import extract_clauses
    from tests.test_clauses import img

    images = [
        img(
            0,
            ("1.支持企业上云", 36),
            ("推广使用cloud", 28),
            ("services，降低成本。", 28),
            ("2.优化环境", 36),
            ("减轻负担。", 28),
        )
    ]
    clauses, _ = extract_clauses(images, expected=2)
    assert [c.text for c in clauses] == ["推广使用cloud services，降低成本。", "减轻负担。"]  # was "cloudservices"


def test_search_snippets_join_wrapped_chinese_lines_without_a_space(tmp_path):
    import json
    import time

    from ocrpipe.corpus._search import search
    from ocrpipe.corpus._store import Store

    store = Store(tmp_path / "c.db")
    store.db.execute(
        "INSERT INTO articles (id, key, title, state, settings, updated) VALUES (1, 'k', 't', 'done', 's', ?)", (time.time(),)
    )
    lines = ["1.支持小微", "企业发展，推广cloud", "services。"]
    store.db.execute(
        "INSERT INTO images (sha256, settings, width, height, text, lines) VALUES ('h', 's', 10, 10, ?, ?)",
        ("\n".join(lines), json.dumps([{"text": t} for t in lines])),
    )
    store.db.execute("INSERT INTO image_fts (sha256, settings, text) VALUES ('h', 's', ?)", ("\n".join(lines),))
    store.db.execute("INSERT INTO article_images (article_id, position, sha256, status) VALUES (1, 0, 'h', 'ok')")
    store.db.commit()
    hits, _ = search(store, "支持小微")
    assert next(h.snippet for h in hits if h.kind == "image").startswith("1.[支持小微]企业发展")  # was "…小微] 企业…"
    hits, _ = search(store, "cloud")
    assert next(h.snippet for h in hits if h.kind == "image").endswith(
        "推广[cloud] serv…"
    )  # the wrap after cloud keeps its space
    store.close()


def _result(numbers: list[int], expected: int | None):
    from ocrpipe.output._results import ArticleMeta, ClauseResult, RunResult
    from ocrpipe.structure._clauses import verify

    return RunResult(
        article=ArticleMeta(title=f"措施{expected}条"),
        images=(),
        clauses=tuple(ClauseResult(number=n, label=f"{n}.", title=f"第{n}项", text="正文。") for n in numbers),
        verification=verify(numbers, expected),
        provenance=PROVENANCE,
    )


def test_verification_reports_the_numbers_found_beyond_the_expected_count():
    from ocrpipe.structure._clauses import verify

    v = verify([*range(1, 21), 21, 22, 22], expected=20)
    assert (v.extra, v.missing, v.duplicates, v.ok) == ((21, 22), (), (22,), False)  # extra: no field had them
    assert "extra (beyond 20): 21, 22" in v.problems()
    assert verify([1, 3, 2], expected=3).extra == () and verify([1, 2, 5], expected=None).extra == ()


def test_extra_is_in_result_json_its_schema_clauses_md_and_the_review_page():
    import json
    from importlib.resources import files

    import jsonschema

    from ocrpipe.output._export import clauses_markdown
    from ocrpipe.output._results import RunResult
    from ocrpipe.review._page import page_data

    schema = json.loads(files("ocrpipe.output").joinpath("schema/result.schema.json").read_text("utf-8"))
    result = _result([1, 2, 3, 4], expected=3)
    data = result.to_dict()
    assert data["verification"]["extra"] == [4]
    jsonschema.validate(data, schema)
    assert RunResult.from_dict(data).to_dict() == data
    old = json.loads(json.dumps(data))
    del old["verification"]["extra"]  # a result.json written before the field
    jsonschema.validate(old, schema)
    assert RunResult.from_dict(old).verification.extra == ()
    assert "- extra (beyond 3): 4" in clauses_markdown(result)
    page = page_data(result)
    assert page["verification"]["extra"] == [4] and [c["flag"] for c in page["clauses"]] == [False, False, False, True]


def _cli_flags() -> set[str]:
    """Every flag of every ocrpipe command and subcommand."""
    import argparse

    from ocrpipe.cli._main import build_parser

    flags: set[str] = set()
    todo = [build_parser()]
    while todo:
        parser = todo.pop()
        for action in parser._actions:
            flags.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                todo.extend(action.choices.values())
    return flags


def test_every_setting_an_error_names_has_the_flag_the_cli_adds():
    from ocrpipe.cli._options import fetch_options, ocr_options
    from ocrpipe.config import flag_of

    for opt in (*fetch_options(), *ocr_options()):
        if opt.config is not None:
            assert flag_of(opt.field) == opt.flags[0], opt.field
    used = ("expect", "db", "limit", "since", "until", "format", "dask", "out", "debug_dir", "segment", "tessdata")
    assert {flag_of(name) for name in used} <= _cli_flags()


def test_library_errors_name_the_setting_not_a_command_line_flag(tmp_path):
    import pytest

    from ocrpipe._io import make_folder
    from ocrpipe.corpus._export import format_for
    from ocrpipe.corpus._search import search
    from ocrpipe.corpus._store import Store
    from ocrpipe.errors import OcrpipeError
    from ocrpipe.recognition.engines import check_segment
    from ocrpipe.recognition.engines._tesseract import find_tessdata, languages
    from ocrpipe.structure._clauses import verify

    (tmp_path / "afile").write_text("x")
    (tmp_path / "not.db").write_bytes(b"not sqlite at all" * 100)
    store = Store(tmp_path / "c.db")
    calls = {
        "expect": lambda: verify([1], expected=-1),  # was: give --expect N
        "limit": lambda: search(store, "营商环境", limit=0),  # was: --limit must be ...
        "since": lambda: search(store, "营商环境", since="2024-02-30"),  # was: --since '2024-02-30' is not a date
        "format": lambda: format_for(tmp_path / "x.xlsx"),  # was: or give --format
        "segment": lambda: check_segment("tesseract", "engine"),  # was: --segment engine does not work ...
        "lang": lambda: languages("chi sim"),
        "tessdata": lambda: find_tessdata("chi_sim", tmp_path / "nowhere"),
        "db": lambda: Store(tmp_path / "not.db"),  # was: give --db a new file name
        "debug_dir": lambda: make_folder(tmp_path / "afile", "debug_dir"),
    }
    for option, call in calls.items():
        with pytest.raises(OcrpipeError) as e:
            call()
        assert e.value.option == option
        assert "--" not in str(e.value), str(e.value)
    store.close()


def test_the_cli_adds_its_flag_to_the_library_s_hint(tmp_path, capsys):
    from ocrpipe.cli._main import main
    from ocrpipe.corpus._store import Store
    from ocrpipe.errors import ExitCode

    db = tmp_path / "c.db"
    Store(db).close()
    assert main(["search", "营商环境", "--db", str(db), "--since", "2024-02-30"]) == ExitCode.BAD_INPUT
    hint = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("ocrpipe: hint:")]
    assert hint == ["ocrpipe: hint: give --since a year, a month or a day: 2024, 2024-05 or 2024-05-01"]
    (tmp_path / "not.db").write_bytes(b"not sqlite at all" * 100)
    assert main(["search", "营商环境", "--db", str(tmp_path / "not.db")]) == ExitCode.BAD_INPUT
    assert "or a store that corpus add made (--db)" in capsys.readouterr().err
