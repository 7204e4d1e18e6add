"""Titles told by their type: a line's ink colour, measured on its crop, and the clause parser's
use of it (a wrapped title ends where the colour changes; where no printed numbering gives the
promised count, the lines of one heading style are the clauses)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from bench.synth import font
from ocrpipe.output._results import ImageResult, LineResult
from ocrpipe.structure._clauses import structure
from ocrpipe.structure._styled import ink_distance, inks_apart, styled_titles
from ocrpipe.vision._lineclean import clean_line_styled

RED, DARK, GREY = "#aa1419", "#2d2828", "#444040"


def _crop(text: str, fill: tuple[int, int, int], ground=(250, 244, 236), size=30) -> np.ndarray:
    fnt = font("noto-sans", size)
    img = Image.new("RGB", (int(fnt.getlength(text)) + 24, size + 20), ground)
    ImageDraw.Draw(img).text((12, 8), text, font=fnt, fill=fill)
    return np.array(img)


def test_the_ink_colour_of_a_line_is_its_text_colour_not_its_ground():
    _img, h, red = clean_line_styled(_crop("营造诚实守信市场环境", (170, 20, 25)))
    _img, _h, dark = clean_line_styled(_crop("严格区分经济纠纷与经济犯罪的界限", (45, 40, 40)))
    _img, _h, white = clean_line_styled(_crop("支持企业依法平稳退出", (255, 255, 255), ground=(20, 70, 150)))
    assert h > 15
    assert ink_distance(red, "#aa1419") < 12
    assert ink_distance(dark, "#2d2828") < 12
    assert ink_distance(white, "#ffffff") < 12
    assert ink_distance(red, dark) > 30


def test_an_empty_crop_has_no_ink_colour():
    _img, _h, colour = clean_line_styled(np.full((40, 200, 3), 250, np.uint8))
    assert colour is None


def line(text, y, h=28.0, ink=DARK, x=70, **kw):
    """A line whose box is as wide as its text set at size h (a Latin character half a Han)."""
    w = int(h * sum(1.0 if ord(ch) >= 0x2E80 else 0.55 for ch in text))
    return LineResult(text=text, confidence=90, bbox=(x, y, w, int(h)), text_height=h, ink=ink, **kw)


def image(index, *lines):
    return ImageResult(index=index, file=f"{index}.jpg", width=876, height=1567, lines=tuple(lines))


def test_inks_apart_needs_both_inks_known():
    assert inks_apart(line("a", 0, ink=RED), line("b", 0, ink=DARK))
    assert not inks_apart(line("a", 0, ink=DARK), line("b", 0, ink=GREY))
    assert not inks_apart(line("a", 0, ink=None), line("b", 0, ink=DARK))


def _unnumbered_series(title_ink=RED, title_h=30.0):
    """Three clauses whose numbers (pale outlines) were not read: red titles over dark body text
    that holds sub-items ① ②, 1. 2. and ① ② again, which must not be taken for clause starts
    (their numbering restarts)."""
    return [
        image(
            0,
            line("营造诚实守信市场环境", 200, title_h, title_ink),
            line("严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入", 250),
            line("民事纠纷。重点做好以下工作：", 290),
            line("①推行网上立案和跨域立案服务，让企业少跑腿。", 330),
            line("②加强与工商联等部门的协作，推动纠纷化解。", 370),
            line("降低企业维权诉讼成本完善配套政策措施", 450, title_h, title_ink),
        ),
        image(
            1,
            line("支持行政机关依法履职，监督纠正违法行政行为。主要", 200),
            line("1.对于因疫情影响不能履行合同的，依法适用不可抗力规则。", 240),
            line("2.依法审理涉及中小微企业的股权纠纷。", 280),
            line("支持企业依法平稳退出", 360, title_h, title_ink),
            line("严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入", 410),
            line("民事纠纷。具体包括：", 450),
            line("①完善小额诉讼程序，提高简单案件的审理效率。", 490),
            line("②依法规制金融机构违规收费行为。", 530),
        ),
    ]


def test_titles_in_a_heading_ink_are_the_clauses_where_no_numbering_gives_the_promised_count():
    s = structure(_unnumbered_series(), 3)
    assert s.verification.ok
    assert [(c.number, c.label, c.title) for c in s.clauses] == [
        (1, "", "营造诚实守信市场环境"),
        (2, "", "降低企业维权诉讼成本完善配套政策措施"),
        (3, "", "支持企业依法平稳退出"),
    ]
    assert s.clauses[1].text.startswith("支持行政机关") and "2.依法审理" in s.clauses[1].text
    assert "①推行网上立案" in s.clauses[0].text


def test_titles_are_not_guessed_when_their_count_is_not_the_promised_one_or_the_inks_are_unknown():
    # four promised, three styled titles: the sub-items' numbering stands (and fails)
    assert not structure(_unnumbered_series(), 4).verification.ok
    # the same series without ink colours and with titles in body type: nothing tells a title
    plain = [
        image(im.index, *(ln.__class__(**{**ln.__dict__, "ink": None}) for ln in im.lines))
        for im in _unnumbered_series(title_h=28.0)
    ]
    assert not structure(plain, 3).verification.ok
    # without a promise there is nothing to check a guess against
    assert not [c.title for c in structure(_unnumbered_series(), None).clauses if c.title == "支持企业依法平稳退出"]


def test_a_title_set_larger_in_body_ink_counts_as_a_heading_style_too():
    s = structure(_unnumbered_series(title_ink=DARK, title_h=34.0), 3)
    assert [c.title for c in s.clauses] == [
        "营造诚实守信市场环境",
        "降低企业维权诉讼成本完善配套政策措施",
        "支持企业依法平稳退出",
    ]


def test_a_wrapped_styled_title_is_one_title_and_the_styled_group_must_be_unique():
    lines = [
        (0, 0, line("推动完善破产重整制度并建立长效", 100, 30, RED)),
        (0, 0, line("工作机制", 140, 30, RED)),
        (0, 0, line("坚持平等保护原则，依法保障中小微企业的财产权。", 190)),
        (0, 1, line("支持企业依法平稳退出", 300, 30, RED)),
        (0, 1, line("严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入。", 350)),
    ]
    from ocrpipe.structure._clauses import type_size

    assert styled_titles(lines, [True] * 5, 2, type_size, 40) == [0, 3]
    assert styled_titles(lines, [True] * 5, 3, type_size, 40) is None
    # a second style with as many lines (blue side notes before body text): no guess
    lines += [
        (0, 2, line("注意事项", 420, 30, "#1446aa")),
        (0, 2, line("严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入。", 460)),
        (0, 3, line("特别提示", 520, 30, "#1446aa")),
        (0, 3, line("严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入。", 560)),
    ]
    assert styled_titles(lines, [True] * 9, 2, type_size, 40) is None


def test_a_wrapped_title_ends_where_the_ink_changes():
    # a red title filling its block, then body text of the same size in dark ink with no
    # punctuation on its first line: not a second title line
    im = image(
        0,
        line("1.推动完善破产重整制度并建立长效工作", 200, 28, RED),
        line("坚持平等保护原则依法保障中小微企业", 240, 28, DARK),
        line("的财产权和经营自主权。", 280, 28, DARK),
    )
    s = structure([im], 1)
    assert s.clauses[0].title == "推动完善破产重整制度并建立长效工作"
    assert s.clauses[0].text.startswith("坚持平等保护原则")
    # the same lines with no colour known: read as before, one inline title wrapped up to the 。
    same = image(0, *(ln.__class__(**{**ln.__dict__, "ink": None}) for ln in im.lines))
    assert "坚持平等保护原则" in structure([same], 1).clauses[0].title


def test_a_numbering_that_counts_up_is_trusted_even_with_one_clause_missing():
    # 1, 2, 4 of 4 promised, and four lines in a heading ink (one a lead's sentence-free line):
    # the verdict fails on the missing 3; no titles are guessed from type
    im = image(
        0,
        line("推动法治化营商环境建设", 150, 30, RED),
        line("严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入。", 200),
        line("1.营造诚实守信市场环境", 260, 30, RED),
        line("严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入。", 310),
        line("2.降低企业维权诉讼成本", 370, 30, RED),
        line("严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入。", 420),
        line("4.支持企业依法平稳退出", 480, 30, RED),
        line("严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入。", 530),
    )
    s = structure([im], 4)
    assert s.verification.status == "failed" and s.verification.missing == (3,)
    assert [c.number for c in s.clauses] == [1, 2, 4]


def test_a_number_whose_mark_ocr_lost_starts_a_clause_only_when_set_like_the_headings():
    # "1加强…" for "1.加强…" (Tesseract lost the full stop beside a pale numeral); the body's
    # "30日内…" opens its block too but is set in body ink: it stays body text
    im = image(
        0,
        line("1加强涉企案件执行工作", 150, 30, RED),
        line("依法规制金融机构违规收费行为，降低企业融资成本。", 200),
        line("2.推进多元化解纠纷机制", 260, 30, RED),
        line("依法减免或者缓交诉讼费用，切实降低企业维权成本。", 310),
        line("30日内完成审查，切实降低企业维权成本。", 350),
        line("3.严厉打击恶意拖欠账款", 420, 30, RED),
        line("加强与工商联等部门的协作，推动纠纷在诉前得到化解。", 470),
    )
    s = structure([im], 3)
    assert s.verification.ok
    assert [(c.number, c.label, c.title) for c in s.clauses] == [
        (1, "1.", "加强涉企案件执行工作"),
        (2, "2.", "推进多元化解纠纷机制"),
        (3, "3.", "严厉打击恶意拖欠账款"),
    ]
    assert "30日内完成审查" in s.clauses[1].text
    # the same first line in body ink: not a clause start
    dark = image(0, line("1加强涉企案件执行工作", 150, 30, DARK), *im.lines[1:])
    assert [c.number for c in structure([dark], 3).clauses] == [2, 3]


def test_titles_told_by_type_fill_in_a_number_lost_only_where_the_numbers_read_agree():
    lines = [
        line("加强涉企案件执行工作", 150, 30, RED),  # its pale numeral not read at all
        line("依法规制金融机构违规收费行为，降低企业融资成本。", 200),
        line("2.推进多元化解纠纷机制", 260, 30, RED),
        line("依法减免或者缓交诉讼费用，切实降低企业维权成本。", 310),
        line("3.严厉打击恶意拖欠账款", 420, 30, RED),
        line("加强与工商联等部门的协作，推动纠纷在诉前得到化解。", 470),
    ]
    s = structure([image(0, *lines)], 3)
    assert s.verification.ok
    assert [(c.number, c.label, c.title) for c in s.clauses] == [
        (1, "", "加强涉企案件执行工作"),
        (2, "2.", "推进多元化解纠纷机制"),
        (3, "3.", "严厉打击恶意拖欠账款"),
    ]
    # numbers read that are not their titles' places (1 and 2 read on the 2nd and 3rd styled
    # lines: the first styled line is a lead, clause 3 is missing): no filling, the verdict fails
    shifted = [lines[0], lines[1], line("1.推进多元化解纠纷机制", 260, 30, RED), lines[3]]
    shifted += [line("2.严厉打击恶意拖欠账款", 420, 30, RED), lines[5]]
    s = structure([image(0, *shifted)], 3)
    assert not s.verification.ok and [c.number for c in s.clauses] == [1, 2]


def _one_line_paragraphs(title_ink, body_ink, titles, bodies, gaps=(12, 12), blocks=False, footer=True):
    """Clauses of a title line and a one-line paragraph each (no numbers read), y going down the
    poster with `gaps` (title to its body, body to the next title); each line in a block of its
    own where `blocks`, else one block; a source line in the titles' ink at the end."""
    out, y = [], 200
    for t, b in zip(titles, bodies):
        out.append(line(t, y, 28, title_ink, block=len(out) if blocks else 0))
        y += 28 + gaps[0]
        out.append(line(b, y, 28, body_ink, block=len(out) if blocks else 0))
        y += 28 + gaps[1]
    if footer:
        out.append(line("最高人民法院新闻局二〇二〇年发布", y + 40, 28, title_ink, block=len(out) if blocks else 0))
    return image(0, *out)


