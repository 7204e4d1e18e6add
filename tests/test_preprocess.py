from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from bench import synth
from ocrpipe.acquire._imageio import load_image, probe_image
from ocrpipe.config import PreprocessConfig
from ocrpipe.errors import ImageError
from ocrpipe.vision._geometry import estimate_skew, rotate
from ocrpipe.vision._preprocess import preprocess


def text_image(lines, size=(700, 400), bg=(255, 255, 255), fg=(20, 20, 20), font_size=32, mode="RGB"):
    img = Image.new(mode, size, bg)
    d = ImageDraw.Draw(img)
    f = synth.font("noto-sans", font_size)
    for i, line in enumerate(lines):
        d.text((40, 40 + i * int(font_size * 1.8)), line, font=f, fill=fg)
    return img


@pytest.fixture(scope="module")
def poster(small_series):
    return np.asarray(small_series.posters[1])


@settings(max_examples=6, deadline=None)
@given(st.floats(min_value=-15, max_value=15).filter(lambda a: abs(a) > 0.2))
def test_known_rotation_is_recovered(poster, angle):
    rotated = np.asarray(Image.fromarray(poster).rotate(angle, resample=Image.BICUBIC, fillcolor=(255, 250, 240)))
    found = estimate_skew(rotated)
    assert abs(found - angle) < 0.3
    levelled, _ = rotate(rotated, -found)
    assert abs(estimate_skew(levelled)) < 0.3  # the residual, re-measured after correction


def test_straight_page_has_no_skew(poster):
    assert abs(estimate_skew(poster)) < 0.1


def test_white_on_red_banner_comes_out_dark_on_white():
    img = text_image(["依法保护中小微企业", "平等保护各类市场主体"], bg=(190, 25, 30), fg=(255, 255, 255))
    layout = preprocess(np.asarray(img))
    assert len(layout.lines) == 2
    for line in layout.lines:
        assert_dark_on_white(line.image)


def assert_dark_on_white(im: np.ndarray) -> None:
    assert im[:3].mean() > 240 and im[-3:].mean() > 240  # white border
    dark = (im < 100).mean()
    assert 0.02 < dark < 0.4  # some ink, mostly paper


def test_mixed_polarity_in_one_image():
    img = text_image(["深色文字在浅色背景"], size=(700, 300))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 150, 700, 300], fill=(20, 60, 140))
    d.text((40, 200), "浅色文字在深色背景", font=synth.font("noto-sans", 32), fill=(250, 220, 100))
    layout = preprocess(np.asarray(img))
    assert [ln.box[1] < 150 for ln in layout.lines] == [True, False]  # one line on each background
    for line in layout.lines:  # both come out dark on white, whichever way round they were printed
        assert_dark_on_white(line.image)


def test_transparent_png_with_white_text_stays_readable():
    img = text_image(["透明背景白色文字"], bg=(0, 0, 0, 0), fg=(255, 255, 255, 255), mode="RGBA")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    rgb = load_image(buf.getvalue())
    assert rgb.shape[2] == 3
    assert rgb.mean() < 128  # flattened onto a dark background, so white text shows
    layout = preprocess(rgb)
    assert len(layout.lines) == 1
    assert (layout.lines[0].image < 100).mean() > 0.02


def test_exif_rotated_image_is_turned_upright():
    upright = text_image(["横排文字一行"], size=(600, 200))
    stored = upright.rotate(90, expand=True)  # what a camera writes, with orientation 8 to undo it
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    stored.save(buf, "JPEG", exif=exif.tobytes())
    rgb = load_image(buf.getvalue())
    assert rgb.shape[:2] == (200, 600)
    layout = preprocess(rgb)
    assert len(layout.lines) == 1 and layout.lines[0].box[2] > 3 * layout.lines[0].box[3]


def test_ornaments_yield_no_line():
    img = Image.new("RGB", (600, 600), (255, 250, 240))
    d = ImageDraw.Draw(img)
    d.ellipse([50, 50, 100, 100], outline=(170, 20, 25), width=3)  # ring
    d.ellipse([300, 60, 360, 120], fill=(200, 30, 35))  # disc
    for i in range(5):  # dots
        d.ellipse([20, 200 + i * 28, 30, 210 + i * 28], fill=(170, 20, 25))
    d.line([60, 400, 540, 400], fill=(170, 20, 25), width=2)  # rule
    d.polygon([(400, 450), (460, 450), (460, 490), (430, 520), (400, 490)], fill=(200, 30, 35))  # icon
    assert preprocess(np.asarray(img)).lines == ()


def test_two_clause_poster_lines_in_order_with_badges(small_series):
    truth = small_series.poster_lines[1]
    layout = preprocess(np.asarray(small_series.posters[1]))
    assert len(layout.lines) == len(truth)
    kinds = [ln.kind for ln in layout.lines]
    badge_at = [i for i, k in enumerate(kinds) if k == "badge"]
    assert badge_at == [i for i, t in enumerate(truth) if t.isdigit()]
    for i in badge_at:  # the badge is followed by the heading beside it
        b, h = layout.lines[i].box, layout.lines[i + 1].box
        assert b[0] < h[0] and abs((b[1] + b[3] / 2) - (h[1] + h[3] / 2)) < b[3] / 2
    tops = [ln.box[1] for i, ln in enumerate(layout.lines) if ln.kind == "text"]
    assert tops == sorted(tops)


def test_line_images_reach_target_height(small_series):
    cfg = PreprocessConfig(target_height=30)
    layout = preprocess(np.asarray(small_series.posters[1]), cfg)
    body = [ln for ln in layout.lines if ln.kind == "text"]
    for ln in body:
        assert abs(ln.text_height * ln.scale - 30) < 3


def test_two_columns_read_column_by_column():
    img = Image.new("RGB", (900, 300), "white")
    d = ImageDraw.Draw(img)
    f = synth.font("noto-sans", 28)
    for i in range(3):
        d.text((30, 30 + i * 60), f"左栏第{i + 1}行文字", font=f, fill="black")
        d.text((500, 30 + i * 60), f"右栏第{i + 1}行文字", font=f, fill="black")
    layout = preprocess(np.asarray(img))
    xs = [ln.box[0] < 450 for ln in layout.lines]
    assert xs == [True, True, True, False, False, False]
    assert len({ln.block for ln in layout.lines[:3]}) == 1 and layout.lines[0].block != layout.lines[3].block


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "empty"),
        (b"this is not an image at all", "not a recognised image"),
        (b"<!DOCTYPE html><html>error</html>", "HTML page"),
    ],
)
def test_bad_bytes_raise_image_error(data, message):
    with pytest.raises(ImageError, match=message):
        load_image(data)


def test_truncated_and_oversized_images(poster_jpeg):
    with pytest.raises(ImageError, match=r"truncated|corrupt"):
        load_image(poster_jpeg[: len(poster_jpeg) // 2])
    with pytest.raises(ImageError, match="over the limit"):
        probe_image(poster_jpeg, max_pixels=1000)


def test_image_modes_are_all_read():
    base = text_image(["模式"], size=(200, 100))
    for mode in ("L", "P", "CMYK", "I;16"):
        buf = io.BytesIO()
        im = base.convert("L").convert("I;16") if mode == "I;16" else base.convert(mode)
        im.save(buf, "TIFF" if mode in ("CMYK", "I;16") else "PNG")
        assert load_image(buf.getvalue()).shape == (100, 200, 3)
    for fmt in ("WEBP", "GIF"):
        buf = io.BytesIO()
        base.save(buf, fmt)
        assert load_image(buf.getvalue()).shape == (100, 200, 3)
