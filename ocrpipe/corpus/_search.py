"""Full-text search over the corpus's clauses and image text (FTS5 trigrams; LIKE below three characters)."""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any

from ocrpipe.corpus._store import BOILERPLATE_ROLES, Store
from ocrpipe.errors import InputError
from ocrpipe.structure._textnorm import join_wrapped


@dataclass(frozen=True)
class Hit:
    """One place the query was found. Numbers count from 1: `image` is the image's place in the
    article's series, `line` the line's place in that image (reading order), `number` the clause's."""

    kind: str  # "clause" or "image"
    title: str | None
    date: str | None
    key: str  # the article
    number: int | None  # the clause (clause hits)
    snippet: str
    score: float
    image: int | None = None
    line: int | None = None

    @property
    def clause(self) -> int | None:
        return self.number


MARK = ("[", "]")
MAX_LIMIT = 10_000


def _filters(article: str | None, since: str | None, until: str | None) -> tuple[str, list[Any]]:
    """SQL (on articles `a`) and its parameters: key or title containing `article`; dates within
    since..until, inclusive, compared on as many characters as given (2024, 2024-05, 2024-05-01)."""
    sql: list[str] = []
    params: list[Any] = []
    if article:
        like = "%" + _like_escape(article) + "%"
        sql.append("(a.key LIKE ? ESCAPE '\\' OR a.title LIKE ? ESCAPE '\\')")
        params += [like, like]
    for name, value in (("since", since), ("until", until)):
        if value is not None:
            _check_date(name, value)
    if since:
        sql.append("substr(a.date, 1, ?) >= ?")
        params += [len(since), since]
    if until:
        sql.append("substr(a.date, 1, ?) <= ?")
        params += [len(until), until]
    return "".join(f" AND {c}" for c in sql), params


_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


def _check_date(name: str, value: str) -> None:
    """A date bound is a year, a month or a day (2024, 2024-05, 2024-05-01), else exit 2."""
    if not _DATE.fullmatch(value) or not _real_day(value):
        raise InputError(
            f"{name} {value!r} is not a date", f"give {name} a year, a month or a day: 2024, 2024-05 or 2024-05-01", option=name
        )