_LONG_TITLES = ["营造诚实守信的市场环境建设", "降低企业维权诉讼成本完善措施", "支持企业依法平稳退出市场机制"]
_SHORT_BODIES = ["依法审理民间借贷纠纷。", "推动纠纷在诉前化解。", "切实降低企业维权成本。"]


def test_titles_and_body_swapped_by_one_line_paragraphs_are_not_taken_by_type():
    # the titles' ink carries more text than the body's, so it reads as the body ink: the body
    # lines, each before a line in that ink, were taken for the titles (the last clause's body
    # before the source line), and the verdict passed with every title wrong
    for gaps, blocks in [((12, 32), False), ((12, 12), False), ((12, 12), True), ((12, 32), True)]:
        s = structure([_one_line_paragraphs(RED, DARK, _LONG_TITLES, _SHORT_BODIES, gaps, blocks)], 3)
        assert not s.verification.ok, (gaps, blocks)
        assert not {c.title for c in s.clauses} & {b.rstrip("。") for b in _SHORT_BODIES}
    # nor in two neutral inks (a black heading over grey text: no saturation to tell them)
    for gaps, blocks in [((12, 12), True), ((12, 32), True), ((12, 12), False)]:
        im = _one_line_paragraphs("#111111", "#5a5a5a", _LONG_TITLES, _SHORT_BODIES, gaps, blocks)
        assert not structure([im], 3).verification.ok, (gaps, blocks)


