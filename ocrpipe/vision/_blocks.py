"""Blocks before lines: find a poster's containers, then order blocks, then lines in each.

Containers are found from the page's long straight edges (frames, the edges of filled
cards and bands, table rules), with the text lines erased first so that strokes never
count as edges:

1. edge map: the largest per-channel morphological gradient (colour fields of equal
   brightness still differ in one channel), lines' own boxes blanked;
2. long horizontal and vertical runs (morphological opening), stretched at their ends so
   that rounded corners close;
3. the regions those edges enclose (connected components of the rest): each one holding
   text is a container; containers that touch (a tab or ribbon on its card, the cells of a
   table) are grouped; a group laid out in at least two rows and two columns is a table.

Lines that stand in a narrow column by an edge of the page (a slogan down the side) are
asides: kept as text, outside the reading flow.

Order (after XY-Cut++'s idea of taking blocks out of the cut): the cut sees a container as
one box, so a decoration or a wrapped line inside a card never blocks a cut between cards;
where a group holds two or more containers it cuts between rows first (cards are read row
by row); free lines keep the plain rule (the widest gap, columns for aligned text columns).
Inside a container the lines are ordered by the plain rule; a table's cells row by row.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from ocrpipe.output._results import Box
from ocrpipe.vision._layout import is_vertical, order_indices, vertical_order

Region = Literal["flow", "card", "band", "cell", "aside"]
EDGE_MIN_CONTRAST = 10  # grey levels between a colour field and its surround
CORNER_STRETCH = 40  # px at full size: edge_mask stretches every run this far (half each way) so frames close
TOUCH_PX = 16  # containers closer than this share an edge (a table's rule, a tab on its card)


@dataclass(frozen=True)
class Placed:
    """A line's place in the page: its index in the input, block, order, container kind, table cell."""

    index: int
    block: int
    order: int
    region: Region = "flow"
    cell: tuple[int, int] | None = None  # (row, column) inside its table


@dataclass(frozen=True)
class _Container:
    box: Box
    lines: tuple[int, ...]
    kind: Region
    cells: dict[int, tuple[int, int]]  # line index -> (row, column), for tables


@dataclass(frozen=True)
class EdgeMap:
    """Long straight edges (255) of the page turned level, at `scale` times its size."""

    mask: np.ndarray
    scale: float


def edge_mask(rgb: np.ndarray, quads: list[np.ndarray], angle: float) -> EdgeMap:
    """Long straight edges of the page, turned level by `angle` like the line boxes.

    A poster is searched at half size: frames and rules stay, and it costs a quarter.
    """
    scale = 0.5 if min(rgb.shape[:2]) >= 700 else 1.0
    if scale != 1.0:
        rgb = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        quads = [q * scale for q in quads]
    kernel = np.ones((3, 3), np.uint8)
    grad = np.zeros(rgb.shape[:2], np.uint8)
    for ch in range(rgb.shape[2] if rgb.ndim == 3 else 1):
        plane = rgb[:, :, ch] if rgb.ndim == 3 else rgb
        np.maximum(grad, cv2.morphologyEx(plane, cv2.MORPH_GRADIENT, kernel), out=grad)
    edges: np.ndarray = (grad >= EDGE_MIN_CONTRAST).astype(np.uint8) * 255
    h, w = edges.shape
    if abs(angle) >= 0.2:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        edges = cv2.warpAffine(edges, m, (w, h), flags=cv2.INTER_NEAREST)
        quads = [q @ m[:, :2].T.astype(np.float32) + m[:, 2].astype(np.float32) for q in quads]
    # text is not an edge; its strokes reach a little past the detected box
    blanked = []
    for q in quads:
        x0, y0 = q.min(axis=0)
        x1, y1 = q.max(axis=0)
        size = min(x1 - x0, y1 - y0)
        mx, my = 3 * scale + 0.15 * size, 2 * scale + 0.08 * size
        r = (max(0, int(x0 - mx)), max(0, int(y0 - my)), min(w - 1, int(x1 + mx)), min(h - 1, int(y1 + my)))
        edges[r[1] : r[3] + 1, r[0] : r[2] + 1] = 0
        blanked.append(r)
    edges = np.asarray(cv2.dilate(edges, kernel))
    run = max(12, min(h, w) // 30)
    horiz = cv2.morphologyEx(edges, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    vert = cv2.morphologyEx(edges, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, run)))
    # a rule or a band's edge that ran through a blanked box goes on through it
    for x0, y0, x1, y1 in blanked:
        if x0 > 0 and x1 < w - 1:
            rows = np.nonzero((horiz[y0 : y1 + 1, x0 - 1] > 0) & (horiz[y0 : y1 + 1, x1 + 1] > 0))[0]
            horiz[y0 + rows, x0 : x1 + 1] = 255
        if y0 > 0 and y1 < h - 1:
            cols = np.nonzero((vert[y0 - 1, x0 : x1 + 1] > 0) & (vert[y1 + 1, x0 : x1 + 1] > 0))[0]
            vert[y0 : y1 + 1, x0 + cols] = 255
    blank = np.zeros(edges.shape, bool)
    for x0, y0, x1, y1 in blanked:
        blank[y0 : y1 + 1, x0 : x1 + 1] = True
    for r in blanked:
        _run_on_to_a_rule(horiz, vert, blank, r, run)
    for x0, y0, x1, y1 in blanked:
        _run_on_to_a_rule(vert.T, horiz.T, blank.T, (y0, x0, y1, x1), run)
    # rounded corners: stretch each run past its ends so that frames close
    reach = int(CORNER_STRETCH * scale) | 1
    horiz = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (reach, 1)))
    vert = cv2.dilate(vert, cv2.getStructuringElement(cv2.MORPH_RECT, (1, reach)))
    return EdgeMap(cv2.bitwise_or(horiz, vert), scale)


