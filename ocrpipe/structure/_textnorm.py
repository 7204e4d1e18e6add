"""Chinese text clean-up after recognition.

- no spaces between CJK characters (or between CJK and punctuation); spaces in Latin text stay
- ASCII punctuation next to CJK becomes full width (，：；？！（）)
- full-width digits and Latin letters become ASCII, so numbers compare equal
- lines wrapped on a poster join without a space, except where a Latin word meets the next
  (`join_wrapped`)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201f\u2026\u2014"
_HAN_OR_PUNCT = f"[{_CJK}{_CJK_PUNCT}]"
_SPACE_BETWEEN = re.compile(rf"(?<={_HAN_OR_PUNCT})[ \t\u3000]+(?={_HAN_OR_PUNCT})")
_SPACE_HAN_DIGIT = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[0-9])|(?<=[0-9])[ \t]+(?=[{_CJK}])")
_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_HALF_NEAR_HAN = re.compile(rf"(?<=[{_CJK}])[,:;?!]|[,:;?!](?=[{_CJK}])")
_HAN_IN_PARENS = re.compile(rf"\(([^()]*[{_CJK}][^()]*)\)")  # (企业) -> （企业）, but (1) stays


def _ascii_alnum(text: str) -> str:
    """Full-width ０-９ Ａ-Ｚ ａ-ｚ to ASCII; leave other full-width forms (Chinese punctuation) alone."""
    return "".join(
        unicodedata.normalize("NFKC", ch)
        if ("\uff10" <= ch <= "\uff19" or "\uff21" <= ch <= "\uff3a" or "\uff41" <= ch <= "\uff5a")
        else ch
        for ch in text
    )


# Unicode names of the enclosed numerals a badge may hold (①, ❸, ⑴; not ⒈, a digit and a stop)
_ENCLOSED = ("CIRCLED", "NEGATIVE CIRCLED", "DOUBLE CIRCLED", "DINGBAT", "PARENTHESIZED")


def badge_digits(text: str) -> str:
    """What a number badge says: its digits only (a badge's rim reads as brackets and bars); a
    circled numeral (①, ⑫, ❸: a pill holding one) as the digits of its value."""
    out = []
    for ch in text:
        if ch.isdecimal():
            out.append(str(unicodedata.decimal(ch)))
        elif unicodedata.name(ch, "").startswith(_ENCLOSED) and float(unicodedata.numeric(ch, 0.5)).is_integer():
            out.append(str(int(unicodedata.numeric(ch))))
    return "".join(out)


def normalize_line(text: str) -> str:
    """Clean one recognised line of Chinese text."""
    # An ASCII bar at either end of a Chinese line is a border or rule read as text.
    text = _ascii_alnum(text.replace("\u00a0", " ")).strip().strip("|").strip()
    text = re.sub(r"[ \t]{2,}", " ", text)
    # Punctuation first, so "程序 ," becomes "程序 ，" and then loses its space.
    text = _HALF_NEAR_HAN.sub(lambda m: _TO_FULL[m.group(0)], text)
    text = _HAN_IN_PARENS.sub(lambda m: f"（{m.group(1)}）", text)
    text = _SPACE_BETWEEN.sub("", text)
    text = _SPACE_HAN_DIGIT.sub("", text)
    return text


def squash(text: str) -> str:
    """Text without any white space: what character error rates and comparisons use."""
    return "".join(text.split())


_WORD_END = re.compile(r"[A-Za-z0-9.,;:!?)%]\Z")  # what may end a Latin word or sentence before a wrap
_WORD_START = re.compile(r"\A[A-Za-z0-9(]")


def _space_at_wrap(before: str, after: str) -> bool:
    """A space where a Latin word runs on to the next line ("support" / "SMEs"), none in Chinese
    text ("支持小微" / "企业") and none inside a number broken across lines ("3" / "0%")."""
    if not (_WORD_END.search(before) and _WORD_START.match(after)):
        return False
    return not (before[-1].isdigit() and after[0].isdigit())


def join_wrapped(lines: Iterable[str], marks: str = "") -> str:
    """Lines of one paragraph wrapped on a poster, as one text: Chinese joined without a space,
    Latin words across a wrap kept apart by one. `marks` are characters looked past at a wrap
    (a search snippet's highlight brackets)."""
    out = ""
    for line in lines:
        before, after = out.rstrip(marks), line.lstrip(marks)
        if before and after and _space_at_wrap(before, after):
            out += " "
        out += line
    return out