def test_the_styled_fallback_rejects_a_reading_the_type_contradicts():
    from ocrpipe.structure._clauses import type_size

    def lines_of(im):
        return [(im.index, ln.block, ln) for ln in im.lines]

    # the body lines in dark ink would head runs of red text: the heading style is the plainer
    # ink (less saturated), each "title" goes on from the line above and heads less text than it
    # follows: no titles
    im = _one_line_paragraphs(RED, DARK, _LONG_TITLES, _SHORT_BODIES, (12, 32))
    assert styled_titles(lines_of(im), [True] * len(im.lines), 3, type_size, 40) is None
    # white space alone: each "title" sits closer to the line above than to the one below (the
    # lines in blocks of their own, the inks neutral, and titles as short as the bodies)
    short = ["营造诚实守信环境。", "降低维权诉讼成本。", "支持企业平稳退出。"]
    im = _one_line_paragraphs("#111111", "#5a5a5a", short, _SHORT_BODIES, (10, 40), blocks=True)
    assert styled_titles(lines_of(im), [True] * len(im.lines), 3, type_size, 40) is None


def test_titles_over_one_line_paragraphs_longer_than_them_are_found_by_type():
    titles = ["营造诚实守信市场环境", "降低企业维权诉讼成本", "支持企业依法平稳退出"]
    bodies = [
        "严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入民事纠纷。",
        "依法减免或者缓交诉讼费用，切实降低企业维权成本。",
        "完善小额诉讼程序，提高简单案件的审理效率，让企业少跑腿。",
    ]
    for title_ink, gaps, blocks in [(RED, (12, 32), False), (RED, (12, 12), True), ("#111111", (12, 32), True)]:
        s = structure([_one_line_paragraphs(title_ink, "#5a5a5a", titles, bodies, gaps, blocks, footer=False)], 3)
        assert s.verification.ok, (title_ink, gaps, blocks)
        assert [c.title for c in s.clauses] == titles
        assert [c.text for c in s.clauses] == bodies
