"""ocrpipe: poster-style article images to structured text.

Stages, each a module, and the layers run one way:
cli -> pipeline -> stages (sources/article, fetch, preprocess/detect, recognize,
clauses, export) -> engines and io -> results, config, errors.
`pipeline.run_article` strings the stages together; `cli` is the front end.

The names below are imported on first use, so `import ocrpipe` (and `ocrpipe
--help`) does not pay for OpenCV or requests.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__
from .errors import (
    ArticleError,
    EngineError,
    EngineNotAvailable,
    EngineTimeout,
    ExitCode,
    FetchError,
    ImageError,
    InputError,
    OcrpipeError,
    OutputError,
    VerificationFailed,
)

_LAZY = {
    "Article": "article", "ArticleMeta": "article", "ImageRef": "article", "parse_article": "article",
    "promised_count": "article", "unwrap_proxy": "article",
    "FetchConfig": "config", "PreprocessConfig": "config", "OcrConfig": "config",
    "Fetcher": "fetch", "FetchResult": "fetch", "FetchedImage": "fetch",
    "load_image": "imageio", "probe_image": "imageio",
    "load_article": "sources",
    "PageLayout": "preprocess", "TextLine": "preprocess", "preprocess": "preprocess",
    "TextDetector": "detect",
    "Recognizer": "engines", "make_engine": "engines", "ENGINES": "engines",
    "extract_clauses": "clauses", "verify": "clauses",
    "RunConfig": "pipeline", "run_article": "pipeline", "recognize_fetched": "pipeline",
    "RunResult": "results", "ImageResult": "results", "LineResult": "results", "ClauseResult": "results",
    "Verification": "results",
}

__all__ = [
    "__version__",
    "OcrpipeError", "InputError", "ArticleError", "ImageError", "FetchError", "EngineError",
    "EngineNotAvailable", "EngineTimeout", "OutputError", "VerificationFailed", "ExitCode",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ocrpipe' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
