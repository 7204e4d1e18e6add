"""Table rows as clauses: number cell | title cell | content cells.

The vision stage marks each line in a ruled table with its cell (row, column). Here a row's
cells become one heading line (label + title) and one body line, so the clause parser reads
a table like any other numbered list. A number cell that does not read as a number takes its
value from the row sequence (the rows before and after it), and only a number cell does:
nowhere else is a number made up from its neighbours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ocrpipe.output._results import Box, LineResult

_CN = "零一二三四五六七八九十"
_ACROSS_RULE = re.compile(r"^([^|｜]*\S)\s*[|｜]\s*(\S.*)$")  # a vertical rule read as a bar between two cells' text
_DIGITS = "零〇一二两三四五六七八九十百\\d"  # what a number cell's numeral is written with
_NUMBER_CELL = re.compile(rf"^(?:第(?=.*条$))?[（(]?([{_DIGITS}]{{1,4}})[)）]?[.．、条]?$")


def cn_numeral(n: int) -> str:
    """1..99 as Chinese numerals: 1 -> 一, 12 -> 十二, 20 -> 二十."""
    if n < 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return (_CN[tens] if tens > 1 else "") + "十" + (_CN[ones] if ones else "")


@dataclass(frozen=True)
class Row:
    """One table row: the lines of each of its cells, by column."""

    image: int
    positions: tuple[int, ...]  # positions of all its lines in the image
    cells: dict[int, list[tuple[int, LineResult]]]  # column -> (position, line), in reading order

    def text(self, col: int) -> str:
        return "".join(ln.text for _p, ln in self.cells.get(col, []))

    def lines(self, col: int) -> list[LineResult]:
        return [ln for _p, ln in self.cells.get(col, [])]

    def lines_all(self) -> list[LineResult]:
        return [ln for col in sorted(self.cells) for _p, ln in self.cells[col]]

    @property
    def block(self) -> int:
        return self.lines_all()[0].block


def cell_number(text: str) -> tuple[int | None, str]:
    """(number, style) of a number cell: '3' -> (3, 'digit'), '（三）' -> (3, 'cn_paren'), '3.' -> (3, 'dot'),
    '第三条' -> (3, 'di_tiao')."""
    from ocrpipe.structure._numerals import chinese_number

    m = _NUMBER_CELL.match(text.strip())
    if not m:
        return None, ""
    n = chinese_number(m.group(1))
    if n is None or not 0 < n < 1000:
        return None, ""
    t = text.strip()
    if t.endswith("条"):
        return n, "di_tiao"
    if t[0] in "（(":
        return n, "cn_paren" if not m.group(1).isdigit() else "paren"
    if t.endswith("、"):
        return n, "cn_dun" if not m.group(1).isdigit() else "dun"
    return n, "dot" if m.group(1).isdigit() else "cn_dun"


def label_for(n: int, style: str) -> str:
    """The label a number cell of this style prints for n (the parser reads it back)."""
    return {
        "cn_paren": f"（{cn_numeral(n)}）",
        "paren": f"({n})",
        "cn_dun": f"{cn_numeral(n)}、",
        "dun": f"{n}、",
        "di_tiao": f"第{cn_numeral(n)}条",
    }.get(style, f"{n}.")


def correct_numbers(
    numbers: list[int | None], texts: list[str], expected: int | None = None, inner: list[bool] | None = None
) -> list[int | None]:
    """Fill misread number cells from the row sequence (rows are numbered 1, 2, 3, …).

    A cell that does not read as a number, or reads as one that breaks the sequence (a 5
    read as 9 after 3, past the promised count), is misread when it is short enough to be
    a number. A run of k misread cells is filled only where the sequence leaves exactly k
    numbers for it: between a and b when b - a - 1 == k, from 1 at the start, up to the
    promised count at the end. A number the rows do not account for is never made up.
    """
    out = list(numbers)
    short = [_numberlike(t, bool(inner and inner[k])) for k, t in enumerate(texts)]
    known = [i for i, n in enumerate(out) if n is not None]
    for k, i in enumerate(known):  # numbers that break the sequence are misreadings too
        n = out[i]
        prev = max((out[j] or 0 for j in known[:k]), default=0)
        later = [v for j in known[k + 1 :] if (v := out[j]) is not None]
        nxt = min(later) if later else None
        if short[i] and n is not None and (n <= prev or (nxt is not None and n >= nxt) or (expected and n > expected)):
            out[i] = None
    i = 0
    while i < len(out):
        if out[i] is not None or not short[i]:
            i += 1
            continue
        j = i
        while j < len(out) and out[j] is None and short[j]:
            j += 1
        before = out[i - 1] if i > 0 else 0
        after = out[j] if j < len(out) else None
        run = j - i
        if before is not None and (
            (after is not None and after - before - 1 == run)
            or (after is None and (expected is None or before + run <= expected) and j == len(out))
        ):
            out[i:j] = list(range(before + 1, before + run + 1))
        i = j
    return out


def _numberlike(text: str, inner: bool) -> bool:
    """Short enough to be a number cell as read: four characters, or, in a row below its table's
    first (never a header row), up to eight ("(NAN)" for （六）)."""
    return len(text) <= 4 or (inner and len(text) <= 8)


def _inner_rows(rows: list["Row"]) -> list[bool]:
    """Per row: it lies below the first row of its table on its poster (a header row is the first)."""
    index = [min(ln.cell[0] for ln in r.lines_all() if ln.cell is not None) for r in rows]
    first: dict[tuple[int, int], int] = {}
    for r, k in zip(rows, index):
        key = (r.image, r.block)
        first[key] = min(first.get(key, k), k)
    return [k > first[(r.image, r.block)] for r, k in zip(rows, index)]


def _union(boxes: list[Box]) -> Box:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return x0, y0, x1 - x0, y1 - y0


def row_lines(rows: list[Row], expected: int | None = None) -> dict[tuple[int, int], tuple[LineResult, LineResult | None, str]]:
    """Per row, keyed by (image, first position): a heading line, a body line, and what the row is
    ("clause"; "stacked" where the first cell holds the number and the title, the body beside
    them; or "header"). The heading reads label + title, as a numbered heading would."""
    texts = [r.text(0) for r in rows]  # a number cell nothing was read in is "" (still a cell)
    parsed = [cell_number(t) for t in texts]
    # a first cell that holds the number above the title (or before it) and a body cell beside it
    stacked: dict[int, list[LineResult]] = {}
    for i, r in enumerate(rows):
        if parsed[i][0] is None and r.text(1) and (split := _number_over_title(r.lines(0))) is not None:
            texts[i], parsed[i], stacked[i] = split[0], cell_number(split[0]), split[1]
    # in such a table, a row whose number OCR lost is a title over nothing: its number is left to
    # the row sequence (filled only where exactly that number is free)
    tables = {(rows[i].image, rows[i].block) for i in stacked}
    for i, r in enumerate(rows):
        if i not in stacked and parsed[i][0] is None and r.text(1) and (r.image, r.block) in tables:
            texts[i], stacked[i] = "", r.lines(0)
    # a repeated header row ("序号") is not part of the number sequence
    inner = _inner_rows(rows)
    seq = [i for i, (t, p) in enumerate(zip(texts, parsed)) if p[0] is not None or _numberlike(t, inner[i])]
    fixed = correct_numbers([parsed[i][0] for i in seq], [texts[i] for i in seq], expected, [inner[i] for i in seq])
    numbers: list[int | None] = [None] * len(rows)
    for i, n in zip(seq, fixed):
        numbers[i] = n
    styles = [p[1] for p in parsed]
    out: dict[tuple[int, int], tuple[LineResult, LineResult | None, str]] = {}
    for i, r in enumerate(rows):
        cols = sorted(r.cells)
        first = r.cells[cols[0]][0][1]
        key = (r.image, r.positions[0])
        n = numbers[i]
        if n is None or not r.text(1):
            out[key] = (first, None, "header")
            continue
        cols = [0, *(c for c in cols if c > 0)]
        style = styles[i] or next((s for s in styles[i::-1] if s), "") or next((s for s in styles if s), "dot")
        title_lines = stacked[i] if i in stacked else r.lines(1)
        body_lines = [ln for c in cols[1 if i in stacked else 2 :] for ln in r.lines(c)]
        height = max((ln.text_height for ln in body_lines), default=first.text_height)
        heading = replace(
            first,
            text=label_for(n, style) + "".join(ln.text for ln in title_lines),
            bbox=_union([ln.bbox for c in cols[:2] for ln in r.lines(c)]),
            kind="text",
            text_height=height,  # the parser must not join the body as a wrapped title
        )
        body = (
            replace(body_lines[0], text="".join(ln.text for ln in body_lines), bbox=_union([ln.bbox for ln in body_lines]))
            if body_lines
            else None
        )
        out[key] = (heading, body, "stacked" if i in stacked else "clause")
    return out


_LABEL_BEFORE = re.compile(rf"^(第[{_DIGITS}]{{1,4}}条|[（(]?[{_DIGITS}]{{1,3}}[)）]|[{_DIGITS}]{{1,3}}[.．、])\s*(\S.*)$")


def _number_over_title(cell: list[LineResult]) -> tuple[str, list[LineResult]] | None:
    """(the number's text, the title's lines) of a first cell that holds both: the number on a
    line of its own above the title ("01" / "第一条" over two title lines), or as the title's
    label ("一、促进…"). None when the cell is not such a cell."""
    if not cell:
        return None
    first = cell[0].text.strip()
    if len(cell) >= 2 and cell_number(first)[0] is not None:
        return first, cell[1:]
    m = _LABEL_BEFORE.match(first)
    if m and cell_number(m.group(1))[0] is not None:
        return m.group(1), [replace(cell[0], text=m.group(2)), *cell[1:]]
    return None


def find_rows(image: int, lines: tuple[LineResult, ...]) -> list[Row]:
    """The table rows of one image, in reading order: lines with a cell, grouped by block and row."""
    rows: dict[tuple[int, int], Row] = {}
    for pos, ln in enumerate(lines):
        if ln.region != "cell" or ln.cell is None:
            continue
        key = (ln.block, ln.cell[0])
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(image, (), {})
        rows[key] = Row(image, (*row.positions, pos), row.cells)
        col = ln.cell[1]
        m = _ACROSS_RULE.match(ln.text)
        if m and col > 0:
            # one box read across a cell rule ("第八条 | 财产安全"): each side to its own cell
            row.cells.setdefault(col - 1, []).append((pos, replace(ln, text=m.group(1).strip())))
            ln = replace(ln, text=m.group(2).strip())
        row.cells.setdefault(col, []).append((pos, ln))
    return list(rows.values())
