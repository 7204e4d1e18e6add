"""Where recognition runs: one Executor interface, a local process pool and a Dask cluster behind it.

Both run `_worker.run_job`, so a worker is set up the same way wherever it is.
`recognize_all` validates the request, fails fast when the engine or model is
missing, and hands the jobs to the executor the configuration asks for.
"""

from __future__ import annotations

import logging
import sys
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from multiprocessing import context, popen_forkserver
from pathlib import Path
from typing import Any, Protocol

from ocrpipe._io import make_folder
from ocrpipe._models import manifest
from ocrpipe._version import __version__
from ocrpipe.config import OcrConfig, PreprocessConfig
from ocrpipe.output._results import ImageResult
from ocrpipe.recognition._recognize import Job, detector_for, recognize_one
from ocrpipe.recognition._worker import run_job
from ocrpipe.recognition.engines import check_segment, engine_info, make_engine

log = logging.getLogger(__name__)

# What in an engine's provenance changes what it reads from given bytes: a new ocrpipe, engine
# version, language data or model must not reuse readings made by the old one.
_VERSION_FIELDS = ("engine", "version", "onnxruntime", "language_data_sha256", "models")


def versions_of(provenance: dict) -> dict:
    """The versions part of a recognition key, from an engine's provenance (as result.json holds it)."""
    out: dict = {"ocrpipe": provenance.get("ocrpipe", __version__)}
    out.update({k: provenance[k] for k in _VERSION_FIELDS if k in provenance})
    det = provenance.get("detection") or {}
    for k in ("detector_sha256", "direction_classifier_sha256"):
        if det.get(k):
            out[k] = det[k]
    return out


def engine_versions(ocr: OcrConfig, pre: PreprocessConfig) -> dict:
    """The versions this process would recognise with, asked of the engine itself (before any image)."""
    check_segment(ocr.engine, pre.segment)
    engine = make_engine(ocr)  # EngineNotAvailable, with its hint, when the engine is missing
    try:
        provenance = engine.provenance()
    finally:
        engine.close()
    if pre.segment == "detect":
        from ocrpipe.vision._detect import CLS_MODEL, DET_MODEL

        models = manifest()
        provenance["detection"] = {
            "detector_sha256": models[DET_MODEL]["sha256"],
            "direction_classifier_sha256": models[CLS_MODEL]["sha256"],
        }
    return versions_of({"ocrpipe": __version__, **provenance})


Progress = Callable[[int, int], None]


class Executor(Protocol):
    """Runs every job, returning the results in job order."""

    def map(
        self, jobs: Sequence[Job], ocr: OcrConfig, pre: PreprocessConfig, debug_dir: Path | None, progress: Progress | None
    ) -> list[ImageResult]: ...


_launching = threading.Lock()
PRESTART = True  # bench.readers compares with it off


@contextmanager
def _caller_hidden() -> Iterator[None]:
    """Hide the caller's __main__ while a worker is launched.

    multiprocessing hands a new worker the path of the caller's main script, and the
    worker (and the forkserver, which preloads it) runs that script again: a script
    that calls ocrpipe without an `if __name__ == "__main__":` guard would start its
    own run in every worker. The workers need nothing from it (the job function lives
    in ocrpipe.recognition._worker), so for the moment of the launch __main__ is a
    blank module: no path or name is handed over, nothing is re-run.
    """
    with _launching:
        real = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = real


class _Popen(popen_forkserver.Popen):
    def _launch(self, process_obj: Any) -> None:
        with _caller_hidden():
            super()._launch(process_obj)  # type: ignore[misc]


