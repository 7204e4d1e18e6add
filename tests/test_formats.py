"""The standard outputs (issue 20): hOCR, ALTO 4 (checked against the shipped XSD) and the
searchable PDF (its text layer read back with poppler's pdftotext). The writers work from
results, so a result is made by hand over a drawn image: no engine runs here."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from ocrpipe.errors import InputError, OutputError
from ocrpipe.output._alto import NS, alto, validate
from ocrpipe.output._export import read_result, write_outputs
from ocrpipe.output._formats import FORMATS, convert, parse_formats, write_formats
from ocrpipe.output._hocr import hocr
from ocrpipe.output._outdir import OutputDir
from ocrpipe.output._pdf import FONT_CANDIDATES, font_path
from ocrpipe.output._results import ArticleMeta, ImageResult, LineResult, RunResult, Verification

HAVE_FONT = any(Path(p).is_file() for p in FONT_CANDIDATES)
needs_font = pytest.mark.skipif(not HAVE_FONT, reason="no TrueType CJK font (make install: fonts-wqy-microhei)")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext missing (make install: poppler-utils)")

UPRIGHT = [("第一条依法保护", (40, 30)), ("营商环境持续优化", (40, 110))]
TILTED = "金融支持小微企业"
ANGLE = 12.0  # degrees, counter-clockwise on the page


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


def _draw(folder: Path, name: str, wide: bool = False) -> tuple[Path, tuple[LineResult, ...], tuple[int, int]]:
    """A poster with two upright lines and one tilted; the lines as an engine would report them."""
    w, h = (900, 420) if wide else (520, 420)
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    font = _font(40)
    lines = []
    for text, (x, y) in UPRIGHT:
        x0, y0, x1, y1 = d.textbbox((x, y), text, font=font)
        d.text((x, y), text, fill="black", font=font)
        lines.append(LineResult(text=text, confidence=91.5, bbox=(x0, y0, x1 - x0, y1 - y0), text_height=float(y1 - y0)))
    # the tilted line: drawn level on its own strip, turned, pasted; its corners turned the same way
    strip = Image.new("L", (380, 56), 0)
    ImageDraw.Draw(strip).text((6, 4), TILTED, fill=255, font=font)
    turned = strip.rotate(ANGLE, expand=True, resample=Image.BICUBIC)
    ox, oy = 60, 230
    img.paste(Image.new("RGB", turned.size, "black"), (ox, oy), turned)
    cx, cy = strip.width / 2, strip.height / 2
    a = math.radians(ANGLE)
    tx, ty = turned.width / 2, turned.height / 2
    corners = []
    for px, py in ((0, 0), (strip.width, 0), (strip.width, strip.height), (0, strip.height)):
        rx = (px - cx) * math.cos(a) + (py - cy) * math.sin(a)
        ry = -(px - cx) * math.sin(a) + (py - cy) * math.cos(a)
        corners.append((int(round(ox + tx + rx)), int(round(oy + ty + ry))))
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    lines.append(
        LineResult(
            text=TILTED,
            confidence=72.0,
            bbox=(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)),
            block=1,
            text_height=40.0,
            polygon=tuple(corners),
        )
    )
    path = folder / "images" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, quality=90)
    return path, tuple(lines), (w, h)


def _run_dir(tmp_path: Path, wide: bool = False) -> tuple[Path, RunResult]:
    folder = tmp_path / "run"
    images = []
    for i in range(2):
        path, lines, (w, h) = _draw(folder, f"{i:03d}.jpg", wide)
        images.append(ImageResult(index=i, file=f"images/{path.name}", width=w, height=h, lines=lines))
    images.append(ImageResult(index=2, file=None, status="failed", stage="download", error="download failed: 404"))
    result = RunResult(
        article=ArticleMeta(title="示例措施2条", date="2024-05-01"),
        images=tuple(images),
        clauses=(),
        verification=Verification(expected=None, found=()),
        provenance={
            "ocrpipe": "test",
            "engine": "tesseract",
            "version": "5",
            "language_data": "chi_sim",
            "language_data_sha256": "0" * 64,
            "settings": {"ocr": {"lang": "chi_sim"}},
        },
    )
    write_outputs(result, folder)
    return folder, result


# --------------------------------------------------------------------------- hOCR


@needs_font
def test_hocr_has_one_ocr_line_per_line_with_bbox_and_confidence(tmp_path):
    _folder, result = _run_dir(tmp_path)
    doc = hocr(result.images[0], "chi_sim", "../images/000.jpg")
    root = ET.fromstring(doc)  # well-formed XHTML
    x = "{http://www.w3.org/1999/xhtml}"
    page = root.find(f".//{x}div[@class='ocr_page']")
    assert page is not None and "bbox 0 0 520 420" in page.get("title", "") and '"../images/000.jpg"' in page.get("title", "")
    lines = root.findall(f".//{x}span[@class='ocr_line']")
    assert [ln.findtext(f"{x}span") for ln in lines] == [t for t, _ in UPRIGHT] + [TILTED]
    for ln, want in zip(lines, result.images[0].lines):
        bx, by, bw, bh = want.bbox
        assert f"bbox {bx} {by} {bx + bw} {by + bh}" in ln.get("title", "")
        assert f"x_wconf {round(want.confidence)}" in ln.get("title", "")
        word = ln.find(f"{x}span[@class='ocrx_word']")
        assert word is not None and "x_wconf" in word.get("title", "")
    assert "poly " in lines[2].get("title", "") and "poly" not in lines[0].get("title", "")
    assert root.get("lang") == "zh-Hans"


def test_hocr_escapes_markup_in_text():
    im = ImageResult(index=0, file="images/000.png", width=10, height=10, lines=(LineResult("a<b&c", 50.0, (0, 0, 5, 5)),))
    root = ET.fromstring(hocr(im))
    assert "".join(root.itertext()).count("a<b&c") == 1


# --------------------------------------------------------------------------- ALTO


@needs_font
def test_alto_is_valid_alto4_with_a_textline_and_string_per_line(tmp_path):
    pytest.importorskip("lxml")
    _, result = _run_dir(tmp_path)
    doc = alto(result.images[0], "../images/000.jpg", "chi_sim")
    assert validate(doc) == []
    root = ET.fromstring(doc)
    q = lambda t: f"{{{NS}}}{t}"
    assert root.findtext(f"{q('Description')}/{q('MeasurementUnit')}") == "pixel"
    page = root.find(f".//{q('Page')}")
    assert page is not None and (page.get("WIDTH"), page.get("HEIGHT")) == ("520", "420")
    lines = root.findall(f".//{q('TextLine')}")
    assert len(lines) == 3
    for el, want in zip(lines, result.images[0].lines):
        (string,) = el.findall(q("String"))
        assert string.get("CONTENT") == want.text
        assert float(string.get("WC", "-1")) == pytest.approx(want.confidence / 100, abs=1e-3)
        assert tuple(int(el.get(k, "-1")) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT")) == want.bbox
    poly = lines[2].find(f"{q('Shape')}/{q('Polygon')}")
    assert poly is not None and poly.get("POINTS") == " ".join(f"{x},{y}" for x, y in result.images[0].lines[2].polygon)


def test_alto_schema_rejects_what_is_not_alto():
    """The validator can fail: a String without CONTENT and a Page without its number are refused."""
    pytest.importorskip("lxml")
    im = ImageResult(index=0, file="x.png", width=10, height=10, lines=(LineResult("字", 90.0, (1, 1, 5, 5)),))
    doc = alto(im)
    broken = doc.replace(b'CONTENT="\xe5\xad\x97"', b"").replace(b'PHYSICAL_IMG_NR="1"', b"")
    errors = validate(broken)
    assert any("CONTENT" in e for e in errors) and any("PHYSICAL_IMG_NR" in e for e in errors)


# --------------------------------------------------------------------------- PDF


def _pdftotext_words(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = []
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out):
        words.append((m.group(5), *(float(m.group(i)) for i in range(1, 5))))
    return words


@needs_font
@needs_poppler
def test_pdf_has_a_page_per_image_at_native_size_and_a_text_layer_on_the_lines(tmp_path):
    folder, result = _run_dir(tmp_path)
    (pdf,) = write_formats(result, folder, ("pdf",))
    assert pdf == folder / "article.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+2\b", info)  # the failed image has no page
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [r.split() for r in images.splitlines()[2:]]
    assert [(r[3], r[4], r[8]) for r in rows] == [("520", "420", "jpeg")] * 2  # the JPEG as it was, full size
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(" yes yes yes " in f for f in fonts)  # embedded, subset, with a ToUnicode map
    # -raw: in the order written; poppler's layout mode cuts text set at an angle into pieces
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.split("\f")[0].split() == [t for t, _ in UPRIGHT] + [TILTED]  # one page's lines, in reading order
    for want in [t for t, _ in UPRIGHT] + [TILTED]:
        assert text.count(want) == 2, want  # once per page, searchable
    scale = 72 / 96  # no DPI in the JPEG: 96 assumed
    words = _pdftotext_words(pdf)
    for ln in result.images[0].lines[:2]:  # the upright lines lie where the image shows them
        x, y, w, h = (v * scale for v in ln.bbox)
        (hit,) = [wd for wd in words[:3] if wd[0] == ln.text]
        assert abs(hit[1] - x) < 3 and abs(hit[3] - (x + w)) < 3
        assert hit[2] < y + h and hit[4] > y  # overlaps the line's band
    bx, by, bw, bh = (v * scale for v in result.images[0].lines[2].bbox)
    first_page = words[: [i for i, wd in enumerate(words) if wd[0] == UPRIGHT[0][0]][1]]
    pieces = [wd for wd in first_page if wd[0] and all(ch in TILTED for ch in wd[0])]
    assert sorted("".join(wd[0] for wd in pieces)) == sorted(TILTED)
    for _, x0, y0, x1, y1 in pieces:  # set along the polygon: every character inside its box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        assert bx < cx < bx + bw and by < cy < by + bh


@needs_font
@needs_poppler
def test_convert_adds_formats_to_a_finished_run_and_replaces_earlier_ones(tmp_path):
    pytest.importorskip("lxml")
    folder, result = _run_dir(tmp_path)
    (folder / "manifest.json").write_text(json.dumps({"run_id": None, "images": []}))
    stale = folder / "hocr" / "009.hocr"
    stale.parent.mkdir()
    stale.write_text("from an earlier run")
    written = convert(folder, FORMATS)
    assert [p.name for p in written] == ["hocr", "alto", "article.pdf"]
    assert sorted(p.name for p in (folder / "hocr").iterdir()) == ["000.hocr", "001.hocr"]
    assert sorted(p.name for p in (folder / "alto").iterdir()) == ["000.xml", "001.xml"]
    assert all(validate(p.read_bytes()) == [] for p in (folder / "alto").iterdir())
    assert (folder / "alto").stat().st_mode & 0o055 == 0o055  # readable by others, as a plain mkdir
    assert read_result(folder) == result  # the result itself is untouched
    assert not [p for p in folder.iterdir() if p.name.startswith(".") and p.name != ".ocrpipe.lock"]


def test_convert_refuses_a_folder_without_a_result(tmp_path):
    with pytest.raises(InputError, match=r"no result\.json"):
        convert(tmp_path, ("hocr",))


def test_convert_waits_for_no_one_holding_the_run(tmp_path):
    folder, _ = _run_dir(tmp_path)
    with OutputDir(folder), pytest.raises(OutputError, match="another ocrpipe run"):
        convert(folder, ("hocr",))


def test_format_names_are_checked():
    assert parse_formats("hocr, PDF,hocr") == ("hocr", "pdf")
    with pytest.raises(InputError, match="unknown output format 'docx'"):
        parse_formats("hocr,docx")


def test_a_run_without_formats_leaves_no_formats_of_the_previous_run(tmp_path):
    """hocr/, alto/ and article.pdf describe one run: a later run that does not write them removes them."""
    folder = tmp_path / "run"
    with OutputDir(folder) as staged:
        assert staged.staging is not None
        for name in ("hocr", "alto"):
            (staged.staging / name).mkdir()
            (staged.staging / name / "000.x").write_text("old")
        (staged.staging / "article.pdf").write_bytes(b"%PDF old")
        (staged.staging / "result.json").write_text("{}")
        staged.commit()
    assert (folder / "article.pdf").exists()
    with OutputDir(folder) as staged:
        assert staged.staging is not None
        (staged.staging / "result.json").write_text("{}")
        staged.commit()
    assert not any((folder / n).exists() for n in ("hocr", "alto", "article.pdf"))