def _run_on_to_a_rule(runs: np.ndarray, across: np.ndarray, blank: np.ndarray, r: tuple[int, int, int, int], gap: int) -> None:
    """A run that enters a blanked box from one side goes on, through that box and any blanked
    boxes after it less than `gap` apart (a rule's piece between two boxes is too short to
    survive the opening), to the first rule across its path or to where the run resumes. Text
    set close to a table's corner blanks both the end of a rule and the rule it meets (the number
    column's rule beside '第六条' and under the title's last line '机制', a header band's lower
    edge under '序号'): the cells on either side ran together. Rows of `runs` are its runs (pass
    transposed arrays for columns); `across` holds the perpendicular rules; `blank` the boxes."""
    x0, y0, x1, y1 = r
    h, w = runs.shape
    if x0 <= 0 or x1 >= w - 1:
        return
    one_side = (runs[y0 : y1 + 1, x0 - 1] > 0) != (runs[y0 : y1 + 1, x1 + 1] > 0)  # none or both: nothing to do
    for y in (y0 + np.nonzero(one_side)[0]).tolist():
        left = bool(runs[y, x0 - 1] > 0)
        path = slice(x0, w) if left else slice(x1, None, -1)
        back = slice(x0 - 1, None, -1) if left else slice(x1 + 1, w)
        if _reach(runs[y, back], blank[y, back]) < 2 * gap:
            continue  # a short run (a glyph's stroke next to a small box): no rule to carry on
        lo, hi = max(0, y - 3), min(h, y + 4)  # a corner's two rules need not meet to the pixel
        meets = across[lo:hi, path].any(axis=0)
        resumes = (runs[y, path] > 0) & ~blank[y, path]
        open_ = ~blank[y, path]
        # where an unblanked stretch of `gap` pixels begins: the run has stopped for good there
        stretch = np.convolve(open_.astype(np.int32), np.ones(gap, np.int32), "full")[gap - 1 :] >= gap
        stop = np.nonzero(stretch)[0]
        limit = stop[0] + gap if len(stop) else len(open_)
        end = np.nonzero((meets | resumes)[:limit])[0]
        if not len(end):
            continue
        k = int(end[0])
        if left:
            runs[y, x0 : x0 + k + 1] = 255
        else:
            runs[y, x1 - k : x1 + 1] = 255


def _reach(run: np.ndarray, blank: np.ndarray) -> int:
    """Pixels of a run from its entry point outward, across blanked boxes, up to the first pixel
    that is neither run nor blank."""
    on = run > 0
    stop = np.nonzero(~(on | blank))[0]
    end = int(stop[0]) if len(stop) else len(on)
    return int(on[:end].sum())


