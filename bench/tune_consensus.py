"""Settings of the consensus measured from readings made once: routing, detection size, flags.

    python -m bench.tune_consensus [--rows tuned,harsh,lines,mild,foreign,realdev] [--posters N] [--sides PX]
                                   [--grid routing|tesseract|lead|split|flags] [--cache FILE] --save FILE

Every reader reads every detected line once; the readings are kept by the bytes of the line
image (`--cache`, a pickle outside the repository). Each setting is then replayed through the
real pipeline (`recognize_one`) with the kept readings, so a sweep costs the vote, not the
readers. A setting's reader seconds per image are estimated from each reader's measured CPU
seconds on the lines that setting asks it about; detection is reported apart.

Rows: *tuned* (the five rendered series the preprocessing was developed on), *harsh* (the same
styles, new seeds, degraded harder: small, blurred, noisy, low JPEG quality) and *lines* (150
single lines of the series' sentences in the tuned fonts, damaged likewise: recognition errors,
which the posters have few of, CER about 15%) and *mild* (300 such lines damaged less, about 1% of
characters wrong, nearer real images: the flags' material); these are the material thresholds
are chosen on. *foreign*
(never tuned on) and *realdev* (28 real images) are only for judging the choice.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import json
import os
import pickle
import random
import re
import resource
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ocrpipe.config import OcrConfig, PreprocessConfig
from ocrpipe.output._results import ImageResult
from ocrpipe.recognition import _consensus as vote_mod
from ocrpipe.recognition._recognize import Job, detector_for, recognize_one
from ocrpipe.recognition.engines._base import Recognized

from . import readers as rb
from . import realdev as rd
from .posters import FOREIGN, SERIES
from .synth import SENTENCES, TITLES, Degrade, SeriesSpec, degrade, font, render_series, write_series

engine_mod = importlib.import_module("ocrpipe.recognition.engines._consensus")  # the package shadows the name

HARSH = Degrade(rotate=1.5, blur=1.2, scale=0.55, jpeg_quality=45, noise=5.0)
ROWS = ("tuned", "harsh", "lines", "mild", "foreign", "realdev")
TUNING = ("tuned", "harsh", "lines", "mild")
LINE_FONTS = ("noto-sans", "noto-serif", "wqy-zenhei")  # the tuned styles' fonts, not the foreign ones


# how hard single lines are damaged: (scale, blur, noise, JPEG quality) ranges
HARD = ((0.22, 0.5), (0.5, 1.8), (3.0, 12.0), (15, 60))  # `lines`: CER about 15%
MILD = ((0.3, 0.6), (0.3, 1.4), (2.0, 8.0), (25, 75))  # `mild`: errors at a rate nearer real images'


def degraded_lines(n: int, folder: Path, seed: int = 7, damage: tuple = HARD) -> tuple[list[Path], list[str]]:
    """Single text lines in the tuned fonts, small, blurred, noisy and JPEG-damaged (recognition errors to flag)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    texts = [t for s in SENTENCES for t in re.split(r"(?<=[，。、])", s) if len(t) >= 4] + list(TITLES)
    paths, truths = [], []
    for i in range(n):
        text = rng.choice(texts)
        fnt = font(rng.choice(LINE_FONTS), rng.randint(24, 40), bold=rng.random() < 0.3)
        w = int(fnt.getlength(text)) + 24
        h = int(fnt.size * 1.6)
        bg, ink = rng.choice(
            (((255, 255, 255), (20, 20, 20)), ((250, 240, 220), (150, 20, 20)), ((180, 20, 30), (255, 240, 200)))
        )
        img = Image.new("RGB", (w, h), bg)
        ImageDraw.Draw(img).text((12, int(fnt.size * 0.25)), text, font=fnt, fill=ink)
        (s0, s1), (b0, b1), (n0, n1), (q0, q1) = damage
        img = degrade(img, Degrade(blur=rng.uniform(b0, b1), scale=rng.uniform(s0, s1), noise=rng.uniform(n0, n1)), rng)
        path = folder / f"line{i:03d}.jpg"
        img.save(path, quality=rng.randint(q0, q1))
        paths.append(path)
        truths.append(text)
    return paths, truths


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _key(image: np.ndarray, kind: str) -> str:
    h = hashlib.sha1(image.tobytes())
    h.update(f"{image.shape}{image.dtype}{kind}".encode())
    return h.hexdigest()


