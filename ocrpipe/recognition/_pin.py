"""Imported first by the workers' fork server, before numpy or OpenCV load.

Native thread pools are pinned to one thread (parallelism is ocrpipe's: one worker per core),
so that OpenBLAS starts no threads of its own when numpy loads. The fork server then stays
single-threaded, and forking a worker from it is as safe as forking from a fresh interpreter.
"""

import os

for _var in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
