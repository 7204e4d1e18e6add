from __future__ import annotations

import pytest

from ocrpipe.output._results import ImageResult, LineResult
from ocrpipe.structure._clauses import extract_clauses, label_number, parse_heading, verify
from ocrpipe.structure._textnorm import normalize_line

H = 1567


def img(index: int, *lines: tuple, header: str | None = "司法助力20条", footer: str | None = "最高人民法院 发布"):
    """An ImageResult from (text, height) or (text, height, kind) tuples laid out top to bottom."""
    out = []
    if header:
        out.append(LineResult(text=header, confidence=90, bbox=(150, 60, 500, 40), text_height=38))
    y = 250
    for spec in lines:
        text, height = spec[0], spec[1]
        kind = spec[2] if len(spec) > 2 else "text"
        out.append(LineResult(text=text, confidence=90, bbox=(70, y, 700, int(height)), kind=kind, text_height=height))
        y += 50
    if footer:
        out.append(LineResult(text=footer, confidence=90, bbox=(340, 1495, 200, 24), text_height=22))
    return ImageResult(index=index, file=f"images/{index:03d}.jpg", width=876, height=H, lines=tuple(out))


@pytest.mark.parametrize(
    "text,style,number,rest",
    [
        ("1.依法保护合法权益", "dot", 1, "依法保护合法权益"),
        ("12．平等保护", "dot", 12, "平等保护"),
        ("3、妥善审理", "dun", 3, "妥善审理"),
        ("（一）总体要求", "cn_paren", 1, "总体要求"),
        ("(十二)加强组织", "cn_paren", 12, "加强组织"),
        ("(4)降低成本", "paren", 4, "降低成本"),
        ("二十、附则", "cn_dun", 20, "附则"),
        ("第十五条 企业权益", "di_tiao", 15, "企业权益"),
        ("⑦规范执法", "circled", 7, "规范执法"),
        ("011.促进金融服务", "dot", 1, "促进金融服务"),  # badge read into the heading
        ("01 1.促进金融服务", "dot", 1, "促进金融服务"),
        ("1515.严厉打击", "dot", 15, "严厉打击"),
    ],
)
def test_numbering_styles(text, style, number, rest):
    h = parse_heading(text)
    assert (h.style, h.number, h.rest) == (style, number, rest)


@pytest.mark.parametrize("text", ["2022年以前受理的案件", "依法保护合法权益", "1.5倍的赔偿", "", "30日内完成"])
def test_not_headings(text):
    assert parse_heading(text) is None


@pytest.mark.parametrize("label,n", [("1.", 1), ("（十二）", 12), ("第三条", 3), ("⑤", 5), ("二十、", 20)])
def test_label_number(label, n):
    assert label_number(label) == n


def test_sections_are_not_clauses_and_clauses_run_across_posters():
    images = [
        img(0, ("司法助力中小微企业发展20条", 60), ("关于充分发挥司法职能作用", 32), header=None),  # cover
        img(
            1,
            ("一、总体要求", 34),
            ("01", 24, "badge"),
            ("1.依法保护", 36),
            ("第一条规定的情形，", 28),
            ("正文第二行。", 28),
            ("02", 24, "badge"),
            ("2.平等保护", 36),
            ("本条正文跨页", 28),
        ),
        img(2, ("接着上一页的正文。", 28), ("二、优化服务", 34), ("03", 24, "badge"), ("3.降低成本", 36), ("第三条正文。", 28)),
        img(3, ("更多精彩 敬请关注", 44), ("人民法院新闻传媒总社", 44), header=None),  # closing
    ]
    clauses, v = extract_clauses(images, expected=3)
    assert [c.number for c in clauses] == [1, 2, 3] and v.ok
    assert [c.title for c in clauses] == ["依法保护", "平等保护", "降低成本"]
    assert clauses[0].text == "第一条规定的情形，正文第二行。"
    assert clauses[1].text == "本条正文跨页接着上一页的正文。"  # header/footer of image 2 not included
    assert [s.image for s in clauses[1].sources] == [1, 2]
    assert clauses[2].text == "第三条正文。"  # the closing poster is not clause text
    assert [c.section for c in clauses] == ["一、总体要求", "一、总体要求", "二、优化服务"]
    assert "司法助力" not in "".join(c.text for c in clauses)


