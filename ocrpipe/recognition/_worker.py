"""The one worker set-up, shared by the local process pool and Dask workers.

Each worker process pins its native thread pools to one thread (parallelism is ours:
Tesseract's OpenMP and OpenCV's threads only fight it on a small machine) and loads
each engine once per configuration.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ocrpipe.config import OcrConfig, PreprocessConfig
from ocrpipe.output._results import ImageResult
from ocrpipe.recognition._recognize import Job, recognize_one
from ocrpipe.recognition.engines import Recognizer, make_engine

_engines: dict[OcrConfig, Recognizer] = {}
_ready = False


def setup_worker() -> None:
    """Pin this process's native thread pools to one thread (idempotent)."""
    global _ready
    if _ready:
        return
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    cv2.setNumThreads(1)
    _ready = True


def engine_for(ocr: OcrConfig) -> Recognizer:
    """This process's engine for `ocr`, loaded on first use."""
    key = replace(ocr, jobs=1)
    engine = _engines.get(key)
    if engine is None:
        engine = _engines[key] = make_engine(key)
    return engine


def run_job(job: Job, ocr: OcrConfig, pre: PreprocessConfig, debug_dir: Path | None = None) -> ImageResult:
    """Recognise one job in a worker process, setting the worker up on first call."""
    setup_worker()
    return recognize_one(job, engine_for(ocr), pre, debug_dir)
