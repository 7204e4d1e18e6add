"""Titles set vertically (竖排) beside their bodies, and number rails down the page's side.

Vertical text is read as it is written: columns right to left, each top to bottom; a vertical
title at the left of its body heads it (not an aside, as a slogan down an edge is); a column is
never read as a number badge; a tinted rail of numbers is no block: each number heads the line
level with it. The block tests hand line boxes over directly (no detector, no OCR); the clause
tests use line records only.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocrpipe.output._results import ImageResult, LineResult
from ocrpipe.structure._clauses import structure, type_size
from ocrpipe.vision._blocks import column_rules, edge_mask, find_asides, find_containers, order_page
from ocrpipe.vision._detect import badge_candidates
from ocrpipe.vision._layout import order_indices, vertical_order

W, H = 876, 1400
LH = 30.0


def _quad(box):
    x, y, w, h = box
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)


def _place(img, boxes):
    for b in boxes:  # ink where the text would be: the edge finder must ignore it
        x, y, w, h = b
        img[y + 6 : y + h - 6, x + 4 : x + w - 4 : 9] = 40
    edges = edge_mask(img, [_quad(b) for b in boxes], 0.0)
    containers = find_containers(edges, boxes, LH)
    columns = [b[3] > 2 * b[2] for b in boxes]
    asides = find_asides(boxes, columns, W)
    return order_page(boxes, containers, asides, LH, column_rules(edges, boxes, LH, img, asides)), containers


# -- vertical text: right to left ------------------------------------------------------------


def test_two_columns_of_a_vertical_title_are_read_right_to_left_its_mark_first():
    left = (82, 196, 22, 266)  # 切实减轻企业负担
    right = (126, 224, 24, 333)  # 营造诚实守信市场环境
    mark = (128, 200, 15, 14)  # the ❶ over the right column, found apart
    assert vertical_order([left, right, mark]) == [2, 1, 0]
    # the plain cut found no gap either way and read them left to right
    assert order_indices([left, right, mark], LH) == [2, 1, 0]


def test_horizontal_lines_and_mixed_groups_keep_the_plain_order():
    lines = [(70, 200 + 40 * k, 600, 28) for k in range(3)]
    assert vertical_order(lines) is None
    assert order_indices(lines, LH) == [0, 1, 2]
    # a vertical title beside its body: the body lines are no marks, the group is not vertical text
    assert vertical_order([(82, 196, 22, 266), *lines]) is None


def test_a_card_holding_a_two_column_title_reads_it_right_column_first_then_the_body():
    img = np.full((H, W, 3), 245, np.uint8)
    cv2.rectangle(img, (60, 180), (168, 560), (40, 90, 150), -1)  # the band the title is set in
    boxes = [
        (82, 196, 22, 266),  # left column: the title's end
        (126, 196, 24, 340),  # right column: the title's start
        (249, 192, 551, 19),  # the body beside the band
        (198, 233, 600, 18),
        (198, 273, 600, 18),
    ]
    placed, containers = _place(img, boxes)
    assert [c.kind for c in containers] == ["card"]
    assert [p.index for p in placed] == [1, 0, 2, 3, 4]


def test_a_card_reaches_over_a_line_whose_box_breaks_its_edge():
    # the band's top edge cut off where a ring (❶) broke it: the left column starts above the
    # region its edges enclose, level with the body's first line; the cut must not read that
    # body line first
    img = np.full((H, W, 3), 245, np.uint8)
    cv2.rectangle(img, (60, 214), (168, 560), (40, 90, 150), -1)
    boxes = [(82, 195, 22, 266), (126, 224, 24, 333), (249, 192, 551, 19), (198, 233, 600, 18), (198, 273, 600, 18)]
    placed, containers = _place(img, boxes)
    assert containers[0].box[1] <= 195
    assert [p.index for p in placed] == [1, 0, 2, 3, 4]


# -- a vertical title by the left edge is no aside; a slogan stays one ------------------------------


def test_a_vertical_title_at_its_bodys_left_heads_it_and_a_slogan_stays_an_aside():
    body = [(202, 615, 603, 20), (152, 654, 650, 20), (152, 692, 650, 20), (152, 730, 500, 20)]
    title = (80, 616, 25, 368)  # ⑵严厉打击恶意拖欠账款, one column by the left edge, level with the body's first line
    boxes = [title, *body]
    columns = [b[3] > 2 * b[2] for b in boxes]
    assert find_asides(boxes, columns, W) == set()
    assert [p.index for p in order_page(boxes, [], set(), LH)] == [0, 1, 2, 3, 4]
    # a slogan down the left edge beside text that runs on past its top: an aside
    running = [(152, 400 + 38 * k, 650, 20) for k in range(12)]
    slogan = (70, 560, 28, 420)
    boxes = [*running, slogan]
    assert find_asides(boxes, [b[3] > 2 * b[2] for b in boxes], W) == {len(running)}
    # and one down the right edge, its text to its left, level or not
    slogan = (800, 400, 30, 500)
    boxes = [*running, slogan]
    assert find_asides(boxes, [b[3] > 2 * b[2] for b in boxes], W) == {len(running)}


# -- a vertical column is no badge ---------------------------------------------------------------


def test_a_vertical_column_beside_a_line_is_no_badge_candidate_a_badge_is():
    column = (117, 191, 42, 366)  # ⑴依法规范融资担保行为
    body = (200, 190, 600, 32)
    badge = (60, 400, 44, 40)
    heading = (120, 400, 500, 40)
    assert badge_candidates([column, body, badge, heading]) == {2}


# -- a number rail -------------------------------------------------------------------------------


def _rail_page(tinted: bool):
    img = np.full((H, W, 3), 250, np.uint8)
    if tinted:
        cv2.rectangle(img, (60, 148), (150, 1300), (225, 215, 200), -1)
    boxes, names = [], []
    for k in range(4):
        y = 195 + 250 * k
        boxes.append((63, y, 84, 39))
        names.append(f"0{k + 1}")
        boxes.append((181, y + 6, 300, 22))
        names.append(f"title{k + 1}")
        for j in range(3):
            boxes.append((182, y + 52 + 35 * j, 640, 19))
            names.append(f"body{k + 1}.{j}")
    return img, boxes, names


def test_a_tinted_rail_of_numbers_is_no_block_each_number_heads_the_line_level_with_it():
    img, boxes, names = _rail_page(tinted=True)
    placed, containers = _place(img, boxes)
    assert any(c.kind == "card" for c in containers)  # the rail encloses its numbers
    order = [names[p.index] for p in placed]
    assert order == names
    assert all(p.region == "flow" for p in placed)


def test_a_card_of_short_marks_with_no_line_level_beside_it_stays_a_card():
    img = np.full((H, W, 3), 250, np.uint8)
    cv2.rectangle(img, (60, 148), (300, 700), (225, 215, 200), -1)
    marks = [(80, 200 + 120 * k, 84, 39) for k in range(4)]  # short words in a card, nothing beside them
    below = [(70, 800 + 40 * k, 700, 20) for k in range(3)]
    placed, _containers = _place(img, marks + below)
    assert [p.region for p in placed][:4] == ["card"] * 4


# -- the clause stage: a vertical title's columns make one title ---------------------------------


def line(text, y, h=24.0, x=200, w=600, bh=None, **kw):
    return LineResult(text=text, confidence=90, bbox=(x, y, w, bh or int(h)), text_height=h, **kw)


def test_a_title_set_vertically_in_two_columns_is_one_title_over_its_body():
    im = ImageResult(
        index=0,
        file="0.jpg",
        width=876,
        height=1567,
        lines=(
            line("（1）依法规范融资担保行为", 191, h=33.0, x=117, w=42, bh=366, block=1, region="card"),
            line("并建立长效工作机制", 191, h=37.0, x=75, w=38, bh=301, block=1, region="card"),
            line("慎用查封、扣押、冻结等措施，最大限度减少对企业", 182, x=246, w=556, block=2),
            line("正常经营的影响。", 220, x=200, w=300, block=2),
            line("（2）严厉打击恶意拖欠账款", 616, h=29.0, x=72, w=42, bh=368, block=3, region="card"),
            line("完善小额诉讼程序，提高简单案件的审理效率。", 609, x=202, w=602, block=4),
        ),
    )
    s = structure([im], 2)
    assert [(c.number, c.title) for c in s.clauses] == [
        (1, "依法规范融资担保行为并建立长效工作机制"),
        (2, "严厉打击恶意拖欠账款"),
    ]
    assert s.clauses[0].text == "慎用查封、扣押、冻结等措施，最大限度减少对企业正常经营的影响。"
    # a column's type size is measured down its length, not across it
    col = line("并建立长效工作机制", 191, h=37.0, x=75, w=38, bh=301)
    assert 30 < type_size(col) < 37
