"""An opt-in cache of recognised posters for the structure bench (`--ocr-cache DIR`).

Re-scoring after a change to the structure stage (ocrpipe/structure, clauses and roles) need not
recognise the posters again: the bench hands the pipeline, through its `known` hook, what an
earlier run recognised from the same bytes with the same engine. The cache key holds everything
recognition depends on: the engine, the poster's sha256, and a digest of the recognition code
and models (ocrpipe/vision, ocrpipe/recognition, the text normalisation they call, the config,
the models' manifest with their sha256); change any of those and every entry misses. Entries are pickles (exact floats: a JSON
round trip rounds the heights the clause parser compares).
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from ocrpipe._io import atomic_write_bytes
from ocrpipe.output._results import ImageResult

ROOT = Path(__file__).resolve().parent.parent
# what decides recognition's output (the structure stage is not in it: that is what a re-score measures)
SOURCES = (
    "ocrpipe/vision",
    "ocrpipe/recognition",
    "ocrpipe/structure/_textnorm.py",
    "ocrpipe/config.py",
    "models/manifest.json",
)


@lru_cache(maxsize=4)
def code_digest(root: Path = ROOT, sources: tuple[str, ...] = SOURCES) -> str:
    """sha256 over the recognition code's and models' paths and bytes."""
    h = hashlib.sha256()
    for src in sources:
        base = root / src
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for p in files:
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


class OcrCache:
    """Recognised images by (engine, code digest, poster sha256), one pickle per poster."""

    def __init__(self, folder: Path, engine: str, digest: str | None = None) -> None:
        self.folder = Path(folder) / f"{engine}-{digest or code_digest()}"
        self.hits = self.misses = 0

    def _path(self, sha256: str) -> Path:
        return self.folder / f"{sha256}.pickle"

    def known(self, sha256: str) -> ImageResult | None:
        """The pipeline's `known` hook: an earlier recognition of these bytes, or None."""
        path = self._path(sha256)
        if not path.exists():
            self.misses += 1
            return None
        self.hits += 1
        im = pickle.loads(path.read_bytes())
        if not isinstance(im, ImageResult):
            raise TypeError(f"{path} holds no ImageResult: delete the cache folder")
        return im

    def store(self, sha256: str, image: ImageResult) -> None:
        """Keep a recognised image as recognition left it (the roles the structure stage set removed)."""
        if image.status != "ok":
            return
        plain = replace(image, lines=tuple(replace(ln, role=None) for ln in image.lines), timings=())
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self._path(sha256), pickle.dumps(plain))
