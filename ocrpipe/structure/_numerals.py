"""Numerals as clause numbers and promised counts are written: Arabic, full-width and Chinese."""

from __future__ import annotations

MAX_PROMISED = 1000  # a title promising more is not read as a promise

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100}


def chinese_number(text: str) -> int | None:
    """Parse an Arabic or Chinese numeral below 1000: '20', '２０', '二十', '十二', '一百零五'."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        if len(text) > 6:
            return None  # no count we believe has more digits
        try:
            return int(text)  # int() accepts full-width digits too
        except ValueError:
            return None
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current
