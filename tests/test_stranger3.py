"""Defects found by the third stranger pass (a first-time user with the wheel), each with its fix's test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from ocrpipe.errors import ExitCode

REPO = Path(__file__).resolve().parents[1]


def _ocrpipe(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_THREAD_LIMIT": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "ocrpipe", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a background job ignores SIGINT
    )


def test_ctrl_c_during_a_slow_download_ends_at_once(server, tmp_path):
    """Ctrl-C while a server drips an image a byte a second: exit 130 at once (it took until the
    image's deadline, 127 s, waiting for the download thread)."""

    def drip(h: BaseHTTPRequestHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "image/jpeg")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(120):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(1)

    server.routes["/slow.jpg"] = drip
    page = tmp_path / "a.html"
    page.write_text(f'<html><body><h1>t</h1><img src="{server.url("/slow.jpg")}"></body></html>', "utf-8")
    proc = _ocrpipe("fetch", str(page), "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"), cwd=tmp_path)
    try:
        deadline = time.monotonic() + 30
        while server.hits["/slow.jpg"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.hits["/slow.jpg"] == 1
        time.sleep(0.5)
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - start
    finally:
        proc.kill()
    assert proc.returncode == ExitCode.INTERRUPTED, err
    assert took < 10, took  # the download's deadline is 120 s
