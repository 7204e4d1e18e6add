"""One run at a time owns an output directory: a lock, a staging area, an ordered commit.

A run writes everything (images/, manifest.json, result.json, clauses.md,
text.txt) into `DIR/.staging-*` and moves it into place at the end. The commit
first removes the previous run's result.json, then swaps images/, then moves the
files, result.json last; manifest.json and result.json carry the same run id.
So a reader finds either a whole run, the previous whole run, or a directory
without result.json (a commit that was cut short): never one run's manifest
beside another's result. Images an earlier run left are removed with its images/, and
so is its review.html (`--review` writes a new one): no output of an earlier run stays
beside this one's, except corrections.json, a person's work, applied where it still fits.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from ocrpipe._io import exclusive_lock, make_folder, release_lock
from ocrpipe.errors import OutputError

log = logging.getLogger(__name__)

LOCK = ".ocrpipe.lock"
# written from a recognition result (hocr/, alto/, article.pdf: --formats)
RESULT_FILES = ("result.json", "clauses.md", "text.txt", "hocr", "alto", "article.pdf")
COMMIT_ORDER = ("images", "manifest.json", "hocr", "alto", "article.pdf", "clauses.md", "text.txt", "result.json")
# Made from a run's result after it (review.html): describes the previous run until written again, so it goes
DERIVED_FILES = ("review.html",)


class OutputDir:
    """Context manager: lock DIR, hand out a staging folder, commit it with `commit()`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.run_id = uuid.uuid4().hex
        self.staging: Path | None = None
        self._lock_fd: int | None = None

    def __enter__(self) -> "OutputDir":
        images = self.root / "images"
        ours = (self.root / "manifest.json").exists() or (self.root / "result.json").exists()
        if (images.exists() or images.is_symlink()) and not ours:
            # a run replaces DIR/images whole: never a folder of the user's that no run wrote
            raise OutputError(
                f"{self.root} holds an images/ folder that no ocrpipe run wrote (no manifest.json or result.json beside it)",
                "give out a new or empty folder, or one an earlier run wrote; nothing was changed",
                option="out",
            )
        # a file in the way, or a folder that cannot be made or written, said as such (a file
        # at DIR was "File exists" with a hint about a full disk)
        make_folder(self.root, "out")
        self._lock_fd = exclusive_lock(
            self.root / LOCK,
            f"another ocrpipe run is writing to {self.root}",
            "wait for it to finish, or give out another folder",
            option="out",
        )
        for old in self.root.glob(".staging-*"):  # left by a run that was killed; we hold the lock
            shutil.rmtree(old, ignore_errors=True)
        try:
            self.staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".staging-"))
        except OSError as exc:
            self._unlock()
            raise OutputError(f"cannot write to {self.root}: {exc.strerror or exc}") from exc
        return self

    def commit(self) -> None:
        """Move the staged run into place; files of the previous run that this one lacks go."""
        assert self.staging is not None
        staged = self.staging
        trash = Path(tempfile.mkdtemp(dir=self.root, prefix=".staging-old-"))
        try:
            # The old result goes first: until the new one lands, no result describes the images.
            for name in (*RESULT_FILES, *DERIVED_FILES):
                _move_if_exists(self.root / name, trash / name)
            for name in COMMIT_ORDER:
                src, dst = staged / name, self.root / name
                if name == "images":
                    _move_if_exists(dst, trash / name)
                if src.exists():
                    os.replace(src, dst)
        except OSError as exc:
            raise OutputError(f"cannot move the results into {self.root}: {exc.strerror or exc}") from exc
        finally:
            shutil.rmtree(trash, ignore_errors=True)

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            release_lock(self.root / LOCK, self._lock_fd)  # no empty lock file stays in DIR
            self._lock_fd = None

    def __exit__(self, *exc: object) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        self._unlock()


def _move_if_exists(src: Path, dst: Path) -> None:
    if src.exists() or src.is_symlink():
        os.replace(src, dst)
