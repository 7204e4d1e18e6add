"""Recognise one image: detect or find its lines, clean them, run the engine per line.

A failing image becomes a failed ImageResult, never an exception: the others go on.
Where the images run (this process, a local pool, a Dask cluster) is _executor's job.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ocrpipe.acquire._imageio import load_image
from ocrpipe.config import PreprocessConfig
from ocrpipe.errors import EngineNotAvailable, ImageError, InputError, OcrpipeError
from ocrpipe.output._results import Box, FailStage, Flag, ImageResult, LineResult, Point, ReaderReading
from ocrpipe.recognition._consensus import remap_spans
from ocrpipe.recognition._ringed import read_ringed_line
from ocrpipe.recognition.engines import LayoutReader, Recognized, Recognizer
from ocrpipe.structure._textnorm import badge_digits, normalize_line
from ocrpipe.vision._blocks import Placed, column_rules, edge_mask, find_asides, find_containers, order_page
from ocrpipe.vision._detect import (
    DetConfig,
    Region,
    TextDetector,
    badge_candidates,
    column_to_row,
    core_boxes,
    crop,
    is_column,
    level_boxes,
    text_angle,
)
from ocrpipe.vision._discs import find_badges
from ocrpipe.vision._extend import grow_regions
from ocrpipe.vision._geometry import deskew, map_box
from ocrpipe.vision._layout import reading_order
from ocrpipe.vision._lineclean import clean_badge, clean_line_styled, trim_ornaments
from ocrpipe.vision._preprocess import preprocess, write_debug, write_overlay
from ocrpipe.vision._rings import find_ring

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    index: int
    path: Path
    url: str | None = None
    file: str | None = None  # as recorded in the result (relative to the output directory)
    data: bytes | None = field(default=None, repr=False)  # the image's bytes, when they travel (Dask)


def recognize_one(job: Job, engine: Recognizer, pre: PreprocessConfig, debug_dir: Path | None = None) -> ImageResult:
    """Preprocess and recognise one image; failures are returned, not raised."""
    t0 = time.perf_counter()
    base: dict[str, Any] = dict(index=job.index, file=job.file or str(job.path), url=job.url)
    try:
        rgb = load_image(job.data if job.data is not None else job.path, max_pixels=pre.max_pixels)
        clock = _Clock(t0)
        clock.lap("load")
        if pre.segment in ("engine", "detect"):
            find = _engine_layout if pre.segment == "engine" else _detected_layout
            res = find(job, rgb, engine, pre, base, t0, clock)
            if debug_dir is not None:
                write_overlay(rgb, [ln.outline for ln in res.lines], debug_dir, f"{job.index:03d}")
            return replace(res, timings=clock.laps())
        layout = preprocess(rgb, pre, debug=debug_dir is not None)
        clock.lap("lines")
        if debug_dir is not None:
            write_debug(layout, debug_dir, f"{job.index:03d}")
        lines: list[LineResult] = []
        if pre.segment == "page" and layout.page is not None:
            rec = engine.recognize_page(layout.page)
            for raw in (t for t in rec.text.splitlines() if t.strip()):
                lines.append(
                    LineResult(
                        text=normalize_line(raw),
                        confidence=rec.confidence,
                        bbox=(0, 0, layout.width, layout.height),
                        block=0,
                        text_height=layout.text_height,
                    )
                )
        else:
            for ln in layout.lines:
                rec = engine.recognize_line(ln.image, ln.kind)
                if ln.kind == "badge":
                    text = badge_digits(normalize_line(" ".join(rec.text.split("\n"))))
                    if text:
                        lines.append(LineResult(text, rec.confidence, ln.box, "badge", ln.block, ln.text_height))
                    continue
                result = line_from(rec, ln.box, ln.block, ln.text_height)
                if result is not None:
                    lines.append(result)
    except EngineNotAvailable:
        raise  # not about this image: every image would fail the same way
    except OcrpipeError as exc:
        log.info("image %d (%s): %s", job.index + 1, job.path, exc.message)  # recorded on the image; the CLI reports it
        stage: FailStage = "read" if isinstance(exc, ImageError) else "recognize"
        return ImageResult(**base, status="failed", stage=stage, error=str(exc), seconds=time.perf_counter() - t0)
    clock.lap("recognise")
    return ImageResult(
        **base,
        width=layout.width,
        height=layout.height,
        skew=layout.skew,
        scale=layout.scale,
        seconds=time.perf_counter() - t0,
        lines=tuple(lines),
        timings=clock.laps(),
    )


class _Clock:
    """Seconds per stage of one image, for -v."""

    def __init__(self, t0: float) -> None:
        self._last = t0
        self._laps: list[tuple[str, float]] = []

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self._laps.append((stage, round(now - self._last, 4)))
        self._last = now

    def laps(self) -> tuple[tuple[str, float], ...]:
        return tuple(self._laps)


def _engine_layout(
    job: Job,
    rgb: np.ndarray,
    engine: Recognizer,
    pre: PreprocessConfig,
    base: dict[str, Any],
    t0: float,
    clock: _Clock,
) -> ImageResult:
    """Let an engine with its own text detector find and read the lines (segment="engine")."""
    if not isinstance(engine, LayoutReader):
        raise InputError(
            f"the {engine.name} engine does not find lines itself", "set segment to detect, lines or page", option="segment"
        )
    H, W = rgb.shape[:2]
    skew, work, matrix = deskew(rgb, pre.max_angle, pre.deskew)
    found = engine.read_lines(work)
    clock.lap("detect+recognise")  # the engine does both in one call
    heights = sorted(d.box[3] for d in found) or [20]
    ordered = reading_order([d.box for d in found], float(heights[len(heights) // 2]))
    by_box = {d.box: d for d in found}
    lines = []
    for o in ordered:
        d = by_box[o.box]
        text = normalize_line(d.text)
        if text:
            box = map_box(o.box, matrix, (H, W)) if matrix is not None else o.box
            lines.append(LineResult(text=text, confidence=d.confidence, bbox=box, block=o.block, text_height=float(o.box[3])))
    return ImageResult(**base, width=W, height=H, skew=skew, scale=1.0, seconds=time.perf_counter() - t0, lines=tuple(lines))


_detectors: dict[int, TextDetector] = {}


def detector_for(pre: PreprocessConfig) -> TextDetector:
    """One detector per process and input size: loading the model costs ~0.1 s."""
    side = pre.det_side or DetConfig.side
    det = _detectors.get(side)
    if det is None:
        det = _detectors[side] = TextDetector(DetConfig(side=side))
    return det


def _detected_layout(
    job: Job,
    rgb: np.ndarray,
    engine: Recognizer,
    pre: PreprocessConfig,
    base: dict[str, Any],
    t0: float,
    clock: _Clock,
) -> ImageResult:
    """Lines found by the DB detector, turned upright, read by the engine (segment="detect")."""
    det = detector_for(pre)
    H, W = rgb.shape[:2]
    regions = grow_regions(rgb, det.detect(rgb))
    # number badges as shapes (light digits on a small filled disc, pill or tab), read from
    # their glyphs: a number replaces what the detector found inside the shape (a digit
    # alone, or all of it); a shape that does not read as one is dropped and the detector's
    # findings stand, read as badges where they cover its glyphs
    read = [(b, _read_drawn_badge(b.glyphs, engine)) for b in find_badges(rgb, regions)]
    extra = [(b, r) for b, r in read if r is not None]
    replaced = {j for b, _r in extra for j in b.inside}
    keep = [j for j in range(len(regions)) if j not in replaced]
    inner = {keep.index(j) for b, r in read if r is None and b.detected for j in b.inside}
    regions = [regions[j] for j in keep]
    drawn = {len(regions) + k: r for k, (_b, r) in enumerate(extra)}
    regions += [b.region for b, _r in extra]
    crops = []
    for r in regions:
        c = crop(rgb, r.quad)
        crops.append(column_to_row(c) if is_column(c) else c)
    flips = det.upside_down(crops) if crops else []
    crops = [np.ascontiguousarray(c[::-1, ::-1]) if f else c for c, f in zip(crops, flips)]
    # reading order on the page turned level (boxes of tilted lines overlap in y), blocks first
    angle = text_angle(regions)
    boxes = core_boxes(level_boxes(regions, angle, rgb.shape))
    heights = sorted(min(r.size) for r in regions) or [20.0]
    placed = place_lines(rgb, regions, angle, boxes, float(heights[len(heights) // 2]), frozenset(drawn) | inner)
    if flips and sum(flips) > len(flips) / 2:
        placed = placed[::-1]  # the page itself is upside down: its last line is read first
    badges = badge_candidates([r.box for r in regions]) | set(drawn) | inner
    clock.lap("detect")
    lines: list[LineResult | None] = []
    # (slot, region, place, raw, clean, text height, ink colour)
    pending: list[tuple[int, int, Placed, np.ndarray, np.ndarray, float, str | None]] = []
    for o in placed:
        i = o.index
        if i in badges:
            badge = drawn[i] if i in drawn else _read_badge(crops[i], engine, pre)
            if badge is not None:
                lines.append(
                    LineResult(
                        text=badge[0],
                        confidence=badge[1],
                        bbox=regions[i].box,
                        kind="badge",
                        text_height=float(min(regions[i].size)),
                        polygon=regions[i].polygon,
                        block=o.block,
                        region=o.region,
                        cell=o.cell,
                    )
                )
                continue
        # the ink model measures the text's own height (the clause parser compares heights
        # of headings and body text; a detected box adds a margin that varies with its length)
        x0, x1 = trim_ornaments(crops[i])
        line = crops[i][:, x0:x1]
        cleaned, text_h, colour = clean_line_styled(line, pre)
        pending.append((len(lines), i, o, line, cleaned, text_h, colour))
        lines.append(None)
    recs = read_lines(engine, [p[3] for p in pending], [p[4] for p in pending])
    for (slot, i, o, _raw, _clean, text_h, colour), rec in zip(pending, recs):
        line_result = line_from(rec, regions[i].box, o.block, text_h, regions[i].polygon)
        if line_result is not None:
            lines[slot] = replace(line_result, region=o.region, cell=o.cell, ink=colour)
    clock.lap("recognise")
    return ImageResult(
        **base,
        width=W,
        height=H,
        skew=round(-angle, 3),
        scale=1.0,
        seconds=time.perf_counter() - t0,
        lines=tuple(ln for ln in lines if ln is not None),
    )


def read_lines(engine: Recognizer, raws: list[np.ndarray], cleans: list[np.ndarray]) -> list[Recognized]:
    """Every line of an image at once: an engine that reads in batches (the consensus) gets them together."""
    pairs = getattr(engine, "recognize_pairs", None)
    if pairs is not None:
        return pairs(raws, cleans)
    if engine.wants_clean_lines:  # Tesseract: its model has no circled numerals
        return [read_ringed_line(engine, c) for c in cleans]
    return [engine.recognize_line(r, "text") for r in raws]


def line_from(rec: Recognized, box: Box, block: int, text_h: float, polygon: tuple[Point, ...] = ()) -> LineResult | None:
    """The result line of a recognised line image (None when nothing was read), flags kept on the normalised text."""
    raw = " ".join(rec.text.split("\n"))
    text = normalize_line(raw)
    if not text:
        return None
    flags = remap_spans(raw, text, rec.flags)
    return LineResult(
        text=text,
        confidence=rec.confidence,
        bbox=box,
        block=block,
        text_height=text_h,
        polygon=polygon,
        readers=tuple(ReaderReading(r, t, c) for r, t, c in rec.readings),
        flags=tuple(Flag(a, b, c) for a, b, c in flags),
    )


def place_lines(
    rgb: np.ndarray,
    regions: list[Region],
    angle: float,
    boxes: list[Box],
    line_height: float,
    badges: frozenset[int] = frozenset(),
) -> list[Placed]:
    """Containers first (cards, tables, bands, asides), then lines in reading order (`badges`:
    regions found as number badges, never asides)."""
    columns = [r.box[3] > 2 * r.box[2] for r in regions]
    edges = edge_mask(rgb, [r.quad for r in regions], angle)
    containers = find_containers(edges, boxes, line_height)
    asides = find_asides(boxes, columns, rgb.shape[1], badges)
    rules = column_rules(edges, boxes, line_height, rgb if abs(angle) < 0.5 else None, asides)
    return order_page(boxes, containers, asides, line_height, rules)


def _read_drawn_badge(glyphs: np.ndarray, engine: Recognizer) -> tuple[str, float] | None:
    """(digits, confidence) of a badge found as a shape, from its glyphs alone: the digits, or
    else the digits inside a circled numeral (a pill holding ③). Whole first: a bold 0 leading
    "02" passes for a ring."""
    read = _badge_number(glyphs, engine)
    if read is None and (ring := find_ring(glyphs)) is not None:
        read = _badge_number(ring.digits, engine)
    return read


def _read_badge(crop_rgb: np.ndarray, engine: Recognizer, pre: PreprocessConfig) -> tuple[str, float] | None:
    """(digits, confidence) when a badge-shaped region reads as a one- to three-digit number."""
    return _badge_number(clean_badge(crop_rgb, pre) if engine.wants_clean_lines else crop_rgb, engine)


def _badge_number(image: np.ndarray, engine: Recognizer) -> tuple[str, float] | None:
    """(digits, confidence) when the image, read as a badge, is a one- to three-digit number."""
    rec = engine.recognize_line(image, "badge")
    digits = badge_digits(normalize_line(rec.text))
    if 1 <= len(digits) <= 3 and rec.confidence >= 40:
        return digits, rec.confidence
    return None
