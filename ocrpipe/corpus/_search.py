"""Full-text search over the corpus's clauses and image text (FTS5 trigrams; LIKE below three characters)."""

from __future__ import annotations

from dataclasses import dataclass

from ocrpipe.corpus._store import Store
from ocrpipe.errors import InputError


@dataclass(frozen=True)
class Hit:
    kind: str  # "clause" or "image"
    title: str | None
    date: str | None
    key: str
    number: int | None
    snippet: str
    score: float


MARK = ("[", "]")
MAX_LIMIT = 10_000


def search(store: Store, query: str, limit: int = 20) -> tuple[list[Hit], bool]:
    """Clauses and image text matching query, best first; (hits, used the LIKE fallback)."""
    q = query.strip()
    if not q:
        raise InputError("the search query is empty")
    try:
        q.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "the search query is not valid UTF-8 text (undecodable bytes)", "type the query in a UTF-8 terminal"
        ) from None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"--limit must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}")
    if len(q) >= 3:
        phrase = '"' + q.replace('"', '""') + '"'  # one phrase: trigram matches any substring
        rows = store.db.execute(
            "SELECT a.title, a.date, a.key, c.number, snippet(clause_fts, -1, ?, ?, '…', 12) AS snip, "
            "bm25(clause_fts) AS score FROM clause_fts JOIN clauses c ON c.id = clause_fts.rowid "
            "JOIN articles a ON a.id = c.article_id WHERE clause_fts MATCH ? ORDER BY score LIMIT ?",
            (*MARK, phrase, limit),
        ).fetchall()
        hits = [Hit("clause", r["title"], r["date"], r["key"], r["number"], _flat(r["snip"]), r["score"]) for r in rows]
        rows = store.db.execute(
            "SELECT a.title, a.date, a.key, m.snip, min(m.score) AS score FROM "
            "(SELECT sha256, settings, snippet(image_fts, 2, ?, ?, '…', 12) AS snip, bm25(image_fts) AS score "
            " FROM image_fts WHERE image_fts MATCH ? ORDER BY score LIMIT ?) m "
            "JOIN article_images ai ON ai.sha256 = m.sha256 "
            "JOIN articles a ON a.id = ai.article_id AND a.settings = m.settings AND a.state = 'done' "
            "GROUP BY a.id ORDER BY score LIMIT ?",
            (*MARK, phrase, limit, limit),
        ).fetchall()
        hits += [Hit("image", r["title"], r["date"], r["key"], None, _flat(r["snip"]), r["score"]) for r in rows]
        hits.sort(key=lambda h: (h.score, h.kind != "clause"))
        return hits[:limit], False
    # 1-2 characters: below the trigram; a plain scan (slower on a big store, and said so)
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = store.db.execute(
        "SELECT a.title, a.date, a.key, c.number, c.title AS ct, c.body FROM clauses c "
        "JOIN articles a ON a.id = c.article_id WHERE c.title LIKE ? ESCAPE '\\' OR c.body LIKE ? ESCAPE '\\' "
        "ORDER BY a.key, c.ordinal LIMIT ?",
        (like, like, limit),
    ).fetchall()
    hits = [
        Hit("clause", r["title"], r["date"], r["key"], r["number"], _mark(r["ct"] + "：" + r["body"], q), 0.0) for r in rows
    ]
    return hits, True


def _flat(text: str) -> str:
    return " ".join(text.split("\n"))


def _mark(text: str, q: str, width: int = 14) -> str:
    i = text.find(q)
    if i < 0:
        return text[: 2 * width]
    a, b = max(0, i - width), min(len(text), i + len(q) + width)
    return ("…" if a else "") + text[a:i] + MARK[0] + q + MARK[1] + text[i + len(q) : b] + ("…" if b < len(text) else "")
