"""The one progress bar: a line on stderr, drawn only on a terminal."""

from __future__ import annotations

import sys


class Progress:
    """`bar(done, total)` moves the bar; `bar.detail(done, total)` adds a second count after it.

    The corpus shows articles on the bar and the current article's images as the detail;
    `fetch` and `run` use the bar alone.
    """

    WIDTH = 30

    def __init__(self, label: str, enabled: bool, detail_label: str = "") -> None:
        self.label = label
        self.detail_label = detail_label
        self.enabled = enabled and sys.stderr.isatty()
        self.done, self.total = 0, 0
        self.sub = (0, 0)

    def __call__(self, done: int, total: int, *_: object) -> None:
        self.done, self.total, self.sub = done, total, (0, 0)
        self._draw(final=total > 0 and done >= total)

    def detail(self, done: int, total: int) -> None:
        self.sub = (done, total)
        self._draw()

    def _draw(self, final: bool = False) -> None:
        i, it = self.sub
        if not self.enabled or (self.total <= 0 and not it):
            return
        filled = int(self.WIDTH * self.done / self.total) if self.total > 0 else 0
        extra = f"  {self.detail_label} {i}/{it}" if it else ""
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {self.done}/{self.total}{extra}\033[K")
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()
