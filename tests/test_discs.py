"""Number badges the text detector misses: light digits on a small filled disc or pill, found as
shapes beside a line (vision/_discs.py), read from their glyphs alone, and kept in the flow."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench.synth import FONT_FILES, font
from ocrpipe.config import OcrConfig
from ocrpipe.errors import EngineNotAvailable
from ocrpipe.recognition._recognize import _read_drawn_badge
from ocrpipe.recognition.engines import make_engine
from ocrpipe.structure._textnorm import badge_digits
from ocrpipe.vision._blocks import find_asides
from ocrpipe.vision._detect import Region
from ocrpipe.vision._discs import find_badges
from ocrpipe.vision._rings import find_ring

PAGE = (252, 245, 228)
RED = (200, 30, 35)
LINE = "依法保护企业合法权益强化协同"


def _region(x: int, y: int, w: int, h: int) -> Region:
    return Region(quad=np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32), score=0.9)


def _reader(engine: str, **config: str):
    """The engine, or the test skipped where it is not installed."""
    try:
        return make_engine(OcrConfig(engine=engine, **config))
    except EngineNotAvailable as exc:
        pytest.skip(str(exc))


def _poster(marks: list[str], family: str = "wqy-microhei") -> tuple[np.ndarray, list[Region]]:
    """A page of rows, each a marker left of a text line: 'dot:N' a red disc with a white N,
    'ring' an empty ring, 'disc' a filled dot with nothing in it, 'pill:N' a pill above the line
    holding a light circled N. Returns the image and the lines' regions (as the detector gives)."""
    img = Image.new("RGB", (876, 140 + 150 * len(marks)), PAGE)
    dr = ImageDraw.Draw(img)
    body = font(family, 30)
    digits = font(family, 26, bold=True)
    regions = []
    for k, mark in enumerate(marks):
        top = 90 + 150 * k
        kind, _, n = mark.partition(":")
        if kind == "dot":
            dr.ellipse([50, top, 94, top + 44], fill=RED)
            dr.text((72 - digits.getlength(n) / 2, top + 6), n, font=digits, fill=(255, 255, 255))
        elif kind == "ring":
            dr.ellipse([61, top + 11, 83, top + 33], fill=PAGE, outline=RED, width=4)
        elif kind == "disc":
            dr.ellipse([61, top + 11, 83, top + 33], fill=RED)
        elif kind == "pill":
            dr.rounded_rectangle([130, top - 58, 192, top - 10], radius=24, fill=(110, 70, 40))
            circled = "①②③④⑤⑥⑦⑧⑨"[int(n) - 1]
            dr.text((161 - body.getlength(circled) / 2, top - 52), circled, font=body, fill=(245, 235, 220))
        dr.text((130, top + 4), LINE, font=body, fill=(40, 30, 30))
        regions.append(_region(126, top, int(body.getlength(LINE)) + 8, 40))
    return np.array(img), regions


