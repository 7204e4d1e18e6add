"""Several readings of one line become one: ROVER-style character alignment and a confidence vote.

1. `align` lines the readings up character by character (a progressive multiple alignment:
   each reading is aligned to the columns built so far by edit distance, so a character one
   reader dropped or added becomes a column where that reader has nothing, "").
2. `vote` scores each column's candidates: each reader adds its calibrated probability for
   the character it read and for its runner-up choices; a reader that has nothing in a
   column votes for "nothing" with its confidence in the characters around the gap.
   Close calls are settled by priors the text gives for free: words in a lexicon (jieba's
   dictionary) and the numbering sequence of clause labels (a numeral a reader dropped is
   restored when another reader read it).
3. `Flag`s, review targets, mark columns the readers disagreed on where the winner had no clear
   majority or the lead reader was unsure of its own reading there, and characters the lead
   reader was very unsure of even where the others agree.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

log = logging.getLogger(__name__)

GAP = ""


@dataclass(frozen=True)
class Reading:
    """One reader's reading of a line: text with a probability (0..1) and runner-ups per character."""

    reader: str
    text: str
    conf: tuple[float, ...]  # one per character of text
    choices: tuple[tuple[tuple[str, float], ...], ...] = ()  # runner-up (char, probability) per character
    weight: float = 1.0  # how much this reader's votes count (calibrated: README)


@dataclass(frozen=True)
class Cell:
    char: str  # GAP: the reader read nothing here
    conf: float
    choices: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Voted:
    text: str
    conf: tuple[float, ...]  # the winner's support per character of text, 0..1
    flags: tuple[tuple[int, int, float], ...]  # (start, end, support) spans of text the readers disagreed on
    confidence: float  # 0..100 for the line


def align(readings: Sequence[Reading]) -> list[list[Cell]]:
    """Columns of cells, one cell per reading in each column (GAP where a reading has no character)."""
    columns: list[list[Cell]] = []
    for r, reading in enumerate(readings):
        cells = [
            Cell(ch, reading.conf[i] if i < len(reading.conf) else 0.5, reading.choices[i] if i < len(reading.choices) else ())
            for i, ch in enumerate(reading.text)
        ]
        if r == 0:
            columns = [[c] for c in cells]
            continue
        columns = _merge(columns, cells, r)
    return columns


def _cost(column: list[Cell], ch: str) -> float:
    """Substitution cost of `ch` against a column: 0 when some reader read it there, a little when it was a runner-up."""
    best = 1.0
    for cell in column:
        if cell.char == ch:
            return 0.0
        if any(c == ch for c, _p in cell.choices):
            best = 0.6
    return best


def _merge(columns: list[list[Cell]], cells: list[Cell], r: int) -> list[list[Cell]]:
    """Align one more reading to the columns (edit distance; a gap column costs 1)."""
    back = _table(columns, cells)
    out: list[list[Cell]] = []
    i, j = len(columns), len(cells)
    while i > 0 or j > 0:
        how = back[i][j]
        if how == 0:
            out.append([*columns[i - 1], cells[j - 1]])
            i, j = i - 1, j - 1
        elif how == 1:
            out.append([*columns[i - 1], Cell(GAP, _gap_conf(cells, j))])
            i -= 1
        else:
            out.append([*(Cell(GAP, _gap_conf_cells(columns, i, k)) for k in range(r)), cells[j - 1]])
            j -= 1
    out.reverse()
    return out


def _table(columns: list[list[Cell]], cells: list[Cell]) -> list[list[int]]:
    """The edit-distance table's back pointers: 0 diagonal, 1 the column gets a gap, 2 a new column."""
    n, m = len(columns), len(cells)
    inf = float("inf")
    d = [[inf] * (m + 1) for _ in range(n + 1)]
    back = [[0] * (m + 1) for _ in range(n + 1)]
    d[0][0] = 0.0
    # an existing column this reading has nothing in is cheaper where others have gaps too
    skip = [1.0 if all(cell.char != GAP for cell in col) else 0.5 for col in columns]
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            options = []
            if i > 0 and j > 0:
                options.append((d[i - 1][j - 1] + _cost(columns[i - 1], cells[j - 1].char), 0))
            if i > 0:
                options.append((d[i - 1][j] + skip[i - 1], 1))
            if j > 0:
                options.append((d[i][j - 1] + 1.0, 2))
            d[i][j], back[i][j] = min(options)
    return back


def _gap_conf(cells: list[Cell], j: int) -> float:
    """How sure a reader is that nothing is at a gap: its confidence in the characters either side."""
    near = [cells[k].conf for k in (j - 1, j) if 0 <= k < len(cells)]
    return min(near) if near else 0.5


