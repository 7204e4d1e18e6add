"""Benchmark: accuracy and speed of ocrpipe against plain Tesseract on rendered poster series.

    python -m ocrpipe.bench [--quick] [--out DIR] [--save FILE] [--no-baseline]

Renders a fixed, seeded set of series (styles, fonts, degradations), runs the
whole pipeline on each, runs `tesseract IMAGE - -l chi_sim` on the raw posters
in the same run, prints one table, saves the figures as JSON and prints the
change from the last saved run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import FetchConfig, PreprocessConfig
from .ocr import OcrConfig
from .pipeline import RunConfig, run_article
from .sources import load_article
from .synth import STYLES, Degrade, SeriesSpec, render_series, write_series
from .textnorm import squash

DEFAULT_SAVE = Path("bench/last-run.json")

SERIES: tuple[tuple[str, SeriesSpec], ...] = (
    ("court-mild", SeriesSpec(seed=11, style=STYLES["court-red"], degrade=Degrade(rotate=1.5, blur=0.6, jpeg_quality=85))),
    ("blue-serif-rot3", SeriesSpec(title="优化营商环境16条", n_clauses=16, seed=12, style=STYLES["blue-gradient"],
                                   degrade=Degrade(rotate=3.0, blur=1.0, jpeg_quality=70))),
    ("yellow-wqy-small", SeriesSpec(title="助企纾困12条措施", n_clauses=12, seed=13, style=STYLES["yellow-banner"],
                                    degrade=Degrade(scale=0.6, jpeg_quality=60))),
    ("dark-inverted", SeriesSpec(title="知识产权保护10条", n_clauses=10, seed=14, style=STYLES["dark"],
                                 degrade=Degrade(rotate=2.0, blur=0.8, jpeg_quality=75))),
    ("court-missing-7", SeriesSpec(title="金融支持实体经济15条", n_clauses=15, seed=15, style=STYLES["court-red"],
                                   degrade=Degrade(rotate=1.0, noise=4.0, jpeg_quality=80), drop=(7,))),
)
QUICK: tuple[tuple[str, SeriesSpec], ...] = (
    ("quick", SeriesSpec(title="示例措施4条", n_clauses=4, seed=5, style=STYLES["court-red"],
                         degrade=Degrade(rotate=1.0, blur=0.5, jpeg_quality=85))),
)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


class PeakMemory:
    """Samples the summed RSS of this process and its descendants (Linux /proc)."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _tree_rss(pid: int) -> int:
        total, stack = 0, [pid]
        while stack:
            p = stack.pop()
            try:
                with open(f"/proc/{p}/status") as fh:
                    for line in fh:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) * 1024
                            break
                for task in os.listdir(f"/proc/{p}/task"):
                    with open(f"/proc/{p}/task/{task}/children") as fh:
                        stack.extend(int(c) for c in fh.read().split())
            except (OSError, ValueError):
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss(os.getpid()))
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mb(self) -> float:
        return self.peak / 2**20


@dataclass
class Figures:
    cer: float = 0.0
    edits: int = 0
    chars: int = 0
    seconds: float = 0.0
    posters: int = 0
    peak_mb: float = 0.0
    clause_recall: float | None = None
    clause_exact: float | None = None
    verification_right: bool | None = None
    extra: dict = field(default_factory=dict)

    @property
    def sec_per_poster(self) -> float:
        return self.seconds / max(self.posters, 1)


def _cer(truth_texts: list[str], got_texts: list[str]) -> tuple[int, int]:
    edits = chars = 0
    for t, g in zip(truth_texts, got_texts):
        t, g = squash(t), squash(g)
        edits += edit_distance(t, g)
        chars += len(t)
    return edits, chars


def run_ours(article: Path, truth: dict, work: Path, jobs: int, engine: str = "tesseract",
             segment: str = "lines", overrides: dict | None = None) -> Figures:
    pre = PreprocessConfig(**{"segment": segment, **(overrides or {})})
    config = RunConfig(fetch=FetchConfig(cache_dir=work / "cache", workers=2), ocr=OcrConfig(jobs=jobs, engine=engine),
                       preprocess=pre)
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        _fetched, result = run_article(load_article(str(article)), work / f"out-{engine}-{segment}", config)
        seconds = time.perf_counter() - t0
    posters = [p for p in truth["posters"]]
    got = {im.index: im.text for im in result.images}
    edits, chars = _cer(["".join(p["lines"]) for p in posters], [got.get(i, "") for i in range(len(posters))])
    found = {c.number: c for c in result.clauses}
    right = [c for c in truth["clauses"] if c["number"] in found and squash(found[c["number"]].title) == squash(c["title"])]
    exact = [c for c in truth["clauses"] if c["number"] in found and squash(found[c["number"]].text) == squash(c["body"])]
    complete = [c["number"] for c in truth["clauses"]] == list(range(1, truth["promised"] + 1))
    return Figures(cer=edits / max(chars, 1), edits=edits, chars=chars, seconds=seconds, posters=len(posters),
                   peak_mb=mem.mb, clause_recall=len(right) / len(truth["clauses"]),
                   clause_exact=len(exact) / len(truth["clauses"]),
                   verification_right=result.verification.ok == complete,
                   extra={"verification_ok": result.verification.ok, "missing": list(result.verification.missing)})


