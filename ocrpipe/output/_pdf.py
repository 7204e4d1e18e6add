"""A searchable PDF of a run: one page per poster, the image as it was downloaded, an
invisible text layer on the recognised lines (so selecting and searching work in a viewer).

Written with reportlab: a JPEG goes into the page unchanged, other formats losslessly
(Flate); the page is the image's size at its own DPI (96 when it names none). Each line's
text is set in a TrueType CJK font (embedded, subset, with a ToUnicode map, so text
extraction gives the characters back) in rendering mode 3 (invisible), its size the line's
height and stretched along the line to its width; a rotated line is set along its polygon.

PDF/A is NOT met: there is no XMP metadata with a PDF/A identification and no output
intent (ICC profile); everything else PDF/A-2b asks of the fonts (embedded) holds.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from ocrpipe._version import __version__
from ocrpipe.errors import InputError, OutputError
from ocrpipe.output._hocr import html_lang
from ocrpipe.output._results import ImageResult, LineResult, RunResult

FONT_ENV = "OCRPIPE_PDF_FONT"
# TrueType (glyf) CJK fonts reportlab can embed, in order of preference; Debian package in the comment
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
    "/usr/share/fonts/truetype/arphic/ukai.ttc",  # fonts-arphic-ukai
)
FONT_NAME = "ocrpipe-cjk"
DEFAULT_DPI = 96.0


def font_path() -> Path:
    """$OCRPIPE_PDF_FONT, else the first installed of FONT_CANDIDATES."""
    env = os.environ.get(FONT_ENV)
    if env:
        return Path(env)
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise OutputError(
        "no TrueType CJK font for the PDF's text layer",
        f"apt install fonts-wqy-microhei (make install does), or set {FONT_ENV} to a .ttf/.ttc file",
    )


@functools.lru_cache(maxsize=4)
def _register(path: Path) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    except Exception as exc:  # reportlab raises its own TTFError and plain ones for a font it cannot use
        raise OutputError(
            f"{path}: cannot use this font for the PDF text layer ({exc})",
            f"give a TrueType (not CFF/OpenType-PostScript) CJK font in {FONT_ENV}",
        ) from exc
    return FONT_NAME


def _dpi(path: Path) -> float:
    from PIL import Image

    with Image.open(path) as img:
        dpi = img.info.get("dpi")
    try:
        x = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        x = 0.0
    return x if 30 <= x <= 1200 else DEFAULT_DPI


def _place(canvas: Any, font: str, ln: LineResult, scale: float, page_h: float) -> None:
    """Set one line's text invisibly over its place on the page (PDF y runs upwards)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pts = ln.outline  # tl, tr, br, bl in image pixels
    (x0, y0), (x1, y1), _, (x3, y3) = pts[0], pts[1], pts[2], pts[-1]
    length = math.hypot(x1 - x0, y1 - y0) * scale
    height = math.hypot(x3 - x0, y3 - y0) * scale
    if length <= 0 or height <= 0:
        return
    angle = -math.degrees(math.atan2(y1 - y0, x1 - x0))
    size = height * 0.85
    natural = stringWidth(ln.text, font, size)
    if natural <= 0:
        return
    canvas.saveState()
    # the baseline sits a little above the line's bottom edge, where descenders end
    canvas.translate(x3 * scale, page_h - y3 * scale)
    canvas.rotate(angle)
    text = canvas.beginText(0, height * 0.12)
    text.setTextRenderMode(3)
    text.setFont(font, size)
    text.setHorizScale(100.0 * length / natural)
    text.textOut(ln.text)
    canvas.drawText(text)
    canvas.restoreState()


def write_pdf(result: RunResult, base: Path, target: BinaryIO | Path) -> int:
    """Write the searchable PDF of result (image files relative to base) to target; returns pages written.

    Images that failed get no page; an image file of the run that is missing is an InputError
    (its poster and text would leave the PDF without a word: a run without images/ gave one blank page).
    """
    from reportlab import rl_config

    _check_images_there(result, base)

    # ASCII85 would wrap every image and stream in a quarter more bytes; a PDF is binary anyway
    was, rl_config.useA85 = rl_config.useA85, 0
    try:
        return _write(result, base, target)
    finally:
        rl_config.useA85 = was


def _check_images_there(result: RunResult, base: Path) -> None:
    missing = [str(im.file) for im in result.images if im.status == "ok" and im.file and not (base / im.file).is_file()]
    if not missing:
        return
    one = len(missing) == 1
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    raise InputError(
        f"{base}: the run's {shown} {'is' if one else 'are'} missing; the PDF would lack "
        f"{'that poster and its' if one else 'those posters and their'} text",
        "put the images back, or run `ocrpipe run` into the folder again",
    )


def _write(result: RunResult, base: Path, target: BinaryIO | Path) -> int:
    from PIL import Image
    from reportlab.pdfgen.canvas import Canvas

    font = _register(font_path())
    pages: Sequence[ImageResult] = [im for im in result.images if im.status == "ok" and im.file]
    lang = html_lang(((result.provenance.get("settings") or {}).get("ocr") or {}).get("lang"))
    # the text layer's font from the start: no unembedded Helvetica is referenced
    canvas = Canvas(
        target if not isinstance(target, Path) else str(target),
        pageCompression=1,
        invariant=1,
        initialFontName=font,
        initialFontSize=10,
        lang=lang,
    )
    canvas.setTitle(result.article.title or "ocrpipe")
    canvas.setAuthor(result.article.source or result.article.author or "")
    canvas.setCreator(f"ocrpipe {__version__}")
    canvas.setSubject(result.article.location or "")
    n = 0
    for im in pages:
        path = base / str(im.file)
        with Image.open(path) as img:
            w_px, h_px = img.size
        scale = 72.0 / _dpi(path)
        page_w, page_h = w_px * scale, h_px * scale
        canvas.setPageSize((page_w, page_h))
        canvas.drawImage(str(path), 0, 0, page_w, page_h)
        for ln in im.lines:
            if ln.text:
                _place(canvas, font, ln, scale, page_h)
        canvas.showPage()
        n += 1
    if n == 0:
        canvas.setPageSize((595, 842))  # an empty run still makes a valid PDF: one blank A4 page
        canvas.showPage()
    canvas.save()
    return n
