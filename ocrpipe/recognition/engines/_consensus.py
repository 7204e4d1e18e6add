"""The consensus engine (the default): PP-OCRv6, PP-OCRv4 and Tesseract read each line and vote.

A cascade, the best reader first: PP-OCRv6 reads every line (batched); PP-OCRv4 reads a line
only where PP-OCRv6 is unsure of a character; Tesseract only where the two PP-OCR readers
disagree or PP-OCRv4 is unsure too. On clean posters most lines are read once.
The vote itself is ocrpipe.recognition._consensus.
"""

from __future__ import annotations

import logging

import numpy as np

from ocrpipe.config import OcrConfig
from ocrpipe.recognition._consensus import Reading, carry_conf, remap_spans, vote
from ocrpipe.recognition._ringed import read_ringed_line
from ocrpipe.recognition.engines._base import Choice, LineKind, Recognized, Recognizer
from ocrpipe.recognition.engines._ppocr import PPOCRV4, PPOCRV6, PpOcrReader
from ocrpipe.structure._textnorm import normalize_line

log = logging.getLogger(__name__)

# How much each reader's probabilities count in the vote. PP-OCRv6 leads: on realdev (real
# images) it is far the best reader alone (char F1 0.905 against 0.725 and 0.641), so the two
# others outvote it only where it is less sure than they are. With 1.0 / 0.9 / 0.8 the vote
# fell below PP-OCRv6 alone there (0.886); with 1.0 / 0.55 / 0.45 it is 0.907 (README).
WEIGHTS = {"ppocrv6": 1.0, "ppocrv4": 0.55, "tesseract": 0.45}
UNSURE = 0.9  # a PP-OCR character below this probability sends the line to Tesseract too
# The cascade: PP-OCRv4 reads only the lines PP-OCRv6 is unsure of, a line being unsure when
# its least sure PP-OCRv6 character is below CASCADE_BELOW. Chosen on the rendered series and
# harsher renders of their styles (bench.tune_consensus): from 0.7 up the CER is the full
# consensus's, 0.5 loses characters; 0.9 keeps a margin for 3-6% of lines asked. It halves the
# readers' CPU time (docs/benchmarks.md).
CASCADE = True
CASCADE_BELOW = 0.9
# Tesseract is not asked where PP-OCRv4 agrees with PP-OCRv6 and is sure of every character (its
# weight could not outvote the two): on the tuned material the same text and flags with a third
# to a half of the Tesseract calls (bench.tune_consensus, grid "tesseract").
AGREED_SKIP = True
ASK_ALL = False  # every reader on every line (bench.tune_consensus fills its cache so)


def _reading(name: str, rec: Recognized) -> Reading:
    raw = " ".join(rec.text.split("\n"))
    text = normalize_line(raw)
    conf = rec.char_conf or tuple([rec.confidence / 100.0] * len(raw))
    if len(conf) != len(raw):
        conf = tuple([rec.confidence / 100.0] * len(raw))
    choices = rec.choices if len(rec.choices) == len(raw) else tuple(() for _ in raw)
    if text != raw:
        conf, choices = _carry(raw, conf, choices, text)
    return Reading(name, text, conf, choices, WEIGHTS.get(name, 0.8))


