"""Typed results of recognition and structuring; they export to JSON and read back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .article import ArticleMeta

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class LineResult:
    text: str
    confidence: float
    bbox: Box  # x, y, w, h in the image
    kind: str = "text"  # "text" or "badge"
    block: int = 0
    text_height: float = 0.0  # px in the image; the clause parser compares heights

    def to_dict(self) -> dict:
        return {**asdict(self), "bbox": list(self.bbox), "confidence": round(self.confidence, 2),
                "text_height": round(self.text_height, 1)}

    @classmethod
    def from_dict(cls, d: dict) -> "LineResult":
        return cls(text=d["text"], confidence=float(d["confidence"]), bbox=tuple(d["bbox"]),  # type: ignore[arg-type]
                   kind=d.get("kind", "text"), block=int(d.get("block", 0)),
                   text_height=float(d.get("text_height", 0.0)))


@dataclass(frozen=True)
class ImageResult:
    index: int
    file: str | None
    url: str | None = None
    status: str = "ok"  # "ok" or "failed"
    error: str | None = None
    width: int | None = None
    height: int | None = None
    skew: float | None = None
    scale: float | None = None
    seconds: float | None = None
    lines: tuple[LineResult, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines if ln.text)

    def to_dict(self) -> dict:
        return {
            "index": self.index, "file": self.file, "url": self.url, "status": self.status, "error": self.error,
            "width": self.width, "height": self.height, "skew": self.skew,
            "scale": None if self.scale is None else round(self.scale, 3),
            "seconds": None if self.seconds is None else round(self.seconds, 3),
            "text": self.text, "lines": [ln.to_dict() for ln in self.lines],
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ImageResult":
        keys = ("index", "file", "url", "status", "error", "width", "height", "skew", "scale", "seconds")
        return cls(**{k: d.get(k) for k in keys},  # type: ignore[arg-type]
                   lines=tuple(LineResult.from_dict(x) for x in d.get("lines") or ()))


@dataclass(frozen=True)
class SourceRef:
    image: int
    bboxes: tuple[Box, ...]

    def to_dict(self) -> dict:
        return {"image": self.image, "bboxes": [list(b) for b in self.bboxes]}

    @classmethod
    def from_dict(cls, d: dict) -> "SourceRef":
        return cls(image=int(d["image"]), bboxes=tuple(tuple(b) for b in d["bboxes"]))  # type: ignore[misc]


@dataclass(frozen=True)
class ClauseResult:
    number: int
    label: str  # as printed: "1.", "（一）", "01"
    title: str
    text: str
    section: str | None = None
    sources: tuple[SourceRef, ...] = ()
    confidence: float = 0.0

    def to_dict(self) -> dict:
        return {"number": self.number, "label": self.label, "title": self.title, "text": self.text,
                "section": self.section, "sources": [s.to_dict() for s in self.sources],
                "confidence": round(self.confidence, 2)}

    @classmethod
    def from_dict(cls, d: dict) -> "ClauseResult":
        return cls(number=int(d["number"]), label=d["label"], title=d["title"], text=d["text"],
                   section=d.get("section"), sources=tuple(SourceRef.from_dict(s) for s in d.get("sources") or ()),
                   confidence=float(d.get("confidence", 0.0)))


@dataclass(frozen=True)
class Verification:
    expected: int | None
    found: tuple[int, ...]
    missing: tuple[int, ...] = ()
    duplicates: tuple[int, ...] = ()
    out_of_order: tuple[int, ...] = ()
    ok: bool = False

    def summary(self) -> str:
        exp = self.expected if self.expected is not None else "no promised count"
        return f"{'ok' if self.ok else 'FAILED'} (expected {exp}, found {len(self.found)})"

    def problems(self) -> list[str]:
        """One line per kind of problem: missing, duplicated, out-of-order numbers."""
        out = []
        for label, nums in (("missing", self.missing), ("duplicated", self.duplicates),
                            ("out of order", self.out_of_order)):
            if nums:
                out.append(f"{label}: {', '.join(map(str, nums))}")
        return out

    def to_dict(self) -> dict:
        return {"expected": self.expected, "found": list(self.found), "missing": list(self.missing),
                "duplicates": list(self.duplicates), "out_of_order": list(self.out_of_order), "ok": self.ok}

    @classmethod
    def from_dict(cls, d: dict) -> "Verification":
        return cls(expected=d.get("expected"), found=tuple(d.get("found") or ()), missing=tuple(d.get("missing") or ()),
                   duplicates=tuple(d.get("duplicates") or ()), out_of_order=tuple(d.get("out_of_order") or ()),
                   ok=bool(d.get("ok")))


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

    def to_dict(self) -> dict:
        return {
            "article": self.article.to_dict(),
            "images": [im.to_dict() for im in self.images],
            "clauses": [c.to_dict() for c in self.clauses],
            "verification": self.verification.to_dict(),
            "provenance": self.provenance,
            "run_id": self.run_id,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "RunResult":
        return cls(article=ArticleMeta.from_dict(d.get("article") or {}),
                   images=tuple(ImageResult.from_dict(x) for x in d.get("images") or ()),
                   clauses=tuple(ClauseResult.from_dict(x) for x in d.get("clauses") or ()),
                   verification=Verification.from_dict(d.get("verification") or {}),
                   provenance=dict(d.get("provenance") or {}), run_id=d.get("run_id"))
