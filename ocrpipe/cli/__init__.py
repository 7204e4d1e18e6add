"""Command line: argument parsing, the commands, progress display; the only layer that prints or exits."""

from ocrpipe.cli._main import main

__all__ = ["main"]
