"""The one exception hierarchy of ocrpipe.

Every error carries an exit code (used by the CLI) and a hint that says how to
fix the problem. Callers can catch at any level::

    OcrpipeError                    exit 1
    ├── InputError                  exit 2   bad argument, missing or unreadable input
    │   ├── ArticleError                     article cannot be parsed / holds no images
    │   └── ImageError                       bytes are not a usable image
    ├── FetchError                  exit 4   an image or page could not be downloaded
    ├── EngineError                 exit 5   the OCR engine is missing, crashed or hung
    │   ├── EngineNotAvailable               engine or its language data not installed
    │   └── EngineTimeout                    one recognition call ran past its timeout
    ├── OutputError                 exit 6   results could not be written
    └── VerificationFailed          exit 3   clause numbers are not exactly 1..N

An error about a setting names it by its Python name (an `ocrpipe.options()` name such as
`max_pixels`, or an API parameter such as `expect`) in `option`; its message and hint name it
that way too and never a command-line flag: the CLI names its flag instead (cli._options.in_flags).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The CLI's exit statuses (README, "Exit status"); the one place they are numbered."""

    OK = 0
    UNEXPECTED = 1
    NO_MATCHES = 1  # `ocrpipe search` found nothing: grep's 1 (an alias of UNEXPECTED's number)
    BAD_INPUT = 2
    VERIFICATION_FAILED = 3
    DOWNLOAD_FAILED = 4  # also: an image could not be read
    ENGINE_FAILED = 5
    OUTPUT_FAILED = 6
    BROKEN_PIPE = 141  # the reader of standard output went away (`| head`): 128 + SIGPIPE, as a shell reports it
    INTERRUPTED = 130


class OcrpipeError(Exception):
    """Base class: a message, a fix-it hint and the CLI exit code."""

    exit_code: ExitCode = ExitCode.UNEXPECTED
    default_hint = ""
    default_option: str | None = None

    def __init__(self, message: str, hint: str | None = None, *, option: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        # the setting the error is about, by its Python name; the CLI names its flag for it
        self.option = option if option is not None else self.default_option

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class InputError(OcrpipeError):
    exit_code = ExitCode.BAD_INPUT


class ArticleError(InputError):
    default_hint = "pass an article file (.md/.html), an article URL, a list of image URLs, or a directory of images"


class ImageError(InputError):
    default_hint = "check that the file is a complete JPEG, PNG, WebP, GIF, BMP or TIFF image"


class FetchError(OcrpipeError):
    exit_code = ExitCode.DOWNLOAD_FAILED
    default_hint = "check the network connection and the URL; re-run to retry (finished images are cached)"


class EngineError(OcrpipeError):
    exit_code = ExitCode.ENGINE_FAILED


class EngineNotAvailable(EngineError):
    default_hint = "run `make install`, or `apt-get install tesseract-ocr tesseract-ocr-chi-sim`"


class EngineTimeout(EngineError):
    # recorded on the image as text, where the CLI cannot add its flag: the hint names both
    default_hint = "raise the recognition timeout, timeout (--ocr-timeout on the command line), or check the image is not huge"


class OutputError(OcrpipeError):
    exit_code = ExitCode.OUTPUT_FAILED
    default_hint = "check that the output directory is writable and the disk is not full"


class VerificationFailed(OcrpipeError):
    exit_code = ExitCode.VERIFICATION_FAILED
    default_hint = (
        "see clauses.md and result.json for missing, extra or duplicated numbers; expect overrides the promised count"
    )
    default_option = "expect"
