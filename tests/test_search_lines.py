"""Where a short (LIKE-scanned) query is reported inside a clause (corpus/_search.py)."""

from __future__ import annotations

import json
import time

from ocrpipe.corpus._search import search
from ocrpipe.corpus._store import Store


def _store(tmp_path) -> Store:
    """One article, one image with two clauses: 企业 occurs in clause 1's title and clause 2's body."""
    store = Store(tmp_path / "c.db")
    db = store.db
    db.execute(
        "INSERT INTO articles (id, key, title, state, settings, updated) VALUES (1, 'k', '两条', 'done', 's', ?)",
        (time.time(),),
    )
    lines = ["两条措施", "1.支持企业发展", "加强服务。", "2.优化环境", "减轻负担，", "帮助企业渡过难关。"]
    db.execute(
        "INSERT INTO images (sha256, settings, width, height, text, lines) VALUES ('h', 's', 10, 10, ?, ?)",
        ("\n".join(lines), json.dumps([{"text": t} for t in lines])),
    )
    db.execute("INSERT INTO article_images (article_id, position, sha256, status) VALUES (1, 0, 'h', 'ok')")
    for ordinal, (n, title, body) in enumerate(
        [(1, "支持企业发展", "加强服务。"), (2, "优化环境", "减轻负担，帮助企业渡过难关。")]
    ):
        db.execute(
            "INSERT INTO clauses (uid, article_id, ordinal, number, title, body, images) VALUES (?, 1, ?, ?, ?, ?, '[0]')",
            (f"u{n}", ordinal, n, title, body),
        )
    db.commit()
    return store


def test_a_short_query_is_found_on_the_clause_own_lines(tmp_path):
    store = _store(tmp_path)
    hits, like = search(store, "企业")
    assert like
    where = {h.number: (h.image, h.line) for h in hits if h.kind == "clause"}
    # clause 1 holds 企业 on its heading (line 2); clause 2 only on its last line (6), not line 2
    assert where == {1: (1, 2), 2: (1, 6)}
    store.close()


def test_a_query_over_a_line_break_is_on_the_line_it_starts_on(tmp_path):
    # stranger pass 4: 完善小额 over "…周期。完善" / "小额诉讼…" was reported on the clause's first line
    store = Store(tmp_path / "c.db")
    db = store.db
    db.execute(
        "INSERT INTO articles (id, key, title, state, settings, updated) VALUES (1, 'k', 't', 'done', 's', ?)", (time.time(),)
    )
    lines = ["一条措施", "1.提高审理效率", "缩短案件审理周期。完善", "小额诉讼程序，提高效率。"]
    db.execute(
        "INSERT INTO images (sha256, settings, width, height, text, lines) VALUES ('h', 's', 10, 10, ?, ?)",
        ("\n".join(lines), json.dumps([{"text": t} for t in lines])),
    )
    db.execute("INSERT INTO article_images (article_id, position, sha256, status) VALUES (1, 0, 'h', 'ok')")
    db.execute(
        "INSERT INTO clauses (uid, article_id, ordinal, number, title, body, images) VALUES ('u', 1, 0, 1, ?, ?, '[0]')",
        ("提高审理效率", "缩短案件审理周期。完善小额诉讼程序，提高效率。"),
    )
    db.commit()
    # (two characters: the LIKE scan, which this store without its full-text index answers)
    for query, line in (("善小", 3), ("小额", 4), ("周期", 3), ("率。", 4)):
        hits, _like = search(store, query)
        assert [(h.image, h.line) for h in hits if h.kind == "clause"] == [(1, line)], query
    store.close()