def _real_day(value: str) -> bool:
    """A full date names a day of the calendar (2024-02-30 does not)."""
    if len(value) < len("2024-05-01"):
        return True
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _like_escape(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _line_of(store: Store, sha: str | None, settings: str | None, needle: str, first: int = 1, own: bool = False) -> int | None:
    """The first line (from 1, at or after line `first`) of a stored image whose text holds needle
    (or its start, when the needle runs over a line break); `own`: not a header or footer line."""
    if not sha or not needle:
        return None
    row = store.db.execute("SELECT lines FROM images WHERE sha256 = ? AND settings = ?", (sha, settings)).fetchone()
    if row is None:
        return None
    texts = ["" if own and ln.get("role") in BOILERPLATE_ROLES else ln.get("text", "") for ln in json.loads(row["lines"])]
    # the lines from `first` on as the poster reads them, run together: a needle over a line
    # break ("…周期。完善" / "小额诉讼…") is on the line it starts on
    ends, joined = [], ""
    for text in texts[first - 1 :]:
        joined += text
        ends.append(len(joined))
    for probe in (needle, needle[:6], needle[:3]):
        at = joined.find(probe) if probe else -1
        if at >= 0:
            return first + next(k for k, end in enumerate(ends) if at < end)
    return None


def _clause_place(store: Store, key: str, images_json: str, title: str, body: str) -> tuple[int | None, int | None]:
    """(image, line), both from 1, where a clause starts: its first image, the line its heading is on."""
    images = json.loads(images_json or "[]")
    if not images:
        return None, None
    pos = images[0]
    row = _image_row(store, key, pos)
    line = _line_of(store, row["sha256"], row["settings"], (title or body)[:12]) if row else None
    return pos + 1, line


def _image_row(store: Store, key: str, pos: int) -> Any:
    """The stored image (sha256, settings) at position pos of an article, or None."""
    return store.db.execute(
        "SELECT ai.sha256, a.settings FROM article_images ai JOIN articles a ON a.id = ai.article_id "
        "WHERE a.key = ? AND ai.position = ?",
        (key, pos),
    ).fetchone()


def search(
    store: Store,
    query: str,
    limit: int = 20,
    article: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> tuple[list[Hit], bool]:
    """Clauses and image lines matching query, best first; (hits, used the LIKE fallback).

    `article` keeps articles whose key or title contains it; `since`/`until` bound their date.
    """
    q = query.strip()
    if not q:
        raise InputError("the search query is empty", 'give words to find: ocrpipe search "信用修复"')
    try:
        q.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "the search query is not valid UTF-8 text (undecodable bytes)", "type the query in a UTF-8 terminal"
        ) from None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InputError(
            f"limit must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}",
            f"give limit a whole number from 1 to {MAX_LIMIT}",
            option="limit",
        )
    where, params = _filters(article, since, until)
    hits: list[Hit] = []
    if len(q) >= 3:
        phrase = '"' + q.replace('"', '""') + '"'  # one phrase: trigram matches any substring
        rows = store.db.execute(
            "SELECT a.title, a.date, a.key, c.number, c.images, c.title AS ct, c.body, "
            "snippet(clause_fts, -1, ?, ?, '…', 12) AS snip, bm25(clause_fts) AS score "
            "FROM clause_fts JOIN clauses c ON c.id = clause_fts.rowid "
            f"JOIN articles a ON a.id = c.article_id WHERE clause_fts MATCH ?{where} ORDER BY score LIMIT ?",
            (*MARK, phrase, *params, limit),
        ).fetchall()
        for r in rows:
            image, _ = _clause_place(store, r["key"], r["images"], r["ct"], r["body"])
            line = _clause_line(store, r, q)
            hits.append(Hit("clause", r["title"], r["date"], r["key"], r["number"], _flat(r["snip"]), r["score"], image, line))
        # a poster's own text, then what only its header or footer holds: the boilerplate every
        # poster of a series repeats ranks after every real match, however short its poster
        ranked = [(False, h) for h in hits]  # (only in boilerplate, hit)
        for column, match in ((2, f"text : {phrase}"), (3, f"boiler : {phrase} NOT text : {phrase}")):
            rows = store.db.execute(
                "SELECT a.title, a.date, a.key, ai.position, m.sha256, m.settings, m.snip, m.score FROM "
                f"(SELECT sha256, settings, snippet(image_fts, {column}, ?, ?, '…', 12) AS snip, bm25(image_fts) AS score "
                " FROM image_fts WHERE image_fts MATCH ?) m "
                "JOIN article_images ai ON ai.sha256 = m.sha256 "
                f"JOIN articles a ON a.id = ai.article_id AND a.settings = m.settings AND a.state = 'done'{where} "
                "ORDER BY m.score, a.key, ai.position LIMIT ?",
                (*MARK, match, *params, limit),
            ).fetchall()
            for r in rows:
                line = _line_of(store, r["sha256"], r["settings"], q, own=column == 2)
                hit = Hit("image", r["title"], r["date"], r["key"], None, _flat(r["snip"]), r["score"], r["position"] + 1, line)
                ranked.append((column == 3, hit))
        ranked.sort(key=lambda bh: (bh[0], bh[1].score, bh[1].kind != "clause"))
        return [h for _b, h in ranked[:limit]], False
    # 1-2 characters: below the trigram; a plain scan (slower on a big store, and said so)
    like = "%" + _like_escape(q) + "%"
    rows = store.db.execute(
        "SELECT a.title, a.date, a.key, c.number, c.images, c.title AS ct, c.body FROM clauses c "
        "JOIN articles a ON a.id = c.article_id WHERE (c.title LIKE ? ESCAPE '\\' OR c.body LIKE ? ESCAPE '\\')"
        f"{where} ORDER BY a.key, c.ordinal LIMIT ?",
        (like, like, *params, limit),
    ).fetchall()
    for r in rows:
        image, _ = _clause_place(store, r["key"], r["images"], r["ct"], r["body"])
        hits.append(
            Hit(
                "clause",
                r["title"],
                r["date"],
                r["key"],
                r["number"],
                _mark(r["ct"] + "：" + r["body"], q),
                0.0,
                image,
                _clause_line(store, r, q),
            )
        )
    return hits, True


def _clause_line(store: Store, r: Any, q: str) -> int | None:
    """The line (from 1) of the query within the clause: on its first image from the line its
    heading is on (not an earlier clause's lines), on the images it runs on to from the top;
    else the line it starts on."""
    start = _clause_place(store, r["key"], r["images"], r["ct"], r["body"])[1]
    for k, pos in enumerate(json.loads(r["images"] or "[]")):
        row = _image_row(store, r["key"], pos)
        if row is not None:
            line = _line_of(store, row["sha256"], row["settings"], q, first=(start or 1) if k == 0 else 1)
            if line is not None:
                return line
    return start


def _flat(text: str) -> str:
    """A snippet's lines as one text, as a poster's wrapped lines read: "支持小微企业", "support SMEs"
    (a space at every wrap split Chinese words: "支持小微 企业")."""
    return join_wrapped(text.split("\n"), marks="".join(MARK))


def _mark(text: str, q: str, width: int = 14) -> str:
    i = text.find(q)
    if i < 0:
        return text[: 2 * width]
    a, b = max(0, i - width), min(len(text), i + len(q) + width)
    return ("…" if a else "") + text[a:i] + MARK[0] + q + MARK[1] + text[i + len(q) : b] + ("…" if b < len(text) else "")
