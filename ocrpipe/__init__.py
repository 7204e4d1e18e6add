"""ocrpipe: poster-style article images to structured text.

Stages, each a package, and the layers run one way (tests/test_layers.py checks it):
cli -> api -> corpus -> pipeline -> review -> recognition -> vision, acquire -> structure
-> output -> config, errors, _io, _models.
`pipeline.run_article` strings the stages together; `cli` is the front end;
`read`, `process` and `Corpus` (api.py, docs/api.md) are the public Python API.

The names below are imported on first use, so `import ocrpipe` (and `ocrpipe
--help`) does not pay for OpenCV or requests.
"""

from __future__ import annotations

import importlib
from typing import Any

from ocrpipe._version import __version__
from ocrpipe.errors import (
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
    "Article": "acquire._article",
    "ArticleMeta": "output._results",
    "ImageRef": "acquire._article",
    "parse_article": "acquire._article",
    "promised_count": "acquire._article",
    "unwrap_proxy": "acquire._article",
    "FetchConfig": "config",
    "PreprocessConfig": "config",
    "OcrConfig": "config",
    "Fetcher": "acquire._fetch",
    "FetchResult": "acquire._fetch",
    "FetchedImage": "acquire._fetch",
    "load_image": "acquire._imageio",
    "probe_image": "acquire._imageio",
    "load_article": "acquire._sources",
    "PageLayout": "vision._preprocess",
    "TextLine": "vision._preprocess",
    "preprocess": "vision._preprocess",
    "TextDetector": "vision._detect",
    "Recognizer": "recognition.engines",
    "make_engine": "recognition.engines",
    "ENGINES": "recognition.engines",
    "extract_clauses": "structure._clauses",
    "verify": "structure._clauses",
    "RunConfig": "pipeline",
    "run_article": "pipeline",
    "recognize_fetched": "pipeline",
    "RunResult": "output._results",
    "ImageResult": "output._results",
    "LineResult": "output._results",
    "ClauseResult": "output._results",
    "Verification": "output._results",
    "read": "api",
    "process": "api",
    "load": "api",
    "Corpus": "api",
    "Run": "api",
    "ImageText": "api",
    "Line": "api",
}

__all__ = [
    "__version__",
    "OcrpipeError",
    "InputError",
    "ArticleError",
    "ImageError",
    "FetchError",
    "EngineError",
    "EngineNotAvailable",
    "EngineTimeout",
    "OutputError",
    "VerificationFailed",
    "ExitCode",
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
