"""Benchmark of the corpus store: `make bench-corpus` (python -m bench.corpus [--articles N]).

1. N rendered articles: `ocrpipe corpus add` against plain `ocrpipe run` of each, in
   the same process: articles per minute, and what the store adds (its own writes
   and look-ups, and the whole difference) as a share of the OCR time.
2. Search over a store of 100k generated clause rows (no OCR): p50/p95 latency of
   3-6 character FTS5 queries, and of the 1-2 character LIKE fallback.
3. Memory of a streamed export against the store's size: peak RSS of
   `ocrpipe corpus export` on 10k, 50k and 100k clauses (flat is the goal).
Prints the figures and saves them to bench/corpus-last-run.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ocrpipe.config import FetchConfig, OcrConfig
from ocrpipe.corpus._ingest import add
from ocrpipe.corpus._search import search
from ocrpipe.corpus._store import Store, clause_uid
from ocrpipe.pipeline import RunConfig, run_article

from .synth import SENTENCES, STYLES, TITLES, SeriesSpec, render_series, write_series

DEFAULT_SAVE = Path("bench/corpus-last-run.json")


def _articles(root: Path, n: int) -> list[Path]:
    styles = list(STYLES.values())
    out = []
    for i in range(n):
        spec = SeriesSpec(title=f"措施{3 + i % 3}条", n_clauses=3 + i % 3, seed=100 + i, style=styles[i % len(styles)])
        out.append(write_series(render_series(spec), root / f"a{i:03d}"))
    return out


class _Timed:
    """Wraps the store's write and look-up methods to add up their time."""

    def __init__(self, store: Store) -> None:
        self.seconds = 0.0
        for name in ("put_result", "put_failed", "known_image", "article"):
            setattr(store, name, self._wrap(getattr(store, name)))

    def _wrap(self, fn):
        def timed(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.seconds += time.perf_counter() - t0

        return timed


def ingest(n: int, jobs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="ocrpipe-bench-corpus-") as tmp:
        root = Path(tmp)
        articles = _articles(root / "src", n)
        config = RunConfig(fetch=FetchConfig(cache_dir=root / "cache"), ocr=OcrConfig(jobs=jobs))
        run_article(str(articles[0]), root / "warm", config)  # load models and caches once for both sides
        t0 = time.perf_counter()
        for i, a in enumerate(articles):
            run_article(str(a), root / f"run{i}", config)
        plain = time.perf_counter() - t0
        with Store(root / "c.db") as store:
            timer = _Timed(store)
            t0 = time.perf_counter()
            summary = add([str(a) for a in articles], store, config)
            corpus = time.perf_counter() - t0
            posters = store.db.execute("SELECT count(*) FROM article_images").fetchone()[0]
        return {
            "articles": n,
            "posters": posters,
            "done": summary.done,
            "plain_run_s": round(plain, 2),
            "corpus_add_s": round(corpus, 2),
            "articles_per_min": round(60 * n / corpus, 1),
            "store_s": round(timer.seconds, 3),
            "store_share_of_ocr": round(timer.seconds / plain, 4),
            "difference_share": round((corpus - plain) / plain, 4),
        }


def _fill(db: Path, clauses: int, seed: int = 7) -> list[str]:
    """A store with `clauses` generated clause rows (20 per article); returns texts to query from."""
    rng = random.Random(seed)
    with Store(db) as store, store.transaction():
        for a in range(clauses // 20):
            key = f"https://example.invalid/a{a}.html"
            cur = store.db.execute(
                "INSERT INTO articles (key, title, date, state, settings, version, verification, verified, provenance, "
                "updated) VALUES (?, ?, '2022-01-14', 'done', 's', 'bench', ?, 1, '{}', 0)",
                (
                    key,
                    f"政策文件{a}号",
                    json.dumps(
                        {
                            "expected": 20,
                            "found": list(range(1, 21)),
                            "missing": [],
                            "duplicates": [],
                            "out_of_order": [],
                            "ok": True,
                        }
                    ),
                ),
            )
            for k in range(20):
                title, body = rng.choice(TITLES), "".join(rng.sample(SENTENCES, 3))
                c = store.db.execute(
                    "INSERT INTO clauses (uid, article_id, ordinal, number, label, title, body, images, confidence) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, '[1]', 90)",
                    (clause_uid(key, k, k + 1), cur.lastrowid, k, k + 1, f"{k + 1}.", title, body),
                )
                store.db.execute("INSERT INTO clause_fts (rowid, title, body) VALUES (?, ?, ?)", (c.lastrowid, title, body))
    return SENTENCES + TITLES


def searching(clauses: int, queries: int) -> dict:
    rng = random.Random(3)
    with tempfile.TemporaryDirectory(prefix="ocrpipe-bench-search-") as tmp:
        db = Path(tmp) / "s.db"
        t0 = time.perf_counter()
        texts = _fill(db, clauses)
        fill_s = time.perf_counter() - t0
        with Store(db) as store:

            def sample(k: int) -> str:
                t = rng.choice(texts)
                i = rng.randrange(0, max(1, len(t) - k))
                return t[i : i + k]

            fts, like = [], []
            for _ in range(queries):
                q = sample(rng.randint(3, 6))
                t0 = time.perf_counter()
                _hits, _ = search(store, q, 20)
                fts.append(time.perf_counter() - t0)
            for _ in range(max(10, queries // 10)):
                q = sample(2)
                t0 = time.perf_counter()
                search(store, q, 20)
                like.append(time.perf_counter() - t0)
        size_mb = db.stat().st_size / 2**20

    def pct(xs: list[float], p: float) -> float:
        return round(1000 * statistics.quantiles(xs, n=100)[int(p) - 1], 2)

    return {
        "clauses": clauses,
        "fill_s": round(fill_s, 1),
        "db_mb": round(size_mb, 1),
        "queries": queries,
        "fts_p50_ms": pct(fts, 50),
        "fts_p95_ms": pct(fts, 95),
        "like_p50_ms": pct(like, 50),
        "like_p95_ms": pct(like, 95),
    }


def export_memory(sizes: tuple[int, ...]) -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory(prefix="ocrpipe-bench-export-") as tmp:
        for n in sizes:
            db = Path(tmp) / f"e{n}.db"
            _fill(db, n)
            code = (
                "import resource, sys; from ocrpipe.cli._main import main; rc = main(sys.argv[1:]); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
            )
            r = subprocess.run(
                [sys.executable, "-c", code, "corpus", "export", str(Path(tmp) / "o.jsonl"), "--db", str(db), "-q"],
                capture_output=True,
                text=True,
                check=True,
            )
            out.append({"clauses": n, "peak_rss_mb": round(int(r.stdout.split()[-1]) / 1024, 1)})
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, default=8, help="rendered articles to ingest (default 8)")
    p.add_argument("--clauses", type=int, default=100_000, help="generated clause rows to search (default 100000)")
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--save", type=Path, default=DEFAULT_SAVE)
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args(argv)
    figures = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "ingest": ingest(args.articles, args.jobs)}
    print("ingest:", json.dumps(figures["ingest"], ensure_ascii=False))
    figures["search"] = searching(args.clauses, args.queries)
    print("search:", json.dumps(figures["search"]))
    figures["export_memory"] = export_memory((10_000, 50_000, args.clauses))
    print("export memory:", json.dumps(figures["export_memory"]))
    if not args.no_save:
        args.save.write_text(json.dumps(figures, indent=1) + "\n", "utf-8")
        print(f"saved {args.save}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
