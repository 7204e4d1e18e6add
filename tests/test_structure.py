"""Issue 9: the seams (engine registry, exit codes, safety net) and the bugs found on the way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

import ocrpipe.cli._commands as commands
import ocrpipe.cli._main as cli
from bench import synth
from ocrpipe.cli._main import main
from ocrpipe.errors import EngineError, ExitCode, InputError
from ocrpipe.recognition.engines import ENGINES, EngineInfo, Recognized, check_segment

REPO = Path(__file__).resolve().parents[1]


def test_segment_the_engine_cannot_do_is_bad_input_before_any_work(tmp_path, capsys):
    missing = tmp_path / "never-read.jpg"  # not even looked at: the check comes first
    assert main(["ocr", str(missing), "--segment", "engine"]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "--segment engine does not work with the consensus engine" in err and "rapidocr" in err
    assert "hint: set --segment to detect" in err  # the library names the setting, the CLI its flag
    assert err.count("\n") == 2 and "Traceback" not in err  # the error and its hint
    with pytest.raises(InputError):
        check_segment("tesseract", "engine")
    check_segment("rapidocr", "engine")


def test_cli_choices_come_from_the_registry():
    help_text = cli.build_parser()._subparsers._group_actions[0].choices["run"].format_help()  # type: ignore[union-attr]
    for name in ENGINES:
        assert name in help_text
    assert "--max-pixels" in help_text and "--deadline" in help_text


def test_importing_the_cli_does_not_load_opencv_or_requests():
    code = "import sys, ocrpipe, ocrpipe.cli._main; print(sorted(m for m in ('cv2', 'requests', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"


def test_atomic_writes_never_touch_the_process_umask(tmp_path, monkeypatch):
    from ocrpipe import _io

    def forbidden(*a):
        raise AssertionError("os.umask changes the umask of every thread")

    real = os.umask(0o022)
    os.umask(real)
    monkeypatch.setattr(os, "umask", forbidden)
    _io.atomic_write_text(tmp_path / "x.txt", "hello")
    assert (tmp_path / "x.txt").stat().st_mode & 0o777 == 0o666 & ~real  # as a plain open() would make it
    assert (tmp_path / "x.txt").read_text() == "hello"


def test_recognition_leaves_the_callers_environment_alone(small_series, tmp_path, monkeypatch):
    from ocrpipe.config import OcrConfig, PreprocessConfig
    from ocrpipe.recognition._executor import Job, recognize_all

    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    p = tmp_path / "p.jpg"
    p.write_bytes(synth.jpeg_bytes(small_series.posters[1]))
    before = dict(os.environ)
    recognize_all([Job(0, p)], OcrConfig(jobs=1), PreprocessConfig())
    assert dict(os.environ) == before


@pytest.mark.slow  # end-to-end: a whole run or the real detector on a big page
def test_a_crashing_engine_in_a_full_run_exits_5_and_keeps_the_other_images(tmp_path, register_engine, capsys):
    calls = {"n": 0}

    class Crashy:
        """Crashes (as libtesseract might) on the first line it is given; reads the rest."""

        name = "crashy"
        wants_clean_lines = True

        def __init__(self, config):
            pass

        def recognize_line(self, image, kind="text"):
            calls["n"] += 1
            if calls["n"] == 1:  # the first line read: its image fails, the others go on
                raise EngineError("libtesseract crashed")
            return Recognized(text="文", confidence=90.0)

        def recognize_page(self, image):
            return Recognized(text="文", confidence=90.0)

        def provenance(self):
            return {"engine": "crashy", "version": "0", "language_data": "-", "language_data_sha256": "0" * 64}

        def close(self):
            pass

    # through the registry, as a plug-in engine would come; --jobs 1 keeps it in this process
    register_engine(EngineInfo("crashy", Crashy, ("detect", "lines"), "detect", "a fake"))
    article = REPO / "samples" / "demo" / "article.md"
    out = tmp_path / "out"
    code = main(
        ["run", str(article), "--out", str(out), "-q", "--jobs", "1", "--engine", "crashy", "--cache-dir", str(tmp_path / "c")]
    )
    assert code == ExitCode.ENGINE_FAILED
    result = json.loads((out / "result.json").read_text())
    status = [im["status"] for im in result["images"]]
    assert status.count("failed") == 1 and status.count("ok") == len(status) - 1
    failed = next(im for im in result["images"] if im["status"] == "failed")
    assert failed["stage"] == "recognize" and "libtesseract crashed" in failed["error"]
    assert "libtesseract crashed" in capsys.readouterr().err


def test_a_dead_worker_pool_is_one_line_and_exit_5(monkeypatch, capsys):
    def boom(args):
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr(commands, "cmd_verify", boom)
    assert main(["verify", "x"]) == ExitCode.ENGINE_FAILED
    err = capsys.readouterr().err
    assert "worker died" in err and "Traceback" not in err and err.count("\n") == 2


def test_an_unexpected_error_is_one_line_and_exit_1(monkeypatch, capsys):
    def boom(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(commands, "cmd_verify", boom)
    assert main(["verify", "x"]) == ExitCode.UNEXPECTED
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "Traceback" not in err and "-vv" in err


def test_exit_codes_are_named_once():
    """No command returns a bare number: every exit status is an ExitCode member."""
    import ast

    for path in (REPO / "ocrpipe" / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant):
                assert not isinstance(node.value.value, int), f"{path.name}:{node.lineno} returns a literal exit code"