@pytest.mark.parametrize("family", sorted(FONT_FILES))
def test_a_disc_with_light_digits_beside_a_line_is_a_badge_and_a_ring_or_a_plain_dot_is_not(family):
    rgb, regions = _poster(["dot:1", "ring", "dot:12", "disc", "dot:8"], family)
    found = find_badges(rgb, regions)
    rows = sorted((b.region.box[1] - 90 + 20) // 150 for b in found)
    assert rows == [0, 2, 4], [b.region.box for b in found]
    for b in found:
        x, _y, w, h = b.region.box
        assert 44 <= w <= 52 and 44 <= h <= 52 and x < 60
        # the glyphs come dark on white, tall enough for Tesseract
        assert b.glyphs.min() < 100 and np.median(b.glyphs) > 200 and b.glyphs.shape[0] >= 40


def test_a_pill_above_a_line_is_a_badge_and_nothing_is_found_without_lines():
    rgb, regions = _poster(["pill:3", "pill:4"])
    assert len(find_badges(rgb, regions)) == 2
    assert find_badges(rgb, []) == []
    # a badge is found only where a line starts beside it: the same page without its lines' regions
    # to the right finds nothing
    far = [_region(600, r.box[1] + 300, 200, 40) for r in regions]
    assert find_badges(rgb, far) == []


def test_a_badge_the_detector_found_is_left_to_it_and_one_it_found_a_part_of_is_read_whole():
    rgb, regions = _poster(["dot:5", "dot:6", "dot:7"])
    whole = _region(48, 88, 50, 50)  # the detector found the first dot whole
    digit = _region(66, 246, 14, 20)  # the second dot's digit alone, a tenth of it
    digits = _region(58, 396, 30, 32)  # the third dot's digit with its margin, a third of it
    found = sorted(find_badges(rgb, [*regions, whole, digit, digits]), key=lambda b: b.region.box[1])
    assert [b.region.box[1] // 150 for b in found] == [1, 2]
    second, third = found
    # the glyphs the detector found are the badge's (a part read on its own is replaced by the
    # badge read whole; a badge's worth is read as the detector found it)
    assert second.inside == (len(regions) + 1,) and not second.detected
    assert third.inside == (len(regions) + 2,) and third.detected


def test_badges_down_the_left_edge_are_never_an_aside_slogan():
    boxes = [(52, 180 + 300 * k, 48, 48) for k in range(4)] + [(130, 180 + 300 * k, 680, 40) for k in range(4)]
    columns = [False] * len(boxes)
    assert {0, 1, 2, 3} <= find_asides(boxes, columns, 876)  # four lone characters stacked by the edge
    assert not find_asides(boxes, columns, 876, frozenset({0, 1, 2, 3}))


def test_a_badge_reads_circled_numerals_as_their_number():
    assert [badge_digits(t) for t in ("①", "⑫", "❸", "⑴", "㉑", "１２", "(7)", "二", "Ⅲ")] == [
        "1",
        "12",
        "3",
        "1",
        "21",
        "12",
        "7",
        "",
        "",
    ]


@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_the_glyphs_of_a_found_badge_read_as_its_number(engine):
    reader = _reader(engine)
    rgb, regions = _poster(["dot:2", "dot:7", "dot:13", "pill:3"], "noto-sans")
    found = sorted(find_badges(rgb, regions), key=lambda b: b.region.box[1])
    read = [r[0] if r else None for r in (_read_drawn_badge(b.glyphs, reader) for b in found)]
    truth = ["2", "7", "13", "3"]  # by height: the pill sits above the last line
    if engine == "rapidocr" or getattr(reader, "digit_lang", ""):
        assert read == truth
    else:  # chi_sim alone is unsure of a lone 7 (confidence 28): no number rather than a wrong one
        assert all(r in (t, None) for r, t in zip(read, truth)) and sum(r == t for r, t in zip(read, truth)) >= 3, read


@pytest.mark.parametrize("backend", ["tesserocr", "pytesseract"])
def test_tesseract_reads_a_badge_chi_sim_is_unsure_of_with_its_digit_model(backend):
    reader = _reader("tesseract", backend=backend)
    if not reader.digit_lang:
        pytest.skip("no eng.traineddata beside chi_sim")
    rgb, regions = _poster(["dot:7"], "noto-sans")
    (badge,) = find_badges(rgb, regions)
    alone = reader._read(badge.glyphs, reader.config.line_psm, "0123456789")  # chi_sim only
    assert alone.confidence < 60  # (28: the case this is for)
    rec = reader.recognize_line(badge.glyphs, "badge")
    assert rec.text.strip() == "7" and rec.confidence >= 60
    assert reader.provenance()["badge_digit_data_sha256"]


@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_a_tab_reading_02_is_not_taken_for_a_ring(engine):
    reader = _reader(engine)
    img = Image.new("RGB", (876, 400), PAGE)
    dr = ImageDraw.Draw(img)
    dr.rectangle([120, 100, 192, 154], fill=(110, 40, 130))
    f = font("noto-sans", 30, bold=True)
    dr.text((156 - f.getlength("02") / 2, 108), "02", font=f, fill=(255, 255, 255))
    dr.text((130, 220), LINE, font=font("noto-sans", 30), fill=(40, 30, 30))
    (badge,) = find_badges(np.array(img), [_region(126, 216, 434, 40)])
    assert find_ring(badge.glyphs) is not None  # the bold 0 passes for a ring round a digit
    read = _read_drawn_badge(badge.glyphs, reader)
    assert read is not None and read[0] == "02"


def test_a_medallion_centred_over_a_centred_title_is_a_badge():
    img = Image.new("RGB", (876, 420), PAGE)
    dr = ImageDraw.Draw(img)
    dr.ellipse([398, 90, 478, 170], outline=RED, width=3)
    dr.ellipse([406, 98, 470, 162], fill=RED)
    f = font("noto-serif", 34, bold=True)
    dr.text((438 - f.getlength("1") / 2, 108), "1", font=f, fill=(255, 255, 255))
    title = "促进金融服务实体经济"
    tf = font("noto-serif", 32, bold=True)
    tx = 438 - tf.getlength(title) / 2
    dr.text((tx, 196), title, font=tf, fill=RED)
    found = find_badges(np.array(img), [_region(int(tx) - 4, 192, int(tf.getlength(title)) + 8, 42)])
    assert len(found) == 1 and abs(found[0].region.box[0] + found[0].region.box[2] / 2 - 438) < 6
    # the same medallion well off the title's centre, and not over its start, is no badge of it
    off = [_region(60, 192, 300, 42)]
    assert find_badges(np.array(img), off) == []