def _label_of(labels: np.ndarray, box: Box) -> int:
    """The enclosed region most of a box's sample points fall in (0: on an edge)."""
    x, y, w, h = box
    H, W = labels.shape
    xs = np.clip(np.linspace(x + 0.2 * w, x + 0.8 * w, 5).astype(int), 0, W - 1)
    ys = np.clip(np.linspace(y + 0.3 * h, y + 0.7 * h, 3).astype(int), 0, H - 1)
    vals = labels[np.ix_(ys, xs)].ravel()
    vals = vals[vals > 0]
    if not len(vals):
        return 0
    ids, counts = np.unique(vals, return_counts=True)
    return int(ids[np.argmax(counts)])


def _touch(a: Box, b: Box) -> bool:
    gx = max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2])
    gy = max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3])
    return (
        (gx <= TOUCH_PX and gy < 0) or (gy <= TOUCH_PX and gx < 0) or (gx <= TOUCH_PX and gy <= TOUCH_PX and min(gx, gy) <= 0)
    )


def _union(boxes: list[Box]) -> Box:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return x0, y0, x1 - x0, y1 - y0


def _capped(a: Box, b: Box, a_heights: list[int], b_heights: list[int]) -> bool:
    """A ribbon or strip on its card: a region of at most three lines, every one set larger than
    the usual line below, directly over a region of the same width, sits on it even across a
    thicker edge than TOUCH_PX allows (a ribbon's lower edge restored under its last title line
    left 18 px between ribbon and body, read as two blocks: the body was lost). Two stacked
    cards of a column (a title over body lines in each) stay apart."""
    top, low, top_h, low_h = (a, b, a_heights, b_heights) if a[1] < b[1] else (b, a, b_heights, a_heights)
    gap = low[1] - (top[1] + top[3])
    aligned = abs(top[0] - low[0]) <= TOUCH_PX and abs(top[0] + top[2] - low[0] - low[2]) <= TOUCH_PX
    if not (aligned and 0 <= gap <= 1.5 * TOUCH_PX and 0 < len(top_h) <= 3 and low_h and top[3] < low[3]):
        return False
    usual = sorted(low_h)[len(low_h) // 2]
    return min(top_h) >= 1.1 * usual


def _clusters(n: int, boxes: list[Box], heights: list[list[int]] | None = None) -> list[list[int]]:
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if _touch(boxes[i], boxes[j]) or (heights is not None and _capped(boxes[i], boxes[j], heights[i], heights[j])):
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _bands(values: list[float], tol: float) -> list[int]:
    """Index of the band each value falls in, bands split where sorted values jump by more than tol."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0] * len(values)
    band, last = 0, None
    for i in order:
        if last is not None and values[i] - last > tol:
            band += 1
        out[i] = band
        last = values[i]
    return out


def _is_grid(rows: list[int], cols: list[int], boxes: list[Box] | None = None) -> bool:
    """Cells that make a table: two rows or more with two cells or more, on shared columns; or
    one such row under a region as wide as the row (a table's header band over its only row,
    as on the last poster of a table that runs on)."""
    per_row: dict[int, set[int]] = {}
    for r, c in zip(rows, cols):
        per_row.setdefault(r, set()).add(c)
    full = [cs for cs in per_row.values() if len(cs) >= 2]
    # two rows that share two columns (not every row: two cells that ran together where a rule was
    # lost leave one row short of a column, and the table must not become one card)
    if any(len(a & b) >= 2 for a, b in itertools.combinations(full, 2)):
        return True
    if len(full) != 1 or boxes is None or len(per_row) < 2:
        return False
    row = next(r for r, cs in per_row.items() if len(cs) >= 2)
    span = _union([b for b, r in zip(boxes, rows) if r == row])
    return any(
        r != row and b[0] <= span[0] + TOUCH_PX and b[0] + b[2] >= span[0] + span[2] - TOUCH_PX for b, r in zip(boxes, rows)
    )


def find_containers(edges: EdgeMap, boxes: list[Box], line_height: float) -> list[_Container]:
    """Containers holding text, from the regions the page's edges enclose (in page pixels)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.bitwise_not(edges.mask), connectivity=4)
    k = edges.scale
    H, W = (round(v / k) for v in edges.mask.shape)
    areas = stats[:, cv2.CC_STAT_AREA].astype(np.int64)
    areas[0] = 0
    background = int(np.argmax(areas)) if count > 1 else -1
    members: dict[int, list[int]] = {}
    for i, b in enumerate(boxes):
        lab = _label_of(labels, (round(b[0] * k), round(b[1] * k), round(b[2] * k), round(b[3] * k)))
        if lab > 0 and lab != background:
            members.setdefault(lab, []).append(i)
    regions = []
    for lab, idx in members.items():
        x, y, w, h = (round(int(v) / k) for v in stats[lab, :4])
        if w * h > 0.6 * W * H or w < 1.5 * line_height or h < line_height:
            continue  # the page itself, or a sliver between edges
        if x <= 2 or x + w >= W - 2:
            continue  # page background cut off by a rule or a header band: not a container
        regions.append(((x, y, w, h), idx))
    out = []
    for group in _clusters(len(regions), [r[0] for r in regions], [[boxes[i][3] for i in r[1]] for r in regions]):
        rboxes = [regions[k][0] for k in group]
        lines = tuple(sorted(i for k in group for i in regions[k][1]))
        # the container reaches over its own lines: a line whose box breaks the region's edge (a
        # vertical title's column over a ❶ whose ring cut the band's top off) still stands in it,
        # and the cut must not find a gap between the card and the text level with its top
        box = _union(rboxes + [boxes[i] for i in lines])
        rows = _bands([float(b[1]) for b in rboxes], TOUCH_PX)
        cols = _bands([float(b[0]) for b in rboxes], TOUCH_PX)
        if box[2] < 3 * line_height and box[3] < 2 * line_height:
            continue  # a tab, a badge's rim or a boxed word on its own: not a container of lines
        if _is_grid(rows, cols, rboxes):
            cells = {i: (rows[k], cols[k]) for k, g in enumerate(group) for i in regions[g][1]}
            out.append(_Container(box, lines, "cell", cells))
        elif box[2] >= 0.45 * W and box[3] <= 2.6 * line_height and len(lines) <= 2:
            out.append(_Container(box, lines, "band", {}))
        else:
            out.append(_Container(box, lines, "card", {}))
    return out


@dataclass(frozen=True)
class Rule:
    """A vertical rule between text columns, in page pixels."""

    x: float
    top: float
    bottom: float


def column_rules(
    edges: EdgeMap, boxes: list[Box], line_height: float, rgb: np.ndarray | None = None, asides: set[int] | None = None
) -> list[Rule]:
    """Vertical rules that part text columns: thin, at least eight line heights long, alone in
    their gutter (the sides of two cards side by side stand in pairs), not a frame's side (a
    horizontal edge turning off to one side at both its ends; a rule meets rules across it or
    ends free), no line across them, and at least two lines beside them on each side. Columns
    parted by a rule are read down before across: a newspaper's columns, whose titles in pills
    or boxes would otherwise be read in rows across the rule. With `rgb`, a rule is ink on one
    ground: the page on its two sides is the same colour (a filled card's edge parts two colours).
    `asides` (a slogan down the edge) stand beside nothing."""
    k = edges.scale
    flow = [b for i, b in enumerate(boxes) if i not in (asides or set())]
    long_ = int(8 * line_height * k)
    if long_ < 8 or not boxes:
        return []
    mask = edges.mask
    vert = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, long_)))
    horiz = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (int(2 * line_height * k) | 1, 1)))
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(vert, connectivity=8)
    runs = [tuple(int(v) for v in st[:4]) for st in stats[1:count]]
    stretch = int(CORNER_STRETCH * k) // 2  # edge_mask stretched every run this far past its real ends
    reach = stretch + 2
    near = 2.5 * line_height * k
    out = []
    for n, (x, y, w, h) in enumerate(runs):
        if w > max(12, 0.6 * line_height * k):
            continue  # a wide patch of edges, not a rule
        if any(
            m != n and abs(ox + ow / 2 - x - w / 2) < near and min(y + h, oy + oh) - max(y, oy) > 0.5 * min(h, oh)
            for m, (ox, oy, ow, oh) in enumerate(runs)
        ):
            continue  # one of a pair: the facing sides of two cards
        corners = 0
        for row in (y, y + h - 1):
            band = horiz[max(0, row - reach) : row + reach + 1]
            left, right = band[:, max(0, x - reach) : max(0, x - 1)].any(), band[:, x + w + 1 : x + w + reach].any()
            corners += bool(left) != bool(right)
        if corners == 2:
            continue  # the side of a frame or a filled card
        rx, top, bottom = (x + w / 2) / k, (y + stretch) / k, (y + h - stretch) / k
        if rgb is not None and not _one_ground(rgb, rx, top, bottom, (w / k) / 2 + 4):
            continue
        beside = [b for b in flow if top <= b[1] + b[3] / 2 <= bottom]
        if any(b[0] < rx < b[0] + b[2] for b in beside):
            continue  # a line runs across it
        # text columns on both sides: lines of four characters or more (a rail of numbers
        # down one side of a rule is no column: its numbers head the lines beside them)
        wide = [b for b in beside if b[2] >= 4 * line_height]
        left_n = sum(b[0] + b[2] <= rx for b in wide)
        if left_n >= 2 and len(wide) - left_n >= 2:
            out.append(Rule(rx, top, bottom))
    return out


