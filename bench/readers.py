"""Benchmark of the readers and their consensus: each reader alone, the vote, the oracle, the flags.

    python -m bench.readers [--quick] [--posters N] [--no-realdev] [--save FILE] [--no-save]

The consensus runs as users get it (the cascade: PP-OCRv4 and Tesseract only on some lines);
a second run with every reader on every line records what each read (result.json's
`readers`), so each PP-OCR reader alone is measured on the same detected lines as the vote.
Tesseract alone is `--engine tesseract` (its own detection size). The oracle counts only the
reference characters that no reader got right (an upper bound for any vote over these
readers). Flags: the share of the consensus's remaining errors that fall inside flagged
spans (recall), against the share of characters flagged.

Rows: *rendered* (styles the preprocessing was developed on), *foreign* (never tuned on) and
*realdev* (28 real images, order-free character F1; skipped when absent), and *article*, timed
only: the bundled demo article's 13 posters in one run (start-up weighs as it does for a user
reading an article; the short rendered rows are mostly start-up).

Speed, per row, in this one run (wall and CPU seconds per image; the CPU figure holds on a
machine shared with others, the wall figure only on a quiet one):
- the default path as users run it: `ocrpipe ocr IMAGE... -o FILE`, a fresh process with its
  default worker pool (one worker per core), start-up and model loading included;
- plain `tesseract IMAGE - -l chi_sim` with OMP_THREAD_LIMIT=1, one image at a time (how a
  user runs it), and two at a time (`xargs -P2`, its best use of two cores);
- the consensus and `--engine tesseract` in this process, one image at a time (jobs=1).
The CPU seconds of the processes a command starts (ocrpipe's workers) are counted: this
process becomes their subreaper (Linux), so they are reaped here.
`--speed-only` runs just the speed rows (no accuracy), for a rerun on a quiet machine.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import os
import resource
import shlex
import subprocess
import sys
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
SPEED_SAVE = Path("bench/readers-speed-last-run.json")  # --speed-only
READERS = ("ppocrv6", "ppocrv4", "tesseract")
ROWS = ("rendered", "foreign", "realdev", "article")
# the bundled article's posters (what `make demo` reads): an article's worth in one run, so the
# start-up weighs as it does for users; timed only (its truth is the demo's, scored by the tests)
ARTICLE = Path(__file__).resolve().parents[1] / "samples" / "demo" / "posters"


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


def every_reader(paths: list[Path]) -> list[ImageResult]:
    """The consensus with every reader on every line (no cascade): what each reader alone reads, for the oracle."""
    mod = importlib.import_module("ocrpipe.recognition.engines._consensus")
    saved, mod.ASK_ALL = mod.ASK_ALL, True
    try:
        return run_engine(paths, "consensus")[0]
    finally:
        mod.ASK_ALL = saved


def run_plain(paths: list[Path]) -> tuple[list[str], float, float]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    c0, t0 = _cpu(), time.perf_counter()
    out = []
    for p in paths:
        r = subprocess.run(["tesseract", str(p), "-", "-l", "chi_sim"], capture_output=True, text=True, timeout=300, env=env)
        out.append(r.stdout)
    return out, time.perf_counter() - t0, _cpu() - c0


def _subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux), so their CPU time is counted."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap() -> None:
    """Wait for every descendant left (a pool's forkserver exits after its parent)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of a command and everything it started."""
    _reap()
    c0, t0 = _cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=3600, env=env)
    wall = time.perf_counter() - t0
    _reap()
    return wall, _cpu() - c0


def speed_row(paths: list[Path], out: Path) -> dict:
    """Wall and CPU seconds per image: `ocrpipe ocr` as users run it, plain tesseract one and two at a time."""
    n = max(1, len(paths))
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}  # ocrpipe's workers pin themselves
    cli = timed([sys.executable, "-m", "ocrpipe", "ocr", "--quiet", "-o", str(out), *map(str, paths)], env)
    tess = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    names = " ".join(shlex.quote(str(p)) for p in paths)
    one = timed(["sh", "-c", f'for p in {names}; do tesseract "$p" - -l chi_sim >/dev/null 2>&1; done'], tess)
    two = timed(
        ["sh", "-c", f"printf '%s\\n' {names} | xargs -P2 -I{{}} sh -c 'tesseract \"$1\" - -l chi_sim >/dev/null 2>&1' _ {{}}"],
        tess,
    )
    row = {
        "ocrpipe-ocr": {"wall": cli[0] / n, "cpu": cli[1] / n, "workers": min(n, os.cpu_count() or 1)},
        "plain-tesseract-1": {"wall": one[0] / n, "cpu": one[1] / n},
        "plain-tesseract-2": {"wall": two[0] / n, "cpu": two[1] / n},
    }
    row["ratio"] = {
        "wall_vs_1": cli[0] / max(1e-9, one[0]),
        "wall_vs_2": cli[0] / max(1e-9, two[0]),
        "cpu_vs_tesseract": cli[1] / max(1e-9, one[1]),
    }
    return row


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
    lines = _line_masks(result)
    hyp = "".join(text for text, _m in lines)
    flagged = [m for _t, mask in lines for m in mask]
    ref = squash(truth)
    covered, errors = _tally(SequenceMatcher(None, ref, hyp, autojunk=False).get_opcodes(), ref, flagged)
    return covered, errors, sum(flagged), len(hyp)