def _carry(
    raw: str, conf: tuple[float, ...], choices: tuple[tuple[Choice, ...], ...], text: str
) -> tuple[tuple[float, ...], tuple[tuple[Choice, ...], ...]]:
    new_conf = carry_conf(raw, conf, text)
    from difflib import SequenceMatcher

    new_choices: list[tuple[Choice, ...]] = [()] * len(text)
    for tag, i1, i2, j1, _j2 in SequenceMatcher(None, raw, text, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                new_choices[j1 + k] = choices[i1 + k]
    return new_conf, tuple(new_choices)


def asks_v4(r6: Reading, cascade: bool) -> bool:
    """Does PP-OCRv4 read this line too? Always without the cascade; with it, where PP-OCRv6 is unsure."""
    if not cascade or ASK_ALL:
        return True
    return not r6.text or min(r6.conf, default=0.0) < CASCADE_BELOW


def needs_tesseract(a: Reading, b: Reading) -> bool:
    """The PP-OCR readers disagree, or PP-OCRv4 (b) is unsure of a character (either, with AGREED_SKIP off)."""
    if ASK_ALL:
        return True
    if not a.text and not b.text:
        return False
    if "".join(a.text.split()) != "".join(b.text.split()):
        return True
    if AGREED_SKIP:  # agreeing with the lead, a sure second reader settles the line: Tesseract could not outvote both
        return min(b.conf, default=1.0) < UNSURE
    return min(a.conf + b.conf, default=1.0) < UNSURE


class ConsensusEngine:
    """PP-OCRv6 on every line, PP-OCRv4 where it is unsure, Tesseract where they disagree; a per-character vote."""

    name = "consensus"
    wants_clean_lines = False  # the PP-OCR readers take raw crops; Tesseract gets the cleaned line
    cascade: bool | None = None  # None: the module's CASCADE (measured: docs/benchmarks.md)

    def __init__(self, config: OcrConfig, tesseract: Recognizer | None = None) -> None:
        self.config = config
        self.v6 = PpOcrReader(config, PPOCRV6)
        self.v4 = PpOcrReader(config, PPOCRV4)
        if tesseract is None:
            from ocrpipe.recognition.engines._tesseract import make_tesseract

            tesseract = make_tesseract(config)
        self.tesseract = tesseract
        if hasattr(tesseract, "symbols"):
            tesseract.symbols = True  # per-symbol confidences and choices for the vote
        self.asked = {"lines": 0, "tesseract": 0}

    def recognize_pairs(
        self, raws: list[np.ndarray], cleans: list[np.ndarray], kinds: list[LineKind] | None = None
    ) -> list[Recognized]:
        """Read lines given as raw colour crops (PP-OCR) and cleaned grey lines (Tesseract)."""
        kinds = kinds or ["text"] * len(raws)
        r6 = [_reading("ppocrv6", r) for r in self.v6.recognize_lines(raws, kinds)]
        cascade = self._cascade()
        second = [i for i, r in enumerate(r6) if asks_v4(r, cascade)]
        r4: dict[int, Reading] = {}
        if second:
            got = self.v4.recognize_lines([raws[i] for i in second], [kinds[i] for i in second])
            r4 = {i: _reading("ppocrv4", r) for i, r in zip(second, got)}
        out = []
        for i, (clean, kind) in enumerate(zip(cleans, kinds)):
            readings = [r6[i]] + ([r4[i]] if i in r4 else [])
            self.asked["lines"] += 1
            if len(readings) == 2 and needs_tesseract(readings[0], readings[1]):
                self.asked["tesseract"] += 1
                # a circled numeral is read through its ring (chi_sim has none)
                rt = read_ringed_line(self.tesseract, clean) if kind == "text" else self.tesseract.recognize_line(clean, kind)
                if kind == "badge":
                    rt = _digits_only(rt)
                readings.append(_reading("tesseract", rt))
            if kind == "text" and _lone_glyph(readings):
                out.append(Recognized(text="", confidence=0.0, readings=_summary(readings)))
                continue
            voted = vote(readings)
            text = normalize_line(voted.text)
            flags = remap_spans(voted.text, text, voted.flags)
            out.append(
                Recognized(
                    text=text,
                    confidence=voted.confidence,
                    char_conf=carry_conf(voted.text, voted.conf, text),
                    readings=_summary(readings),
                    flags=tuple((a, b, 100.0 * c) for a, b, c in flags),
                )
            )
        return out

    def _cascade(self) -> bool:
        return CASCADE if self.cascade is None else self.cascade

    def recognize_line(self, image: np.ndarray, kind: LineKind = "text") -> Recognized:
        return self.recognize_pairs([image], [image], [kind])[0]

    def recognize_page(self, image: np.ndarray) -> Recognized:
        return self.tesseract.recognize_page(image)

    def provenance(self) -> dict:
        tess = self.tesseract.provenance()
        return {
            "engine": "consensus",
            # the fields every result names, from Tesseract (the reader with language data of its own)
            "version": tess.get("version", ""),
            "language_data": tess.get("language_data", ""),
            "language_data_sha256": tess.get("language_data_sha256", ""),
            "lang": tess.get("lang", self.config.lang),
            "readers": [self.v6.provenance(), self.v4.provenance(), tess],
            "weights": WEIGHTS,
            "ppocrv4_when": f"a PP-OCRv6 character is below {CASCADE_BELOW}" if self._cascade() else "every line",
            "tesseract_when": f"the PP-OCR readers disagree or a PP-OCRv4 character is below {UNSURE}"
            if AGREED_SKIP
            else f"the PP-OCR readers disagree or a character is below {UNSURE}",
        }

    def close(self) -> None:
        self.v6.close()
        self.v4.close()
        self.tesseract.close()


def _summary(readings: list[Reading]) -> tuple[tuple[str, str, float], ...]:
    return tuple((r.reader, r.text, 100.0 * (sum(r.conf) / len(r.conf) if r.conf else 0.0)) for r in readings)


def _lone_glyph(readings: list[Reading]) -> bool:
    """One or two characters on which no two readers agree: an icon or ornament, not text.

    Seen on the foreign bench series (never tuned on): an icon read as 家 / ? / 硬, a ring as 2 / A / 以.
    """
    texts = ["".join(r.text.split()) for r in readings]
    if len(texts) < 3 or max(len(t) for t in texts) > 2:
        return False
    return len(set(texts)) == len(texts)


def _digits_only(rec: Recognized) -> Recognized:
    keep = [i for i, ch in enumerate(rec.text) if ch.isdigit()]
    if len(rec.char_conf) != len(rec.text):
        return Recognized("".join(rec.text[i] for i in keep), rec.confidence)
    return Recognized(
        "".join(rec.text[i] for i in keep),
        rec.confidence,
        tuple(rec.char_conf[i] for i in keep),
        tuple(rec.choices[i] for i in keep) if len(rec.choices) == len(rec.text) else (),
    )