def _gap_conf_cells(columns: list[list[Cell]], i: int, k: int) -> float:
    near = [columns[x][k].conf for x in (i - 1, i) if 0 <= x < len(columns) and columns[x][k].char != GAP]
    return min(near) if near else 0.5


# ---------------------------------------------------------------- priors


@cache
def lexicon() -> frozenset[str]:
    """Words of two to four characters from jieba's dictionary (empty when jieba is not installed)."""
    try:
        from importlib import resources

        text = resources.files("jieba").joinpath("dict.txt").read_text("utf-8")
    except (ImportError, ModuleNotFoundError, OSError):
        log.info("jieba is not installed: the consensus votes without a lexicon")
        return frozenset()
    words = set()
    for line in text.splitlines():
        w = line.split(" ", 1)[0]
        if 2 <= len(w) <= 4:
            words.add(w)
    return frozenset(words)


def lexicon_support(left: str, ch: str, right: str) -> int:
    """How many dictionary words `ch` forms with the chosen characters beside it (up to 3 either side)."""
    if not ch:
        return 0
    words = lexicon()
    if not words:
        return 0
    n = 0
    for a in range(0, min(3, len(left)) + 1):
        for b in range(0, min(3, len(right)) + 1):
            if a + b == 0 or a + b + 1 > 4:
                continue
            w = left[len(left) - a :] + ch + right[:b]
            if w in words:
                n += 1
    return n


CN_NUMERALS = "〇一二三四五六七八九十百"
_LABEL = re.compile(r"^[（(第]?([一二三四五六七八九十百〇]+|\d{1,3})[、.．)）条]")


def is_numeral(ch: str) -> bool:
    return bool(ch) and (ch in CN_NUMERALS or ch.isdigit())


# ---------------------------------------------------------------- the vote

LEXICON_MARGIN = 0.35  # a close call: the runner-up has at least this share of the winner's score
LEXICON_BONUS = 0.25  # per dictionary word a candidate forms, times the column's total weight
# a column the readers disagreed on is flagged when its winner has at most this share of the
# votes. realdev: 0.75 flagged 21.9% of characters and caught 79% of the errors; 0.5 flags 5.2%
# and catches 65% (bench.readers): far fewer places to look for a little less recall.
FLAG_SUPPORT = 0.5
# A character is flagged too where the lead reader (PP-OCRv6) gave it less than FLAG_LEAD_BELOW,
# even when the others agree, or where its support is below FLAG_BELOW. Chosen by the flags' F1
# as an error detector on 150 damaged single lines in the tuned fonts (bench.tune_consensus):
# 0.4 is the best (recall 91% at 15.8% flagged, CER 14.6%); higher values add recall at a worse
# precision (0.8: 95% at 18.7%), as does a looser FLAG_SUPPORT (0.6: 95% at 20.5%); support
# alone (FLAG_BELOW) flags more for less.
FLAG_BELOW = 0.0
FLAG_LEAD_BELOW = 0.4
# Where the readers disagree, a character is flagged too when the lead reader gave its own reading
# there less than FLAG_SPLIT_BELOW, whoever won the vote. Chosen on 300 mildly damaged single
# lines (bench.tune_consensus, row `mild`, 1.1% of characters wrong: nearer real images than the
# `lines` row) as the setting with the most recall at the fewest characters flagged: 78% at 1.8%
# without it, 95% at 2.3% at 0.8 (0.9: the same recall at 2.7%); lines 85% -> 93% of errors at
# 16.5% -> 18.9% flagged. It costs no reader: the readers it compares have already read the line.
FLAG_SPLIT_BELOW = 0.8


def vote(readings: Sequence[Reading]) -> Voted:
    """The consensus of several readings of one line."""
    readings = [r for r in readings if r is not None]
    if not readings:
        return Voted("", (), (), 0.0)
    columns = align(readings)
    weights = [r.weight for r in readings]
    total = sum(weights)
    scores = [_column_scores(col, weights) for col in columns]
    # first pass: the best candidate per column
    chosen = [max(s, key=lambda c: s[c]) for s in scores]
    # numbering: a numeral at a line's label position survives a reader's dropout
    kept = _keep_numerals(columns, scores, chosen)
    _apply_lexicon(scores, chosen, kept, total)
    text, conf, flagged = _emit(columns, scores, chosen, total)
    line_conf = 100.0 * (sum(conf) / len(conf)) if conf else 0.0
    return Voted("".join(text), tuple(conf), tuple(_spans(flagged, conf)), line_conf)


