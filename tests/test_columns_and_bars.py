"""Round 7's layouts (fresh5, inspected): newspaper columns parted by a rule, title bars with
the body below them, NO.01 numbering, and the slogan and sub-item cases they showed.

Block tests draw with OpenCV and hand line boxes over (no detector, no OCR); clause tests use
line records only."""

from __future__ import annotations

import cv2
import numpy as np

from ocrpipe.output._results import ImageResult, LineResult
from ocrpipe.structure._clauses import parse_heading, structure
from ocrpipe.vision._blocks import column_rules, edge_mask, find_asides, find_containers, order_page

W, H = 876, 1567
LH = 26.0


def _quad(box):
    x, y, w, h = box
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)


def _order(img, boxes):
    for x, y, w, h in boxes:  # ink where the text would be
        img[y + 6 : y + h - 6, x + 4 : x + w - 4 : 9] = 40
    edges = edge_mask(img, [_quad(b) for b in boxes], 0.0)
    containers = find_containers(edges, boxes, LH)
    asides = find_asides(boxes, [b[3] > 2 * b[2] for b in boxes], W)
    rules = column_rules(edges, boxes, LH, img, asides)
    return [p.index for p in order_page(boxes, containers, asides, LH, rules)], rules


def _columns_page(rule: bool):
    """A lead paragraph across the page, then two columns of clauses (titles in outlined pills,
    bodies under them) with a thin rule between them from the lead down to a rule at the foot."""
    img = np.full((H, W, 3), 248, np.uint8)
    boxes, names = [(60, 180, 740, 30), (60, 218, 470, 30)], ["lead0", "lead1"]
    cv2.line(img, (50, 262), (826, 262), (150, 40, 40), 2)
    if rule:
        cv2.line(img, (438, 262), (438, 1460), (150, 40, 40), 2)
    cv2.line(img, (50, 1460), (826, 1460), (150, 40, 40), 2)
    for col, x0 in enumerate((60, 460)):
        y = 290
        for k in range(3):
            cv2.rectangle(img, (x0 - 8, y - 8), (x0 + 340, y + 40), (150, 40, 40), 2)
            boxes.append((x0, y, 320, 30))
            names.append(f"c{col}-title{k}")
            y += 70
            for j in range(4 + col):
                boxes.append((x0, y, 330 if j < 3 + col else 150, 28))
                names.append(f"c{col}-body{k}.{j}")
                y += 36
            y += 40
    return img, boxes, names


def test_columns_parted_by_a_rule_are_read_down_each_side_after_the_lead():
    img, boxes, names = _columns_page(rule=True)
    order, rules = _order(img, boxes)
    assert len(rules) == 1 and abs(rules[0].x - 438) < 4
    got = [names[i] for i in order]
    assert got[:2] == ["lead0", "lead1"]
    left = [n for n in got if n.startswith("c0")]
    assert got[2 : 2 + len(left)] == left  # the whole left column before the right one
    assert left[0] == "c0-title0" and got[-1].startswith("c1-body2")


def test_without_the_rule_the_pills_are_read_in_rows_as_before():
    img, boxes, names = _columns_page(rule=False)
    order, rules = _order(img, boxes)
    assert rules == []
    got = [names[i] for i in order]
    assert got.index("c1-title0") < got.index("c0-body0.0")  # a card grid: rows first


def test_the_facing_sides_of_framed_cards_are_not_a_column_rule():
    img = np.full((H, W, 3), 250, np.uint8)
    boxes = []
    for r in range(2):
        for col in range(2):
            x0, y0 = 60 + col * 350, 150 + r * 440
            cv2.rectangle(img, (x0, y0), (x0 + 330, y0 + 420), (30, 30, 200), 3)
            boxes += [(x0 + 20, y0 + 20 + k * 45, 290, 32) for k in range(8)]
    _, rules = _order(img, boxes)
    assert rules == []


