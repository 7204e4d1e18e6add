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
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from .config import OcrConfig, PreprocessConfig
from .errors import EngineNotAvailable, InputError
from .results import ImageResult

log = logging.getLogger(__name__)

DASK_ENV = "OCRPIPE_DASK"
INSTALL_HINT = "pip install 'ocrpipe[dask]' (make install does)"

_clients: dict[str, Any] = {}
_engines: dict[OcrConfig, Any] = {}  # on a worker: one engine per config, loaded once


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
            raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}",
                             "start it with `dask scheduler`, or leave out --dask to run locally") from exc
    return client


def _recognize_remote(data: bytes, index: int, file: str | None, url: str | None, ocr: OcrConfig,
                      pre: PreprocessConfig) -> ImageResult:
    """Runs on a worker: the engine is loaded once per worker process and config."""
    from pathlib import Path

    from .recognize import Job, recognize_one

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    engine = _engines.get(ocr)
    if engine is None:
        from .engines import make_engine

        engine = _engines[ocr] = make_engine(replace(ocr, jobs=1))
    return recognize_one(Job(index=index, path=Path(file or f"image-{index}"), url=url, file=file, data=data),
                         engine, pre)


def recognize_on_cluster(jobs: Sequence[Any], ocr: OcrConfig, pre: PreprocessConfig, address: str,
                         progress: Callable[[int, int], None] | None = None) -> list[ImageResult]:
    """Every job recognised on the cluster, results in job order."""
    from distributed import as_completed

    client = _client(address)
    futures = [client.submit(_recognize_remote, job.path.read_bytes() if job.data is None else job.data,
                             job.index, job.file, job.url, ocr, pre, pure=False) for job in jobs]
    done = 0
    for _f in as_completed(futures):
        done += 1
        if progress:
            progress(done, len(jobs))
    return [f.result() for f in futures]


def close_clients() -> None:
    for c in _clients.values():
        c.close()
    _clients.clear()
