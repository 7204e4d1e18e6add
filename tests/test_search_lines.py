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