class _Process(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _Popen:
        return _Popen(process_obj)


class _Context(context.ForkServerContext):
    """forkserver, whose workers never run the caller's main script."""

    Process = _Process


# What the fork server imports once, before it forks any worker: each worker then starts with
# numpy, OpenCV and the engines imported (about 0.4 CPU s a worker otherwise). Imports only, the
# thread pools pinned first (_pin): no model is loaded and the server has no thread but its own
# when it forks (onnxruntime starts a thread on import: each worker imports it, 0.04 s).
PRELOAD = (
    "ocrpipe.recognition._pin",
    "ocrpipe.recognition._worker",
    "ocrpipe.recognition.engines._consensus",
    "tesserocr",
)


def prestart() -> None:
    """Start the workers' fork server now, so that its imports overlap this process's own set-up.

    Where a fork server already runs (started by ocrpipe or by the caller) it is used as it is.
    """
    from multiprocessing import forkserver

    with _caller_hidden():
        server = forkserver._forkserver
        if getattr(server, "_forkserver_pid", None) is None:  # not started yet: ours to set up
            forkserver.set_forkserver_preload(list(PRELOAD))
        server.ensure_running()


@dataclass(frozen=True)
class LocalExecutor:
    """A pool of `workers` processes on this machine (forkserver: no fork of a threaded parent)."""

    workers: int

    def map(
        self, jobs: Sequence[Job], ocr: OcrConfig, pre: PreprocessConfig, debug_dir: Path | None, progress: Progress | None
    ) -> list[ImageResult]:
        results: list[ImageResult] = []
        work = partial(run_job, ocr=ocr, pre=pre, debug_dir=debug_dir)
        # forkserver, not fork: a child forked from a parent whose OpenCV/ONNX threads hold a
        # lock can hang forever (seen: the detector loaded in the parent, then fork); the
        # server process is started on first use, never at import
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_Context())
        try:
            for n, res in enumerate(pool.map(work, jobs), 1):
                results.append(res)
                if progress:
                    progress(n, len(jobs))
        except BaseException:
            _stop_now(pool)  # Ctrl-C or a failure: do not wait for the posters still being read
            raise
        pool.shutdown(wait=True)
        return results


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers at once (shutdown alone waits for running jobs)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        if proc.is_alive():
            proc.terminate()
    for proc in workers:
        proc.join(timeout=2)


def executor_for(ocr: OcrConfig, n_jobs: int, dask: str | None = None) -> Executor | None:
    """The executor for this many jobs: Dask when an address is given, a pool for 2+ workers, else None (inline)."""
    if dask and n_jobs:
        from ocrpipe.recognition._dask import DaskExecutor

        return DaskExecutor(dask)
    workers = min(ocr.jobs, n_jobs)
    return LocalExecutor(workers) if workers > 1 else None


def _log_timings(r: ImageResult) -> None:
    """-v: where one image's time went (workers have no log handlers: the parent says it)."""
    if r.status != "ok":
        log.info("image %d: %s (%s)", r.index + 1, r.status, r.error)
        return
    stages = " · ".join(f"{name} {sec:.2f}s" for name, sec in r.timings)
    log.info("image %d: %s · total %.2fs · %d lines", r.index + 1, stages or "-", r.seconds or 0.0, len(r.lines))


def recognize_all(
    jobs: Sequence[Job],
    ocr: OcrConfig,
    pre: PreprocessConfig,
    debug_dir: Path | None = None,
    progress: Progress | None = None,
    dask: str | None = None,
) -> tuple[list[ImageResult], dict]:
    """Recognise every job in order; returns the results and the engine's provenance.

    Inline for one worker, else on the executor the settings choose (a local pool, or
    with `dask`, a scheduler address, on that cluster: the images travel as bytes).
    """
    check_segment(ocr.engine, pre.segment)  # a bad combination is bad input, before any work
    if pre.det_side is None:
        pre = replace(pre, det_side=engine_info(ocr.engine).det_side)
    executor = executor_for(ocr, len(jobs), dask)
    if isinstance(executor, LocalExecutor) and PRESTART:
        prestart()  # the workers' imports run while this process checks the engine below
    engine = make_engine(ocr)  # fails fast, in this process, when the engine is missing
    provenance = engine.provenance()
    if pre.segment == "detect":
        provenance["detection"] = detector_for(pre).provenance()  # fails fast when the model is missing
    if debug_dir is not None:
        make_folder(debug_dir, "debug_dir")
    if executor is not None:
        engine.close()
        results = executor.map(jobs, ocr, pre, debug_dir, progress)
        for r in results:
            _log_timings(r)
        return results, provenance
    results = []
    try:
        for n, job in enumerate(jobs, 1):
            results.append(recognize_one(job, engine, pre, debug_dir))
            _log_timings(results[-1])
            if progress:
                progress(n, len(jobs))
    finally:
        engine.close()
    return results, provenance
