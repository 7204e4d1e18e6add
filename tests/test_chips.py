"""A line crop with two grounds: a title on a chip (a highlight, a pill) behind part of the line
and the page round it. The line cleaner measures the chip's text against the chip's colour, so
the chip comes out white and its text dark, as on a line on one ground."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from bench.synth import font
from ocrpipe.vision._ink import _rim_ground, chips, crop_ink, line_ink
from ocrpipe.vision._lineclean import clean_line_styled

PAGE, CHIP, TITLE, BODY = (250, 252, 251), (180, 237, 220), (50, 105, 100), (80, 85, 85)


def _line(title: str, body: str, chip: tuple[int, int, int] | None = CHIP, size: int = 28, disc: bool = False):
    """(crop, the chip's box, the text mask): `title` on a chip, then `body` on the page."""
    fnt = font("noto-sans", size)
    x = 12 + (size + 6 if disc else 0)
    tw, bw = int(fnt.getlength(title)), int(fnt.getlength(body))
    img = Image.new("RGB", (x + tw + bw + 24, size + 24), PAGE)
    text = Image.new("L", img.size, 0)
    ImageDraw.Draw(text).text((x, 8), title, font=fnt, fill=255)
    ys = np.nonzero(np.array(text).max(axis=1) > 0)[0]
    box = (x - 4, int(ys[0]) - 4, x + tw + 4, int(ys[-1]) + 4)  # a highlight's margin round its text
    draw = ImageDraw.Draw(img)
    if chip is not None:
        draw.rectangle(box, fill=chip)
    if disc:  # a numeral disc before the title: no wider than tall, not a chip
        draw.ellipse((10, 10, 10 + size, 10 + size), fill=TITLE)
        draw.text((10 + size // 3, 10), "1", font=font("noto-sans", size - 6), fill=(255, 255, 255))
    draw.text((x, 8), title, font=fnt, fill=TITLE)
    draw.text((x + tw, 8), body, font=fnt, fill=BODY)
    return np.array(img), box, np.array(text) > 128


def _chip_ground(box, text_mask):
    x0, y0, x1, y1 = box
    ground = np.zeros_like(text_mask)
    ground[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2] = True
    # clear of the strokes and their anti-aliased edges
    near_text = np.zeros_like(text_mask)
    ys, xs = np.nonzero(text_mask)
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            near_text[np.clip(ys + dy, 0, text_mask.shape[0] - 1), np.clip(xs + dx, 0, text_mask.shape[1] - 1)] = True
    return ground & ~near_text


def test_a_chip_behind_a_title_is_ground_and_its_text_is_ink():
    crop, box, text = _line("保护企业家人身财产安全", "。依法审理涉及中小微企业")
    ground = _chip_ground(box, text)
    _dist, old = crop_ink(crop)
    assert (old[ground] > 0).mean() > 0.9  # against the page alone the chip is one block of ink
    _dist, ink = line_ink(crop, *crop_ink(crop))
    assert (ink[ground] > 0).mean() < 0.02
    assert (ink[text] > 0).mean() > 0.8


def test_the_cleaned_line_is_white_round_the_title_as_round_the_body():
    chip, _box, _t = _line("依法规范融资担保行为", "。依法审理民间借贷纠纷")
    plain, _box, _t = _line("依法规范融资担保行为", "。依法审理民间借贷纠纷", chip=None)
    # not white: the text and, before, the whole chip as a grey block (twice as much)
    grey = [(clean_line_styled(c)[0] < 200).mean() for c in (chip, plain)]
    assert grey[0] < 1.15 * grey[1]


def test_a_numeral_disc_before_a_chip_stays_as_it_is():
    crop, _box, _t = _line("严厉打击恶意拖欠账款", "。依法保护劳动者", disc=True)
    _dist, ink = line_ink(crop, *crop_ink(crop))
    # the disc (no wider than tall) is still solid ink for the ring reader
    assert (ink[14:30, 14:30] > 0).mean() > 0.6


def test_a_line_on_one_ground_is_measured_as_before():
    crop, _box, _t = _line("营造诚实守信市场环境", "。坚持平等保护原则", chip=None)
    for a, b in zip(crop_ink(crop), line_ink(crop, *crop_ink(crop))):
        assert np.array_equal(a, b)


def test_white_text_on_a_pill_on_a_white_page_is_ink():
    # the text is the page's colour: inside the chip it is measured against the chip alone
    crop, box, text = _line("第一条", "依法保护劳动者合法权益", chip=(200, 30, 35))
    crop = crop.copy()
    crop[text] = PAGE  # the title's strokes in the page's white
    _dist, ink = line_ink(crop, *crop_ink(crop))
    assert (ink[text] > 0).mean() > 0.8
    assert (ink[_chip_ground(box, text)] > 0).mean() < 0.02


def test_bold_letters_and_a_solid_arrow_are_not_chips():
    img = Image.new("RGB", (420, 60), (30, 30, 30))
    draw = ImageDraw.Draw(img)
    draw.text((10, 6), "MEN", font=font("noto-sans", 44), fill=(210, 212, 208), stroke_width=3, stroke_fill=(210, 212, 208))
    draw.polygon([(200, 22), (330, 22), (330, 10), (380, 30), (330, 50), (330, 38), (200, 38)], fill=(210, 212, 208))
    crop = np.array(img)
    dist, ink = crop_ink(crop)
    assert chips(crop, dist, ink, _rim_ground(crop)) == []
