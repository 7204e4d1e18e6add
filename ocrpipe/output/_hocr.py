"""hOCR 1.2 (Tesseract's and OCRmyPDF's interchange format): one file per image.

ocr_page > ocr_carea (a text block) > ocr_line > ocrx_word. Chinese has no spaces
between words, so each line holds one ocrx_word with the line's text: tools that read
words (hocr-tools, OCRmyPDF's hocrtransform) find the text there. Boxes are
`bbox x0 y0 x1 y1` (corners, not ocrpipe's x, y, w, h); a rotated line adds `poly`.
"""

from __future__ import annotations

from html import escape

from ocrpipe._version import __version__
from ocrpipe.output._blocks import text_blocks
from ocrpipe.output._results import Box, ImageResult, LineResult

# Tesseract language names to the BCP 47 tags HTML's lang wants; others are left out
LANG_TAGS = {"chi_sim": "zh-Hans", "chi_tra": "zh-Hant", "eng": "en", "jpn": "ja", "kor": "ko"}


def html_lang(tesseract_lang: str | None) -> str | None:
    """The first language of "chi_sim+eng" as a BCP 47 tag, when known."""
    first = (tesseract_lang or "").split("+")[0]
    return LANG_TAGS.get(first)


def _bbox(box: Box) -> str:
    x, y, w, h = box
    return f"bbox {x} {y} {x + w} {y + h}"


def _line_title(ln: LineResult) -> str:
    parts = [_bbox(ln.bbox)]
    if ln.polygon:
        parts.append("poly " + " ".join(f"{x} {y}" for x, y in ln.polygon))
    parts += [f"x_size {ln.text_height:.1f}", f"x_wconf {round(ln.confidence)}"]
    return "; ".join(parts)


def hocr(im: ImageResult, lang: str | None = None, image_ref: str | None = None) -> str:
    """The hOCR document of one recognised image."""
    w, h = im.width or 0, im.height or 0
    tag = html_lang(lang)
    lang_attr = f' lang="{tag}" xml:lang="{tag}"' if tag else ""
    image = image_ref or im.file or im.url or ""
    page_title = f'image "{escape(image, quote=True)}"; bbox 0 0 {w} {h}; ppageno {im.index}'
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"',
        '    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
        f'<html xmlns="http://www.w3.org/1999/xhtml"{lang_attr}>',
        "<head>",
        f"<title>{escape(image)}</title>",
        '<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>',
        f'<meta name="ocr-system" content="ocrpipe {__version__}"/>',
        '<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_line ocrx_word"/>',
        "</head>",
        "<body>",
        f'<div class="ocr_page" id="page_{im.index}" title="{escape(page_title, quote=True)}">',
    ]
    for tb in text_blocks(im):
        out.append(f'<div class="ocr_carea" id="block_{im.index}_{tb.id}" title="{_bbox(tb.box)}">')
        for n, ln in tb.lines:
            title = escape(_line_title(ln), quote=True)
            word = f"{_bbox(ln.bbox)}; x_wconf {round(ln.confidence)}"
            out.append(
                f'<span class="ocr_line" id="line_{im.index}_{n}" title="{title}">'
                f'<span class="ocrx_word" id="word_{im.index}_{n}" title="{word}">{escape(ln.text)}</span></span>'
            )
        out.append("</div>")
    out += ["</div>", "</body>", "</html>", ""]
    return "\n".join(out)
