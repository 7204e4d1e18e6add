"""Recognition on a Dask distributed cluster, for corpora larger than one machine.

Only the per-image recognition goes to the cluster: each image travels as bytes,
each worker process loads the engine once (cached per process and config) and
sends back the typed result. Fetching, clause extraction and every database
write stay in the one client process. Needs the `[dask]` extra.

    dask scheduler                       # on one machine: prints tcp://HOST:8786
    dask worker tcp://HOST:8786 --nthreads 1 --nworkers 2   # on each machine
    ocrpipe corpus add list.txt --dask tcp://HOST:8786
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ocrpipe.config import OcrConfig, PreprocessConfig
from ocrpipe.errors import EngineNotAvailable, InputError
from ocrpipe.output._results import ImageResult
from ocrpipe.recognition._recognize import Job
from ocrpipe.recognition._worker import run_job

log = logging.getLogger(__name__)

DASK_ENV = "OCRPIPE_DASK"
INSTALL_HINT = "pip install 'ocrpipe[dask]' (make install does)"

_clients: dict[str, Any] = {}


def _client(address: str) -> Any:
    try:
        from distributed import Client
    except ImportError as exc:
        raise EngineNotAvailable("Dask distributed is not installed", INSTALL_HINT) from exc
    client = _clients.get(address)
    if client is None:
        try:
            client = _clients[address] = Client(address, timeout=30)
        except (OSError, TimeoutError) as exc:
            raise InputError(
                f"cannot reach the Dask scheduler at {address}: {exc}",
                "start it with `dask scheduler`, or leave dask unset to run locally",
                option="dask",
            ) from exc
    return client


def _run_remote(data: bytes, job: Job, ocr: OcrConfig, pre: PreprocessConfig) -> ImageResult:
    """Runs on a Dask worker: the same set-up and engine cache as a local pool worker."""
    return run_job(replace(job, data=data), ocr, pre)


@dataclass(frozen=True)
class DaskExecutor:
    """Every job on the cluster at `address`; the images travel as bytes, results in job order."""

    address: str

    def map(
        self,
        jobs: Sequence[Job],
        ocr: OcrConfig,
        pre: PreprocessConfig,
        debug_dir: Path | None,
        progress: Callable[[int, int], None] | None,
    ) -> list[ImageResult]:
        client = _client(self.address)  # first: says how to install distributed when it is missing
        from distributed import as_completed

        futures = [
            client.submit(
                _run_remote,
                job.path.read_bytes() if job.data is None else job.data,
                replace(job, data=None),
                ocr,
                pre,
                pure=False,
            )
            for job in jobs
        ]
        for done, _f in enumerate(as_completed(futures), 1):
            if progress:
                progress(done, len(jobs))
        return [f.result() for f in futures]


def close_clients() -> None:
    for c in _clients.values():
        c.close()
    _clients.clear()