def test_a_slogans_end_characters_found_apart_join_its_aside_column():
    # 优 over the column 化服务助企纾, 困 under it, down the right edge
    col = (772, 270, 40, 300)
    top, bottom = (774, 215, 38, 42), (773, 585, 40, 44)
    body = [(60, 200 + 40 * k, 600, 28) for k in range(12)]
    boxes = [*body, col, top, bottom]
    asides = find_asides(boxes, [b[3] > 2 * b[2] for b in boxes], W)
    assert asides == {12, 13, 14}


def line(text, y, h=28.0, x=70, w=None, region="flow", block=0):
    w = w or int(h * len(text))
    return LineResult(text=text, confidence=90, bbox=(x, y, w, int(h)), text_height=h, region=region, block=block)


def image(index, *lines):
    return ImageResult(index=index, file=f"{index}.jpg", width=W, height=H, lines=tuple(lines))


def test_no_numbering_and_a_bar_read_between_label_and_title():
    assert (parse_heading("NO.01").style, parse_heading("NO.01").number) == ("no", 1)
    assert parse_heading("N0.12 加大").number == 12
    assert parse_heading("NOTE") is None and parse_heading("NO.2020年") is None
    assert parse_heading("第1条|推进多元化解纠纷机制").rest == "推进多元化解纠纷机制"
    im = image(
        0,
        line("NO.01", 200, 33, block=1),
        line("加大知识产权司法保护", 240, 31, block=1),
        line("对于具有挽救价值的企业，积极运用重整与和解程序。", 290, 21, block=1),
        line("NO.02", 360, 33, block=2),
        line("依法保护中小微企业合法权益", 400, 31, block=2),
        line("严格区分经济纠纷与经济犯罪的界限。", 450, 21, block=2),
    )
    s = structure([im], 2)
    assert s.verification.ok
    assert [(c.label, c.title, c.text) for c in s.clauses] == [
        ("NO.01", "加大知识产权司法保护", "对于具有挽救价值的企业，积极运用重整与和解程序。"),
        ("NO.02", "依法保护中小微企业合法权益", "严格区分经济纠纷与经济犯罪的界限。"),
    ]


def test_a_title_on_a_bar_after_its_label_is_the_title_and_the_body_below_the_bar_is_its_body():
    im = image(
        0,
        # 第1条 and its title on one band, the body below it on plain ground
        line("第1条", 200, 36, w=110, region="band", block=1),
        line("畅通企业诉讼服务渠道", 200, 36, x=200, region="band", block=1),
        line("加大对失信行为的惩戒力度，营造公平竞争的市场环境。", 260, 23, block=2),
        # a filled bar (found as a card) holding only label and title, the body outside it
        line("第2条", 340, 36, w=110, region="card", block=3),
        line("依法规范融资担保行为", 340, 36, x=200, region="card", block=3),
        line("依法审理民间借贷纠纷案件，对于高利放贷行为不予保护。", 400, 23, block=4),
    )
    s = structure([im], 2)
    assert [(c.number, c.title, c.text) for c in s.clauses] == [
        (1, "畅通企业诉讼服务渠道", "加大对失信行为的惩戒力度，营造公平竞争的市场环境。"),
        (2, "依法规范融资担保行为", "依法审理民间借贷纠纷案件，对于高利放贷行为不予保护。"),
    ]
    assert [ln.role for ln in s.images[0].lines] == ["label", "title", "body", "label", "title", "body"]


def test_a_sub_item_set_larger_is_never_a_section():
    # ① measures taller than the body's characters: a sub-item line broken at a comma is body text
    im = image(
        0,
        line("第1条降低企业维权诉讼成本", 200, 24),
        line("坚持平等保护原则，依法保障中小微企业的财产权。重点做好以下工作：", 240, 20),
        line("①健全涉企案件快速审理机制，", 280, 22.5),
        line("缩短案件审理周期。", 316, 20),
        line("第2条加强调查研究和指导", 380, 24),
        line("严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入。", 420, 20),
    )
    s = structure([im], 2)
    assert s.clauses[0].text.endswith("①健全涉企案件快速审理机制，缩短案件审理周期。")
    assert "section" not in [ln.role for ln in s.images[0].lines]


