"""The one sanitiser for text that reaches a terminal.

Titles, keys, URLs, OCR text and error messages come from articles nobody here
controls. Printed raw, an ESC or CSI sequence in a title can retitle the
terminal, clear the screen or hide the lines after it, a carriage return can
overwrite a line, and bidi controls can make text read differently from what it
is. Every line the CLI prints, and every log line, goes through `safe`: control
characters (C0 but tab and newline, DEL, C1), bidi controls, line and paragraph
separators and undecodable bytes (lone surrogates from a non-UTF-8 argument) are
shown as visible escapes such as \\x1b or \\u202e. JSON output keeps its data:
there they become JSON \\u escapes, which any JSON reader turns back.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    o = ord(m.group())
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def safe(text: object, one_line: bool = False) -> str:
    """text with everything a terminal would act on made visible; one_line: newlines and tabs too."""
    s = _UNSAFE.sub(_escape, str(text))
    if one_line:
        s = s.replace("\n", "\\n").replace("\t", "\\t")
    return s


def field(text: object) -> str:
    """One value inside a printed line (a title, key, URL or error): it cannot start a new line."""
    return safe(text, one_line=True)


def json_text(obj: Any) -> str:
    """Pretty JSON for a terminal: the same data, with what a terminal acts on as \\u escapes."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)  # C0 controls are already \\u escapes
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeFormatter(logging.Formatter):
    """Log lines through the same sanitiser: a logged title or URL is as hostile as a printed one."""

    def format(self, record: logging.LogRecord) -> str:
        return safe(super().format(record))


def say(*parts: object, file: Any = None, flush: bool = False) -> None:
    """print(), through the sanitiser: the only way the CLI writes text for people."""
    import sys

    print(safe(" ".join(str(p) for p in parts)), file=file or sys.stdout, flush=flush)
