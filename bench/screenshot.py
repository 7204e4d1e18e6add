"""Screenshot a review page with Debian's Chromium (Playwright): `python -m bench.screenshot PAGE PNG`.

`make demo` runs it on out/demo/review.html; it says so and exits 0 when Chromium
or Playwright is missing (the page itself needs neither).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m bench.screenshot PAGE.html OUT.png", file=sys.stderr)
        return 2
    page_path, out = Path(args[0]).resolve(), Path(args[1])
    from .browser import CHROMIUM, launch

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None  # type: ignore[assignment]
    if CHROMIUM is None or sync_playwright is None:
        print("screenshot skipped: Debian's chromium and Playwright are needed (make install)", file=sys.stderr)
        return 0
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(page_path.as_uri())
        page.wait_for_selector("ol.lines li")
        page.click("#p1-l2")  # show a highlighted line
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(out))
        browser.close()
    print(f"screenshot -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
