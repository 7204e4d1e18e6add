"""An ONNX model run by onnxruntime when it is installed, else by OpenCV DNN.

Both give the same output (within 4e-5 on our crops and pages: tests/test_ppocr.py,
tests/test_detect.py). onnxruntime is faster on one thread (measured on a 876x1567 poster:
DB detection at 1568 px 0.33 s against OpenCV DNN's 0.46 s; PP-OCR recognition about twice
as fast), so it is used when present. It gets one thread: parallelism is ocrpipe's, one engine
per worker process.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import cv2
import numpy as np

from ocrpipe.errors import EngineNotAvailable

BACKENDS = ("auto", "onnxruntime", "opencv")


def pick_backend(wanted: str = "auto") -> str:
    """onnxruntime for `auto` when it is installed, else OpenCV DNN."""
    if wanted in ("onnxruntime", "auto"):
        try:
            import onnxruntime  # noqa: F401

            return "onnxruntime"
        except ImportError:
            if wanted == "onnxruntime":
                raise EngineNotAvailable("onnxruntime is not installed", "pip install onnxruntime") from None
    return "opencv"


def runtime(backend: str) -> str:
    """The runtime and its version, as provenance names it."""
    if backend == "onnxruntime":
        return f"onnxruntime {metadata.version('onnxruntime')}"
    return f"opencv-dnn {cv2.__version__}"


class OnnxModel:
    """One model: a float32 input batch in, its first output out."""

    def __init__(self, path: Path, data: bytes, backend: str = "auto") -> None:
        self.backend = pick_backend(backend)
        if self.backend == "onnxruntime":
            import onnxruntime as ort

            so = ort.SessionOptions()
            so.intra_op_num_threads = 1
            so.inter_op_num_threads = 1
            so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            so.log_severity_level = 3
            self._ort = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
            self._input = self._ort.get_inputs()[0].name
        else:
            self._net = cv2.dnn.readNetFromONNX(str(path))

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        if self.backend == "onnxruntime":
            return self._ort.run(None, {self._input: batch})[0]
        self._net.setInput(batch)
        return self._net.forward()
