"""Benchmark on real images nobody here made: `../shared/realdev/` (see its README).

    python -m bench.realdev [--dir DIR] [--save FILE] [--only NAME]

Per image: ocrpipe with each engine and segmentation, plain `tesseract IMAGE - -l
chi_sim`, and RapidOCR alone on the raw image, scored by order-free character F1
(multisets of characters, punctuation and whitespace removed) against the truth or
transcribed reference and, separately, the silver one (RapidOCR's own output: for
gross failures only). Prints a table, lists images under 0.8, saves the figures.
Skips cleanly when the folder is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

from ocrpipe.config import OcrConfig, PreprocessConfig
from ocrpipe.recognition._executor import Job, recognize_all


def _find_realdev() -> Path:
    """$OCRPIPE_REALDEV, else the nearest `shared/realdev` above this checkout (a git worktree may sit deeper)."""
    if os.environ.get("OCRPIPE_REALDEV"):
        return Path(os.environ["OCRPIPE_REALDEV"])
    here = Path(__file__).resolve().parent
    for up in here.parents:
        if (up / "shared" / "realdev").is_dir():
            return up / "shared" / "realdev"
    return here.parents[1] / "shared" / "realdev"


REALDEV = _find_realdev()
DEFAULT_SAVE = Path("bench/realdev-last-run.json")
GOLD = ("truth", "transcribed")


def chars(text: str) -> Counter:
    """The characters that count: no whitespace, punctuation or symbols; full-width folded."""
    out: Counter = Counter()
    for ch in unicodedata.normalize("NFKC", text):
        cat = unicodedata.category(ch)
        if ch.isspace() or cat[0] in "PSZC" or ch == "?":
            continue
        out[ch.lower()] += 1
    return out


def char_f1(got: str, ref: str) -> float:
    g, r = chars(got), chars(ref)
    if not r:
        return 1.0 if not g else 0.0
    tp = sum((g & r).values())
    if tp == 0:
        return 0.0
    p, rc = tp / sum(g.values()), tp / sum(r.values())
    return 2 * p * rc / (p + rc)


def char_recall(got: str, ref: str) -> float:
    """The share of the reference's characters that were read (a silver reference misses text of its own,
    which F1 counts as our error: recall shows whether what it holds was read)."""
    g, r = chars(got), chars(ref)
    return sum((g & r).values()) / sum(r.values()) if r else 1.0


def references(folder: Path) -> dict[str, tuple[str, str]]:
    """image stem -> (kind, text)."""
    out = {}
    for f in sorted((folder / "refs").glob("*.txt")):
        stem, kind = f.name[:-4].rsplit(".", 1)
        out[stem] = (kind, f.read_text("utf-8"))
    return out


def images(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "images").iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


def run_ocrpipe(
    paths: list[Path], engine: str, segment: str, jobs: int, overrides: dict | None = None
) -> tuple[dict[str, str], float]:
    t0 = time.perf_counter()
    results, _ = recognize_all(
        [Job(index=i, path=p, file=p.name) for i, p in enumerate(paths)],
        OcrConfig(engine=engine, jobs=jobs),
        PreprocessConfig(**{"segment": segment, **(overrides or {})}),
    )
    return {Path(r.file or "").stem: r.text for r in results}, time.perf_counter() - t0


def run_plain_tesseract(paths: list[Path]) -> tuple[dict[str, str], float]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}  # as a user would run it
    t0 = time.perf_counter()
    out = {}
    for p in paths:
        r = subprocess.run(["tesseract", str(p), "-", "-l", "chi_sim"], capture_output=True, text=True, timeout=300, env=env)
        out[p.stem] = r.stdout
    return out, time.perf_counter() - t0


def run_rapidocr_alone(paths: list[Path]) -> tuple[dict[str, str], float] | None:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    import cv2

    ocr = RapidOCR()
    t0 = time.perf_counter()
    out = {}
    for p in paths:
        res, _ = ocr(cv2.imread(str(p)))
        out[p.stem] = "\n".join(r[1] for r in res or [])
    return out, time.perf_counter() - t0


def run(folder: Path, only: list[str], jobs: int, systems: list[str], overrides: dict | None = None) -> dict:
    refs = references(folder)
    paths = [p for p in images(folder) if not only or p.stem in only]
    outputs: dict[str, tuple[dict[str, str], float]] = {}
    for system in systems:
        if system == "tesseract":
            outputs[system] = run_plain_tesseract(paths)
        elif system == "rapidocr-alone":
            got = run_rapidocr_alone(paths)
            if got is not None:
                outputs[system] = got
        else:
            engine, segment = system.split(":")
            outputs[system] = run_ocrpipe(paths, engine, segment, jobs, overrides)
    rows = []
    for p in paths:
        kind, ref = refs.get(p.stem, ("none", ""))
        row = {"image": p.stem, "ref": kind, **{s: round(char_f1(o[0].get(p.stem, ""), ref), 3) for s, o in outputs.items()}}
        if kind == "silver":
            row["recall"] = {s: round(char_recall(o[0].get(p.stem, ""), ref), 3) for s, o in outputs.items()}
        rows.append(row)
    summary = {}
    for s, (_o, secs) in outputs.items():
        gold = [r[s] for r in rows if r["ref"] in GOLD]
        silver = [r[s] for r in rows if r["ref"] == "silver"]
        recall = [r["recall"][s] for r in rows if r["ref"] == "silver"]
        summary[s] = {
            "gold_f1": round(sum(gold) / len(gold), 3) if gold else None,
            "silver_f1": round(sum(silver) / len(silver), 3) if silver else None,
            "silver_recall": round(sum(recall) / len(recall), 3) if recall else None,
            "s_per_image": round(secs / max(1, len(paths)), 3),
        }
    return {"images": rows, "summary": summary, "n": len(paths)}


def render(fig: dict) -> str:
    systems = list(fig["summary"])
    out = ["| image | ref | " + " | ".join(systems) + " |", "| --- | --- |" + " --: |" * len(systems)]
    for r in fig["images"]:
        out.append(f"| {r['image']} | {r['ref']} | " + " | ".join(f"{r[s]:.2f}" for s in systems) + " |")
    for key, label in (
        ("gold_f1", "**mean F1, truth+transcribed**"),
        ("silver_f1", "**mean F1, silver**"),
        ("silver_recall", "mean share of the silver's characters read"),
        ("s_per_image", "s/image"),
    ):
        out.append(f"| {label} | | " + " | ".join(str(fig["summary"][s][key]) for s in systems) + " |")
    for s in systems:
        low = [r["image"] for r in fig["images"] if r[s] < 0.8]
        out.append(f"\n{s}: under 0.8: {', '.join(low) or 'none'}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.realdev", description=__doc__.split("\n\n")[0])
    p.add_argument("--dir", type=Path, default=REALDEV, help=f"the realdev folder (default {REALDEV})")
    p.add_argument("--only", action="append", default=[], help="only this image stem (repeatable)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument(
        "--systems",
        default="consensus:detect,tesseract:detect,tesseract:lines,rapidocr:detect,rapidocr:lines,tesseract,rapidocr-alone",
        help="comma-separated: ENGINE:SEGMENT for ocrpipe, 'tesseract' (plain), 'rapidocr-alone'",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a preprocessing setting for ocrpipe, e.g. det_side=1280 (implies --no-save)",
    )
    p.add_argument("--save", type=Path, default=DEFAULT_SAVE)
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args(argv)
    if not (args.dir / "images").is_dir():
        print(f"realdev: {args.dir} is absent; skipped", file=sys.stderr)
        return 0
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    overrides = {k: int(v) if v.isdigit() else v for k, _, v in (x.partition("=") for x in args.set)}
    fig = run(args.dir, args.only, args.jobs, [s for s in args.systems.split(",") if s], overrides)
    fig["overrides"] = overrides
    print(render(fig))
    if not (args.no_save or overrides or args.only):
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(fig, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"\nsaved {args.save}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