def _column_scores(col: list[Cell], weights: list[float]) -> dict[str, float]:
    """Each candidate's votes in one column: the readers' probabilities, runner-ups included."""
    s: dict[str, float] = {}
    for cell, w in zip(col, weights):
        s[cell.char] = s.get(cell.char, 0.0) + w * cell.conf
        rest = 1.0 - cell.conf
        for ch, p in cell.choices:
            s[ch] = s.get(ch, 0.0) + w * min(p, rest)
    return s


def _apply_lexicon(scores: list[dict[str, float]], chosen: list[str], kept: set[int], total: float) -> None:
    """A close call goes to the candidate that makes dictionary words with its neighbours."""
    for i, s in enumerate(scores):
        if i in kept:
            continue
        ranked = sorted(s.items(), key=lambda kv: -kv[1])
        if len(ranked) < 2 or ranked[1][1] < LEXICON_MARGIN * ranked[0][1]:
            continue
        left = "".join(chosen[:i])
        right = "".join(chosen[i + 1 :])
        best, best_score = chosen[i], -1.0
        for ch, sc in ranked[:3]:
            score = sc + LEXICON_BONUS * total * lexicon_support(left, ch, right)
            if score > best_score:
                best, best_score = ch, score
        chosen[i] = best


def _emit(
    columns: list[list[Cell]], scores: list[dict[str, float]], chosen: list[str], total: float
) -> tuple[list[str], list[float], list[bool]]:
    """The chosen characters with their support, and which of them the readers disagreed on."""
    text: list[str] = []
    conf: list[float] = []
    flagged: list[bool] = []
    pending_flag = False  # a flagged gap marks the next character that survives
    for col, s, ch in zip(columns, scores, chosen):
        mass = sum(s.values()) or 1.0
        support = min(1.0, s.get(ch, 0.0) / max(mass, total * 0.5))
        agree = all(cell.char == col[0].char for cell in col)
        lead = col[0]
        unsure = support < FLAG_BELOW or (lead.char == ch and lead.conf < FLAG_LEAD_BELOW)
        split = not agree and (support <= FLAG_SUPPORT or lead.conf < FLAG_SPLIT_BELOW)
        flag = split or unsure
        if ch == GAP:
            if flag:
                pending_flag = True
                if text:
                    flagged[-1] = True
            continue
        text.append(ch)
        conf.append(support)
        flagged.append(flag or pending_flag)
        pending_flag = False
    return text, conf, flagged


def _spans(flagged: list[bool], conf: list[float]) -> list[tuple[int, int, float]]:
    out = []
    i = 0
    while i < len(flagged):
        if flagged[i]:
            j = i
            while j < len(flagged) and flagged[j]:
                j += 1
            out.append((i, j, min(conf[i:j])))
            i = j
        else:
            i += 1
    return out


def _keep_numerals(columns: list[list[Cell]], scores: list[dict[str, float]], chosen: list[str]) -> set[int]:
    """At a line's start (before 、/./）/条), a numeral some reader read beats another reader's nothing."""
    kept: set[int] = set()
    for i in range(min(4, len(columns))):
        if chosen[i] != GAP:
            continue
        nums = {ch: sc for ch, sc in scores[i].items() if is_numeral(ch)}
        if not nums:
            continue
        after = next((c for c in chosen[i + 1 :] if c != GAP), "")
        before = "".join(c for c in chosen[:i] if c != GAP)
        if after in "、.．)）条" or (before in ("", "（", "(", "第") and after and is_numeral(after)):
            chosen[i] = max(nums, key=lambda c: nums[c])
            kept.add(i)
    return kept


def remap_spans(old: str, new: str, spans: Sequence[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Spans of `old` moved onto `new`, a lightly edited copy of it (normalisation)."""
    if old == new or not spans:
        return list(spans)
    from difflib import SequenceMatcher

    pos = [-1] * (len(old) + 1)
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                pos[i1 + k] = j1 + k
        elif tag == "replace":  # " ," became "，": every old character lands on the new ones
            for k in range(i2 - i1):
                pos[i1 + k] = j1 + min(k, j2 - j1 - 1)
    out = []
    for a, b, c in spans:
        idx = [pos[k] for k in range(a, b) if pos[k] >= 0]
        if idx:
            out.append((min(idx), max(idx) + 1, c))
    return out


def carry_conf(raw: str, conf: Sequence[float], new: str) -> tuple[float, ...]:
    """Per-character confidences of `raw` carried onto `new` (normalised); unmatched characters get the line's mean."""
    if raw == new:
        return tuple(conf)
    from difflib import SequenceMatcher

    mean = sum(conf) / len(conf) if conf else 0.5
    out = [mean] * len(new)
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, raw, new, autojunk=False).get_opcodes():
        if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                if i1 + k < len(conf):
                    out[j1 + k] = conf[i1 + k]
    return tuple(out)