def find_asides(boxes: list[Box], columns: list[bool], width: int, badges: frozenset[int] = frozenset()) -> set[int]:
    """Vertical text standing by the left or right edge of the page: a slogan, not the flow.
    `badges` are number badges found as shapes (a timeline's dots down the left): never asides."""
    out = set()
    for i, (x, _y, w, h) in enumerate(boxes):
        near_edge = x + w / 2 < 0.15 * width or x + w / 2 > 0.85 * width
        if columns[i] and near_edge and h >= 3 * w and not _heads_text_beside(i, boxes, columns):
            out.add(i)
    out |= _stacked_characters(boxes, width, out)
    # a slogan's end characters the detector found apart from its column ("优" over 化服务助企纾)
    grown = True
    while grown:
        grown = False
        for i, b in enumerate(boxes):
            if i not in out and _single_by_edge(b, width) and any(_continues(b, boxes[j]) for j in out):
                out.add(i)
                grown = True
    return out - badges


def _heads_text_beside(i: int, boxes: list[Box], columns: list[bool]) -> bool:
    """A vertical title at the left of its body, not a slogan: horizontal text begins just right
    of the column (a gutter and a two-character indent: five characters at most), its first line
    level with the column's top, and no line of that text ends just above that top. A clause's
    title set vertically (竖排) in a band at its body's left is read first, as its heading; a
    slogan down an edge stands beside text that runs on past its top, or at the right edge,
    where no text begins beside it."""
    x, y, w, _h = boxes[i]
    level = above = False
    for j, b in enumerate(boxes):
        u = max(w, b[3])  # a character's size: the column's width or the line's height
        if j == i or columns[j] or b[2] < 2 * b[3] or not 0 <= b[0] - (x + w) <= 5 * u:
            continue
        level |= abs(b[1] - y) <= 1.5 * u
        above |= b[1] + b[3] / 2 < y - u and b[1] + b[3] > y - 3 * u
    return level and not above


