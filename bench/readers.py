"""Benchmark of the readers and their consensus: each reader alone, the vote, the oracle, the flags.

    python -m bench.readers [--quick] [--posters N] [--no-realdev] [--save FILE] [--no-save]

One consensus run per row records what every reader read on every line (result.json's
`readers`), so each PP-OCR reader alone is measured on the same detected lines as the vote.
Tesseract alone is `--engine tesseract` (its own detection size). The oracle counts only the
reference characters that no reader got right (an upper bound for any vote over these
readers). Flags: the share of the consensus's remaining errors that fall inside flagged
spans (recall), against the share of characters flagged.

Rows: *rendered* (styles the preprocessing was developed on), *foreign* (never tuned on) and
*realdev* (28 real images, order-free character F1; skipped when absent). Speed: the
consensus and `--engine tesseract` beside plain `tesseract IMAGE - -l chi_sim` with
OMP_THREAD_LIMIT=1, one image at a time in this one run: wall seconds and CPU seconds per
image (the CPU figure holds on a machine shared with others).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from difflib import SequenceMatcher
from pathlib import Path

from ocrpipe.config import OcrConfig, PreprocessConfig
from ocrpipe.output._results import ImageResult
from ocrpipe.recognition._executor import Job, recognize_all
from ocrpipe.structure._textnorm import squash

from . import realdev as rd
from .posters import FOREIGN, SERIES, edit_distance
from .synth import render_series, write_series

DEFAULT_SAVE = Path("bench/readers-last-run.json")
READERS = ("ppocrv6", "ppocrv4", "tesseract")
ROWS = ("rendered", "foreign", "realdev")


def _cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def run_engine(paths: list[Path], engine: str) -> tuple[list[ImageResult], float, float]:
    """ocrpipe on each image in this process (jobs=1, so its CPU time is counted here)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    jobs = [Job(index=i, path=p, file=p.name) for i, p in enumerate(paths)]
    # load the models before the clock starts: a worker loads them once, not per image
    recognize_all(jobs[:1], OcrConfig(engine=engine, jobs=1), PreprocessConfig())
    c0, t0 = _cpu(), time.perf_counter()
    results, _ = recognize_all(jobs, OcrConfig(engine=engine, jobs=1), PreprocessConfig())
    return results, time.perf_counter() - t0, _cpu() - c0


def run_plain(paths: list[Path]) -> tuple[list[str], float, float]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    c0, t0 = _cpu(), time.perf_counter()
    out = []
    for p in paths:
        r = subprocess.run(["tesseract", str(p), "-", "-l", "chi_sim"], capture_output=True, text=True, timeout=300, env=env)
        out.append(r.stdout)
    return out, time.perf_counter() - t0, _cpu() - c0


def reader_texts(result: ImageResult) -> dict[str, str]:
    """What each PP-OCR reader alone read on the image (every line), and the consensus."""
    out: dict[str, list[str]] = {r: [] for r in READERS[:2]}
    for ln in result.lines:
        seen = {r.reader: r.text for r in ln.readers}
        for r in out:
            if r in seen:
                out[r].append(seen[r])
            elif not ln.readers:
                out[r].append(ln.text)  # a badge read before the vote
    texts = {r: "\n".join(v) for r, v in out.items()}
    texts["consensus"] = result.text
    return texts


def flag_coverage(result: ImageResult, truth: str) -> tuple[int, int, int, int]:
    """(errors inside flagged spans, errors, flagged characters, characters) of the consensus text."""
    hyp: list[str] = []
    flagged: list[bool] = []
    for ln in result.lines:
        mask = [False] * len(ln.text)
        for f in ln.flags:
            for k in range(f.start, min(f.end, len(mask))):
                mask[k] = True
        for ch, m in zip(ln.text, mask):
            if not ch.isspace():
                hyp.append(ch)
                flagged.append(m)
    ref = squash(truth)
    covered = errors = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, ref, "".join(hyp), autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        n = max(i2 - i1, j2 - j1)
        errors += n
        near = flagged[max(0, j1 - 1) : j2 + 1] if j1 == j2 else flagged[j1:j2]
        if any(near):
            covered += n
    return covered, errors, sum(flagged), len(hyp)


def matched(ref: str, hyp: str) -> set[int]:
    """Positions of `ref` that `hyp` got right (aligned equal)."""
    out: set[int] = set()
    for tag, i1, i2, _j1, _j2 in SequenceMatcher(None, ref, hyp, autojunk=False).get_opcodes():
        if tag == "equal":
            out.update(range(i1, i2))
    return out


def score_posters(truths: list[str], texts: dict[str, list[str]]) -> dict[str, dict]:
    """CER per system over the posters, and the oracle (reference characters no reader got right)."""
    out = {}
    for name, got in texts.items():
        edits = sum(edit_distance(squash(t), squash(g)) for t, g in zip(truths, got))
        chars = sum(len(squash(t)) for t in truths)
        out[name] = {"cer": edits / max(1, chars), "edits": edits, "chars": chars}
    missed = 0
    for i, t in enumerate(truths):
        ref = squash(t)
        hit: set[int] = set()
        for r in READERS:
            if r in texts:
                hit |= matched(ref, squash(texts[r][i]))
        missed += len(ref) - len(hit)
    chars = sum(len(squash(t)) for t in truths)
    out["oracle"] = {"cer": missed / max(1, chars), "edits": missed, "chars": chars}
    return out