def test_a_header_repeated_on_every_poster_ranks_after_the_clause_holding_the_words(tmp_path):
    # outside review: the series' header ("司法助力中小微企业发展20条" atop every poster) came
    # before the clause whose body holds the words; a poster's own lines and its header or
    # footer (roles) are indexed apart, and the boilerplate ranks after every real match
    from ocrpipe.output._results import ArticleMeta, ImageResult, LineResult, RunResult
    from ocrpipe.structure._clauses import structure

    def ln(text, y):
        return LineResult(text=text, confidence=95, bbox=(60, y, 700, 30), text_height=30)

    header = "司法助力中小微企业发展20条"
    bodies = [
        "健全涉企案件快速审理机制，缩短案件审理周期，完善小额诉讼程序，提高简单案件的审理效率。",
        "引导当事人协商变更合同内容，帮助企业渡过难关，支持行政机关依法履职，监督纠正违法行政行为。",
        "加大对拖欠中小微企业账款行为的惩处力度，维护企业正当权益，慎用查封、扣押、冻结等措施，"
        "最大限度减少对企业正常经营的影响，推动纠纷在诉前得到化解。",
    ]
    images = [
        ImageResult(
            index=k, file=f"{k}.jpg", width=876, height=1500, lines=(ln(header, 40), ln(f"{k + 1}.措施", 300), ln(b, 360))
        )
        for k, b in enumerate(bodies)
    ]
    s = structure(images, 3)
    assert [ln.role for ln in s.images[2].lines] == ["header", "title", "body"]
    store = Store(tmp_path / "c.db")
    store.put_result(
        "k", RunResult(ArticleMeta(title="t"), s.images, s.clauses, s.verification), "s", "v", ["a" * 64, "b" * 64, "c" * 64]
    )
    for n in range(30):  # other articles: the header's words are rare in the store, as in a real corpus
        other = structure(
            [ImageResult(index=0, file="0.jpg", width=876, height=1500, lines=(ln("1.其他", 300), ln(f"第{n}项内容。", 360)))],
            1,
        )
        store.put_result(
            f"o{n}",
            RunResult(ArticleMeta(title=f"o{n}"), other.images, other.clauses, other.verification),
            "s",
            "v",
            [f"{n:064x}"],
        )
    hits, _like = search(store, "中小微企业")
    # the clause and its poster's own line (line 3, not the header on line 1) first, then the
    # header of every poster
    assert [(h.kind, h.number, h.image, h.line) for h in hits[:2]] in (
        [("clause", 3, 3, 3), ("image", None, 3, 3)],
        [("image", None, 3, 3), ("clause", 3, 3, 3)],
    )
    assert sorted((h.kind, h.image, h.line) for h in hits[2:]) == [("image", 1, 1), ("image", 2, 1)]
    store.close()


def test_a_schema_2_store_has_its_image_text_indexed_again_by_role(tmp_path):
    import sqlite3

    from ocrpipe.corpus._store import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    con.executescript(MIGRATIONS[1] + MIGRATIONS[2])
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute("PRAGMA user_version = 2")
    con.execute("INSERT INTO articles (id, key, title, state, settings, updated) VALUES (1, 'k', 't', 'done', 's', 0)")
    lines = [{"text": "司法助力中小微企业发展", "role": "header"}, {"text": "支持中小微企业融资。", "role": "body"}]
    con.execute("INSERT INTO images VALUES ('h', 's', 10, 10, ?, ?)", ("\n".join(x["text"] for x in lines), json.dumps(lines)))
    con.execute("INSERT INTO image_fts (sha256, settings, text) VALUES ('h', 's', ?)", ("\n".join(x["text"] for x in lines),))
    con.execute("INSERT INTO article_images (article_id, position, sha256, status) VALUES (1, 0, 'h', 'ok')")
    con.commit()
    con.close()
    with Store(db) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        row = store.db.execute("SELECT text, boiler FROM image_fts").fetchone()
        assert tuple(row) == ("支持中小微企业融资。", "司法助力中小微企业发展")
        assert [(h.kind, h.line) for h in search(store, "中小微")[0]] == [("image", 2)]
        assert [(h.kind, h.line) for h in search(store, "司法助力")[0]] == [("image", 1)]