def _single_by_edge(b: Box, width: int) -> bool:
    """One character's box (core boxes lose 40% across the text) in the outer 15% of the page."""
    x, _y, w, h = b
    return 0.4 * h <= w <= 2.2 * h and (x + w / 2 < 0.15 * width or x + w / 2 > 0.85 * width)


def _continues(b: Box, col: Box) -> bool:
    """b stands right above or below the vertical text col, centred on it."""
    if abs((b[0] + b[2] / 2) - (col[0] + col[2] / 2)) > 0.5 * max(b[2], col[2]):
        return False
    gap = max(col[1] - (b[1] + b[3]), b[1] - (col[1] + col[3]))
    return gap <= 1.5 * b[3]


def _stacked_characters(boxes: list[Box], width: int, columns: set[int]) -> set[int]:
    """A slogan down an edge that the detector found character by character: three or more
    single-character boxes by the edge, one above the other, spread over at least four
    characters' height, in a strip of the page no other line reaches into but the slogan's own
    vertical pieces (`columns`; tabs and badges down the left of a grid stand over their cards'
    lines)."""

    cands = [i for i, b in enumerate(boxes) if _single_by_edge(b, width)]
    out: set[int] = set()
    for i in cands:
        x, _y, w, h = boxes[i]
        stack = {j for j in cands if abs((boxes[j][0] + boxes[j][2] / 2) - (x + w / 2)) <= 0.5 * w}
        left = min(boxes[j][0] for j in stack)
        right = max(boxes[j][0] + boxes[j][2] for j in stack)
        top = min(boxes[j][1] for j in stack)
        bottom = max(boxes[j][1] + boxes[j][3] for j in stack)
        crossed = any(k not in stack and k not in columns and b[0] < right and b[0] + b[2] > left for k, b in enumerate(boxes))
        if len(stack) >= 3 and bottom - top >= 4 * h and not crossed:
            out.update(stack)
    return out


