"""Edges a first-time user hit: bad input leaves no output folder; a full device is exit 6, not a bug."""

from __future__ import annotations

import pytest

from ocrpipe.cli import main
from ocrpipe.errors import ExitCode


@pytest.mark.parametrize("content", [b"", b"not an image at all\n"])
def test_bad_input_to_run_leaves_no_output_folder(tmp_path, capsys, content):
    bad = tmp_path / "poster.jpg"
    bad.write_bytes(content)
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out)]) == ExitCode.BAD_INPUT
    assert not out.exists()
    assert "Traceback" not in capsys.readouterr().err


def test_a_missing_article_leaves_no_output_folder(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "nosuch.md"), "--out", str(out)]) == ExitCode.BAD_INPUT
    assert not out.exists()


def test_a_full_device_is_an_output_failure_not_a_bug(monkeypatch, capsys):
    import errno

    from ocrpipe.cli import _commands as commands

    def full(args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(commands, "cmd_verify", full)
    assert main(["verify", "x"]) == ExitCode.OUTPUT_FAILED
    err = capsys.readouterr().err
    assert "could not be written" in err and "bug" not in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["poster.jpg", "scan.PNG"])
def test_run_on_an_unreadable_image_says_so(tmp_path, capsys, name):
    bad = tmp_path / name
    bad.write_bytes(b"not an image at all")
    assert main(["run", str(bad), "--out", str(tmp_path / "out")]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "not a readable image" in err and "neither an article" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_run_never_replaces_an_images_folder_no_run_wrote(tmp_path, capsys):
    out = tmp_path / "userdir"
    (out / "images").mkdir(parents=True)
    (out / "images" / "notes.txt").write_text("important")
    poster = tmp_path / "p.jpg"
    from PIL import Image

    Image.new("RGB", (60, 40), "white").save(poster)
    rc = main(["run", str(poster), "--out", str(out), "-q"])
    assert rc == ExitCode.OUTPUT_FAILED
    assert (out / "images" / "notes.txt").read_text() == "important"
    assert "no ocrpipe run wrote" in capsys.readouterr().err
