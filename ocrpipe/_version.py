"""The one place the version is written: pyproject.toml reads it (dynamic version), the CLI prints it."""

__version__ = "0.2.0"
