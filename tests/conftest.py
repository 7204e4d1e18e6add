"""Shared fixtures: rendered posters, a real HTTP server on 127.0.0.1 (tests/http_helpers.py),
the demo run (once per session, shared by xdist workers), and fake engines put in the registry."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench import synth
from ocrpipe.config import FetchConfig
from ocrpipe.recognition.engines import ENGINES, EngineInfo, register, unregister

from .http_helpers import FaultServer, Handler, stalling

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "zaker-20-measures.md"
REPO = Path(__file__).resolve().parents[1]
# the provenance of a run made up in a test (result.json's schema asks for these fields)
PROVENANCE = {
    "ocrpipe": "test",
    "engine": "tesseract",
    "version": "5",
    "language_data": "chi_sim",
    "language_data_sha256": "0" * 64,
    "settings": {},
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs the demo run is end-to-end: slow, whichever module it sits in."""
    for item in items:
        if {"demo_run", "demo_result"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def seed_path() -> Path:
    """The seed article: ../shared beside the checkout, else the copy in samples/."""
    return SEED if SEED.exists() else REPO / "samples" / "zaker-20-measures.md"


@pytest.fixture(scope="session")
def small_series() -> synth.RenderedSeries:
    """A short rendered series (4 clauses) used wherever real poster bytes are needed."""
    return synth.render_series(synth.SeriesSpec(title="示例措施4条", n_clauses=4, seed=7))


@pytest.fixture(scope="session")
def poster_jpeg(small_series) -> bytes:
    return synth.jpeg_bytes(small_series.posters[1], 85)


@pytest.fixture
def server():
    s = FaultServer()
    yield s
    s.close()


@pytest.fixture
def fast_config(tmp_path) -> FetchConfig:
    """Short timeouts and backoff so fault tests stay fast; a private cache."""
    return FetchConfig(
        connect_timeout=2, read_timeout=0.6, tries=3, backoff_base=0.01, backoff_max=2, cache_dir=tmp_path / "cache", workers=4
    )


@pytest.fixture
def stall() -> Callable[[float], Handler]:
    return stalling


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`ocrpipe run` on the bundled demo article, once per session: (exit code, output dir).

    Under pytest-xdist the first worker to need it runs it and the others wait and reuse
    it: the folder above each worker's base temp is the session's, shared by all workers.
    """
    from ocrpipe.cli._main import main

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    out, done = root / "demo-run", root / "demo-run.rc"
    with _locked(root / "demo-run.lock"):
        if not done.exists():
            rc = main(
                [
                    "run",
                    str(REPO / "samples/demo/article.md"),
                    "--out",
                    str(out),
                    "--quiet",
                    "--jobs",
                    "2",
                    "--cache-dir",
                    str(root / "demo-cache"),
                ]
            )
            done.write_text(str(int(rc)))
    return int(done.read_text()), out


@pytest.fixture
def register_engine() -> Iterator[Callable[[EngineInfo], None]]:
    """Put a fake engine in the registry, as a plug-in would; the registry is restored after the test.

    The engine lives in this process only: a test using it runs with --jobs 1.
    """
    before = dict(ENGINES)

    def add(info: EngineInfo) -> None:
        register(info)

    yield add
    for name in set(ENGINES) - set(before):
        unregister(name)
    for name, info in before.items():
        if ENGINES.get(name) is not info:
            register(info)


@pytest.fixture
def demo_result(demo_run, tmp_path) -> Path:
    """A private copy of the demo run's directory; returns its result.json."""
    import shutil

    dst = tmp_path / "run"
    shutil.copytree(demo_run[1], dst, ignore=shutil.ignore_patterns(".ocrpipe.lock", ".staging-*"))
    return dst / "result.json"
