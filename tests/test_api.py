"""The public Python API (issue 20): ocrpipe.read, ocrpipe.process, ocrpipe.Corpus; and the
"not applicable" verification when no count is promised."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ocrpipe
from bench import synth
from ocrpipe.cli._main import main
from ocrpipe.corpus._export import export, flatten, format_for
from ocrpipe.corpus._search import search
from ocrpipe.corpus._store import Store
from ocrpipe.errors import ImageError, InputError
from ocrpipe.output._results import ArticleMeta, ClauseResult, ImageResult, LineResult, RunResult, SourceRef
from ocrpipe.structure._clauses import verify

from .conftest import PROVENANCE

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- fast: no engine


def test_the_api_is_named_in_the_package():
    for name in ("read", "process", "Corpus", "Run", "ImageText", "Line", "load"):
        assert name in ocrpipe.__all__ and callable(getattr(ocrpipe, name))


def test_an_unknown_option_names_the_known_ones():
    with pytest.raises(InputError) as info:
        ocrpipe.read(b"x", langs="chi_sim")
    assert "unknown option 'langs'" in info.value.message and "lang" in (info.value.hint or "")
    with pytest.raises(InputError, match="unknown output format"):
        ocrpipe.process("nowhere.md", formats=("docx",))


def test_read_refuses_what_is_not_an_image(tmp_path):
    with pytest.raises(InputError, match="no such file") as missing:
        ocrpipe.read(tmp_path / "missing.png")
    assert "check the path" in missing.value.hint  # the library's errors say how to fix them, as the CLI's do
    with pytest.raises(InputError, match="not a regular file"):
        ocrpipe.read(tmp_path)
    with pytest.raises(InputError, match="cannot read an image from a object"):
        ocrpipe.read(object())
    with pytest.raises(InputError, match="uint8"):
        ocrpipe.read(np.zeros((4, 4), np.float32))


def test_options_lists_every_setting_with_its_default():
    from ocrpipe.api import options

    opts = options()
    assert opts["lang"] == "chi_sim" and opts["segment"] == "detect" and opts["expect"] is None and opts["formats"] == ()


def test_no_promised_count_is_not_applicable_and_passes():
    v = verify([], None)
    assert v.status == "not applicable" and v.passed and v.summary().startswith("not applicable")
    assert "None" not in v.summary()
    assert verify([1, 2], None).status == "not applicable"
    assert verify([1, 2], 2).status == "ok" and verify([1, 2], 2).passed
    failed = verify([1, 3], 3)
    assert failed.status == "failed" and not failed.passed and failed.summary().startswith("FAILED")
    assert verify([], 0).status == "failed"  # --expect 0 is a count to check, not "no promise"


def _stored(tmp_path: Path) -> Path:
    """A store with two articles read by hand: one promised 2 clauses and has 1, one promised none."""
    db = tmp_path / "c.db"
    lines_a = (
        LineResult("1.依法保护企业权益", 90.0, (10, 10, 200, 30)),
        LineResult("优化营商环境的措施", 88.0, (10, 50, 200, 30)),
    )
    lines_b = (LineResult("一张照片上的文字", 80.0, (5, 5, 100, 20)), LineResult("营商环境很好", 80.0, (5, 40, 100, 20)))
    a = RunResult(
        article=ArticleMeta(title="措施2条", date="2024-05-01", promised_count=2),
        images=(ImageResult(index=0, file="images/000.jpg", width=300, height=100, lines=lines_a),),
        clauses=(
            ClauseResult(1, "1.", "依法保护企业权益", "优化营商环境的措施", sources=(SourceRef(0, ((10, 10, 200, 30),)),)),
        ),
        verification=verify([1], 2),
        provenance=PROVENANCE,
    )
    b = RunResult(
        article=ArticleMeta(title="一张照片", date="2023-01-09"),
        images=(ImageResult(index=0, file="images/000.jpg", width=300, height=100, lines=lines_b),),
        clauses=(),
        verification=verify([], None),
        provenance=PROVENANCE,
    )
    with Store(db) as store:
        store.put_result("https://example.org/a", a, "s", "v", ["a" * 64])
        store.put_result("https://example.org/b", b, "s", "v", ["b" * 64])
    return db


def test_corpus_status_lists_failed_verifications_only(tmp_path, capsys):
    db = _stored(tmp_path)
    with Store(db) as store:
        st = store.status()
        keys = store.article_keys()
    assert [v["key"] for v in st["verification_failed"]] == ["https://example.org/a"]
    assert dict((k, v) for k, _, v in keys) == {"https://example.org/a": False, "https://example.org/b": None}
    assert main(["corpus", "status", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "None" not in out and "expected 2, found 1" in out


def test_search_hits_name_article_image_line_and_clause_and_filter(tmp_path):
    db = _stored(tmp_path)
    with Store(db) as store:
        hits, _ = search(store, "营商环境")
        assert {(h.kind, h.key, h.image, h.line, h.clause) for h in hits} == {
            ("clause", "https://example.org/a", 1, 2, 1),
            ("image", "https://example.org/a", 1, 2, None),
            ("image", "https://example.org/b", 1, 2, None),
        }
        assert {h.key for h in search(store, "营商环境", article="example.org/b")[0]} == {"https://example.org/b"}
        assert {h.key for h in search(store, "营商环境", article="措施")[0]} == {"https://example.org/a"}
        assert {h.key for h in search(store, "营商环境", since="2024")[0]} == {"https://example.org/a"}
        assert {h.key for h in search(store, "营商环境", until="2023-12-31")[0]} == {"https://example.org/b"}
        assert search(store, "营商环境", since="2025")[0] == []
        like = search(store, "保护")  # two characters: the LIKE scan over clauses
        assert like[1] and [(h.key, h.image, h.line, h.clause) for h in like[0]] == [("https://example.org/a", 1, 1, 1)]


def test_export_format_from_the_suffix_and_a_flat_csv(tmp_path):
    assert format_for(Path("x.csv")) == "csv" and format_for(Path("x.JSONL")) == "jsonl" and format_for(Path("-")) == "jsonl"
    assert format_for(Path("corpus")) == "jsonl"  # no suffix: the default, as before
    with pytest.raises(InputError, match="suffix"):
        format_for(Path("x.xlsx"))
    db = _stored(tmp_path)
    out = tmp_path / "clauses.csv"
    corpus = ocrpipe.Corpus(db)
    assert corpus.export(out) == 1
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert rows[0]["article.title"] == "措施2条" and rows[0]["verification.status"] == "failed"
    assert rows[0]["verification.missing"] == "2" and rows[0]["images"] == "0"
    assert not any(v.startswith("{") for k, v in rows[0].items() if k != "provenance.settings")  # flat, not JSON cells
    assert flatten({"a": {"b": [1, 2]}, "c": True}) == {"a.b": "1 2", "c": True}
    articles = tmp_path / "articles.jsonl"
    assert corpus.export(articles, level="article") == 2
    recs = [json.loads(x) for x in articles.read_text("utf-8").splitlines()]
    assert [r["verification"] for r in recs] == ["failed", "not applicable"]
    with Store(db) as store:
        buf = io.StringIO()
        export(store, buf, "txt", "article")
        assert buf.getvalue().count("\n") == 2


# --------------------------------------------------------------------------- slow: a real engine


def _line_image() -> Image.Image:
    series = synth.render_series(synth.SeriesSpec(title="示例措施2条", n_clauses=2, seed=3))
    poster = series.posters[1]
    return poster.crop((0, 0, poster.width, min(poster.height, 420)))


@pytest.mark.slow
def test_read_takes_a_path_bytes_a_pil_image_and_an_array_alike(tmp_path):
    img = _line_image()
    path = tmp_path / "p.png"
    img.save(path)
    by_path = ocrpipe.read(path)
    assert by_path.text and by_path.lines and by_path.width == img.width
    for other in (path.read_bytes(), img, np.asarray(img)):
        assert ocrpipe.read(other).text == by_path.text
    ln = by_path.lines[0]
    _x, _y, w, h = ln.box
    assert len(ln.polygon) >= 4 and 0 <= ln.confidence <= 100 and ln.role in ("text", "badge") and w > 0 and h > 0
    with pytest.raises(ImageError):
        ocrpipe.read(b"not an image at all")


@pytest.mark.slow
def test_a_script_without_a_main_guard_runs_once(tmp_path):
    """multiprocessing re-runs an unguarded caller in its workers; ocrpipe's pool must not."""
    series = synth.render_series(synth.SeriesSpec(title="示例措施2条", n_clauses=2, seed=5))
    article = synth.write_series(series, tmp_path / "series")
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import ocrpipe
            print("caller ran", flush=True)
            run = ocrpipe.process({str(article)!r}, out={str(tmp_path / "out")!r}, jobs=2, formats=["hocr"])
            print(run.verification.status, len(run.images), len(run.clauses))
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("caller ran") == 1
    assert done.stdout.splitlines()[-1] == f"ok {len(series.posters)} 2"
    assert len(list((tmp_path / "out" / "hocr").iterdir())) == len(series.posters)