def _tally(ops: list[tuple[str, int, int, int, int]], ref: str, flagged: list[bool]) -> tuple[int, int]:
    """(errors inside flagged spans, errors) of alignment steps of ref against a text with its flag mask.
    An insertion counts as covered when a flag touches either side of it."""
    covered = errors = 0
    for tag, i1, i2, j1, j2 in ops:
        n = _errors(tag, ref[i1:i2], j2 - j1)
        if not n:
            continue
        errors += n
        near = flagged[max(0, j1 - 1) : j2 + 1] if j1 == j2 else flagged[j1:j2]
        if any(near):
            covered += n
    return covered, errors


def _errors(tag: str, ref: str, got: int) -> int:
    """Character errors of one alignment step; a reference's `?` (an unsure transcription) is no error."""
    if tag == "equal" or (ref and set(ref) == {"?"} and got <= len(ref)):
        return 0
    return max(len(ref), got)


def _line_masks(result: ImageResult) -> list[tuple[str, list[bool]]]:
    """Each line's characters (no whitespace) with whether a flag covers each."""
    out = []
    for ln in result.lines:
        mask = [False] * len(ln.text)
        for f in ln.flags:
            for k in range(f.start, min(f.end, len(mask))):
                mask[k] = True
        kept = [(ch, m) for ch, m in zip(ln.text, mask) if not ch.isspace()]
        if kept:
            out.append(("".join(ch for ch, _m in kept), [m for _ch, m in kept]))
    return out


def flag_coverage_by_line(result: ImageResult, truth: str) -> tuple[int, int, int, int]:
    """flag_coverage without reading order: each line is aligned to the reference line it reads best.

    For real images, whose reading order is not well defined (realdev is scored order-free):
    a line read in another order is no error. Errors are the edits inside each line's matched
    span of its reference line, plus reference characters no line matched (lost text, never
    covered by a flag).
    """
    b = flag_breakdown(result, truth)
    covered = b["covered_read"] + b["covered_unlisted"]
    return covered, b["read"] + b["unlisted"] + b["lost"], b["flagged"], b["chars"]


def flag_breakdown(result: ImageResult, truth: str) -> dict[str, int]:
    """The by-line errors split by whether a flag could reach them at all.

    Each output line is aligned to the reference line it reads best (as flag_coverage_by_line):
    - `read`: edits on a line that reads its reference line (at least half its characters match
      it); `covered_read` of them inside or beside a flag. The recall a flag can be judged by.
    - `unlisted`: characters of a line that matches no reference line (text the reference leaves
      out, such as small print a transcription skipped, or garbage read from an ornament);
      `covered_unlisted` of them flagged.
    - `lost`: reference characters no line read (a line or character lost before reading); no
      flag can mark them.
    """
    refs = [squash(t) for t in truth.splitlines() if squash(t)]
    hit = [[False] * len(r) for r in refs]
    out = dict.fromkeys(("covered_read", "read", "covered_unlisted", "unlisted", "lost", "flagged", "chars"), 0)
    for text, mask in _line_masks(result):
        out["flagged"] += sum(mask)
        out["chars"] += len(text)
        if not refs:
            out["unlisted"] += len(text)
            out["covered_unlisted"] += sum(mask)
            continue
        # the best-reading reference line; of equal ones (a label repeated), one not yet read
        k = max(
            range(len(refs)),
            key=lambda i: (SequenceMatcher(None, refs[i], text, autojunk=False).ratio(), -sum(hit[i])),
        )
        ops = SequenceMatcher(None, refs[k], text, autojunk=False).get_opcodes()
        while ops and ops[0][0] == "delete":  # the line reads only part of its reference line
            ops = ops[1:]
        while ops and ops[-1][0] == "delete":
            ops = ops[:-1]
        for _tag, i1, i2, _j1, _j2 in ops:
            for i in range(i1, i2):
                hit[k][i] = True
        c, e = _tally(ops, refs[k], mask)
        same = sum(i2 - i1 for tag, i1, i2, _j1, _j2 in ops if tag == "equal")
        kind = "read" if 2 * same >= len(text) else "unlisted"
        out[kind] += e
        out[f"covered_{kind}"] += c
    out["lost"] = sum(1 for r, h in zip(refs, hit) for ch, x in zip(r, h) if not x and ch != "?")
    return out


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


