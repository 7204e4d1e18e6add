"""Clauses numbered inside running text: key phrases (一是, 二是; 其一，; 第一，) and circled or
dingbat numerals (①, ❶) that may start a clause in the middle of a line.

Policy texts often enumerate in their prose: "……提出以下要求。一是保护企业家人身财产安全。依法……；
二是依法审慎采取强制措施。……". The number word starts the clause and the next one may begin
right after a 。 or ； inside a line. Such a number is a clause start only as part of a
sequence read in order (一是, 二是, 三是 …): a lone 一是 in prose, or a 三是 read before
二是, is no clause. `plan` finds that sequence in the lines of a whole set; the clause
parser splits a line where a clause of it starts inside it.

OCR often reads a dingbat numeral (❶, light on a dark disc) as its bare digit run into the
title ("4严厉打击…"). Such a digit counts as the numeral only inside a sequence of three or more
that starts at 1 or 2 with few gaps, never before a counter ("3月", "20年").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

_NUM = "一二三四五六七八九十"
# (style, label): a key phrase ("三是", "其二，", "第四，"; 第四条 is a numbering style of its own)
KEYPHRASE = re.compile(rf"^((?:[{_NUM}]{{1,3}}是|其[{_NUM}]{{1,3}}[，,、：:]|第[{_NUM}]{{1,3}}[，,、：:]))\s*(.*)$", re.S)
# negative circled, dingbat circled sans-serif and negative sans-serif numerals: the same numbers as ①..⑩
DINGBATS = "❶❷❸❹❺❻❼❽❾❿⓫⓬⓭⓮⓯⓰⓱⓲⓳⓴", "➀➁➂➃➄➅➆➇➈➉", "➊➋➌➍➎➏➐➑➒➓"
_DINGBAT_CHARS = "".join(DINGBATS)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# where a clause may start inside a line: after a sentence's end (。；：！？), its number next
_SENTENCE_END = "。；;：:！？!?"
# a dingbat numeral read as its bare digit, run into the title: "4严厉打击…" (not "3月", "20年", "5家")
_BARE = re.compile(r"(?<!\d)(\d{1,2})(?![\d年月日号时分个家项条名万亿元次位人倍岁度天周期批所户类])(?=[\u4e00-\u9fff])")
_INSIDE = re.compile(
    rf"(?<=[{_SENTENCE_END}])\s*((?:[{_NUM}]{{1,3}}是|其[{_NUM}]{{1,3}}[，,、：:]|第[{_NUM}]{{1,3}}[，,、：:])|[{_CIRCLED}{_DINGBAT_CHARS}])(?=\S)"
)


def dingbat_number(ch: str) -> int | None:
    """The number a circled or dingbat numeral stands for: '⑤' -> 5, '❸' -> 3, '➋' -> 2."""
    if len(ch) != 1:
        return None
    if ch in _CIRCLED:
        return _CIRCLED.index(ch) + 1
    for run in DINGBATS:
        if ch in run:
            return run.index(ch) + 1
    return None


def keyphrase_number(label: str) -> int | None:
    """The number of a key phrase: '三是' -> 3, '其二，' -> 2, '第十一，' -> 11."""
    core = re.sub(r"[第是其，,、：:\s]", "", label)
    if not core or any(ch not in _NUM for ch in core):
        return None
    if len(core) == 1:
        return _NUM.index(core) + 1
    tens, _, ones = core.partition("十")
    if "十" not in core or len(core) > 3:
        return None
    return (_NUM.index(tens) + 1 if tens else 1) * 10 + (_NUM.index(ones) + 1 if ones else 0)


def _number(label: str) -> tuple[str, int | None]:
    if len(label) == 1:
        return "circled", dingbat_number(label)
    return "keyphrase", keyphrase_number(label)


@dataclass(frozen=True)
class Mark:
    """A clause number in running text: its line, the offset where its label starts, its style and number."""

    line: int
    offset: int
    style: str
    number: int
    bare: str = ""  # the digits read for a dingbat numeral ("4" for ❹), where that is what OCR read


def marks(texts: Sequence[str]) -> list[Mark]:
    """Every key phrase or circled numeral at a line's start or right after a sentence end inside it."""
    out = []
    for i, text in enumerate(texts):
        stripped = text.lstrip()
        lead = len(text) - len(stripped)
        m = KEYPHRASE.match(stripped)
        head = m.group(1) if m else stripped[:1]
        style, n = _number(head) if m or stripped[:1] in _CIRCLED + _DINGBAT_CHARS else ("", None)
        if n is not None:
            out.append(Mark(i, lead, style, n))
        else:
            b = _BARE.match(stripped)
            if b is not None:
                out.append(Mark(i, lead, "circled", int(b.group(1)), b.group(1)))
        for m in _INSIDE.finditer(text):
            style, n = _number(m.group(1))
            if n is not None and m.start(1) > lead:
                out.append(Mark(i, m.start(1), style, n))
        for k, ch in enumerate(text):
            if ch in _SENTENCE_END and k + 1 < len(text):
                at = len(text) - len(text[k + 1 :].lstrip())
                b = _BARE.match(text, at)
                if b is not None:
                    out.append(Mark(i, at, "circled", int(b.group(1)), b.group(1)))
    return sorted(out, key=lambda m: (m.line, m.offset))


