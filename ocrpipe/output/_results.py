"""Typed results of each stage; they export to JSON and read back through one serialiser.

RunResult
├── article: ArticleMeta
├── images: ImageResult ── lines: LineResult
├── clauses: ClauseResult ── sources: SourceRef
└── verification: Verification
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ocrpipe.config import on_both
from ocrpipe.output._serial import from_json, to_json

Box = tuple[int, int, int, int]  # x, y, w, h in image pixels: left, top, width, height
Point = tuple[int, int]  # x, y in image pixels
VerificationStatus = Literal["ok", "failed", "not applicable"]
LineKind = Literal["text", "badge"]
# The container a line stands in (vision/_blocks.py) and the part it plays in a clause (structure).
LineRegion = Literal["flow", "card", "band", "cell", "aside"]
LineRole = Literal["section", "label", "title", "body", "header", "footer", "aside", "other"]
ImageStatus = Literal["ok", "failed"]
FailStage = Literal["download", "read", "recognize"]

_R1 = {"round": 1}
_R2 = {"round": 2}
_R3 = {"round": 3}


@dataclass(frozen=True)
class ArticleMeta:
    title: str | None = None
    date: str | None = None  # ISO 8601
    author: str | None = None
    categories: tuple[str, ...] = ()
    source: str | None = None  # the "来源：…" line
    location: str | None = None  # where the article was read from
    promised_count: int | None = None
    canonical_url: str | None = None  # the page's own address (rel=canonical, og:url, a saved page's origin)
    promise_source: str | None = None  # where the promise was read: "title" or "lead"
    promise_text: str | None = None  # the words that promise it, e.g. "提出二十条举措"
    # Promises that disagree (title vs lead), as "title: 20 (二十条)"; then promised_count is None.
    promise_conflict: tuple[str, ...] = ()
    found_in: dict[str, str] = field(default_factory=dict)  # field -> where on the page it was read


@dataclass(frozen=True)
class ReaderReading:
    """What one reader read on a line (the consensus records every reader it asked)."""

    reader: str  # ppocrv6, ppocrv4, tesseract
    text: str
    confidence: float = field(metadata=_R2)  # 0..100


@dataclass(frozen=True)
class Flag:
    """A span of a line's text where the readers disagreed or the chosen reading is unsure: a review target."""

    start: int  # character offsets into LineResult.text, end exclusive
    end: int
    confidence: float = field(metadata=_R2)  # 0..100: the chosen reading's support there


@dataclass(frozen=True)
class LineResult:
    text: str
    confidence: float = field(metadata=_R2)
    bbox: Box  # x, y, w, h in the image
    kind: LineKind = "text"
    block: int = 0
    text_height: float = field(default=0.0, metadata=_R1)  # px in the image; the clause parser compares heights
    original: str | None = None  # what the engine read, when a person corrected `text` (corrections.json)
    # the line's outline, clockwise from its top-left corner, where it is not an upright box
    # (a rotated or tilted line found by the detector); empty: the bbox is the outline
    polygon: tuple[Point, ...] = ()
    readers: tuple[ReaderReading, ...] = ()  # consensus: each reader that saw the line and what it read
    flags: tuple[
        Flag, ...
    ] = ()  # consensus: spans where the readers disagreed and the vote was not sure, or PP-OCRv6 was unsure
    region: LineRegion = "flow"
    cell: tuple[int, int] | None = None  # (row, column) in its table, when region is "cell"
    role: LineRole | None = None  # set by the clause parser
    ink: str | None = None  # the colour the text is set in, "#rrggbb" (detect segmentation); the parser compares it

    @property
    def outline(self) -> tuple[Point, ...]:
        """The polygon, or the bbox's four corners."""
        if self.polygon:
            return self.polygon
        x, y, w, h = self.bbox
        return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


@dataclass(frozen=True)
class ImageResult:
    index: int
    file: str | None
    url: str | None = None
    status: ImageStatus = "ok"
    error: str | None = None
    stage: FailStage | None = None  # where a failed image failed
    width: int | None = None
    height: int | None = None
    skew: float | None = None
    scale: float | None = field(default=None, metadata=_R3)
    seconds: float | None = field(default=None, metadata=_R3)
    lines: tuple[LineResult, ...] = ()
    # seconds per stage of recognition (load, lines, recognise): logged with -v, not saved
    timings: tuple[tuple[str, float], ...] = field(default=(), compare=False, metadata={"export": False})

    _exported = ("text",)

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines if ln.text)


@dataclass(frozen=True)
class SourceRef:
    image: int
    bboxes: tuple[Box, ...]


@dataclass(frozen=True)
class ClauseResult:
    number: int
    label: str  # as printed: "1.", "（一）", "01"
    title: str
    text: str
    section: str | None = None  # the nearest section heading above the clause
    sources: tuple[SourceRef, ...] = ()
    confidence: float = field(default=0.0, metadata=_R2)
    start: tuple[int, int] | None = None  # (image index, line position) of the line it starts on
    corrected: tuple[str, ...] = ()  # fields a person corrected: "number", "title"
    sections: tuple[str, ...] = ()  # the section headings above it, outermost first ("一、…", "（一）…")


@dataclass(frozen=True)
class Verification:
    expected: int | None
    found: tuple[int, ...]
    missing: tuple[int, ...] = ()
    duplicates: tuple[int, ...] = ()
    out_of_order: tuple[int, ...] = ()
    ok: bool = False
    # numbers found beyond 1..expected (21, 22 when 20 are promised), each once, ascending; empty
    # without an expected count. A result.json written before it has none: read as empty.
    extra: tuple[int, ...] = ()

    _exported = ("status",)

    @property
    def status(self) -> VerificationStatus:
        """ "not applicable" when no count was promised or given: there is nothing to check against."""
        if self.expected is None:
            return "not applicable"
        return "ok" if self.ok else "failed"

    @property
    def passed(self) -> bool:
        """Nothing wrong was found: ok, or not applicable (what exit codes go by)."""
        return self.status != "failed"

    def summary(self) -> str:
        if self.expected is None:
            n = len(self.found)
            found = f"found {n} clause{'' if n == 1 else 's'}"
            return f"not applicable (no promised count; {found}; give {on_both('expect')} to check a count)"
        return f"{'ok' if self.ok else 'FAILED'} (expected {self.expected}, found {len(self.found)})"

    def problems(self) -> list[str]:
        """One line per kind of problem: missing, beyond the expected count, duplicated, out-of-order numbers."""
        out = []
        for label, nums in (
            ("missing", self.missing),
            (f"extra (beyond {self.expected})", self.extra),
            ("duplicated", self.duplicates),
            ("out of order", self.out_of_order),
        ):
            if nums:
                out.append(f"{label}: {', '.join(map(str, nums))}")
        return out


@dataclass(frozen=True)
class RunResult:
    article: ArticleMeta
    images: tuple[ImageResult, ...]
    clauses: tuple[ClauseResult, ...]
    verification: Verification
    provenance: dict = field(default_factory=dict)
    run_id: str | None = None  # the same id as the manifest.json written beside it

    @property
    def text(self) -> str:
        return "\n\n".join(im.text for im in self.images if im.status == "ok")

    def to_dict(self) -> dict[str, Any]:
        return to_json(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "RunResult":
        """Strict: ValueError names the first field that does not fit."""
        return from_json(cls, d)
