"""The corpus (issue 12): articles rendered by the project's renderer, served on 127.0.0.1."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import synth
from ocrpipe.cli._main import main
from ocrpipe.corpus._store import APPLICATION_ID, SCHEMA_VERSION, Store
from ocrpipe.errors import ExitCode

from .http_helpers import FaultServer, send

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def _serve_series(server: FaultServer, name: str, spec: synth.SeriesSpec, extra: list[bytes] = ()) -> list[bytes]:
    """Serve a rendered series as /NAME.html with its posters; returns the poster bytes."""
    s = synth.render_series(spec)
    posters = [synth.jpeg_bytes(p, 85) for p in s.posters] + list(extra)
    pairs = []
    for i, data in enumerate(posters):
        path = f"/{name}/p{i}.jpg"
        server.routes[path] = (lambda d: lambda h, n: send(h, 200, d))(data)
        pairs.append((server.url(path), None))
    md = synth.article_markdown(f"{spec.title}，来了！", pairs, None)
    server.routes[f"/{name}.html"] = lambda h, n, md=md: send(h, 200, md.encode(), "text/html; charset=utf-8")
    return posters


@pytest.fixture(scope="module")
def corpus_server():
    server = FaultServer()
    a = _serve_series(server, "a", synth.SeriesSpec(title="助企纾困3条", n_clauses=3, seed=41))
    _serve_series(server, "b", synth.SeriesSpec(title="稳岗就业3条", n_clauses=3, seed=42, style=synth.STYLES["blue-gradient"]))
    _serve_series(server, "c", synth.SeriesSpec(title="金融支持4条", n_clauses=4, seed=43, drop=(2,)))
    # the same page under a second URL: one article, stored once as a duplicate
    server.routes["/a-copy.html"] = server.routes["/a.html"]
    # a poster shared with article a (its cover, no clauses), recognised once
    _serve_series(server, "d", synth.SeriesSpec(title="营商环境3条", n_clauses=3, seed=44), extra=[a[0]])
    yield server
    server.close()


def _article_list(tmp_path: Path, server: FaultServer) -> Path:
    dead = "http://127.0.0.1:9/gone.html"  # a host that refuses every connection: fails for good
    lines = [
        "# articles",
        server.url("/a.html"),
        server.url("/b.html"),
        server.url("/c.html"),
        server.url("/a-copy.html"),
        server.url("/d.html"),
        dead,
        server.url("/a.html#again"),
    ]
    p = tmp_path / "articles.txt"
    p.write_text("\n".join(lines) + "\n", "utf-8")
    return p


# the store is under test, not the engine: Tesseract alone keeps these runs short
FAST = ["--tries", "1", "--timeout", "5", "--connect-timeout", "2", "-q", "--engine", "tesseract"]


def _add(tmp_path, db: Path, lst: Path, *extra: str) -> int:
    return main(["corpus", "add", str(lst), "--db", str(db), "--cache-dir", str(tmp_path / "cache"), *FAST, *extra])


def _export(db: Path, out: Path, *extra: str) -> str:
    assert main(["corpus", "export", str(out), "--db", str(db), "-q", *extra]) == 0
    return out.read_text("utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory, corpus_server):
    tmp = tmp_path_factory.mktemp("corpus")
    lst = _article_list(tmp, corpus_server)
    db = tmp / "c.db"
    code = _add(tmp, db, lst, "--jobs", "2")
    return tmp, lst, db, code


def test_add_stores_articles_dedups_and_records_failures(built, capsys):
    _tmp, _lst, db, code = built
    assert code == ExitCode.DOWNLOAD_FAILED  # the dead host
    with Store(db) as store:
        st = store.status()
        assert st["counts"]["done"] == 4 and st["counts"]["duplicate"] == 1 and st["counts"]["failed"] == 1
        assert st["failed"][0]["key"] == "http://127.0.0.1:9/gone.html" and st["failed"][0]["error"]
        assert [d["key"].rsplit("/", 1)[1] for d in st["duplicates"]] == ["a-copy.html"]
        bad = st["verification_failed"]
        assert len(bad) == 1 and bad[0]["key"].endswith("/c.html") and bad[0]["missing"] == [2]
        # the poster a and d share was recognised once
        shared = store.db.execute(
            "SELECT count(DISTINCT sha256), count(*) FROM article_images "
            "WHERE sha256 IN (SELECT sha256 FROM article_images GROUP BY sha256 "
            "HAVING count(DISTINCT article_id) > 1)"
        ).fetchone()
        assert shared[0] >= 1
        n_images = store.db.execute("SELECT count(*) FROM images").fetchone()[0]
        distinct = store.db.execute("SELECT count(DISTINCT sha256) FROM article_images WHERE status='ok'").fetchone()[0]
        assert n_images == distinct
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_rerun_skips_what_is_done_and_retries_failures(built, capsys):
    tmp, lst, db, _ = built
    t0 = time.monotonic()
    assert _add(tmp, db, lst) == ExitCode.DOWNLOAD_FAILED  # the dead host again, and only it
    assert time.monotonic() - t0 < 15
    with Store(db) as store:
        assert store.status()["failed"][0]["error"]


def test_search_finds_three_and_two_character_phrases(built, capsys):
    _tmp, _lst, db, _ = built
    truth = synth.render_series(synth.SeriesSpec(title="助企纾困3条", n_clauses=3, seed=41)).clauses[0]
    phrase = truth.title[:4]
    assert main(["search", phrase, "--db", str(db), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert not out["like_scan"] and out["hits"]
    assert any(f"[{phrase}]" in h["snippet"] for h in out["hits"])
    assert main(["search", phrase[:2], "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert "LIKE" in captured.err and f"[{phrase[:2]}]" in captured.out


def test_export_validates_and_streams_every_level(built, tmp_path):
    import jsonschema

    _, _, db, _ = built
    schema = json.loads((REPO / "ocrpipe/output/schema/corpus-clause.schema.json").read_text())
    records = [json.loads(x) for x in _export(db, tmp_path / "c.jsonl").splitlines()]
    assert len(records) == 3 + 3 + 3 + 3  # a, b, c (one clause missing), d
    for r in records:
        jsonschema.validate(r, schema)
    assert len({r["id"] for r in records}) == len(records)
    csv_text = _export(db, tmp_path / "i.csv", "--format", "csv", "--level", "image")
    assert csv_text.splitlines()[0].startswith("article,")
    arts = _export(db, tmp_path / "a.txt", "--format", "txt", "--level", "article")
    assert "duplicate" in arts and "failed" in arts


def test_killed_at_any_moment_then_resumed_equals_an_uninterrupted_run(built, tmp_path):
    tmp, lst, db, _ = built
    whole = _export(db, tmp_path / "whole.jsonl")
    db2 = tmp_path / "k.db"
    cmd = [
        sys.executable,
        "-m",
        "ocrpipe",
        "corpus",
        "add",
        str(lst),
        "--db",
        str(db2),
        "--cache-dir",
        str(tmp / "cache"),
        "--jobs",
        "1",
        *FAST,
    ]
    for delay in (2.0, 4.5):  # kill twice, mid-way through different articles
        proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == ExitCode.DOWNLOAD_FAILED, done.stderr
    assert _export(db2, tmp_path / "resumed.jsonl") == whole
    con = sqlite3.connect(db2)
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 6
    assert con.execute("SELECT count(*) FROM clauses").fetchone()[0] == len(whole.splitlines())
    assert not list(tmp_path.glob(".ocrpipe-corpus-*"))  # the killed runs' work folders were cleared


def test_import_adds_a_finished_run_without_ocr(demo_run, tmp_path):
    _, out = demo_run
    db = tmp_path / "i.db"
    assert main(["corpus", "import", str(out), "--db", str(db), "-q"]) == 0
    with Store(db) as store:
        assert store.counts()["clauses"] == 20
    assert main(["search", "中小微企业", "--db", str(db), "-q"]) == 0


def test_status_counts_the_readers_disagreements(demo_result, tmp_path):
    data = json.loads(demo_result.read_text("utf-8"))
    for im in data["images"]:
        for ln in im["lines"]:
            ln["flags"] = []
    line = data["images"][0]["lines"][0]
    line["flags"] = [{"start": 0, "end": 1, "confidence": 40.0}, {"start": 2, "end": 3, "confidence": 55.0}]
    data["images"][1]["lines"][0]["flags"] = [{"start": 0, "end": 2, "confidence": 60.0}]
    demo_result.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    db = tmp_path / "f.db"
    assert main(["corpus", "import", str(demo_result.parent), "--db", str(db), "-q"]) == 0
    with Store(db) as store:
        counts = store.counts()
    assert (counts["flags"], counts["flagged_lines"]) == (3, 2)


def test_a_dask_cluster_gives_the_same_store(built, tmp_path):
    distributed = pytest.importorskip("distributed")
    tmp, lst, db, _ = built
    whole = _export(db, tmp_path / "whole.jsonl")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", host="127.0.0.1"
    ) as cluster:
        assert _add(tmp, tmp_path / "d.db", lst, "--dask", cluster.scheduler_address) == ExitCode.DOWNLOAD_FAILED
    assert _export(tmp_path / "d.db", tmp_path / "dask.jsonl") == whole


def test_a_store_from_the_future_is_refused(tmp_path, capsys):
    db = tmp_path / "f.db"
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # a later ocrpipe marks its stores as now
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    assert main(["corpus", "status", "--db", str(db)]) == ExitCode.BAD_INPUT
    assert "newer" in capsys.readouterr().err


def test_corpus_review_pages_list_failed_verifications_first(built, tmp_path):
    tmp, _, db, _ = built
    assert main(["corpus", "review", str(tmp_path / "rev"), "--db", str(db), "--cache-dir", str(tmp / "cache"), "-q"]) == 0
    index = (tmp_path / "rev" / "index.html").read_text()
    first = index.index("<li class")
    assert "verification FAILED" in index[first : first + 200] and "/c.html" in index[first : first + 300]
    assert index.rindex("fetch failed") > index.rindex("verification ok")
    pages = list((tmp_path / "rev").glob("*/review.html"))
    assert len(pages) == 5  # every stored article; not the one that failed to fetch
    assert all(list(p.parent.glob("images/*.jpg")) for p in pages)


def test_the_export_keeps_each_clause_section_path(demo_result, tmp_path):
    import io

    from ocrpipe.corpus._export import export

    db = tmp_path / "s.db"
    assert main(["corpus", "import", str(demo_result.parent), "--db", str(db), "-q"]) == 0
    truth = json.loads((REPO / "samples/demo/truth.json").read_text("utf-8"))
    buf = io.StringIO()
    with Store(db) as store:
        export(store, buf, "jsonl", "clause")
    records = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert [r["sections"] for r in records] == [[t["section"]] for t in truth["clauses"]]


def test_a_store_from_before_section_paths_is_upgraded_and_exports_its_one_section(tmp_path):
    import io

    from ocrpipe.corpus._export import export
    from ocrpipe.corpus._store import MIGRATIONS

    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    con.executescript(MIGRATIONS[1])
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO articles (id, key, title, state, updated) VALUES (1, 'k', 't', 'done', 0)")
    con.execute(
        "INSERT INTO clauses (uid, article_id, ordinal, number, title, body, section, images) "
        "VALUES ('0123456789ab-000-1', 1, 0, 1, '标题', '正文', '一、总体要求', '[0]')"
    )
    con.commit()
    con.close()
    buf = io.StringIO()
    with Store(db) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        export(store, buf, "jsonl", "clause")
    assert json.loads(buf.getvalue())["sections"] == ["一、总体要求"]