def sequence(found: Sequence[Mark]) -> list[Mark]:
    """The longest run of numbers increasing in reading order (fewest gaps on a tie), if it holds two
    or more: a stray 一是 in prose, or a 三是 read before 二是, is left out."""
    best: list[tuple[int, int, int]] = []  # per mark: (length, -gaps, previous index or -1)
    for k, m in enumerate(found):
        cand = (1, -(m.number - 1), -1)
        for j in range(k):
            length, neg_gaps, _p = best[j]
            if found[j].number < m.number:
                c = (length + 1, neg_gaps - (m.number - found[j].number - 1), j)
                if c[:2] > cand[:2]:
                    cand = c
        best.append(cand)
    if not best:
        return []
    k = max(range(len(best)), key=lambda i: best[i][:2])
    if best[k][0] < 2:
        return []
    chain = []
    while k >= 0:
        chain.append(found[k])
        k = best[k][2]
    return chain[::-1]


@dataclass(frozen=True)
class Plan:
    """Where run-in clause numbers stand: per style, the marks of the sequence in reading order."""

    chains: dict[str, list[Mark]]

    def splits(self) -> dict[int, list[int]]:
        """Per line, the offsets inside it where a clause of a sequence starts."""
        out: dict[int, list[int]] = {}
        for chain in self.chains.values():
            for m in chain:
                if m.offset > 0:
                    out.setdefault(m.line, []).append(m.offset)
        return {i: sorted(set(v)) for i, v in out.items()}

    def bare_starts(self) -> dict[int, Mark]:
        """Lines that open with a dingbat numeral of the sequence read as its bare digits."""
        return {m.line: m for m in self.chains.get("circled", []) if m.offset == 0 and m.bare}

    def keyphrase_starts(self) -> set[int]:
        """Lines that open with a key phrase of the sequence."""
        return {m.line for m in self.chains.get("keyphrase", []) if m.offset == 0}


def _bare_sequence_holds(chain: Sequence[Mark]) -> bool:
    """A sequence with bare digits in it is believed only where it is long, starts at 1 or 2 and
    skips few numbers (three or more, at most one gap in three)."""
    gaps = sum(b.number - a.number - 1 for a, b in itertools.pairwise(chain))
    return len(chain) >= 3 and chain[0].number <= 2 and gaps <= max(1, len(chain) // 3)


def plan(texts: Sequence[str]) -> Plan:
    """The sequences of run-in clause numbers in the lines of a set (in reading order), one per style."""
    found = marks(texts)
    chains = {}
    for style in ("keyphrase", "circled"):
        chain = sequence([m for m in found if m.style == style])
        if any(m.bare for m in chain) and not _bare_sequence_holds(chain):
            chain = sequence([m for m in found if m.style == style and not m.bare])
        chains[style] = chain
    return Plan(chains)
