"""Clauses numbered in running text (structure._runin): key phrases 一是/二是… at a line's start or
after a sentence end inside a line, dingbat numerals (❶) read as their glyph or as a bare digit run
into the title, and a numeral OCR lost, each only where the sequence in reading order agrees."""

from __future__ import annotations

from dataclasses import replace

from ocrpipe.output._results import ImageResult, LineResult
from ocrpipe.structure._clauses import label_number, parse_heading, structure
from ocrpipe.structure._runin import keyphrase_number, marks, plan

TITLE, BODY = "#1f6f70", "#4e5353"  # a highlighted title phrase's ink over grey body text


def line(text, y, h=24.0, ink=BODY, x=60, block=0):
    w = int(h * sum(1.0 if ord(ch) >= 0x2E80 else 0.55 for ch in text))
    return LineResult(text=text, confidence=95, bbox=(x, y, w, int(h)), text_height=h, ink=ink, block=block)


def image(index, *lines):
    return ImageResult(index=index, file=f"{index}.jpg", width=876, height=1567, lines=tuple(lines))


def test_key_phrase_labels_and_their_numbers():
    assert (parse_heading("三是加强调查研究。").style, parse_heading("三是加强调查研究。").number) == ("keyphrase", 3)
    assert parse_heading("十一是强化督导。").number == 11
    assert parse_heading("其二，健全机制。").rest == "健全机制。"
    assert parse_heading("第四，优化服务。").number == 4
    assert parse_heading("第四条优化服务").style == "di_tiao"  # 第N条 stays its own style
    assert parse_heading("是否依法") is None and parse_heading("统一是关键") is None
    assert keyphrase_number("二十是") == 20 and keyphrase_number("十是") == 10
    assert label_number("五是") == 5 and label_number("❺") == 5 and label_number("➋") == 2
    assert parse_heading("❸推动完善破产重整制度。").style == "circled"


def test_key_phrases_start_clauses_at_a_line_start_and_inside_a_line_and_titles_end_at_the_first_stop():
    s = structure(
        [
            image(
                0,
                line("司法护企3条措施", 40, 32, block=0),
                line("一是保护企业家人身财产安全。依法审理民间借贷", 180, 26, TITLE, block=1),
                line("纠纷案件，对于高利放贷行为不予保护。二是依法审慎", 222, 24, block=1),
                line("采取强制措施；严格区分经济纠纷与经济犯罪的界限。", 264, 24, block=1),
                line("三是推进多元化解纠纷机制。引导当事人协商变更合同", 320, 26, TITLE, block=2),
                line("内容，帮助企业渡过难关。", 362, 24, block=2),
            )
        ],
        expected=3,
    )
    assert s.verification.ok
    got = [(c.number, c.label, c.title) for c in s.clauses]
    assert got == [
        (1, "一是", "保护企业家人身财产安全"),
        (2, "二是", "依法审慎采取强制措施"),
        (3, "三是", "推进多元化解纠纷机制"),
    ]
    assert s.clauses[0].text == "依法审理民间借贷纠纷案件，对于高利放贷行为不予保护。"  # ends where clause 2 starts
    assert s.clauses[1].text == "严格区分经济纠纷与经济犯罪的界限。"
    assert s.clauses[2].text == "引导当事人协商变更合同内容，帮助企业渡过难关。"
    roles = [ln.role for ln in s.images[0].lines]
    assert roles[1] == "title" and roles[2] == "title"  # the line holding clause 2's key phrase


def test_a_stray_key_phrase_in_prose_is_no_clause_and_the_line_stays_whole():
    # "一是" once in a clause's body: no sequence; the dot-numbered clauses stand as they are
    s = structure(
        [
            image(
                0,
                line("1.加强组织领导", 180, 26, block=1),
                line("各地要统一思想。一是关键所在，要抓好落实。", 222, block=1),
                line("2.强化督导检查", 280, 26, block=2),
                line("一是否到位要定期检查。", 322, block=2),
            )
        ],
        expected=2,
    )
    assert s.verification.ok
    assert [(c.number, c.title) for c in s.clauses] == [(1, "加强组织领导"), (2, "强化督导检查")]
    assert s.clauses[0].text == "各地要统一思想。一是关键所在，要抓好落实。"
    assert plan(["各地要统一思想。一是关键所在，要抓好落实。"]).chains["keyphrase"] == []


