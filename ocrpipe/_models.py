"""The model files that ship inside the package, listed with their sha256 in models/manifest.json.

Nothing is downloaded: a model is looked up in $OCRPIPE_MODELS (a folder a user points at),
else in the package's own models/ folder, and its sha256 is checked against the manifest
before anything loads it.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from importlib import resources
from pathlib import Path

from ocrpipe.errors import EngineNotAvailable

MODELS_ENV = "OCRPIPE_MODELS"


@cache
def manifest() -> dict[str, dict[str, str]]:
    """name -> {what, source, licence, sha256} for every model file the package ships."""
    text = resources.files("ocrpipe").joinpath("models/manifest.json").read_text("utf-8")
    return json.loads(text)


def package_dir() -> Path:
    """The package's own models/ folder."""
    return Path(str(resources.files("ocrpipe").joinpath("models")))


def models_dir() -> Path:
    """$OCRPIPE_MODELS when set, else the package's models/ folder."""
    env = os.environ.get(MODELS_ENV)
    return Path(env) if env else package_dir()


def model_bytes(name: str, folder: Path | None = None) -> tuple[Path, bytes]:
    """A shipped model's path and bytes, its sha256 checked; EngineNotAvailable when missing or different."""
    entry = manifest().get(name)
    if entry is None:
        raise KeyError(f"{name} is not in ocrpipe/models/manifest.json")
    path = (folder or models_dir()) / name
    hint = (
        f"the file ships inside the ocrpipe package (ocrpipe/models/, see its README.md); "
        f"reinstall ocrpipe or point ${MODELS_ENV} at a folder holding it"
    )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EngineNotAvailable(f"model {path} is missing: {exc.strerror or exc}", hint) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise EngineNotAvailable(
            f"model {path} has sha256 {digest[:12]}…, expected {entry['sha256'][:12]}… (damaged or a different model)", hint
        )
    return path, data