class Memo:
    """A reader whose readings are kept by line image; `cost` adds up the CPU seconds of each reading served."""

    def __init__(self, inner: Any, store: dict[str, tuple[Recognized, float]]) -> None:
        self.inner = inner
        self.store = store
        self.cost = 0.0
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def recognize_lines(self, images: list[np.ndarray], kinds: list[str] | None = None) -> list[Recognized]:
        kinds = kinds or ["text"] * len(images)
        keys = [_key(im, k) for im, k in zip(images, kinds)]
        missing = [i for i, k in enumerate(keys) if k not in self.store]
        if missing:
            c0 = _cpu()
            got = self.inner.recognize_lines([images[i] for i in missing], [kinds[i] for i in missing])
            spent = _cpu() - c0
            widths = [images[i].shape[1] / max(1, images[i].shape[0]) + 6.7 for i in missing]  # padded to 320/48
            for i, rec, w in zip(missing, got, widths):
                self.store[keys[i]] = (rec, spent * w / sum(widths))
        out = []
        for k in keys:
            rec, cost = self.store[k]
            self.cost += cost
            self.calls += 1
            out.append(rec)
        return out

    def recognize_line(self, image: np.ndarray, kind: str = "text") -> Recognized:
        k = _key(image, kind)
        if k not in self.store:
            c0 = _cpu()
            rec = self.inner.recognize_line(image, kind)
            self.store[k] = (rec, _cpu() - c0)
        rec, cost = self.store[k]
        self.cost += cost
        self.calls += 1
        return rec


class MemoDetector:
    """The text detector's detect/upside_down kept by image, with their CPU seconds."""

    def __init__(self, det: Any, store: dict[str, Any]) -> None:
        self.det = det
        self.store = store
        self.cost = 0.0
        self._detect, self._flip = det.detect, det.upside_down
        det.detect, det.upside_down = self.detect, self.upside_down

    def _get(self, key: str, fn: Any, arg: Any) -> Any:
        if key not in self.store:
            c0 = _cpu()
            self.store[key] = (fn(arg), _cpu() - c0)
        got, cost = self.store[key]
        self.cost += cost
        return got

    def detect(self, rgb: np.ndarray) -> Any:
        return self._get("det" + str(self.det.config.side) + _key(rgb, ""), self._detect, rgb)

    def upside_down(self, crops: list[np.ndarray]) -> Any:
        h = hashlib.sha1()
        for c in crops:
            h.update(_key(c, "").encode())
        return self._get("cls" + h.hexdigest(), self._flip, crops)


@contextlib.contextmanager
def setting(**values: Any) -> Iterator[None]:
    """Module constants of the consensus set for a while (CASCADE, CASCADE_BELOW, FLAG_SUPPORT, ...)."""
    saved = {}
    for name, v in values.items():
        mod = vote_mod if name.startswith("FLAG_") else engine_mod
        saved[(mod, name)] = getattr(mod, name)
        setattr(mod, name, v)
    try:
        yield
    finally:
        for (mod, name), v in saved.items():
            setattr(mod, name, v)


def material(
    rows: tuple[str, ...], posters: int, tmp: Path, realdev: Path = rd.REALDEV
) -> dict[str, tuple[list[Path], list[Any]]]:
    """row -> (image paths, truths): a poster's text, or realdev's (kind, text) reference."""
    out: dict[str, tuple[list[Path], list[Any]]] = {}
    groups: dict[str, list[tuple[str, SeriesSpec]]] = {
        "tuned": list(SERIES),
        "harsh": [(f"{n}-harsh", replace(s, seed=s.seed + 100, degrade=HARSH)) for n, s in SERIES],
        "foreign": list(FOREIGN),
    }
    for row in rows:
        if row == "realdev":
            if (realdev / "images").is_dir():
                refs = rd.references(realdev)
                paths = [p for p in rd.images(realdev) if p.stem in refs]
                out[row] = (paths, [refs[p.stem] for p in paths])
            continue
        if row == "lines":
            out[row] = degraded_lines(150, tmp / "lines")
            continue
        if row == "mild":
            out[row] = degraded_lines(300, tmp / "mild", seed=11, damage=MILD)
            continue
        paths, truths = [], []
        for name, spec in groups[row]:
            rendered = render_series(spec)
            write_series(rendered, tmp / name)
            files = sorted((tmp / name / "posters").glob("p[0-9]*.jpg"))[:posters]
            paths += files
            truths += ["".join(p["lines"]) for p in rendered.ground_truth()["posters"]][: len(files)]
        out[row] = (paths, truths)
    return out


