"""Reading order: merge boxes on one text line, group lines into blocks, order them.

Recursive XY-cut: split the page at horizontal gaps into bands (top to bottom),
split each band at wide vertical gaps into columns (left to right), recurse. Text set
vertically (竖排) is read as it is written: columns right to left, each top to bottom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ocrpipe.output._results import Box


def _union(a: Box, b: Box) -> Box:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


def merge_same_line(boxes: list[Box], max_gap_ratio: float = 1.3, min_overlap: float = 0.5) -> list[Box]:
    """Merge boxes that share a text line: vertical overlap and a small horizontal gap.

    This keeps a number badge with the heading beside it.
    """
    boxes = sorted(boxes, key=lambda b: b[0])
    changed = True
    while changed:
        changed = False
        out: list[Box] = []
        for b in boxes:
            for i, a in enumerate(out):
                overlap = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
                gap = max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2])
                union_h = max(a[1] + a[3], b[1] + b[3]) - min(a[1], b[1])
                if (
                    overlap > min_overlap * min(a[3], b[3])
                    and gap < max_gap_ratio * max(min(a[3], b[3]), 1)
                    and union_h <= 1.35 * max(a[3], b[3])
                ):
                    out[i] = _union(a, b)
                    changed = True
                    break
            else:
                out.append(b)
        boxes = sorted(out, key=lambda b: b[0])
    return boxes


@dataclass(frozen=True)
class Ordered:
    box: Box
    block: int
    order: int


def _widest_gap(starts: np.ndarray, ends: np.ndarray) -> tuple[float, float]:
    """(width, centre) of the widest run that no interval covers; (0, 0) if none."""
    order = np.argsort(starts)
    reach = ends[order[0]]
    best = (0.0, 0.0)
    for i in order[1:]:
        if starts[i] > reach and starts[i] - reach > best[0]:
            best = (float(starts[i] - reach), float(reach + starts[i]) / 2)
        reach = max(reach, ends[i])
    return best


def is_vertical(box: Box) -> bool:
    """A column of stacked characters: at least twice as tall as wide."""
    return box[3] >= 2 * box[2]


def vertical_order(boxes: list[Box]) -> list[int] | None:
    """Indices of a group of vertical text in the order it is read: columns right to left, each
    top to bottom (a two-column title set vertically, 竖排, starts in its right column). The group
    is vertical text when it holds a column and every other box is one too or a mark no wider
    than a column (a ⑴ or ❶ the detector found apart at a column's head joins the column it
    stands over). None for any other group."""
    cols = [b for b in boxes if is_vertical(b)]
    if not cols or len(boxes) < 2:
        return None
    widest = max(b[2] for b in cols)
    if any(not is_vertical(b) and max(b[2], b[3]) > 1.5 * widest for b in boxes):
        return None
    by_right = sorted(range(len(boxes)), key=lambda i: (-(boxes[i][0] + boxes[i][2] / 2), boxes[i][1]))
    columns: list[list[int]] = []  # right to left; a box joins the column its centre lies within
    for i in by_right:
        cx = boxes[i][0] + boxes[i][2] / 2
        home = next((c for c in columns if any(b[0] <= cx <= b[0] + b[2] for b in (boxes[k] for k in c))), None)
        if home is None:
            columns.append([i])
        else:
            home.append(i)
    return [i for c in columns for i in sorted(c, key=lambda k: boxes[k][1])]


def order_indices(boxes: list[Box], line_height: float) -> list[int]:
    """Indices of line boxes top-to-bottom, left-to-right across columns.

    Each step cuts at the widest empty gap: between rows, or between columns when
    that gap is wider (and at least 1.5 line heights), so aligned two-column text
    is read column by column. A group of vertical text is read right to left (vertical_order).
    """
    ordered: list[int] = []

    def cut(group: list[int]) -> None:
        if len(group) == 1:
            ordered.append(group[0])
            return
        vertical = vertical_order([boxes[i] for i in group])
        if vertical is not None:
            ordered.extend(group[k] for k in vertical)
            return
        arr = np.array([boxes[i] for i in group], dtype=np.float64)
        hgap, hpos = _widest_gap(arr[:, 1], arr[:, 1] + arr[:, 3])
        vgap, vpos = _widest_gap(arr[:, 0], arr[:, 0] + arr[:, 2])
        cx = arr[:, 0] + arr[:, 2] / 2
        cy = arr[:, 1] + arr[:, 3] / 2
        if vgap >= 1.5 * line_height and vgap > hgap:
            cut([i for i, c in zip(group, cx) if c < vpos])
            cut([i for i, c in zip(group, cx) if c >= vpos])
        elif hgap > 0:
            cut([i for i, c in zip(group, cy) if c < hpos])
            cut([i for i, c in zip(group, cy) if c >= hpos])
        else:  # boxes overlap both ways: read left to right
            ordered.extend(sorted(group, key=lambda i: (boxes[i][0], boxes[i][1])))

    if boxes:
        cut(list(range(len(boxes))))
    return ordered


def reading_order(boxes: list[Box], line_height: float) -> list[Ordered]:
    """Order line boxes (see order_indices) and group them into blocks."""
    ordered = [boxes[i] for i in order_indices(boxes, line_height)]
    out: list[Ordered] = []
    block = 0
    for n, b in enumerate(ordered):
        if n:
            p = ordered[n - 1]
            vgap = b[1] - (p[1] + p[3])
            hover = min(p[0] + p[2], b[0] + b[2]) - max(p[0], b[0])
            if vgap > 1.5 * line_height or hover <= 0:
                block += 1
        out.append(Ordered(box=b, block=block, order=n))
    return out
