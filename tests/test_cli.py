"""The command line's parser: options defined once, defaults shown, flags kept at every level."""

from __future__ import annotations

import argparse

import pytest

from ocrpipe.cli._commands import _fetch_config, _ocr_configs
from ocrpipe.cli._main import build_parser
from ocrpipe.config import FetchConfig, OcrConfig, PreprocessConfig


def _parsers(parser: argparse.ArgumentParser, name: str = "ocrpipe"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


@pytest.mark.parametrize(
    "argv, verbose, quiet",
    [
        (["corpus", "-v", "-q", "status"], 1, True),
        (["corpus", "status", "-vv"], 2, False),
        (["corpus", "-q", "status", "--json"], 0, True),
        (["verify", "x"], 0, False),
    ],
)
def test_verbose_and_quiet_hold_at_every_level(argv, verbose, quiet):
    args = build_parser().parse_args(argv)
    assert (args.verbose, args.quiet) == (verbose, quiet)


def test_every_option_with_a_value_says_its_default():
    missing = []
    for name, parser in _parsers(build_parser()):
        for action in parser._actions:
            takes_value = action.option_strings and action.nargs != 0 and not action.required
            if takes_value and "default" not in (action.help or ""):
                missing.append(f"{name} {action.option_strings[0]}")
    assert missing == []


def test_defaults_come_from_the_config_dataclasses():
    args = build_parser().parse_args(["run", "a.md", "--out", "o"])
    assert _fetch_config(args) == FetchConfig()
    pre, ocr = _ocr_configs(args)
    assert pre == PreprocessConfig() and ocr == OcrConfig()
    help_text = build_parser()._subparsers._group_actions[0].choices["run"].format_help()  # type: ignore[union-attr]
    assert f"(default {FetchConfig().tries})" in help_text
    assert "detect for tesseract, detect for" not in help_text


def test_options_reach_their_fields():
    argv = ["run", "a.md", "--out", "o", "--timeout", "7", "--refresh", "--no-deskew", "--jobs", "3", "--segment", "lines"]
    args = build_parser().parse_args(argv)
    fetch = _fetch_config(args)
    pre, ocr = _ocr_configs(args)
    assert (fetch.read_timeout, fetch.use_cache) == (7.0, False)
    assert (pre.deskew, pre.segment, ocr.jobs) == (False, "lines", 3)
