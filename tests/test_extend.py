"""Detected lines grown over the end strokes the detector leaves off (vision/_extend.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocrpipe.vision._detect import DetConfig, TextDetector
from ocrpipe.vision._extend import grow_box, grow_regions

DEMO = Path(__file__).resolve().parents[1] / "samples" / "demo" / "posters"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
RED, WHITE, CREAM = (190, 26, 31), (255, 255, 255), (252, 244, 230)


def _band(text: str, size: int = 34) -> tuple[np.ndarray, tuple[int, int, int, int], tuple[int, int, int, int]]:
    """A red band with white text on a cream page; returns (image, band box, text box)."""
    img = Image.new("RGB", (600, 140), CREAM)
    d = ImageDraw.Draw(img)
    d.rectangle((30, 40, 470, 100), fill=RED)
    font = ImageFont.truetype(FONT, size)
    d.text((60, 70), text, font=font, fill=WHITE, anchor="lm")
    x0, y0, x1, y1 = d.textbbox((60, 70), text, font=font, anchor="lm")
    return np.asarray(img), (30, 40, 441, 61), (x0, y0, x1 - x0, y1 - y0)


def _detector_like(text_box: tuple[int, int, int, int], skip: int) -> tuple[int, int, int, int]:
    """The text's box as the detector gives it, with its first `skip` px left out and a margin."""
    x, y, w, h = text_box
    return (x + skip, y - 6, w - skip + 4, h + 12)


def test_a_left_out_yi_stroke_is_taken_back():
    rgb, _, tb = _band("一、总体要求")
    box = _detector_like(tb, skip=36)  # the detector's box starts after 一 (seen on the demo poster)
    gx, _, gw, _ = grow_box(rgb, box, [])
    assert gx <= tb[0] and gx >= tb[0] - 12  # 一 is inside again, with a small margin, no more
    assert gx + gw == box[0] + box[2]  # nothing to take on the right


def test_a_box_that_holds_its_whole_line_is_left_alone():
    rgb, _, tb = _band("一、总体要求")
    box = _detector_like(tb, skip=-6)
    assert grow_box(rgb, box, []) == box


def test_another_region_in_the_way_stops_the_growth():
    rgb, _, tb = _band("一、总体要求")
    box = _detector_like(tb, skip=36)
    other = (tb[0] - 40, box[1], 50, box[3])  # e.g. a badge the detector found there, reaching further out
    assert grow_box(rgb, box, [other]) == box
    piece = (tb[0] - 2, box[1] + 4, 30, box[3] - 8)  # the 一 found apart: taken in, not in the way
    assert grow_box(rgb, box, [piece])[0] < tb[0]


def _demo(name: str) -> np.ndarray:
    return np.asarray(Image.open(DEMO / name).convert("RGB"))


def test_on_the_demo_poster_the_section_number_is_taken_and_the_badges_are_not():
    # PP-OCRv4's detector leaves the 一 of 一、总体要求 (white on a red band) out of the line at
    # every input size; the clause headings beside filled number badges must not take the badge
    det = TextDetector(DetConfig(side=1568))
    rgb = _demo("p02.jpg")
    regions = det.detect(rgb)
    grown = grow_regions(rgb, regions)
    section = [(a.box, b.box) for a, b in zip(regions, grown) if 240 <= a.box[1] <= 260 and a.box[2] < 300]
    assert len(section) == 1
    (x, _, w, _), (gx, _, gw, _) = section[0]
    assert gx < x - 20 and gx + gw == x + w  # 一 (some 30 px wide) is inside now
    for name in ("p03.jpg", "p08.jpg"):
        rgb = _demo(name)
        regions = det.detect(rgb)
        by_box = {a.box: b.box for a, b in zip(regions, grow_regions(rgb, regions))}
        for a, b in by_box.items():
            if a[0] > 100 and a[2] < 500:  # headings set right of a badge
                assert b[0] >= a[0] - 3, (name, a, b)


@pytest.mark.parametrize("skip", [0, 20])
def test_growth_never_goes_past_two_line_heights(skip):
    rgb, _, tb = _band("一、总体要求")
    box = _detector_like(tb, skip=skip)
    gx, _, _, _ = grow_box(rgb, box, [])
    assert box[0] - gx <= 2 * box[3]