def test_level_chosen_by_promised_count():
    # Chinese-numbered headings (一、 二、) are the clauses here; (1) (2) are sub-points inside them.
    images = [
        img(0, ("一、第一项", 34), ("(1)子项", 28), ("(2)子项", 28), ("二、第二项", 34), ("(1)子项", 28), ("三、第三项", 34))
    ]
    clauses, v = extract_clauses(images, expected=3)
    assert [c.number for c in clauses] == [1, 2, 3] and v.ok


def test_badge_only_numbering():
    images = [
        img(
            0,
            ("01", 24, "badge"),
            ("依法保护合法权益", 36),
            ("正文一。", 28),
            ("02", 24, "badge"),
            ("平等保护市场主体", 36),
            ("正文二。", 28),
        )
    ]
    clauses, _v = extract_clauses(images, expected=2)
    assert [(c.number, c.title, c.text) for c in clauses] == [
        (1, "依法保护合法权益", "正文一。"),
        (2, "平等保护市场主体", "正文二。"),
    ]


def test_verify_reports_missing_duplicates_and_order():
    v = verify([1, 2, 4, 4, 3], expected=5)
    assert not v.ok and v.missing == (5,) and v.duplicates == (4,) and v.out_of_order == (4, 3)
    assert verify([1, 2, 3], expected=3).ok
    assert not verify([1, 2, 3], expected=4).ok
    assert verify([1, 2], expected=None).ok
    assert not verify([], expected=None).ok


def test_missing_clause_fails_verification():
    images = [img(0, ("1.甲", 36), ("正文", 28), ("3.丙", 36), ("正文", 28))]
    _c, v = extract_clauses(images, expected=3)
    assert not v.ok and v.missing == (2,)


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("依 法 保 护 中 小 企 业", "依法保护中小企业"),
        ("对于 2022 年以前", "对于2022年以前"),
        ("企业,依法保护:合法权益;", "企业，依法保护：合法权益；"),
        ("１２３ＡＢＣ条", "123ABC条"),
        ("OCR engine test", "OCR engine test"),
        ("1.促进金融服务", "1.促进金融服务"),
        ("(1)降低成本", "(1)降低成本"),
        ("保护(企业)权益", "保护（企业）权益"),
        ("诉讼程序 ,提高效率", "诉讼程序，提高效率"),
    ],
)
def test_normalize_line(raw, clean):
    assert normalize_line(raw) == clean


def test_tie_between_sections_and_clauses_goes_to_the_clauses():
    # Four sections (一、…四、) and four clauses (1.…4.): both fit "4条"; the badges and the
    # body text after each heading say which level is the clauses.
    lines = []
    for n, sec in enumerate(["一、总体要求", "二、保护权益", "三、优化服务", "四、组织保障"], start=1):
        lines += [(sec, 34), (f"{n:02d}", 24, "badge"), (f"{n}.第{n}项措施", 36), ("正文。", 28)]
    clauses, v = extract_clauses([img(0, *lines)], expected=4)
    assert v.ok and [c.title for c in clauses] == [f"第{n}项措施" for n in range(1, 5)]
    assert clauses[3].section == "四、组织保障"


def test_badge_with_a_misread_heading_number():
    images = [
        img(
            0,
            ("01", 24, "badge"),
            ("1.依法保护", 36),
            ("正文。", 28),
            ("02", 24, "badge"),
            ("2了.平等保护", 36),
            ("正文。", 28),
        )
    ]
    clauses, v = extract_clauses(images, expected=2)
    assert v.ok and [c.title for c in clauses] == ["依法保护", "平等保护"]


@pytest.mark.parametrize("text,number", [(") 2、畅通渠道", 2), ("| 3.降低成本", 3), ("】（四）加强组织", 4)])
def test_rim_junk_before_the_number(text, number):
    assert parse_heading(text).number == number