@pytest.mark.slow
def test_process_without_out_keeps_the_run_until_saved(tmp_path):
    series = synth.render_series(synth.SeriesSpec(title="示例措施2条", n_clauses=2, seed=5))
    article = synth.write_series(series, tmp_path / "series")
    run = ocrpipe.process(article, jobs=1)
    assert run.verification.status == "ok" and [c.number for c in run.clauses] == [1, 2]
    assert all(im.ok for im in run.images) and "示例措施" in run.text
    saved = run.save(tmp_path / "kept", formats=("alto",))
    assert (saved / "result.json").is_file() and len(list((saved / "alto").iterdir())) == len(series.posters)
    assert ocrpipe.load(saved).result.to_dict() == run.result.to_dict()
    temp = run.directory
    del run
    import gc

    gc.collect()
    assert not temp.exists()


@pytest.mark.slow
def test_one_photo_without_a_promise_is_not_applicable_and_exits_0(tmp_path, capsys):
    folder = tmp_path / "photo"
    folder.mkdir()
    cover = synth.render_series(synth.SeriesSpec(title="示例措施2条", n_clauses=2, seed=3)).posters[0]
    cover.save(folder / "photo.png")  # a title, no numbered clauses, no promise in any title
    assert main(["run", str(folder), "--out", str(tmp_path / "out"), "--all-images", "--jobs", "1"]) == 0
    out = capsys.readouterr()
    assert "verification: not applicable" in out.out and "FAILED" not in out.out + out.err
    assert "no.  images" not in out.out  # no empty table header
    result = json.loads((tmp_path / "out" / "result.json").read_text("utf-8"))
    assert result["verification"]["status"] == "not applicable"
    assert "not applicable" in (tmp_path / "out" / "clauses.md").read_text("utf-8")
    assert main(["verify", str(tmp_path / "out"), "--expect", "3"]) == 3  # a count given is still checked
    assert main(["verify", str(tmp_path / "out")]) == 0


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads /proc")
def test_the_workers_fork_server_starts_first_with_their_imports_done():
    """recognize_all starts the pool's fork server before its own checks, importing numpy, OpenCV
    and the engines once there: each worker forked from it starts with them."""
    code = textwrap.dedent(
        """
        import multiprocessing.forkserver as f
        from ocrpipe.recognition._executor import prestart
        prestart()
        import os, time
        pid = f._forkserver._forkserver_pid
        for _ in range(300):  # the server starts, imports the preload, then waits for its first fork
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode()
            if "forkserver" in cmd and "numpy" in open(f"/proc/{pid}/maps").read():
                if "State:\tS" in open(f"/proc/{pid}/status").read():
                    break
            time.sleep(0.1)
        print(cmd)
        print("threads", len(os.listdir(f"/proc/{pid}/task")))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ocrpipe.recognition._worker" in done.stdout
    # no thread but its own when it forks a worker (forking a threaded process can deadlock the child)
    assert done.stdout.splitlines()[-1] == "threads 1"
