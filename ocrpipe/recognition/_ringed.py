"""Lines that open with a circled numeral (①), read with Tesseract, which has none in chi_sim.

The ring is found as a shape (vision/_rings.py); its digits are read on their own, digits
only, and the numeral leads the text read from the rest of the line. Digits read with too
little confidence give no numeral: the line is read whole as before (a wrong number costs
more than a missing one, which the clause parser can take from a badge or the sequence).
"""

from __future__ import annotations

import numpy as np

from ocrpipe.recognition.engines._base import Recognized, Recognizer
from ocrpipe.structure._textnorm import badge_digits, normalize_line
from ocrpipe.vision._rings import find_ring

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
RING_DIGITS_CONFIDENCE = 55.0  # measured on rings in six fonts: below it, half the reads were wrong


def read_ringed_line(engine: Recognizer, clean: np.ndarray) -> Recognized:
    """A cleaned (dark-on-white) line read by a Tesseract engine, circled numeral included."""
    ring = find_ring(clean)
    if ring is None:
        return engine.recognize_line(clean, "text")
    digits = engine.recognize_line(ring.digits, "badge")
    n = badge_digits(normalize_line(digits.text))
    if not (n.isdigit() and 1 <= int(n) <= len(CIRCLED) and digits.confidence >= RING_DIGITS_CONFIDENCE):
        return engine.recognize_line(clean, "text")  # unsure: the line as Tesseract reads it whole
    rest_img = np.pad(np.ascontiguousarray(clean[:, ring.x1 :]), ((0, 0), (8, 0)), constant_values=255)
    rest = engine.recognize_line(rest_img, "text")
    text = rest.text.lstrip()
    cut = len(rest.text) - len(text)
    char_conf = rest.char_conf[cut:] if len(rest.char_conf) == len(rest.text) else ()
    choices = rest.choices[cut:] if len(rest.choices) == len(rest.text) else ()
    return Recognized(
        text=CIRCLED[int(n) - 1] + text,
        confidence=min(rest.confidence, digits.confidence),
        char_conf=(digits.confidence / 100.0, *char_conf) if char_conf else (),
        choices=((), *choices) if choices else (),
    )
