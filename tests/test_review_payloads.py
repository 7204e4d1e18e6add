"""The review page against hostile text (issue 18, case 1), in a real Chromium.

Each payload goes into the article's title, an OCR'd line and a saved correction; the page must
run its script (no error, every line listed) and show each text exactly as it was, whichever
state of the HTML parser the payload tries to leave it in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ocrpipe.output._export import read_result
from ocrpipe.review import _corrections as corrections
from ocrpipe.review._page import render, write_page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make install does)"),
]

PAYLOADS = {
    "end-script": "</script><script>document.title='pwned'</script>",
    "comment-open": "<!--",
    "comment-script": "<!--<script>",  # the case: the page's own script is swallowed
    "comment-script-space": "<!--<script x",
    "comment-script-slash": "<!--<script/",
    "script-open": "<script>",
    "cdata-end": "]]>",
    "line-separators": "a\u2028b\u2029c",
    "nul": "a\x00b",
    "bidi": "\u202eevil\u202c\u2066x\u2069\u200f",
    "all": "<!--<script></script>]]>\u2028\u2029\x00\u202e-->",
}


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        yield b
        b.close()


def _plant(run_dir: Path, payload: str) -> tuple[str, str, str, int]:
    """The payload in the title, line 0 and a correction of line 1 of the first image."""
    data = json.loads((run_dir / "result.json").read_text("utf-8"))
    title, line, fix = f"T{payload}T", f"L{payload}L", f"C{payload}C"
    data["article"]["title"] = title
    im = data["images"][0]
    im["lines"][0]["text"] = line
    (run_dir / "result.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    original = im["lines"][1]["text"]
    corrections.add(run_dir, {"kind": "line", "image": im["index"], "line": 1, "original": original, "text": fix})
    assert json.loads((run_dir / "corrections.json").read_text("utf-8"))["corrections"][0]["text"] == fix
    return title, line, fix, im["index"]


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_1_no_payload_escapes_the_page_data(browser, demo_result, name):
    run_dir = demo_result.parent
    payload = PAYLOADS[name]
    title, line, fix, index = _plant(run_dir, payload)
    page_path = write_page(run_dir)
    html = page_path.read_text("utf-8")
    script_body = html.split('<script id="data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in script_body and "\u2028" not in script_body and "\u2029" not in script_body

    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(page_path.as_uri())
    page.wait_for_selector("ol.lines li")
    assert problems == []
    assert page.title() != "pwned"
    shown = page.evaluate("() => document.getElementById('title').textContent")
    assert shown == title
    texts = page.evaluate(
        f"() => [document.querySelector('#p{index}-l0 .txt').textContent, "
        f"document.querySelector('#p{index}-l1 .txt').textContent]"
    )
    assert texts == [line, fix]
    n_lines = sum(len(im.lines) for im in read_result(run_dir).images)
    assert page.locator("ol.lines li").count() == n_lines  # the page's own script ran to the end
    page.close()


def test_1_a_title_naming_a_template_slot_stays_text(demo_result):
    run_dir = demo_result.parent
    data = json.loads((run_dir / "result.json").read_text("utf-8"))
    data["article"]["title"] = "{{DATA}}{{TITLE}}"
    (run_dir / "result.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    html = render(read_result(run_dir))
    assert "<title>{{DATA}}{{TITLE}} · ocrpipe review</title>" in html