def test_wrapped_title_is_joined():
    images = [
        img(
            0,
            ("1.依法保护中小微企业的合法权益，", 36),
            ("营造良好营商环境", 36),
            ("正文第一行，", 28),
            ("正文第二行。", 28),
            ("2.平等保护", 36),
            ("正文。", 28),
        )
    ]
    clauses, v = extract_clauses(images, expected=2)
    assert v.ok
    assert clauses[0].title == "依法保护中小微企业的合法权益，营造良好营商环境"
    assert clauses[0].text == "正文第一行，正文第二行。"


@pytest.mark.parametrize("bent", ["4 .惩治拖欠账款行为", "4。惩治拖欠账款行为", "4，惩治拖欠账款行为"])
def test_numbering_that_ocr_bent_is_kept_where_the_sequence_agrees(bent):
    lines = []
    for n in range(1, 7):
        lines.append((bent if n == 4 else f"{n}.第{n}项措施标题", 34))
        lines.append((f"第{n}项措施的正文内容，依法保护。", 26))
    clauses, v = extract_clauses([img(0, *lines)], 6)
    assert [c.number for c in clauses] == [1, 2, 3, 4, 5, 6] and v.ok
    assert clauses[3].title == "惩治拖欠账款行为"


def test_bent_numbering_outside_the_sequence_stays_body_text():
    lines = [("1.第一项", 34), ("正文。", 26), ("7，这一行是正文而不是标题", 26), ("2.第二项", 34), ("正文。", 26)]
    clauses, _v = extract_clauses([img(0, *lines)], 2)
    assert [c.number for c in clauses] == [1, 2] and "7，这一行" in clauses[0].text


def test_a_lone_zero_is_not_a_badge_and_a_lost_numeral_leaves_no_mark_in_the_title():
    lines = [
        ("0", 30),
        ("01", 40, "badge"),
        ("、提升涉企审判工作质效", 40),
        ("正文。", 26),
        ("02", 40, "badge"),
        ("二、加大知识产权司法保护", 40),
        ("正文。", 26),
    ]
    clauses, v = extract_clauses([img(0, *lines)], 2)
    assert [c.number for c in clauses] == [1, 2] and v.ok
    assert clauses[0].title == "提升涉企审判工作质效"


def _at(index: int, *lines: tuple[str, int]) -> ImageResult:
    """An image of (text, top) lines, each 30 px high."""
    return ImageResult(
        index=index,
        file=f"images/{index:03d}.jpg",
        width=876,
        height=H,
        lines=tuple(LineResult(text=t, confidence=90, bbox=(120, y, 600, 30), text_height=28) for t, y in lines),
    )


def test_boilerplate_is_what_stands_in_the_same_place():
    from ocrpipe.structure._clauses import find_boilerplate

    sentence = "依法惩治侵犯商业秘密和假冒专利等行为，激发企业创新活力。"
    images = [
        # the header at the same distance from the top of each poster (a few pixels of jitter);
        # the body sentence the text repeats near the top of two posters, 40 px apart
        _at(0, ("助企纾困7条措施", 44), (sentence, 182), ("正文第一行", 400), ("人民法院新闻传媒总社制图", 1507)),
        _at(1, ("助企纾困7条措施", 40), ("正文第二行", 180), (sentence, 222), ("人民法院新闻传媒总社制图", 1510)),
        _at(2, ("助企纾困7条措施", 47), ("正文第三行", 400), ("人民法院新闻传媒总社制图", 1505)),
    ]
    found = find_boilerplate(images)
    assert found == {(0, 0), (0, 3), (1, 0), (1, 3), (2, 0), (2, 2)}
    # the same sentence standing where a header stands on each poster is boilerplate
    images[1] = _at(1, ("助企纾困7条措施", 40), (sentence, 190), ("人民法院新闻传媒总社制图", 1510))
    assert (0, 1) in find_boilerplate(images) and (1, 1) in find_boilerplate(images)