class Replay:
    """The consensus engine with kept readings, and the pipeline run over one row."""

    def __init__(self, cache: dict[str, dict]) -> None:
        self.cache = cache
        self.engine = engine_mod.ConsensusEngine(OcrConfig(engine="consensus", jobs=1))
        self.engine.v6 = Memo(self.engine.v6, cache.setdefault("ppocrv6", {}))  # type: ignore[assignment]
        self.engine.v4 = Memo(self.engine.v4, cache.setdefault("ppocrv4", {}))  # type: ignore[assignment]
        self.engine.tesseract = Memo(self.engine.tesseract, cache.setdefault("tesseract", {}))
        self.detectors: dict[int, MemoDetector] = {}

    def run(self, paths: list[Path], side: int) -> tuple[list[ImageResult], dict[str, float]]:
        pre = PreprocessConfig(det_side=side)
        det = detector_for(pre)
        if side not in self.detectors:
            self.detectors[side] = MemoDetector(det, self.cache.setdefault("detector", {}))
        readers = [self.engine.v6, self.engine.v4, self.engine.tesseract]
        md = self.detectors[side]
        before = [r.cost for r in readers] + [md.cost]  # type: ignore[attr-defined]
        calls = [r.calls for r in readers]  # type: ignore[attr-defined]
        results = [recognize_one(Job(index=i, path=p, file=p.name), self.engine, pre) for i, p in enumerate(paths)]
        n = max(1, len(paths))
        spent = [(r.cost - b) / n for r, b in zip([*readers, md], before)]  # type: ignore[attr-defined]
        asked = [r.calls - c for r, c in zip(readers, calls)]  # type: ignore[attr-defined]
        return results, {
            "ppocrv6_s": spent[0],
            "ppocrv4_s": spent[1],
            "tesseract_s": spent[2],
            "readers_s": sum(spent[:3]),
            "detect_s": spent[3],
            "v4_share": asked[1] / max(1, asked[0]),
            "tesseract_share": asked[2] / max(1, asked[0]),
        }


def score(row: str, results: list[ImageResult], truths: list[Any]) -> dict[str, float]:
    if row == "realdev":
        gold = [i for i, (k, _r) in enumerate(truths) if k in rd.GOLD]
        silver = [i for i, (k, _r) in enumerate(truths) if k == "silver"]
        cov = [rb.flag_coverage(results[i], truths[i][1]) for i in gold]
        by_line = [rb.flag_coverage_by_line(results[i], truths[i][1]) for i in gold]
        parts = [rb.flag_breakdown(results[i], truths[i][1]) for i in gold]
        out = {
            "recall_by_line": sum(c[0] for c in by_line) / max(1, sum(c[1] for c in by_line)),
            "recall_read_lines": sum(b["covered_read"] for b in parts) / max(1, sum(b["read"] for b in parts)),
            "errors_read_lines": sum(b["read"] for b in parts),
            "gold_f1": sum(rd.char_f1(results[i].text, truths[i][1]) for i in gold) / max(1, len(gold)),
            "silver_f1": sum(rd.char_f1(results[i].text, truths[i][1]) for i in silver) / max(1, len(silver)),
        }
    else:
        s = rb.score_posters(truths, {"consensus": [r.text for r in results]})["consensus"]
        cov = [rb.flag_coverage(r, t) for r, t in zip(results, truths)]
        out = {"cer": s["cer"], "edits": s["edits"]}
    covered, errors, flagged, chars = (sum(c[k] for c in cov) for k in range(4))
    out.update(recall=covered / max(1, errors), flagged=flagged / max(1, chars), errors=errors, covered=covered)
    return out


