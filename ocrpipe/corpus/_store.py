"""The corpus store: one SQLite file (WAL), schema versioned with PRAGMA user_version.

Tables (schema 3)::

    articles        one row per article key (URL or absolute path): metadata, state
                    (done | failed | duplicate), settings and ocrpipe version it was
                    read with, its poster-set hash, verification, provenance
    images          recognised images, keyed by (sha256 of the bytes, settings key):
                    an image shared by articles is recognised once
    article_images  which images an article has, in order
    clauses         the clauses of each article, with a stable id
    clause_fts      FTS5 (trigram) over clause titles and bodies
    image_fts       FTS5 (trigram) over image text: `text` the poster's own lines, `boiler`
                    its header and footer lines (repeated on every poster of a series),
                    which search ranks after every match in clauses or a poster's own text

Every article is written in one transaction: it is in the store whole or not at all.
Forward migrations live in MIGRATIONS; opening an older store upgrades it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ocrpipe._io import exclusive_lock, release_lock
from ocrpipe.errors import InputError, OutputError
from ocrpipe.output._results import ArticleMeta, ImageResult, LineResult, RunResult
from ocrpipe.output._serial import from_json, to_json
from ocrpipe.structure._clauses import extract_clauses

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
APPLICATION_ID = 0x6F637270  # "ocrp" in PRAGMA application_id: this file is an ocrpipe corpus store
OUR_TABLES = frozenset({"articles", "images", "article_images", "clauses"})
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        title TEXT, date TEXT, location TEXT, source TEXT, promised INTEGER,
        state TEXT NOT NULL CHECK (state IN ('done', 'failed', 'duplicate')),
        error TEXT,
        settings TEXT, version TEXT,
        set_hash TEXT,
        duplicate_of INTEGER REFERENCES articles(id),
        verification TEXT, verified INTEGER,
        provenance TEXT,
        updated REAL NOT NULL
    );
    CREATE INDEX articles_set ON articles(set_hash);
    CREATE TABLE images (
        sha256 TEXT NOT NULL, settings TEXT NOT NULL,
        width INTEGER, height INTEGER, text TEXT NOT NULL, lines TEXT NOT NULL,
        PRIMARY KEY (sha256, settings)
    );
    CREATE TABLE article_images (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        sha256 TEXT, url TEXT, file TEXT, status TEXT NOT NULL, error TEXT,
        PRIMARY KEY (article_id, position)
    );
    CREATE INDEX article_images_sha ON article_images(sha256);
    CREATE TABLE clauses (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        number INTEGER NOT NULL, label TEXT, title TEXT NOT NULL, body TEXT NOT NULL, section TEXT,
        images TEXT NOT NULL, confidence REAL
    );
    CREATE INDEX clauses_article ON clauses(article_id, ordinal);
    CREATE VIRTUAL TABLE clause_fts USING fts5(title, body, content='clauses', content_rowid='id',
                                               tokenize='trigram');
    CREATE VIRTUAL TABLE image_fts USING fts5(sha256 UNINDEXED, settings UNINDEXED, text, tokenize='trigram');
    """,
    # the section path of each clause, outermost first (JSON list): 一、… › （一）…; NULL in rows
    # stored before it (their export falls back to the one section)
    2: """
    ALTER TABLE clauses ADD COLUMN sections TEXT;
    """,
    # image text in two columns: the poster's own lines, and its header and footer lines (the
    # boilerplate every poster of a series repeats), so search can rank the boilerplate last;
    # filled again from the stored lines (and their roles) by _refill_image_fts
    3: """
    DROP TABLE image_fts;
    CREATE VIRTUAL TABLE image_fts USING fts5(sha256 UNINDEXED, settings UNINDEXED, text, boiler, tokenize='trigram');
    """,
}
BOILERPLATE_ROLES = frozenset({"header", "footer"})

STATES = ("done", "failed", "duplicate")
# the store is the Python API's Corpus(path), the command line's --db (option "db")
_NOT_A_STORE = "give a new file name for the corpus store, or a store that corpus add made"