def _row(name: str, paths: list[Path], truths: list[str] | None, refs: list[tuple[str, str]] | None, tmp: Path) -> dict:
    cons, cons_wall, cons_cpu = run_engine(paths, "consensus")
    tess, tess_wall, tess_cpu = run_engine(paths, "tesseract")
    plain, plain_wall, plain_cpu = run_plain(paths)
    per = [reader_texts(r) for r in every_reader(paths)]
    texts = {k: [p.get(k, "") for p in per] for k in ("ppocrv6", "ppocrv4")}
    texts["consensus"] = [r.text for r in cons]
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
        by_line = [flag_coverage_by_line(r, refs[i][1]) for i, r in enumerate(cons) if refs[i][0] in rd.GOLD]
        row["flags_by_line"] = _coverage(by_line)
        parts = [flag_breakdown(r, refs[i][1]) for i, r in enumerate(cons) if refs[i][0] in rd.GOLD]
        row["flags_parts"] = {k: sum(p[k] for p in parts) for k in parts[0]} if parts else {}
    row["flags"] = _coverage(cov)
    lines = [ln for r in cons for ln in r.lines if ln.readers]
    for reader in ("ppocrv4", "tesseract"):
        row[f"{reader}_asked"] = sum(1 for ln in lines if any(x.reader == reader for x in ln.readers)) / max(1, len(lines))
    row["speed"] = {
        "consensus": {"wall": cons_wall / n, "cpu": cons_cpu / n},
        "tesseract": {"wall": tess_wall / n, "cpu": tess_cpu / n},
        "plain-tesseract": {"wall": plain_wall / n, "cpu": plain_cpu / n},
        "default-path": speed_row(paths, tmp / f"{name}.txt"),
    }
    return row


def _coverage(cov: list[tuple[int, int, int, int]]) -> dict:
    covered, errors, flagged, chars = (sum(c[k] for c in cov) for k in range(4))
    return {"recall": covered / max(1, errors), "flagged_share": flagged / max(1, chars), "errors": errors, "chars": chars}


def _material(group: str, posters: int, tmp: Path) -> tuple[list[Path], list[str]]:
    paths: list[Path] = []
    truths: list[str] = []
    for name, spec in {"rendered": SERIES[:2], "foreign": FOREIGN}[group]:
        rendered = render_series(spec)
        write_series(rendered, tmp / name)
        files = sorted((tmp / name / "posters").glob("p[0-9]*.jpg"))[:posters]
        paths += files
        truths += ["".join(p["lines"]) for p in rendered.ground_truth()["posters"]][: len(files)]
    return paths, truths


def run(
    posters: int, realdev: bool, groups: tuple[str, ...] = ROWS, realdev_dir: Path = rd.REALDEV, speed_only: bool = False
) -> dict:
    _subreaper()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ocrpipe-readers-") as tmp:
        sets: list[tuple[str, list[Path], list[str] | None, list[tuple[str, str]] | None]] = []
        for group in ("rendered", "foreign"):
            if group in groups:
                paths, truths = _material(group, posters, Path(tmp))
                sets.append((group, paths, truths, None))
        if realdev and "realdev" in groups and (realdev_dir / "images").is_dir():
            refs = rd.references(realdev_dir)
            paths = [p for p in rd.images(realdev_dir) if p.stem in refs]
            sets.append(("realdev", paths, None, [refs[p.stem] for p in paths]))
        if "article" in groups and ARTICLE.is_dir():
            sets.append(("article", sorted(ARTICLE.glob("p[0-9]*.jpg")), None, None))
        for group, paths, truths, gold in sets:
            if group == "article":
                rows.append(
                    {"row": group, "images": len(paths), "speed": {"default-path": speed_row(paths, Path(tmp) / "a.txt")}}
                )
                continue
            if speed_only:
                rows.append(
                    {"row": group, "images": len(paths), "speed": {"default-path": speed_row(paths, Path(tmp) / "o.txt")}}
                )
            else:
                rows.append(_row(group, paths, truths, gold, Path(tmp)))
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "posters_per_series": posters, "cores": os.cpu_count(), "rows": rows}


SYSTEMS = ("ppocrv6", "ppocrv4", "tesseract", "consensus", "oracle", "plain-tesseract")


