"""An image's recognised lines grouped into their text blocks, for the block-structured formats (hOCR, ALTO)."""

from __future__ import annotations

from dataclasses import dataclass

from ocrpipe.output._results import Box, ImageResult, LineResult


@dataclass(frozen=True)
class TextBlock:
    """One block: its id, the box round its lines, and its lines numbered from 1 within the image."""

    id: int
    box: Box
    lines: tuple[tuple[int, LineResult], ...]


def text_blocks(im: ImageResult) -> list[TextBlock]:
    """The blocks of an image in reading order; lines without text are left out (their numbers are kept)."""
    grouped: dict[int, list[tuple[int, LineResult]]] = {}
    for n, ln in enumerate(im.lines, 1):
        if ln.text:
            grouped.setdefault(ln.block, []).append((n, ln))
    blocks = []
    for b, lines in grouped.items():
        xs = [ln.bbox[0] for _, ln in lines] + [ln.bbox[0] + ln.bbox[2] for _, ln in lines]
        ys = [ln.bbox[1] for _, ln in lines] + [ln.bbox[1] + ln.bbox[3] for _, ln in lines]
        blocks.append(TextBlock(b, (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)), tuple(lines)))
    return blocks