def settings_key(provenance_settings: dict, engine: str) -> str:
    """What makes two recognitions of the same bytes comparable: engine and settings."""
    blob = json.dumps({"engine": engine, **provenance_settings}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def set_hash(shas: list[str]) -> str:
    """The identity of a poster set: its images' bytes, in order."""
    return hashlib.sha256("\n".join(shas).encode()).hexdigest()


def clause_uid(article_key: str, ordinal: int, number: int) -> str:
    """Stable across stores and re-runs: the article key, the clause's place and number."""
    return f"{hashlib.sha256(article_key.encode()).hexdigest()[:12]}-{ordinal:03d}-{number}"


@dataclass(frozen=True)
class ArticleRow:
    id: int
    key: str
    state: str
    settings: str | None
    version: str | None
    error: str | None
    incomplete: bool = False  # some of its images could not be downloaded or read


class Store:
    """A corpus in one SQLite file. Not shared between threads; one writer process."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        """Open (or create) the store. `readonly`: for commands that only read (search, status,
        export, review): a store the user may not write (a read-only folder or medium, another
        user's file) is then read as it is on disk instead of refused."""
        self.path = Path(path)
        self._lock_fd: int | None = None
        # Someone else's file is only ever read, and read-only, until it is known to be ours:
        # nothing (WAL switch, tables) may touch another program's database.
        self._identify()
        try:
            self.db = self._open_writable()
        except OutputError as exc:
            if not (readonly and self.path.is_file()):
                raise
            log.info("corpus store %s opened read-only: %s", self.path, exc.message)
            self.db = self._open_read_only()

    def _open_writable(self) -> sqlite3.Connection:
        hint = "check that the folder holding the store is writable and the disk is not full"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot open the corpus store {self.path}: {exc}", hint) from exc
        db.row_factory = sqlite3.Row
        self.db = db
        try:
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
            _use_wal(db)
        except sqlite3.OperationalError as exc:
            # _identify found it ours (or new): a store that cannot be opened or written here
            # (a read-only folder, a file of another user, locked) is an output failure
            db.close()
            raise OutputError(f"cannot open the corpus store {self.path} for writing: {exc}", hint) from exc
        except sqlite3.DatabaseError as exc:
            db.close()
            raise InputError(f"{self.path} is not an ocrpipe corpus store: {exc}", _NOT_A_STORE, option="db") from exc
        except BaseException:
            db.close()
            raise
        return db

    def _open_read_only(self) -> sqlite3.Connection:
        """The file as it is, without the WAL's shared-memory file SQLite cannot create here
        (`immutable`: no locks either; a store nobody can write here is not written meanwhile)."""
        uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
        try:
            db = sqlite3.connect(uri, uri=True, isolation_level=None)
            db.row_factory = sqlite3.Row
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.Error as exc:
            raise OutputError(f"cannot read the corpus store {self.path}: {exc}") from exc
        if version != SCHEMA_VERSION:
            db.close()
            raise OutputError(
                f"the corpus store {self.path} has schema {version} and needs an upgrade to {SCHEMA_VERSION}, "
                "which needs write access",
                "run any `ocrpipe corpus` command once where the store can be written",
            )
        return db

    def _identify(self) -> None:
        """Refuse, without writing a byte, a file that is not an ocrpipe store (nor new and empty)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return  # a new store
        except OSError as exc:
            raise OutputError(f"cannot open the corpus store {self.path}: {exc.strerror or exc}") from exc
        hint = _NOT_A_STORE
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{self.path} is not a regular file, so not an ocrpipe corpus store", hint, option="db")
        if st.st_size == 0:
            return  # an empty file: SQLite's new database
        try:
            app_id, version, tables = _identity(self.path, immutable=False)
        except sqlite3.OperationalError:
            # a WAL store in a folder where SQLite cannot make its shared-memory file (read-only):
            # the file itself, as it is
            try:
                app_id, version, tables = _identity(self.path, immutable=True)
            except sqlite3.Error as exc:
                raise InputError(f"{self.path} is not an ocrpipe corpus store: {exc}", hint, option="db") from exc
        except sqlite3.Error as exc:
            raise InputError(f"{self.path} is not an ocrpipe corpus store: {exc}", hint, option="db") from exc
        if app_id == APPLICATION_ID and version > SCHEMA_VERSION:
            raise InputError(
                f"{self.path} has schema {version}, newer than this ocrpipe knows ({SCHEMA_VERSION})", "upgrade ocrpipe"
            )
        if app_id == APPLICATION_ID or (app_id == 0 and version == 0 and not tables):
            return  # ours, or an empty database
        if app_id == 0 and version >= 1 and tables >= OUR_TABLES:
            return  # a store made before stores were marked with an application_id
        raise InputError(
            f"{self.path} is not an ocrpipe corpus store (another program's SQLite database; it was not changed)",
            hint,
            option="db",
        )

    def close(self) -> None:
        self.db.close()
        if self._lock_fd is not None:
            release_lock(self._lock_path, self._lock_fd)
            self._lock_fd = None

    @property
    def _lock_path(self) -> Path:
        return Path(f"{self.path}.lock")

    def lock_writer(self) -> None:
        """One `corpus add` at a time per store (readers are never blocked: WAL)."""
        self._lock_fd = exclusive_lock(
            self._lock_path,
            f"another `ocrpipe corpus add` is writing to {self.path}",
            "wait for it to finish; `corpus status` and `search` work meanwhile",
        )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------

    def _schema_version(self) -> int:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise InputError(
                f"{self.path} has schema {version}, newer than this ocrpipe knows ({SCHEMA_VERSION})", "upgrade ocrpipe"
            )
        return version

    def _migrate(self) -> None:
        """Bring the schema up to date in one exclusive transaction.

        The version is read again once the lock is held: of two processes opening a new
        store at once, the second finds the first one's tables and does nothing.
        """
        if self._schema_version() == SCHEMA_VERSION:
            return  # the common case takes no write lock: readers never wait on it
        self.db.execute("BEGIN EXCLUSIVE")
        try:
            version = self._schema_version()
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for stmt in _statements(MIGRATIONS[v]):
                    self.db.execute(stmt)
                if v == 3:
                    _refill_image_fts(self.db)
                log.info("corpus store %s: schema %d", self.path, v)
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; rolled back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # -- reading ---------------------------------------------------------------

    def article(self, key: str) -> ArticleRow | None:
        r = self.db.execute(
            "SELECT id, key, state, settings, version, error, EXISTS (SELECT 1 FROM article_images ai WHERE "
            "ai.article_id = articles.id AND ai.status != 'ok') AS incomplete FROM articles WHERE key = ?",
            (key,),
        ).fetchone()
        if r is None:
            return None
        row = dict(r)
        row["incomplete"] = bool(row["incomplete"])
        return ArticleRow(**row)

    def known_image(self, sha256: str, settings: str) -> ImageResult | None:
        r = self.db.execute(
            "SELECT width, height, lines FROM images WHERE sha256 = ? AND settings = ?", (sha256, settings)
        ).fetchone()
        if r is None:
            return None
        lines = tuple(from_json(LineResult, x) for x in json.loads(r["lines"]))
        return ImageResult(index=0, file=None, width=r["width"], height=r["height"], lines=lines)

    def article_with_set(self, digest: str, not_key: str) -> int | None:
        r = self.db.execute(
            "SELECT id FROM articles WHERE set_hash = ? AND key != ? AND state = 'done' ORDER BY id LIMIT 1", (digest, not_key)
        ).fetchone()
        return int(r["id"]) if r else None

    # -- writing ---------------------------------------------------------------

    def put_failed(self, key: str, error: str, location: str | None = None) -> None:
        """Record a failed article (keeping any earlier good result out of the way: it is replaced)."""
        with self.transaction():
            self._delete_article(key)
            self.db.execute(
                "INSERT INTO articles (key, location, state, error, updated) VALUES (?, ?, 'failed', ?, ?)",
                (key, location, error[:2000], time.time()),
            )

    def put_result(self, key: str, result: RunResult, settings: str, version: str, shas: list[str | None]) -> str:
        """Store one article whole (one transaction); returns its state (done or duplicate)."""
        ok_shas = [s for s in shas if s]
        digest = set_hash(ok_shas) if ok_shas and len(ok_shas) == len(shas) else None
        with self.transaction():
            self._delete_article(key)
            dup = self.article_with_set(digest, key) if digest else None
            state = "duplicate" if dup else "done"
            v = result.verification
            meta = result.article
            cur = self.db.execute(
                "INSERT INTO articles (key, title, date, location, source, promised, state, settings, version, "
                "set_hash, duplicate_of, verification, verified, provenance, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    meta.title,
                    meta.date,
                    meta.location,
                    meta.source,
                    meta.promised_count,
                    state,
                    settings,
                    version,
                    digest,
                    dup,
                    json.dumps(to_json(v)),
                    None if v.status == "not applicable" else int(v.ok),
                    json.dumps(result.provenance, ensure_ascii=False),
                    time.time(),
                ),
            )
            article_id = cur.lastrowid
            for pos, (im, sha) in enumerate(zip(result.images, shas)):
                self.db.execute(
                    "INSERT INTO article_images VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (article_id, pos, sha, im.url, im.file, im.status, im.error),
                )
                if im.status == "ok" and sha:
                    self._put_image(sha, settings, im)
            if state == "done":
                for ordinal, c in enumerate(result.clauses):
                    cur = self.db.execute(
                        "INSERT INTO clauses (uid, article_id, ordinal, number, label, title, body, section, images, "
                        "confidence, sections) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            clause_uid(key, ordinal, c.number),
                            article_id,
                            ordinal,
                            c.number,
                            c.label,
                            c.title,
                            c.text,
                            c.section,
                            json.dumps([s.image for s in c.sources]),
                            round(c.confidence, 2),
                            json.dumps(list(c.sections), ensure_ascii=False),
                        ),
                    )
                    self.db.execute(
                        "INSERT INTO clause_fts (rowid, title, body) VALUES (?, ?, ?)", (cur.lastrowid, c.title, c.text)
                    )
        return state

    def _put_image(self, sha: str, settings: str, im: ImageResult) -> None:
        lines = json.dumps([to_json(ln) for ln in im.lines], ensure_ascii=False)
        old = self.db.execute("SELECT lines FROM images WHERE sha256 = ? AND settings = ?", (sha, settings)).fetchone()
        if old is not None:
            if old["lines"] == lines:
                return
            # read again (`--redo`): the new reading replaces the old one for every article that has the image
            self.db.execute("DELETE FROM images WHERE sha256 = ? AND settings = ?", (sha, settings))
            self.db.execute("DELETE FROM image_fts WHERE sha256 = ? AND settings = ?", (sha, settings))
        self.db.execute(
            "INSERT INTO images VALUES (?, ?, ?, ?, ?, ?)",
            (sha, settings, im.width, im.height, im.text, lines),
        )
        own, boiler = split_boilerplate([(ln.text, ln.role) for ln in im.lines])
        self.db.execute(
            "INSERT INTO image_fts (sha256, settings, text, boiler) VALUES (?, ?, ?, ?)", (sha, settings, own, boiler)
        )

    def _delete_article(self, key: str) -> None:
        r = self.db.execute("SELECT id FROM articles WHERE key = ?", (key,)).fetchone()
        if r is None:
            return
        for c in self.db.execute("SELECT id, title, body FROM clauses WHERE article_id = ?", (r["id"],)).fetchall():
            self.db.execute(
                "INSERT INTO clause_fts (clause_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                (c["id"], c["title"], c["body"]),
            )
        self.db.execute("UPDATE articles SET duplicate_of = NULL WHERE duplicate_of = ?", (r["id"],))
        self.db.execute("DELETE FROM articles WHERE id = ?", (r["id"],))

    def stored_result(self, key: str) -> tuple[RunResult, list[str | None]] | None:
        """An article as a RunResult again (clauses extracted anew from its stored lines: the same code
        gives the same clauses), with its images' sha256; None when the article is not stored whole."""
        a = self.db.execute("SELECT * FROM articles WHERE key = ?", (key,)).fetchone()
        if a is None or a["state"] == "failed":
            return None
        rows = self.db.execute("SELECT * FROM article_images WHERE article_id = ? ORDER BY position", (a["id"],)).fetchall()
        images, shas = [], []
        for r in rows:
            known = self.known_image(r["sha256"], a["settings"]) if r["sha256"] else None
            if known is not None and r["status"] == "ok":
                images.append(replace(known, index=r["position"], file=r["file"], url=r["url"]))
            else:
                images.append(
                    ImageResult(index=r["position"], file=None, url=r["url"], status="failed", error=r["error"] or "not stored")
                )
            shas.append(r["sha256"])
        v = json.loads(a["verification"] or "{}")
        clauses, verification = extract_clauses(images, v.get("expected"))
        meta = ArticleMeta(
            title=a["title"], date=a["date"], location=a["location"], source=a["source"], promised_count=a["promised"]
        )
        prov = json.loads(a["provenance"] or "{}")
        return RunResult(
            article=meta, images=tuple(images), clauses=tuple(clauses), verification=verification, provenance=prov
        ), shas

    def article_keys(self) -> list[tuple[str, str, bool | None]]:
        """(key, state, verified) of every article: failed verification first, then ok, then failed fetches."""
        rows = self.db.execute(
            "SELECT key, state, verified, verification FROM articles ORDER BY "
            f"CASE WHEN state = 'failed' THEN 2 WHEN {_FAILED_VERIFICATION} THEN 0 ELSE 1 END, key"
        ).fetchall()
        return [(r["key"], r["state"], _verified(r)) for r in rows]

    # -- status ----------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATES, 0)
        for r in self.db.execute("SELECT state, count(*) AS n FROM articles GROUP BY state"):
            out[r["state"]] = r["n"]
        out["clauses"] = self.db.execute("SELECT count(*) FROM clauses").fetchone()[0]
        out["images"] = self.db.execute("SELECT count(*) FROM images").fetchone()[0]
        # review targets: spans where the consensus's readers disagreed (LineResult.flags), read
        # from the stored lines with SQLite's JSON functions (no column of their own to migrate)
        r = self.db.execute(
            "SELECT count(*), coalesce(sum(json_array_length(l.value, '$.flags')), 0) "
            "FROM images i, json_each(i.lines) l WHERE json_array_length(l.value, '$.flags') > 0"
        ).fetchone()
        out["flagged_lines"], out["flags"] = int(r[0]), int(r[1])
        return out

    def status(self) -> dict[str, Any]:
        """Counts, failed articles with their error, failed verifications, duplicates."""
        failed = [dict(r) for r in self.db.execute("SELECT key, error FROM articles WHERE state = 'failed' ORDER BY key")]
        unverified = []
        for r in self.db.execute(
            f"SELECT key, title, verification FROM articles WHERE state = 'done' AND {_FAILED_VERIFICATION} ORDER BY key"
        ):
            v = json.loads(r["verification"])
            unverified.append(
                {
                    "key": r["key"],
                    "title": r["title"],
                    "expected": v["expected"],
                    "found": len(v["found"]),
                    "missing": v["missing"],
                    "extra": v.get("extra", []),  # stores written before it read as empty
                    "duplicates": v["duplicates"],
                }
            )
        dups = [
            dict(r)
            for r in self.db.execute(
                "SELECT a.key AS key, b.key AS duplicate_of FROM articles a JOIN articles b ON a.duplicate_of = b.id "
                "ORDER BY a.key"
            )
        ]
        return {"counts": self.counts(), "failed": failed, "verification_failed": unverified, "duplicates": dups}


# a failed verification: a count was promised (or given) and not met. Rows written before
# "not applicable" existed say verified = 0 where nothing was promised: the expected count decides.
_FAILED_VERIFICATION = "verified = 0 AND json_extract(verification, '$.expected') IS NOT NULL"


def _use_wal(db: sqlite3.Connection, wait_s: float = 30.0) -> None:
    """Switch the store to WAL. SQLite answers "database is locked" at once, without its busy
    timeout, when another connection holds the file during the switch (two processes opening a
    new store together): wait for it here, as the timeout would."""
    deadline = time.monotonic() + wait_s
    pause = 0.01
    while True:
        try:
            if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def _identity(path: Path, immutable: bool) -> tuple[int, int, set[str]]:
    """application_id, user_version and table names, read through a read-only connection."""
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
    ro = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    try:
        app_id = ro.execute("PRAGMA application_id").fetchone()[0]
        version = ro.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in ro.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        ro.close()
    return app_id, version, tables


def _verified(row: sqlite3.Row) -> bool | None:
    """True/False for a verification that checked a count; None when not applicable (or not run)."""
    if row["verified"] is None or json.loads(row["verification"] or "{}").get("expected") is None:
        return None
    return bool(row["verified"])


def split_boilerplate(lines: list[tuple[str, str | None]]) -> tuple[str, str]:
    """An image's (text, role) lines as its own text and its header and footer text, each in
    reading order, one line a row."""
    own = [t for t, role in lines if t and role not in BOILERPLATE_ROLES]
    boiler = [t for t, role in lines if t and role in BOILERPLATE_ROLES]
    return "\n".join(own), "\n".join(boiler)


def _refill_image_fts(db: sqlite3.Connection) -> None:
    """image_fts from the stored images' lines, split by their roles (schema 3)."""
    for r in db.execute("SELECT sha256, settings, lines FROM images").fetchall():
        lines = [(ln.get("text") or "", ln.get("role")) for ln in json.loads(r[2])]
        db.execute(
            "INSERT INTO image_fts (sha256, settings, text, boiler) VALUES (?, ?, ?, ?)",
            (r[0], r[1], *split_boilerplate(lines)),
        )


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our statements)."""
    return [s.strip() for s in script.split(";") if s.strip()]
