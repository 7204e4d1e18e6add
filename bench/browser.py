"""Debian's Chromium under Playwright, launched one way for the demo's screenshot and the tests.

Playwright's own browser download cannot be reached here, so the system `chromium` is driven
through `executable_path`; `--no-sandbox` because CI runs as root; no background traffic.
"""

from __future__ import annotations

import shutil
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
)


def launch(playwright: Any) -> Any:
    """A headless Chromium browser from a started `sync_playwright()` (the caller closes it)."""
    if CHROMIUM is None:
        raise RuntimeError("Debian's chromium is not installed (make install does)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(ARGS))