def _row(name: str, paths: list[Path], truths: list[str] | None, refs: list[tuple[str, str]] | None) -> dict:
    cons, cons_wall, cons_cpu = run_engine(paths, "consensus")
    tess, tess_wall, tess_cpu = run_engine(paths, "tesseract")
    plain, plain_wall, plain_cpu = run_plain(paths)
    per = [reader_texts(r) for r in cons]
    texts = {k: [p.get(k, "") for p in per] for k in ("ppocrv6", "ppocrv4", "consensus")}
    texts["tesseract"] = [r.text for r in tess]
    texts["plain-tesseract"] = plain
    n = len(paths)
    row: dict = {"row": name, "images": n}
    if truths is not None:
        row["systems"] = score_posters(truths, texts)
        cov = [flag_coverage(r, t) for r, t in zip(cons, truths)]
    else:
        assert refs is not None
        gold = [i for i, (k, _r) in enumerate(refs) if k in rd.GOLD]
        silver = [i for i, (k, _r) in enumerate(refs) if k == "silver"]
        row["systems"] = {
            s: {
                "gold_f1": sum(rd.char_f1(got[i], refs[i][1]) for i in gold) / max(1, len(gold)),
                "silver_f1": sum(rd.char_f1(got[i], refs[i][1]) for i in silver) / max(1, len(silver)),
            }
            for s, got in texts.items()
        }
        cov = [flag_coverage(r, refs[i][1]) for i, r in enumerate(cons) if refs[i][0] in rd.GOLD]
    covered, errors, flagged, chars = (sum(c[k] for c in cov) for k in range(4))
    row["flags"] = {
        "recall": covered / max(1, errors),
        "flagged_share": flagged / max(1, chars),
        "errors": errors,
        "chars": chars,
    }
    lines = sum(len(r.lines) for r in cons)
    asked = sum(1 for r in cons for ln in r.lines if any(x.reader == "tesseract" for x in ln.readers))
    row["tesseract_asked"] = asked / max(1, lines)
    row["speed"] = {
        "consensus": {"wall": cons_wall / n, "cpu": cons_cpu / n},
        "tesseract": {"wall": tess_wall / n, "cpu": tess_cpu / n},
        "plain-tesseract": {"wall": plain_wall / n, "cpu": plain_cpu / n},
    }
    return row


def run(posters: int, realdev: bool, groups: tuple[str, ...] = ROWS, realdev_dir: Path = rd.REALDEV) -> dict:
    rows = []
    with tempfile.TemporaryDirectory(prefix="ocrpipe-readers-") as tmp:
        for group, members in (("rendered", SERIES[:2]), ("foreign", FOREIGN)):
            if group not in groups:
                continue
            paths: list[Path] = []
            truths: list[str] = []
            for name, spec in members:
                rendered = render_series(spec)
                write_series(rendered, Path(tmp) / name)
                files = sorted((Path(tmp) / name / "posters").glob("p[0-9]*.jpg"))[:posters]
                paths += files
                truths += ["".join(p["lines"]) for p in rendered.ground_truth()["posters"]][: len(files)]
            rows.append(_row(group, paths, truths, None))
    if realdev and "realdev" in groups and (realdev_dir / "images").is_dir():
        refs = rd.references(realdev_dir)
        paths = [p for p in rd.images(realdev_dir) if p.stem in refs]
        rows.append(_row("realdev", paths, None, [refs[p.stem] for p in paths]))
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "posters_per_series": posters, "rows": rows}


SYSTEMS = ("ppocrv6", "ppocrv4", "tesseract", "consensus", "oracle", "plain-tesseract")


def render(fig: dict) -> str:
    out = ["| row | images | " + " | ".join(SYSTEMS) + " | flag recall | chars flagged | Tesseract asked |"]
    out.append("| --- | --: |" + " --: |" * (len(SYSTEMS) + 3))
    for r in fig["rows"]:
        cells = []
        for s in SYSTEMS:
            f = r["systems"].get(s)
            if f is None:
                cells.append("-")
            elif "cer" in f:
                cells.append(f"{100 * f['cer']:.2f}%")
            else:
                cells.append(f"{f['gold_f1']:.3f} / {f['silver_f1']:.3f}")
        fl = r["flags"]
        flags = f"{100 * fl['recall']:.0f}% of {fl['errors']} | {100 * fl['flagged_share']:.1f}%"
        out.append(f"| {r['row']} | {r['images']} | " + " | ".join(cells) + f" | {flags} | {100 * r['tesseract_asked']:.0f}% |")
    out.append("\nCells: CER on rendered rows; realdev: character F1 against truth+transcribed / silver.")
    out.append("\n| row | consensus s/image (wall, CPU) | tesseract engine | plain tesseract (OMP_THREAD_LIMIT=1) |")
    out.append("| --- | --: | --: | --: |")
    for r in fig["rows"]:
        sp = r["speed"]
        out.append(
            f"| {r['row']} | "
            + " | ".join(f"{sp[k]['wall']:.2f}, {sp[k]['cpu']:.2f}" for k in ("consensus", "tesseract", "plain-tesseract"))
            + " |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.readers", description=__doc__.split("\n\n")[0])
    p.add_argument("--posters", type=int, default=4, help="posters per rendered series (default 4)")
    p.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated, from {', '.join(ROWS)}")
    p.add_argument("--no-realdev", action="store_true")
    p.add_argument("--realdev", type=Path, default=rd.REALDEV, help=f"the realdev folder (default {rd.REALDEV})")
    p.add_argument("--save", type=Path, default=DEFAULT_SAVE)
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args(argv)
    fig = run(args.posters, not args.no_realdev, tuple(args.rows.split(",")), args.realdev)
    print(render(fig))
    if not args.no_save:
        from ocrpipe._io import atomic_write_json

        atomic_write_json(args.save, fig)
        print(f"saved {args.save}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