def _widest_gap(spans: list[tuple[float, float]]) -> tuple[float, float]:
    spans = sorted(spans)
    reach, best = spans[0][1], (0.0, 0.0)
    for s, e in spans[1:]:
        if s > reach and s - reach > best[0]:
            best = (s - reach, (s + reach) / 2)
        reach = max(reach, e)
    return best


def _columns(bs: list[Box], vpos: float, line_height: float) -> bool:
    """Both sides of a vertical gap are text columns: three lines or more each, each side at
    least three line heights wide, side by side over most of their height. Such a gutter is a
    column gap even when narrower than 1.5 line heights (three-column card grids whose cards
    show no edge: Tesseract's wider boxes left 49 px between columns at a 33-px line height,
    and the rows of two columns were interleaved)."""
    sides = [[b for b in bs if b[0] + b[2] / 2 < vpos], [b for b in bs if b[0] + b[2] / 2 >= vpos]]
    if any(len(side) < 3 for side in sides):
        return False
    spans = [_union(side) for side in sides]
    if any(u[2] < 3 * line_height for u in spans):
        return False
    overlap = min(spans[0][1] + spans[0][3], spans[1][1] + spans[1][3]) - max(spans[0][1], spans[1][1])
    return overlap >= 0.5 * min(spans[0][3], spans[1][3])


def _column_heads(bs: list[Box], hpos: float, vpos: float, line_height: float) -> bool:
    """Above the horizontal gap stands one row of short items, some over each side of the
    vertical gap (tabs or badges numbering the cards of a grid whose cards show no edge)."""
    top = [b for b in bs if b[1] + b[3] / 2 < hpos]
    rest = [b for b in bs if b[1] + b[3] / 2 >= hpos]
    if len(top) < 2 or len(rest) < 2 * len(top):
        return False
    row = _union(top)
    if row[3] > 2 * line_height or any(b[2] > 4 * line_height for b in top):
        return False
    return any(b[0] + b[2] / 2 < vpos for b in top) and any(b[0] + b[2] / 2 >= vpos for b in top)


def _one_ground(rgb: np.ndarray, x: float, top: float, bottom: float, off: float) -> bool:
    """A rule of ink on one ground: the page on both sides of the vertical run at x (off pixels
    out, a strip 6 wide) is one colour, within 12 grey levels in every channel."""
    H, W = rgb.shape[:2]
    y0, y1 = max(0, int(top)), min(H, int(bottom))
    lo = (max(0, int(x - off - 6)), max(0, int(x - off)))
    hi = (min(W, int(x + off)), min(W, int(x + off + 6)))
    if y1 - y0 < 10 or lo[1] <= lo[0] or hi[1] <= hi[0]:
        return False
    left = np.median(rgb[y0:y1, lo[0] : lo[1]].reshape(-1, 3), axis=0).astype(np.int16)
    right = np.median(rgb[y0:y1, hi[0] : hi[1]].reshape(-1, 3), axis=0).astype(np.int16)
    if np.abs(left - right).max() > 12:
        return False
    # and the run itself is ink: on most rows some pixel near x stands 24 levels off that ground
    # (a faint card's edge is only a blend of two near colours; a tilted rule drifts across x)
    near = rgb[y0:y1, max(0, int(x) - 6) : min(W, int(x) + 7)].astype(np.int16)
    off_ground = np.minimum(np.abs(near - left).max(axis=2), np.abs(near - right).max(axis=2)).max(axis=1)
    return bool(np.median(off_ground) >= 24)


