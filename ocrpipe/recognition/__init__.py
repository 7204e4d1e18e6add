"""Recognition: the OCR engines behind one registry, and per-image recognition on a local pool or Dask."""