def run_baseline(poster_files: list[Path], truth: dict) -> Figures:
    """Plain `tesseract IMAGE - -l chi_sim` on each raw poster, one after another."""
    texts = []
    # As a user runs it: without the OMP_THREAD_LIMIT that ocrpipe sets for its own workers.
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        for f in poster_files:
            out = subprocess.run(["tesseract", str(f), "-", "-l", "chi_sim"], capture_output=True, text=True,
                                 timeout=300, env=env)
            texts.append(out.stdout)
        seconds = time.perf_counter() - t0
    edits, chars = _cer(["".join(p["lines"]) for p in truth["posters"]], texts)
    return Figures(cer=edits / max(chars, 1), edits=edits, chars=chars, seconds=seconds, posters=len(poster_files),
                   peak_mb=mem.mb)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f}%"


def render_table(rows: list[dict]) -> str:
    engines = [k for k in ("ours", "rapidocr") if any(r.get(k) for r in rows)]
    head = f"{'series':<18} {'posters':>7}"
    for k in engines:
        name = "tesseract" if k == "ours" else k
        head += f" | {name + ' CER':>14} {'recall':>7} {'exact':>7} {'verif':>5} {'s/poster':>8} {'peak MB':>7}"
    head += f" | {'plain CER':>9} {'s/poster':>8} {'peak MB':>7} | {'CER x':>6} {'speed x':>7}"
    out = [head, "-" * len(head)]
    for r in rows:
        o, b = r["ours"], r.get("baseline")
        line = f"{r['series']:<18} {o['posters']:>7}"
        for k in engines:
            e = r.get(k)
            if not e:
                line += f" | {'-':>14} {'-':>7} {'-':>7} {'-':>5} {'-':>8} {'-':>7}"
                continue
            verif = "-" if e["verification_right"] is None else ("yes" if e["verification_right"] else "NO")
            line += (f" | {_pct(e['cer']):>14} {_pct(e['clause_recall']):>7} {_pct(e['clause_exact']):>7} {verif:>5} "
                     f"{e['sec_per_poster']:>8.2f} {e['peak_mb']:>7.0f}")
        if b:
            ratio_cer = (b["cer"] / o["cer"]) if o["cer"] else float("inf")
            ratio_speed = b["sec_per_poster"] / max(o["sec_per_poster"], 1e-9)
            line += (f" | {_pct(b['cer']):>9} {b['sec_per_poster']:>8.2f} {b['peak_mb']:>7.0f} | "
                     f"{ratio_cer:>6.1f} {ratio_speed:>7.2f}")
        else:
            line += f" | {'-':>9} {'-':>8} {'-':>7} | {'-':>6} {'-':>7}"
        out.append(line)
    out.append("CER x and speed x: plain Tesseract's figure over ocrpipe's (tesseract engine); above 1 means ocrpipe wins.")
    return "\n".join(out)


def _as_dict(f: Figures) -> dict:
    return {"cer": f.cer, "edits": f.edits, "chars": f.chars, "seconds": round(f.seconds, 3), "posters": f.posters,
            "sec_per_poster": round(f.sec_per_poster, 3), "peak_mb": round(f.peak_mb, 1),
            "clause_recall": f.clause_recall, "clause_exact": f.clause_exact,
            "verification_right": f.verification_right, **f.extra}


def _overall(rows: list[dict], key: str) -> dict | None:
    parts = [r[key] for r in rows if r.get(key)]
    if not parts:
        return None
    edits, chars = sum(p["edits"] for p in parts), sum(p["chars"] for p in parts)
    secs, posters = sum(p["seconds"] for p in parts), sum(p["posters"] for p in parts)
    out = {"cer": edits / max(chars, 1), "edits": edits, "chars": chars, "seconds": round(secs, 3),
           "posters": posters, "sec_per_poster": round(secs / max(posters, 1), 3),
           "peak_mb": max(p["peak_mb"] for p in parts), "clause_recall": None, "clause_exact": None,
           "verification_right": None}
    if key in ("ours", "rapidocr"):
        n = sum(1 for _ in parts)
        out["clause_recall"] = sum(p["clause_recall"] for p in parts) / n
        out["clause_exact"] = sum(p["clause_exact"] for p in parts) / n
        out["verification_right"] = all(p["verification_right"] for p in parts)
    return out


def rapidocr_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