def _parting_rule(bs: list[Box], rules: list[Rule], line_height: float) -> Rule | None:
    """A column rule that parts this group of boxes: of the boxes beside it (centre within its
    span), none runs across it and at least two stand on each side."""
    for r in rules:
        beside = [b for b in bs if r.top - line_height / 2 <= b[1] + b[3] / 2 <= r.bottom + line_height / 2]
        if any(b[0] < r.x < b[0] + b[2] for b in beside):
            continue
        left = sum(b[0] + b[2] / 2 < r.x for b in beside)
        if left >= 2 and len(beside) - left >= 2:
            return r
    return None


def order_units(units: list[tuple[Box, bool]], line_height: float, rules: list[Rule] | None = None) -> list[int]:
    """Order boxes (box, is_card): down each side of a column rule first; rows first where a group
    holds two cards or more, else the plain rule."""
    out: list[int] = []

    def cut(group: list[int]) -> None:
        if len(group) == 1:
            out.append(group[0])
            return
        bs = [units[i][0] for i in group]
        vertical = None if any(units[i][1] for i in group) else vertical_order(bs)
        if vertical is not None:  # free lines of vertical text: right to left
            out.extend(group[k] for k in vertical)
            return
        hgap, hpos = _widest_gap([(b[1], b[1] + b[3]) for b in bs])
        vgap, vpos = _widest_gap([(b[0], b[0] + b[2]) for b in bs])
        rows_first = sum(units[i][1] for i in group) >= 2
        columns = vgap >= line_height and _columns(bs, vpos, line_height)
        gutter = vgap >= 1.5 * line_height or columns
        # a row of labels over text columns heads those columns: cutting it off first would
        # read every label before the first column
        heads = columns and hgap > 0 and _column_heads(bs, hpos, vpos, line_height)
        rule = _parting_rule(bs, rules, line_height) if rules else None
        if rule is not None:
            # what stands above the rule first (a lead paragraph), then down each side, then below
            ys = {i: units[i][0][1] + units[i][0][3] / 2 for i in group}
            above = [i for i in group if ys[i] < rule.top - line_height / 2]
            below = [i for i in group if ys[i] > rule.bottom + line_height / 2]
            beside = [i for i in group if i not in above and i not in below]
            if above or below:
                for part in (above, beside, below):
                    if part:
                        cut(part)
            else:
                cut([i for i in group if units[i][0][0] + units[i][0][2] / 2 < rule.x])
                cut([i for i in group if units[i][0][0] + units[i][0][2] / 2 >= rule.x])
        elif hgap > 0 and not heads and (rows_first or not (gutter and vgap > hgap)):
            cut([i for i in group if units[i][0][1] + units[i][0][3] / 2 < hpos])
            cut([i for i in group if units[i][0][1] + units[i][0][3] / 2 >= hpos])
        elif vgap > 0:
            cut([i for i in group if units[i][0][0] + units[i][0][2] / 2 < vpos])
            cut([i for i in group if units[i][0][0] + units[i][0][2] / 2 >= vpos])
        else:
            out.extend(sorted(group, key=lambda i: (units[i][0][0], units[i][0][1])))

    if units:
        cut(list(range(len(units))))
    return out


