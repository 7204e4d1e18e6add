"""The review page (issue 13), in a real browser: Playwright driving Debian's Chromium."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import requests

from bench.browser import CHROMIUM, launch
from ocrpipe.cli._main import main
from ocrpipe.review import _corrections as corrections
from ocrpipe.review._page import write_page
from ocrpipe.review._server import serve_in_thread

from .conftest import PROVENANCE

REPO = Path(__file__).resolve().parents[1]
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make install does)"),
]


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def run_dir(demo_result) -> Path:
    return demo_result.parent


def _open(browser, url: str, width: int = 1280, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    requests_seen: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests_seen.append(r.url))
    page.goto(url)
    page.wait_for_selector("ol.lines li")
    page.evaluate("Promise.all(Array.from(document.images).map(i => i.decode().catch(() => null)))")
    return page, problems, requests_seen


def _damage_clause_heading(run_dir: Path, number: int) -> tuple[int, int, str]:
    """Make the engine's reading of a clause heading lose its number and its mark, as a misread
    would (a lone "4" left before the title is read as the number the mark lost, where the line
    is set like the other headings)."""
    data = json.loads((run_dir / "result.json").read_text())
    clause = next(c for c in data["clauses"] if c["number"] == number)
    image, line = clause["start"]
    im = next(i for i in data["images"] if i["index"] == image)
    good = im["lines"][line]["text"]
    im["lines"][line]["text"] = good.replace(f"{number}.", "", 1)
    # every reader lost it (where one still read it, the sequence prior would take its reading)
    for r in im["lines"][line].get("readers") or []:
        r["text"] = r["text"].replace(f"{number}.", "", 1)
    # titles told by their ink would fill the lost number in (structure._styled): a result
    # without inks (older, or --segment lines) cannot
    for other in data["images"]:
        for ln in other["lines"]:
            ln["ink"] = None
    # a number badge read beside the heading would still number it: lose that reading too
    for ln in im["lines"][max(0, line - 2) : line]:
        if ln["kind"] == "badge" and int(ln["text"] or -1) == number:
            ln["text"] = ""
    (run_dir / "result.json").write_text(json.dumps(data, ensure_ascii=False))
    corrections.rebuild(run_dir)
    return image, line, good


def test_page_loads_from_disk_with_no_errors_and_no_network(browser, run_dir):
    page, problems, seen = _open(browser, write_page(run_dir).as_uri())
    assert problems == []
    assert seen and all(u.startswith("file://") for u in seen)
    assert "verification ok" in page.inner_text("#verdict")
    assert page.locator("nav#clauses li").count() == 20
    page.close()


def _check_boxes(page, result: dict, samples: int = 12) -> None:
    checked = 0
    for im in result["images"]:
        for j, ln in enumerate(im["lines"][:3]):
            rect = page.eval_on_selector(f"#bp{im['index']}-l{j}", "e => e.getBoundingClientRect().toJSON()")
            img = page.eval_on_selector(
                f"#p{im['index']} img", "e => ({...e.getBoundingClientRect().toJSON(), nw: e.naturalWidth})"
            )
            s = img["width"] / img["nw"]
            x, y, w, h = ln["bbox"]
            assert rect["x"] == pytest.approx(img["x"] + x * s, abs=1.5)
            assert rect["y"] == pytest.approx(img["y"] + y * s, abs=1.5)
            assert rect["width"] == pytest.approx(w * s, abs=1.5)
            assert rect["height"] == pytest.approx(h * s, abs=1.5)
            checked += 1
            if checked >= samples:
                return


def test_line_boxes_sit_where_their_bbox_says_at_any_size(browser, run_dir):
    result = json.loads((run_dir / "result.json").read_text())
    page, _, _ = _open(browser, write_page(run_dir).as_uri())
    _check_boxes(page, result)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.wait_for_timeout(100)
    _check_boxes(page, result)
    img_w = page.eval_on_selector("#p1 img", "e => e.getBoundingClientRect().width")
    assert img_w > 300  # on a phone the poster takes the screen's width
    page.close()


def test_clicking_a_line_highlights_its_box_and_back(browser, run_dir):
    page, _, _ = _open(browser, write_page(run_dir).as_uri())
    page.click("#p2-l3")
    assert "hl" in page.get_attribute("#bp2-l3", "class")
    page.hover("#bp2-l5")
    assert "hl" in page.get_attribute("#p2-l5", "class")
    assert "hl" not in page.get_attribute("#bp2-l3", "class")
    page.close()


def test_disagreements_are_marked_and_come_first_in_j(browser, run_dir):
    data = json.loads((run_dir / "result.json").read_text())
    for im in data["images"]:
        for ln in im["lines"]:
            ln["flags"] = []
            ln["confidence"] = max(ln["confidence"], 90.0)
    im = data["images"][2]
    low = im["lines"][1]
    low["confidence"] = 20.0  # a low-confidence line before the disagreement on the page
    line = im["lines"][3]
    line["flags"] = [{"start": 1, "end": 3, "confidence": 41.0}]
    line["readers"] = [
        {"reader": "ppocrv6", "text": line["text"], "confidence": 90.0},
        {"reader": "tesseract", "text": "x" + line["text"], "confidence": 50.0},
    ]
    (run_dir / "result.json").write_text(json.dumps(data, ensure_ascii=False))
    page, problems, _ = _open(browser, write_page(run_dir).as_uri())
    marks = page.locator("#p2-l3 mark.dis")
    assert marks.count() == 1 and marks.inner_text() == line["text"][1:3]
    assert page.inner_text("#p2-l3 .txt") == line["text"]
    assert "tesseract: x" in page.get_attribute("#p2-l3", "title")
    assert "dis" in page.get_attribute("#bp2-l3", "class")
    page.keyboard.press("j")  # the disagreement first, although the low line comes before it
    assert "hl" in page.get_attribute("#p2-l3", "class")
    page.keyboard.press("j")
    assert "hl" in page.get_attribute("#p2-l1", "class")
    assert problems == []
    page.close()


def _set_flags(run_dir: Path, flagged: tuple[int, int] | None) -> None:
    """No flagged span anywhere but on line `flagged` (image, line), if given."""
    data = json.loads((run_dir / "result.json").read_text())
    for im in data["images"]:
        for j, ln in enumerate(im["lines"]):
            ln["flags"] = [{"start": 0, "end": 1, "confidence": 40.0}] if (im["index"], j) == flagged else []
    (run_dir / "result.json").write_text(json.dumps(data, ensure_ascii=False))


def test_a_missing_clause_is_named_in_the_banner_and_the_list(browser, run_dir):
    _damage_clause_heading(run_dir, 4)
    _set_flags(run_dir, None)
    page, problems, _ = _open(browser, write_page(run_dir).as_uri())
    verdict = page.inner_text("#verdict")
    assert "FAILED" in verdict and "missing: 4" in verdict
    assert page.inner_text("#missing-4").startswith("4 — missing")
    page.keyboard.press("j")  # with no flagged span, j jumps to the missing clause
    assert "hl" in page.get_attribute("#missing-4", "class")
    assert problems == []
    page.close()


def test_numbers_beyond_the_expected_count_are_named_in_the_banner(browser, run_dir):
    from ocrpipe.output._serial import to_json
    from ocrpipe.structure._clauses import verify

    data = json.loads((run_dir / "result.json").read_text())
    found = [c["number"] for c in data["clauses"]]  # the demo's 1..20, checked against 18
    data["verification"] = to_json(verify(found, 18)) | {"status": "failed"}
    (run_dir / "result.json").write_text(json.dumps(data, ensure_ascii=False))
    page, problems, _ = _open(browser, write_page(run_dir).as_uri())
    assert "beyond 18: 19, 20" in page.inner_text("#verdict")  # was only "found 20"
    assert problems == []
    page.close()


def test_j_visits_flagged_spans_before_missing_clauses(browser, run_dir):
    _damage_clause_heading(run_dir, 4)
    _set_flags(run_dir, (3, 2))  # a poster after the missing clause's place
    page, problems, _ = _open(browser, write_page(run_dir).as_uri())
    page.keyboard.press("j")
    assert "hl" in page.get_attribute("#p3-l2", "class")
    page.keyboard.press("j")
    assert "hl" in page.get_attribute("#missing-4", "class")
    assert "hl" not in page.get_attribute("#p3-l2", "class")
    page.keyboard.press("k")
    assert "hl" in page.get_attribute("#p3-l2", "class")
    assert problems == []
    page.close()


def test_served_page_corrects_a_misread_heading_and_verification_turns_ok(browser, run_dir):
    image, line, good = _damage_clause_heading(run_dir, 4)
    server, _ = serve_in_thread(run_dir)
    try:
        page, problems, _ = _open(browser, server.url)
        assert "missing: 4" in page.inner_text("#verdict")
        page.click(f"#p{image}-l{line} button.edit")
        page.fill(f"#p{image}-l{line} input.fix", good)
        page.press(f"#p{image}-l{line} input.fix", "Enter")
        page.wait_for_selector("#verdict.ok")
        assert problems == []
        page.close()
    finally:
        server.shutdown()
    result = json.loads((run_dir / "result.json").read_text())
    assert result["verification"]["ok"] and [c["number"] for c in result["clauses"]] == list(range(1, 21))
    fixed = next(i for i in result["images"] if i["index"] == image)["lines"][line]
    assert fixed["text"] == good and fixed["original"] == good.replace("4.", "", 1)
    saved = json.loads((run_dir / "corrections.json").read_text())["corrections"]
    assert saved[-1]["original"] == fixed["original"] and saved[-1]["text"] == good and saved[-1]["at"]
    assert "4." in (run_dir / "clauses.md").read_text()


def test_the_server_wants_its_token_and_keeps_concurrent_corrections(run_dir):
    server, _ = serve_in_thread(run_dir)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert requests.get(base + "/", timeout=5).status_code == 403
        assert requests.get(base + "/images/000.jpg?token=wrong", timeout=5).status_code == 403
        assert requests.post(base + "/api/correct", json={"kind": "line"}, timeout=5).status_code == 403
        assert requests.get(f"{base}/images/../result.json?token={server.token}", timeout=5).status_code == 404
        result = json.loads((run_dir / "result.json").read_text())
        targets = [(im["index"], j) for im in result["images"][1:3] for j in (1,)]
        answers: list[int] = []

        def fix(image: int, line: int) -> None:
            r = requests.post(
                base + "/api/correct",
                headers={"X-Ocrpipe-Token": server.token},
                json={"kind": "line", "image": image, "line": line, "text": f"改正{image}"},
                timeout=30,
            )
            answers.append(r.status_code)

        threads = [threading.Thread(target=fix, args=t) for t in targets]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert answers == [200, 200]
    finally:
        server.shutdown()
    saved = json.loads((run_dir / "corrections.json").read_text())["corrections"]
    assert {(c["image"], c["line"]) for c in saved} == set(targets)
    result = json.loads((run_dir / "result.json").read_text())
    for image, line in targets:
        ln = next(i for i in result["images"] if i["index"] == image)["lines"][line]
        assert ln["text"] == f"改正{image}" and ln["original"]


def test_corrections_survive_a_rerun_where_the_line_is_unchanged(run_dir, tmp_path, capsys, caplog):
    result = json.loads((run_dir / "result.json").read_text())
    im = result["images"][2]
    body = max(range(len(im["lines"])), key=lambda j: len(im["lines"][j]["text"]))  # a body line, not a heading
    corrections.add(
        run_dir,
        {
            "kind": "line",
            "image": im["index"],
            "line": body,
            "original": im["lines"][body]["text"],
            "text": im["lines"][body]["text"] + "（人工改正）",
        },
    )
    # and one made against a reading the engine no longer gives: stale after the re-run
    saved = json.loads((run_dir / "corrections.json").read_text())
    saved["corrections"].append(
        {
            "kind": "line",
            "image": im["index"],
            "line": 0,
            "original": "引擎以前读成这样",
            "text": "这条已经过时",
            "at": "2026-01-01T00:00:00+00:00",
        }
    )
    (run_dir / "corrections.json").write_text(json.dumps(saved, ensure_ascii=False))
    article = REPO / "samples" / "demo" / "article.md"
    assert main(["run", str(article), "--out", str(run_dir), "-q", "--cache-dir", str(tmp_path / "c")]) == 0
    again = json.loads((run_dir / "result.json").read_text())
    line = next(i for i in again["images"] if i["index"] == im["index"])["lines"][body]
    assert line["text"] == im["lines"][body]["text"] + "（人工改正）" and line["original"] == im["lines"][body]["text"]
    assert again["provenance"]["corrections"] == {"applied": 1, "stale": 1}
    assert "stale" in caplog.text


def test_review_command_writes_the_page(run_dir, capsys):
    assert main(["review", str(run_dir)]) == 0
    assert (run_dir / "review.html").read_text().count("<script") == 2


# --------------------------------------------------------------------------- issue 20: page details


def _detail_run(tmp_path: Path) -> Path:
    """A hand-made run: a wide poster with a tilted line, a tall poster of 12 clause lines, one of
    a single line. No engine runs; the page is what is tested."""
    from PIL import Image

    from ocrpipe.output._export import write_outputs
    from ocrpipe.output._results import ArticleMeta, ClauseResult, ImageResult, LineResult, RunResult, SourceRef
    from ocrpipe.structure._clauses import verify

    from .test_formats import _draw

    folder = tmp_path / "run"
    path, lines, (w, h) = _draw(folder, "000.jpg", wide=True)
    images = [ImageResult(index=0, file=f"images/{path.name}", width=w, height=h, lines=lines)]
    tall = [LineResult(f"{n}.第{n}项措施", 90.0, (40, 60 + 140 * (n - 1), 400, 40)) for n in range(1, 13)]
    Image.new("RGB", (600, 1800), "white").save(folder / "images" / "001.jpg")
    images.append(ImageResult(index=1, file="images/001.jpg", width=600, height=1800, lines=tuple(tall)))
    Image.new("RGB", (600, 900), "white").save(folder / "images" / "002.jpg")
    images.append(
        ImageResult(index=2, file="images/002.jpg", width=600, height=900, lines=(LineResult("结语", 95.0, (10, 10, 80, 30)),))
    )
    clauses = tuple(
        ClauseResult(n, f"{n}.", f"第{n}项措施", "", sources=(SourceRef(1, (ln.bbox,)),), start=(1, n - 1))
        for n, ln in enumerate(tall, 1)
    )
    result = RunResult(
        article=ArticleMeta(title="措施12条", date="2024-05-01"),
        images=tuple(images),
        clauses=clauses,
        verification=verify(list(range(1, 13)), 12),
        provenance=PROVENANCE,
    )
    write_outputs(result, folder)
    return folder


def test_posters_and_lines_are_numbered_from_1(browser, tmp_path):
    page, problems, _ = _open(browser, write_page(_detail_run(tmp_path)).as_uri())
    headings = page.locator(".poster h2").all_inner_texts()
    assert headings == ["poster 1 · 3 lines", "poster 2 · 12 lines", "poster 3 · 1 line"]
    assert page.eval_on_selector("#p1 ol.lines", "e => e.start") == 1
    # the list's own numbers, as the browser draws them: the first line is 1
    assert page.eval_on_selector("#p1-l0", "e => getComputedStyle(e).display") == "list-item"
    assert page.eval_on_selector("#p1 ol.lines", "e => e.getAttribute('start')") == "1"
    assert problems == []
    page.close()


def test_a_clause_scrolled_to_is_not_under_the_header(browser, tmp_path):
    page, _, _ = _open(browser, write_page(_detail_run(tmp_path)).as_uri(), height=600)
    for n in (9, 12, 5):
        page.click(f"#clause-{n} a")
        page.wait_for_timeout(100)
        header = page.eval_on_selector("header", "e => e.getBoundingClientRect().bottom")
        line = page.eval_on_selector(f"#p1-l{n - 1}", "e => e.getBoundingClientRect().toJSON()")
        assert line["top"] >= header - 0.5, f"clause {n}: its line is under the header"
        assert line["bottom"] <= 600
    page.close()


def test_a_wide_image_gets_the_full_width_and_a_tall_one_its_column(browser, tmp_path):
    page, _, _ = _open(browser, write_page(_detail_run(tmp_path)).as_uri())
    box = lambda sel: page.eval_on_selector(sel, "e => e.getBoundingClientRect().width")
    assert box("#p0 img") > 0.9 * (box("#p0") - 30)  # the landscape poster spans its card
    assert box("#p1 img") < 0.6 * box("#p1")  # a tall poster keeps its column beside the lines
    page.close()


def test_a_rotated_line_is_drawn_as_its_polygon(browser, tmp_path):
    run = _detail_run(tmp_path)
    result = json.loads((run / "result.json").read_text())
    polygon = result["images"][0]["lines"][2]["polygon"]
    page, _, _ = _open(browser, write_page(run).as_uri())
    assert page.eval_on_selector("#bp0-l2", "e => e.tagName") == "polygon"
    assert page.eval_on_selector("#bp0-l0", "e => e.tagName") == "rect"
    points = page.eval_on_selector("#bp0-l2", "e => Array.from(e.points).map(p => [p.x, p.y])")
    assert points == polygon
    # drawn where the image shows it: the outline's screen corners follow the image's scale
    img = page.eval_on_selector("#p0 img", "e => ({...e.getBoundingClientRect().toJSON(), nw: e.naturalWidth})")
    rect = page.eval_on_selector("#bp0-l2", "e => e.getBoundingClientRect().toJSON()")
    s = img["width"] / img["nw"]
    assert rect["x"] == pytest.approx(img["x"] + min(p[0] for p in polygon) * s, abs=2)
    assert rect["y"] == pytest.approx(img["y"] + min(p[1] for p in polygon) * s, abs=2)
    page.click("#p0-l2")
    assert "hl" in page.get_attribute("#bp0-l2", "class")
    page.close()


def test_the_corpus_index_shows_titles_dates_and_verdicts_styled(browser, tmp_path):
    from ocrpipe.corpus._pages import review_pages
    from ocrpipe.corpus._store import Store

    from .test_api import _stored

    db = _stored(tmp_path)
    with Store(db) as store:
        index = review_pages(store, tmp_path / "rev", tmp_path / "cache")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(index.as_uri())
    rows = page.locator("ol.articles li")
    assert rows.count() == 2
    first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "措施2条" in first and "2024-05-01" in first and "verification FAILED" in first and "missing 2" in first
    assert "一张照片" in second and "2023-01-09" in second and "verification not applicable" in second
    assert page.locator("ol.articles li .title a").first.get_attribute("href").endswith("/review.html")
    # the article pages' look: their header, font and verdict colours
    assert page.eval_on_selector("header", "e => getComputedStyle(e).position") == "sticky"
    assert "Noto Sans CJK SC" in page.eval_on_selector("body", "e => getComputedStyle(document.documentElement).fontFamily")
    red = page.eval_on_selector("ol.articles li.bad .verdict", "e => getComputedStyle(e).color")
    assert red == "rgb(198, 40, 40)"
    assert problems == []
    page.close()