def run_bench(series=SERIES, workdir: Path | None = None, baseline: bool = True, jobs: int | None = None,
              rapidocr: bool | None = None, rapidocr_segment: str = "lines", overrides: dict | None = None,
              only: tuple[str, ...] = ()) -> dict:
    """Render, run and measure every series; returns the figures as a dict."""
    jobs = jobs or os.cpu_count() or 1
    rapidocr = rapidocr_available() if rapidocr is None else rapidocr
    rows = []
    with tempfile.TemporaryDirectory(prefix="ocrpipe-bench-") as tmp:
        root = Path(workdir or tmp)
        for name, spec in series:
            if only and name not in only:
                continue
            rendered = render_series(spec)
            article = write_series(rendered, root / name / "sample")
            truth = rendered.ground_truth()
            row = {"series": name, "style": spec.style.name, "font": spec.style.family,
                   "degrade": truth["degrade"], "ours": _as_dict(run_ours(article, truth, root / name, jobs,
                                                                        overrides=overrides))}
            if rapidocr:
                row["rapidocr"] = _as_dict(run_ours(article, truth, root / name, jobs, engine="rapidocr",
                                                    segment=rapidocr_segment))
            if baseline:
                files = sorted((root / name / "sample" / "posters").glob("p[0-9]*.jpg"))
                row["baseline"] = _as_dict(run_baseline(files, truth))
            rows.append(row)
    overall = {"series": "overall", "ours": _overall(rows, "ours"), "rapidocr": _overall(rows, "rapidocr"),
               "baseline": _overall(rows, "baseline")}
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "jobs": jobs, "rapidocr_segment": rapidocr_segment,
            "overrides": overrides or {},
            "rows": rows, "overall": overall}


def compare(now: dict, before: dict) -> list[str]:
    """Lines saying how the overall figures moved since the saved run."""
    out = [f"change since the saved run of {before.get('date', '?')}:"]
    for engine in ("ours", "rapidocr"):
        a, b = now["overall"].get(engine), (before.get("overall") or {}).get(engine)
        if a and b:
            out.append(f" {'tesseract' if engine == 'ours' else engine}:")
            out += _changes(a, b)
    return out if len(out) > 1 else ["no comparable saved run"]


def _changes(a: dict, b: dict) -> list[str]:
    out = []
    for key, label, fmt in (("cer", "CER", "pct"), ("sec_per_poster", "s/poster", "num"),
                            ("clause_recall", "clause recall", "pct"), ("clause_exact", "clause exact", "pct"),
                            ("peak_mb", "peak MB", "num")):
        if a.get(key) is None or b.get(key) is None:
            continue
        if fmt == "pct":
            out.append(f"  {label:<14} {100 * b[key]:7.2f}% -> {100 * a[key]:7.2f}% ({100 * (a[key] - b[key]):+.2f} pts)")
        else:
            out.append(f"  {label:<14} {b[key]:8.2f} -> {a[key]:8.2f} ({a[key] - b[key]:+.2f})")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ocrpipe.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="one short series (the smoke version)")
    p.add_argument("--no-baseline", action="store_true", help="skip plain Tesseract")
    p.add_argument("--no-rapidocr", action="store_true", help="skip the rapidocr engine even when installed")
    p.add_argument("--rapidocr-segment", choices=("lines", "engine"), default="lines",
                   help="rapidocr on ocrpipe's line images (default) or with its own detector on the page")
    p.add_argument("--jobs", type=int, default=None, help="worker processes for ocrpipe (default: all cores)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a preprocessing setting for the tesseract run, e.g. target_height=36 "
                        "or binarize=otsu (repeatable; implies --no-save)")
    p.add_argument("--series", action="append", default=[], help="run only this series (repeatable)")
    p.add_argument("--save", type=Path, default=DEFAULT_SAVE, help=f"figures JSON (default {DEFAULT_SAVE})")
    p.add_argument("--no-save", action="store_true", help="print only")
    args = p.parse_args(argv)
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = int(value) if value.isdigit() else value
    figures = run_bench(QUICK if args.quick else SERIES, baseline=not args.no_baseline, jobs=args.jobs,
                        rapidocr=False if args.no_rapidocr else None, rapidocr_segment=args.rapidocr_segment,
                        overrides=overrides, only=tuple(args.series))
    print(render_table(figures["rows"] + [figures["overall"]]))
    print(f"(ocrpipe with {figures['jobs']} worker processes; baseline: `tesseract IMAGE - -l chi_sim`, "
          f"one poster at a time, default threading)")
    if args.save.exists():
        try:
            print("\n".join(compare(figures, json.loads(args.save.read_text("utf-8")))))
        except (OSError, ValueError, KeyError):
            print("the saved run could not be read; not compared")
    if not (args.no_save or args.quick or overrides or args.series):
        from ._io import atomic_write_json

        atomic_write_json(args.save, figures)
        print(f"saved {args.save}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
