"""ocrpipe: poster-style article images to structured text.

Stages, each a module: sources/article (what to read) -> fetch (download) ->
preprocess (OpenCV) -> ocr (engines) -> clauses (structure, verification) ->
export. `pipeline.run_article` strings them together; `cli` is the front end.
"""

from ._version import __version__
from .article import Article, ArticleMeta, ImageRef, parse_article, promised_count, unwrap_proxy
from .config import FetchConfig
from .errors import (
    ArticleError,
    EngineError,
    EngineNotAvailable,
    EngineTimeout,
    FetchError,
    ImageError,
    InputError,
    OcrpipeError,
    OutputError,
    VerificationFailed,
)
from .clauses import extract_clauses, verify
from .config import PreprocessConfig
from .fetch import FetchedImage, Fetcher, FetchResult
from .ocr import Engine, OcrConfig, make_engine
from .pipeline import RunConfig, recognize_fetched, run_article
from .preprocess import PageLayout, TextLine, preprocess
from .results import ClauseResult, ImageResult, LineResult, RunResult, Verification
from .imageio import load_image, probe_image
from .sources import load_article

__all__ = [
    "__version__",
    "Article", "ArticleMeta", "ImageRef", "parse_article", "promised_count", "unwrap_proxy",
    "FetchConfig",
    "OcrpipeError", "InputError", "ArticleError", "ImageError", "FetchError", "EngineError",
    "EngineNotAvailable", "EngineTimeout", "OutputError", "VerificationFailed",
    "Fetcher", "FetchResult", "FetchedImage",
    "load_image", "probe_image", "load_article",
    "PreprocessConfig", "PageLayout", "TextLine", "preprocess",
    "Engine", "OcrConfig", "make_engine",
    "extract_clauses", "verify",
    "RunConfig", "run_article", "recognize_fetched",
    "RunResult", "ImageResult", "LineResult", "ClauseResult", "Verification",
]