def test_the_edge_of_a_faint_filled_card_is_not_a_column_rule():
    # grid3-ribbons: a pale pink card's right edge with free text beside it parts two near
    # colours; it is no rule of ink on one ground (the cards were read down the edge's sides)
    img = np.full((H, W, 3), (251, 236, 218), np.uint8)
    cv2.rectangle(img, (60, 900), (390, 1380), (247, 227, 228), -1)
    boxes = [(80, 920 + 40 * k, 290, 28) for k in range(10)] + [(420, 920 + 40 * k, 300, 28) for k in range(10)]
    _, rules = _order(img, boxes)
    assert rules == []


def test_a_label_read_after_the_card_it_numbers_numbers_that_card():
    # centred-medallion: the corner ribbon "第六条" was ordered after its card's lines
    im = image(
        0,
        line("第五条", 150, 26, w=90, region="card", block=1),
        line("畅通企业诉讼服务渠道", 190, 28, region="card", block=1),
        line("依法审理民间借贷纠纷案件，对于高利放贷行为不予保护。", 230, 23, region="card", block=1),
        line("提升涉企审判工作质效", 320, 28, region="card", block=2),
        line("严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入。", 360, 23, region="card", block=2),
        line("第六条", 300, 25, x=700, w=90, block=3),
        line("第七条", 450, 26, w=90, region="card", block=4),
        line("妥善审理涉企合同纠纷", 490, 28, region="card", block=4),
        line("加强与工商联等部门的协作，推动纠纷在诉前得到化解。", 530, 23, region="card", block=4),
    )
    s = structure([im], 7)
    assert s.verification.missing == (1, 2, 3, 4)
    assert [(c.number, c.label, c.title, c.text) for c in s.clauses][1] == (
        6,
        "第六条",
        "提升涉企审判工作质效",
        "严格区分经济纠纷与经济犯罪的界限，防止刑事手段介入。",
    )
    assert s.images[0].lines[5].role == "label"


def test_a_moved_label_is_kept_apart_from_the_badges():
    # code review: _attach_orphan_labels marked the moved "第六条" by writing its number into the
    # badges read from the page; it is an explicit set of its own, the badges stay as read
    from ocrpipe.structure._clauses import _attach_orphan_labels, choose_level, classify_lines, clause_starts

    im = image(
        0,
        line("第五条", 150, 26, w=90, region="card", block=1),
        line("畅通企业诉讼服务渠道", 190, 28, region="card", block=1),
        line("提升涉企审判工作质效", 320, 28, region="card", block=2),
        line("严格区分经济纠纷与经济犯罪的界限。", 360, 23, region="card", block=2),
        line("第六条", 300, 25, x=700, w=90, block=3),
    )
    c = classify_lines([im], 6)
    style = choose_level(c, 6)
    assert style is not None
    starts, _others = clause_starts(c, style, 6)
    badges = list(c.badges)
    assert _attach_orphan_labels(c, starts) == [4]
    assert c.badges == badges == [None] * 5 and c.moved_labels == {4} and c.is_label(4)
    assert starts[2][0] == 6 and 4 not in starts


def test_a_rail_of_numbers_beside_a_rule_is_no_column():
    # index-rail: large clause numbers down a rail with a thin rule beside it; each number heads
    # the title level with it, so rows are read across the rule
    img = np.full((H, W, 3), 248, np.uint8)
    cv2.line(img, (240, 170), (240, 1440), (20, 60, 110), 2)
    boxes, names = [], []
    for k in range(5):
        y = 190 + 240 * k
        boxes.append((140, y, 80, 60))  # (the pipeline passes them as badges: never edge asides)
        names.append(f"n{k}")
        boxes += [(260, y, 500, 36), (260, y + 50, 540, 30), (260, y + 90, 400, 30)]
        names += [f"t{k}", f"b{k}.0", f"b{k}.1"]
    order, rules = _order(img, boxes)
    assert rules == []
    got = [names[i] for i in order]
    assert got.index("n1") > got.index("b0.1") and got.index("n1") < got.index("t1")