def _parts_sentence(r: dict) -> str:
    """Where a realdev row's errors are: reading order, lost text, text the reference lacks, read lines."""
    p, total, by_line = r["flags_parts"], r["flags"]["errors"], r["flags_by_line"]["errors"]
    return (
        f"\n{r['row']}: {total} errors in reading order, {by_line} by line (reading order adds {total - by_line})."
        f" By line: {p['lost']} reference characters no line read; {p['unlisted']} characters on lines the"
        f" reference lacks ({p['covered_unlisted']} flagged); {p['read']} on read lines ({p['covered_read']} flagged)."
    )


def render(fig: dict) -> str:
    out = []
    scored = [r for r in fig["rows"] if "systems" in r]
    if scored:
        out.append(
            "| row | images | " + " | ".join(SYSTEMS) + " | flag recall | chars flagged | PP-OCRv4 asked | Tesseract asked |"
        )
        out.append("| --- | --: |" + " --: |" * (len(SYSTEMS) + 4))
    for r in scored:
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
        if "flags_by_line" in r:
            bl = r["flags_by_line"]
            flags = f"{100 * fl['recall']:.0f}% of {fl['errors']} (by line: {100 * bl['recall']:.0f}% of {bl['errors']}"
            p = r.get("flags_parts")
            if p:
                flags += f"; on read lines: {100 * p['covered_read'] / max(1, p['read']):.0f}% of {p['read']}"
            flags += f") | {100 * fl['flagged_share']:.1f}%"
        asked = f"{100 * r.get('ppocrv4_asked', 1.0):.0f}% | {100 * r['tesseract_asked']:.0f}%"
        out.append(f"| {r['row']} | {r['images']} | " + " | ".join(cells) + f" | {flags} | {asked} |")
    if scored:
        out.append(
            "\nCells: CER on rendered rows; realdev: character F1 against truth+transcribed / silver; its flag recall"
            " also by line (each line aligned to the reference line it reads best: reading order is no error) and on"
            " read lines (only errors on lines that read a reference line: no lost text, no text the reference lacks)."
        )
        out += [_parts_sentence(r) for r in scored if r.get("flags_parts")]
        out.append(
            "\n| row | consensus, jobs=1 (wall, CPU s/image) | tesseract engine | plain tesseract (OMP_THREAD_LIMIT=1) |"
        )
        out.append("| --- | --: | --: | --: |")
        for r in scored:
            sp = r["speed"]
            out.append(
                f"| {r['row']} | "
                + " | ".join(f"{sp[k]['wall']:.2f}, {sp[k]['cpu']:.2f}" for k in ("consensus", "tesseract", "plain-tesseract"))
                + " |"
            )
    out.append(
        f"\nThe default path as users run it, on {fig.get('cores')} cores (wall, CPU s/image):\n\n"
        "| row | `ocrpipe ocr` (pool) | plain tesseract, one at a time | plain tesseract, `xargs -P2` "
        "| wall vs one at a time | wall vs -P2 | CPU vs tesseract |"
    )
    out.append("| --- | --: | --: | --: | --: | --: | --: |")
    for r in fig["rows"]:
        d = r["speed"]["default-path"]
        cells = [f"{d[k]['wall']:.2f}, {d[k]['cpu']:.2f}" for k in ("ocrpipe-ocr", "plain-tesseract-1", "plain-tesseract-2")]
        ra = d["ratio"]
        cells += [f"{ra['wall_vs_1']:.2f}x", f"{ra['wall_vs_2']:.2f}x", f"{ra['cpu_vs_tesseract']:.2f}x"]
        out.append(f"| {r['row']} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.readers", description=__doc__.split("\n\n")[0])
    p.add_argument("--posters", type=int, default=4, help="posters per rendered series (default 4)")
    p.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated, from {', '.join(ROWS)}")
    p.add_argument("--no-realdev", action="store_true")
    p.add_argument("--realdev", type=Path, default=rd.REALDEV, help=f"the realdev folder (default {rd.REALDEV})")
    p.add_argument("--save", type=Path, default=DEFAULT_SAVE)
    p.add_argument("--no-save", action="store_true")
    p.add_argument("--speed-only", action="store_true", help="only the default path's speed against plain tesseract")
    args = p.parse_args(argv)
    if args.speed_only and args.save == DEFAULT_SAVE:
        args.save = SPEED_SAVE
    fig = run(args.posters, not args.no_realdev, tuple(args.rows.split(",")), args.realdev, args.speed_only)
    print(render(fig))
    if not args.no_save:
        from ocrpipe._io import atomic_write_json

        atomic_write_json(args.save, fig)
        print(f"saved {args.save}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
