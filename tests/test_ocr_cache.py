"""bench.ocr_cache: recognised posters reused only while engine, bytes and recognition code are the same."""

from __future__ import annotations

from dataclasses import replace

from bench.ocr_cache import OcrCache, code_digest
from ocrpipe.output._results import ImageResult, LineResult


def _image() -> ImageResult:
    lines = (
        LineResult(text="第一条 加强保护", confidence=91.23456, bbox=(10, 20, 300, 40), text_height=31.234567, role="title"),
        LineResult(text="正文", confidence=88.0, bbox=(10, 70, 200, 30), region="card", block=2, role="body"),
    )
    return ImageResult(index=3, file="images/03.jpg", width=876, height=1567, lines=lines, timings=(("lines", 0.5),))


def test_a_stored_poster_comes_back_exactly_without_roles(tmp_path):
    cache = OcrCache(tmp_path, "tesseract", digest="d1")
    assert cache.known("abc") is None and cache.misses == 1
    cache.store("abc", _image())
    got = cache.known("abc")
    want = _image()
    assert got == replace(want, lines=tuple(replace(ln, role=None) for ln in want.lines))
    assert got.lines[0].text_height == 31.234567  # exact floats (no JSON rounding)
    assert cache.hits == 1


def test_another_engine_or_recognition_code_misses(tmp_path):
    OcrCache(tmp_path, "tesseract", digest="d1").store("abc", _image())
    assert OcrCache(tmp_path, "rapidocr", digest="d1").known("abc") is None
    assert OcrCache(tmp_path, "tesseract", digest="d2").known("abc") is None
    assert OcrCache(tmp_path, "tesseract", digest="d1").known("abd") is None


def test_failed_images_are_not_kept(tmp_path):
    cache = OcrCache(tmp_path, "tesseract", digest="d1")
    cache.store("abc", ImageResult(index=1, file=None, status="failed", stage="download", error="x"))
    assert cache.known("abc") is None


def test_the_digest_follows_the_recognition_code(tmp_path):
    (tmp_path / "vision").mkdir()
    (tmp_path / "vision" / "a.py").write_text("x = 1\n")
    (tmp_path / "clauses.py").write_text("y = 1\n")
    before = code_digest(tmp_path, ("vision",))
    (tmp_path / "clauses.py").write_text("y = 2\n")  # not a recognition source
    assert code_digest.__wrapped__(tmp_path, ("vision",)) == before
    (tmp_path / "vision" / "a.py").write_text("x = 2\n")
    assert code_digest.__wrapped__(tmp_path, ("vision",)) != before
    assert len(code_digest()) == 16  # the repository's own sources hash
