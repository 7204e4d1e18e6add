"""Vision: OpenCV geometry, the DB text detector, the ink model and reading order; images in, line crops out."""