def order_page(
    boxes: list[Box], containers: list[_Container], asides: set[int], line_height: float, rules: list[Rule] | None = None
) -> list[Placed]:
    """Every line placed: blocks in reading order, lines in order inside each, asides last.

    A slogan never stands inside a card or a table: an aside whose centre lies in one (a table's
    number column, which looks like characters stacked by the edge) is the container's line. A
    number rail is no block (`_is_rail`): its numbers join the flow beside them."""
    asides = {i for i in asides if not any(_within(boxes[i], c.box) for c in containers if c.kind in ("card", "cell"))}
    containers = [c for c in containers if not _is_rail(c, boxes, line_height)]
    owner: dict[int, int] = {}
    for k, c in enumerate(containers):
        for i in c.lines:
            if i not in asides:
                owner[i] = k
    _adopt(boxes, containers, asides, owner)
    free = [i for i in range(len(boxes)) if i not in owner and i not in asides]
    units: list[tuple[Box, bool]] = [(c.box, c.kind == "card") for c in containers] + [(boxes[i], False) for i in free]
    placed: list[Placed] = []
    block = -1
    prev_free: int | None = None
    for u in order_units(units, line_height, rules):
        if u < len(containers):
            c = containers[u]
            block += 1
            prev_free = None
            for i, cell in _inside(c, boxes, line_height, owner, u):
                placed.append(Placed(i, block, len(placed), c.kind, cell))
        else:
            i = free[u - len(containers)]
            if prev_free is None or _new_block(boxes[prev_free], boxes[i], line_height):
                block += 1
            prev_free = i
            placed.append(Placed(i, block, len(placed)))
    for i in sorted(asides, key=lambda i: (boxes[i][0], boxes[i][1])):
        block += 1
        placed.append(Placed(i, block, len(placed), "aside"))
    return placed


def _is_rail(c: _Container, boxes: list[Box], line_height: float) -> bool:
    """A tinted rail down the side of the page holding the clauses' numbers (01, 02, ...): two
    marks or more, each a short mark (no taller than two lines, at most about three of its own
    characters wide, not vertical text), each level with a line outside the container that
    begins just beside it. Read as one card, every number came before every title; each number
    heads the line level with it, as on a rail drawn with a plain rule."""
    if c.kind != "card" or len(c.lines) < 2:
        return False
    right = c.box[0] + c.box[2]
    for i in c.lines:
        _x, y, w, h = boxes[i]
        if h > 2 * line_height or w > 2.5 * h or is_vertical(boxes[i]):
            return False
        level = any(
            k not in c.lines
            and 0 <= b[0] - right <= 3 * line_height
            and min(y + h, b[1] + b[3]) - max(y, b[1]) >= 0.5 * min(h, b[3])
            for k, b in enumerate(boxes)
        )
        if not level:
            return False
    return True


def _within(b: Box, box: Box) -> bool:
    cx, cy = b[0] + b[2] / 2, b[1] + b[3] / 2
    return box[0] <= cx <= box[0] + box[2] and box[1] <= cy <= box[1] + box[3]


def _adopt(boxes: list[Box], containers: list[_Container], asides: set[int], owner: dict[int, int]) -> None:
    """A card takes the free lines whose centre lies within its box. The region its edges enclose
    can reach past a line whose own box breaks the edges (a heading over a framed body, its badge
    on the frame): left free, the line would be ordered after the card it heads (seen on a bench
    poster at 0.6x: 一、营造… read after its own body)."""
    for i, (x, y, w, h) in enumerate(boxes):
        if i in owner or i in asides:
            continue
        cx, cy = x + w / 2, y + h / 2
        for k, c in enumerate(containers):
            bx, by, bw, bh = c.box
            if c.kind == "card" and bx <= cx <= bx + bw and by <= cy <= by + bh:
                owner[i] = k
                break


def _new_block(p: Box, b: Box, line_height: float) -> bool:
    vgap = b[1] - (p[1] + p[3])
    hover = min(p[0] + p[2], b[0] + b[2]) - max(p[0], b[0])
    return vgap > 1.5 * line_height or hover <= 0


def _inside(
    c: _Container, boxes: list[Box], line_height: float, owner: dict[int, int], k: int
) -> list[tuple[int, tuple[int, int] | None]]:
    """A container's lines in order: a table's cells row by row, else the plain rule."""
    mine = [i for i in range(len(boxes)) if owner.get(i) == k]  # its own lines and those it adopted
    if c.kind == "cell":
        by_cell: dict[tuple[int, int], list[int]] = {}
        for i in mine:
            by_cell.setdefault(c.cells[i], []).append(i)
        out: list[tuple[int, tuple[int, int] | None]] = []
        for cell in sorted(by_cell):
            idx = by_cell[cell]
            out += [(idx[o], cell) for o in order_indices([boxes[i] for i in idx], line_height)]
        return out
    return [(mine[o], None) for o in order_indices([boxes[i] for i in mine], line_height)]