def collect(replay: Replay, mat: dict, side: int) -> None:
    """Every reader on every line (fills the cache); the votes of this pass are not used."""
    with setting(CASCADE=False, ASK_ALL=True):
        for paths, _t in mat.values():
            replay.run(paths, side)


def sweep(replay: Replay, mat: dict, side: int, grid: list[dict[str, Any]]) -> list[dict]:
    out = []
    for values in grid:
        entry: dict[str, Any] = {"side": side, **values}
        with setting(**values):
            for row, (paths, truths) in mat.items():
                results, cost = replay.run(paths, side)
                entry[row] = {**score(row, results, truths), **cost}
        out.append(entry)
        print(json.dumps(_brief(entry), ensure_ascii=False), flush=True)
    return out


def _brief(entry: dict) -> dict:
    b = {k: v for k, v in entry.items() if not isinstance(v, dict)}
    for row, r in entry.items():
        if isinstance(r, dict):
            acc = f"{100 * r['cer']:.2f}%" if "cer" in r else f"{r['gold_f1']:.3f}/{r['silver_f1']:.3f}"
            if "recall_by_line" in r:
                acc += f" by-line recall {100 * r['recall_by_line']:.0f}%"
                acc += f" read lines {100 * r['recall_read_lines']:.0f}% of {r['errors_read_lines']}"
            b[row] = (
                f"{acc} flags {100 * r['recall']:.0f}%/{100 * r['flagged']:.1f}% "
                f"readers {r['readers_s']:.2f}s det {r['detect_s']:.2f}s "
                f"v4 {100 * r['v4_share']:.0f}% tess {100 * r['tesseract_share']:.0f}%"
            )
    return b


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.tune_consensus", description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", default=",".join(ROWS))
    p.add_argument("--posters", type=int, default=3, help="posters per rendered series (default 3)")
    p.add_argument("--sides", default="1568", help="detection sizes, comma-separated")
    p.add_argument("--grid", default="routing", choices=tuple(GRIDS))
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "ocrpipe-consensus-cache.pkl")
    p.add_argument("--realdev", type=Path, default=rd.REALDEV, help=f"the realdev folder (default {rd.REALDEV})")
    p.add_argument("--save", type=Path, required=True, help="where the figures go (JSON)")
    args = p.parse_args(argv)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cache: dict[str, dict] = pickle.loads(args.cache.read_bytes()) if args.cache.exists() else {}
    replay = Replay(cache)
    figures = []
    with tempfile.TemporaryDirectory(prefix="ocrpipe-tune-") as tmp:
        mat = material(tuple(args.rows.split(",")), args.posters, Path(tmp), args.realdev)
        for side in (int(s) for s in args.sides.split(",")):
            collect(replay, mat, side)
            args.cache.write_bytes(pickle.dumps(cache))
            figures += sweep(replay, mat, side, GRIDS[args.grid])
    args.save.write_text(
        json.dumps({"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "posters": args.posters, "figures": figures}, indent=1) + "\n",
        "utf-8",
    )
    print(f"saved {args.save}")
    return 0


GRIDS: dict[str, list[dict[str, Any]]] = {
    "routing": [{"CASCADE": False}] + [{"CASCADE": True, "CASCADE_BELOW": t} for t in (0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98)],
    "tesseract": [
        {"CASCADE": True, "CASCADE_BELOW": below, "AGREED_SKIP": skip} for below in (0.7, 0.9) for skip in (False, True)
    ],
    "lead": [
        {"CASCADE": True, "FLAG_SUPPORT": f, "FLAG_LEAD_BELOW": lead}
        for f in (0.5, 0.6)
        for lead in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
    ],
    "split": [
        {"CASCADE": True, "FLAG_SUPPORT": f, "FLAG_SPLIT_BELOW": split} for f in (0.5, 0.6) for split in (0.0, 0.7, 0.8, 0.9)
    ],
    "flags": [
        {"CASCADE": True, "FLAG_SUPPORT": f, "FLAG_BELOW": low}
        for f in (0.5, 0.6, 0.75)
        for low in (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)
    ],
}


if __name__ == "__main__":
    raise SystemExit(main())