def test_key_phrases_inside_a_numbered_clause_body_keep_its_text_whole():
    body = "落实责任。一是压实主体责任；二是强化协同配合。"
    s = structure(
        [
            image(
                0, line("1.加强组织领导", 180, 26, block=1), line(body, 222, block=1), line("2.强化督导检查", 280, 26, block=2)
            )
        ],
        expected=2,
    )
    assert s.verification.ok and [c.number for c in s.clauses] == [1, 2]
    assert s.clauses[0].text == body  # the run-in sequence is not the clause level: its line is not split


def test_key_phrases_out_of_order_fail_the_verdict():
    s = structure(
        [
            image(
                0,
                line("一是保护企业家人身财产安全。依法审理。", 180, 26, TITLE, block=1),
                line("三是推进多元化解纠纷机制。引导当事人协商。", 230, 26, TITLE, block=2),
                line("二是依法审慎采取强制措施。严格区分。", 280, 26, TITLE, block=3),
            )
        ],
        expected=3,
    )
    assert not s.verification.ok
    assert len(s.clauses) == 2  # 一是 and one of 三是/二是: the sequence in reading order, no more


def test_dingbat_numerals_read_as_bare_digits_count_only_inside_a_sequence():
    s = structure(
        [
            image(
                0,
                line("1保护企业家人身财产安全。依法审理民间借贷纠纷", 180, 26, TITLE, block=1),
                line("案件。2020年以来审结案件3万件。", 222, block=1),
                line("2依法审慎采取强制措施。坚持平等保护原则。", 280, 26, TITLE, block=2),
                line("加大惩处力度。3推动完善破产重整制度。完善", 322, 26, TITLE, block=2),
                line("小额诉讼程序。", 364, block=2),
            )
        ],
        expected=3,
    )
    assert s.verification.ok
    assert [(c.number, c.label, c.title) for c in s.clauses] == [
        (1, "1", "保护企业家人身财产安全"),
        (2, "2", "依法审慎采取强制措施"),
        (3, "3", "推动完善破产重整制度"),
    ]
    assert s.clauses[0].text == "依法审理民间借贷纠纷案件。2020年以来审结案件3万件。"
    # a bare digit before a counter is no numeral; two bare digits are no sequence
    assert [m.number for m in marks(["3月份以来审结案件。20年来首次。"])] == []
    assert plan(["1保护企业家人身财产安全。", "2依法审慎采取强制措施。"]).chains["circled"] == []


def test_a_dingbat_numeral_lost_is_taken_from_the_sequence_only_where_exactly_one_line_fits():
    def para(y, block, title_line, *body):
        return [line(title_line, y, 26, TITLE, block=block)] + [
            line(t, y + 32 * (k + 1), block=block) for k, t in enumerate(body)
        ]

    def series(extra):
        return [
            image(
                0,
                *para(
                    180,
                    1,
                    "❶保护企业家人身财产安全。依法审理民间借贷",
                    "纠纷案件，对于高利放贷行为不予保护。健全涉企",
                    "案件快速审理机制。",
                ),
                *para(
                    300,
                    2,
                    "❷依法审慎采取强制措施。坚持平等保护原则，依法",
                    "保障中小微企业的财产权和经营自主权，加大对",
                    "拖欠账款行为的惩处力度。",
                ),
                # ❸ lost
                *para(
                    420, 3, "推动完善破产重整制度。完善小额诉讼程序，提高", "简单案件的审理效率，依法减免或者缓交诉讼费", "用。"
                ),
                *extra,
                *para(
                    660,
                    5,
                    "❹依法规范融资担保行为。依法审理民间借贷纠纷",
                    "案件，对于高利放贷行为不予保护，维护企业正",
                    "当权益。",
                ),
            )
        ]

    s = structure(series([]), expected=4)
    assert s.verification.ok
    assert [(c.number, c.label, c.title) for c in s.clauses][2] == (3, "", "推动完善破产重整制度")
    assert s.clauses[2].text == "完善小额诉讼程序，提高简单案件的审理效率，依法减免或者缓交诉讼费用。"
    # a paragraph in body ink is no clause whose numeral was lost: clause 3 stays missing
    plain = [replace(ln, ink=BODY) if ln.text.startswith("推动") else ln for ln in series([])[0].lines]
    s = structure([image(0, *plain)], expected=4)
    assert not s.verification.ok and s.verification.missing == (3,)
    # two lines could be ❸: neither is taken, and the verdict fails
    extra = para(
        540, 4, "保障企业用工合法权益。推行网上立案和跨域立案", "服务，让企业少跑腿、好办事，加强与工商联等", "部门的协作。"
    )
    s = structure(series(extra), expected=4)
    assert not s.verification.ok and 3 not in [c.number for c in s.clauses]
