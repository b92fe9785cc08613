"""SQLite storage of the reference server: schema, seed loading, filtered/sorted/paged queries, writes.

One connection, used under one lock (the server runs its handlers on one event-loop thread, so the lock is
uncontended; it only guards against a test driving the app from another thread). Durability: WAL journal
with synchronous=FULL, and every write is one `BEGIN IMMEDIATE` transaction, so an acknowledged write
survives `kill -9` and concurrent PATCHes are serialised (none is lost).

Documents are stored pre-serialised (`doc` columns hold the JSON the API returns); the columns next to
them exist only for filtering and sorting and are derived from the document when it is written.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from mmcontract.reference.documents import (
    FORMATS_BY_EXECUTION_TYPE,
    build_registered_model_doc,
    iso,
    user_meta,
)
from mmcontract.reference.seed import KIND_PACKAGE, KIND_RM, SeedData

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users(
    id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recipients(
    type TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY(type, id));
CREATE INDEX IF NOT EXISTS recipients_name ON recipients(type, name);
CREATE TABLE IF NOT EXISTS environments(id TEXT PRIMARY KEY, formats TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS leaderboard_models(id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters(kind TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS registered_models(
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, name_lc TEXT NOT NULL,
    is_global INTEGER NOT NULL, is_archived INTEGER NOT NULL, created_ts REAL NOT NULL,
    modified_ts REAL NOT NULL, created_by TEXT NOT NULL, target_name TEXT, target_type TEXT,
    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rm_created ON registered_models(created_ts);
CREATE INDEX IF NOT EXISTS rm_modified ON registered_models(modified_ts);
CREATE INDEX IF NOT EXISTS rm_name ON registered_models(name);
CREATE TABLE IF NOT EXISTS packages(
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, rm_id TEXT NOT NULL, version INTEGER NOT NULL,
    search_lc TEXT NOT NULL, model_id TEXT NOT NULL, build_status TEXT, stage TEXT NOT NULL,
    execution_type TEXT NOT NULL, model_format TEXT NOT NULL, target_name TEXT, target_type TEXT,
    class_key TEXT NOT NULL, is_time_series INTEGER NOT NULL, is_multiseries INTEGER NOT NULL,
    imported INTEGER NOT NULL, threshold REAL, use_case_id TEXT, created_by TEXT, model_type TEXT,
    created_ts REAL NOT NULL, updated_ts REAL NOT NULL, is_archived INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS pkg_rm ON packages(rm_id, version);
CREATE INDEX IF NOT EXISTS pkg_model ON packages(model_id);
CREATE INDEX IF NOT EXISTS pkg_archived ON packages(is_archived, created_ts);
CREATE TABLE IF NOT EXISTS tags(package_id TEXT NOT NULL, rm_id TEXT NOT NULL, name TEXT, value TEXT);
CREATE INDEX IF NOT EXISTS tags_rm ON tags(rm_id);
CREATE TABLE IF NOT EXISTS features(
    package_id TEXT NOT NULL, pos INTEGER NOT NULL, name TEXT NOT NULL, name_lc TEXT NOT NULL,
    importance REAL, for_prediction INTEGER NOT NULL, segmentable INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY(package_id, pos));
CREATE TABLE IF NOT EXISTS model_logs(
    package_id TEXT NOT NULL, pos INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY(package_id, pos));
CREATE TABLE IF NOT EXISTS deployments(
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, package_id TEXT NOT NULL, rm_id TEXT NOT NULL,
    label TEXT, label_lc TEXT, created_ts REAL NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS dep_pkg ON deployments(package_id);
CREATE INDEX IF NOT EXISTS dep_rm ON deployments(rm_id);
CREATE TABLE IF NOT EXISTS shared_roles(
    seq INTEGER PRIMARY KEY, rm_id TEXT NOT NULL, type TEXT NOT NULL, recipient_id TEXT NOT NULL,
    name TEXT NOT NULL, role TEXT NOT NULL, UNIQUE(rm_id, type, recipient_id));
"""

# the largest integer SQLite takes for LIMIT/OFFSET
_SQL_INT_MAX = 2**62


def dumps(doc: Any) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def parse_ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class StoreError(Exception):
    """The database cannot be opened or has an incompatible schema (the CLI turns it into exit 2)."""


# write-ack-before-commit: how long acknowledged writes wait, uncommitted, for the deferred commit
DEFERRED_COMMIT_SECONDS = 30.0


class Store:
    def __init__(self, path: str) -> None:
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=OFF")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {path!r}: {exc}") from exc
        self._lock = threading.RLock()
        # the fault write-ack-before-commit: writes join one open transaction committed later (or at close)
        self._defer_commit = False
        self._commit_timer: threading.Timer | None = None
        row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is not None and row[0] != SCHEMA_VERSION:
            raise StoreError(f"database {path!r} has schema {row[0]}, this server needs {SCHEMA_VERSION}")

    # ---- transactions -------------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One serialised write transaction; committed (durably) before the caller answers."""
        if self._defer_commit:
            with self._lock, self._deferred() as db:
                yield db
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def uncommitted(self) -> bool:
        """True while acknowledged writes wait uncommitted (only under write-ack-before-commit)."""
        with self._lock:
            return self._db.in_transaction

    def defer_commits(self) -> None:
        """Switch on the fault write-ack-before-commit (after the seed is committed)."""
        self._defer_commit = True

    @contextmanager
    def _deferred(self) -> Iterator[sqlite3.Connection]:
        """The defect of write-ack-before-commit: the write is a savepoint inside a long transaction, so the
        caller answers before anything is committed; a timer commits it later. Reads on this connection see
        it; a `kill -9` before the timer loses every acknowledged write."""
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")
            self._commit_timer = threading.Timer(DEFERRED_COMMIT_SECONDS, self._commit_deferred)
            self._commit_timer.daemon = True
            self._commit_timer.start()
        self._db.execute("SAVEPOINT write")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK TO write")
            self._db.execute("RELEASE write")
            raise
        self._db.execute("RELEASE write")

    def _commit_deferred(self) -> None:
        with self._lock:
            if self._db.in_transaction:
                self._db.execute("COMMIT")

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            if self._commit_timer is not None:
                self._commit_timer.cancel()
            if self._db.in_transaction:
                self._db.execute("COMMIT")
            self._db.close()

    # ---- seed ---------------------------------------------------------------------------------------
    def is_initialised(self) -> bool:
        return self._one("SELECT 1 FROM meta WHERE key='schema'") is not None

    def load_seed(self, seed: SeedData, extra_leaderboard: Sequence[dict[str, Any]] = ()) -> None:
        """Fill an empty database (once: a database that has been seeded keeps its data)."""
        with self.write() as db:
            if db.execute("SELECT 1 FROM meta WHERE key='schema'").fetchone():
                self._add_leaderboard(db, extra_leaderboard)
                return
            db.execute("INSERT INTO meta VALUES('schema', ?)", (SCHEMA_VERSION,))
            for user in seed.users:
                db.execute("INSERT INTO users VALUES(?,?,?)", (user["id"], user["username"], dumps(user)))
                db.execute("INSERT INTO recipients VALUES('user',?,?)", (user["id"], user["username"]))
            for group in seed.groups:
                db.execute("INSERT INTO recipients VALUES('group',?,?)", (group["id"], group["name"]))
            for org in seed.orgs:
                db.execute("INSERT INTO recipients VALUES('organization',?,?)", (org["id"], org["name"]))
            for env in seed.environments:
                db.execute(
                    "INSERT INTO environments VALUES(?,?,?)",
                    (env["id"], " ".join(env["supportedModelFormats"]), dumps(env)),
                )
            self._add_leaderboard(db, [*seed.leaderboard_models, *extra_leaderboard])
            for rm in seed.registered_models:
                self._insert_registered_model(db, rm)
            for pkg in seed.packages:
                self._insert_package(db, pkg)
            rows = []
            for package_id, features in seed.features.items():
                for pos, feature in enumerate(features):
                    doc = feature["doc"]
                    rows.append(
                        (
                            package_id,
                            pos,
                            doc["name"],
                            doc["name"].lower(),
                            doc["importance"],
                            int(feature["forPrediction"]),
                            int(feature["segmentable"]),
                            dumps(doc),
                        )
                    )
            db.executemany("INSERT INTO features VALUES(?,?,?,?,?,?,?,?)", rows)
            db.executemany(
                "INSERT INTO model_logs VALUES(?,?,?)",
                [
                    (pid, pos, dumps(entry))
                    for pid, entries in seed.logs.items()
                    for pos, entry in enumerate(entries)
                ],
            )
            for dep in seed.deployments:
                doc = {k: v for k, v in dep.items() if not k.startswith("_")}
                db.execute(
                    "INSERT INTO deployments(id, package_id, rm_id, label, label_lc, created_ts, doc)"
                    " VALUES(?,?,?,?,?,?,?)",
                    (
                        dep["id"],
                        dep["_packageId"],
                        dep["_registeredModelId"],
                        dep["label"],
                        dep["label"].lower() if dep["label"] is not None else None,
                        parse_ts(dep["createdAt"]),
                        dumps(doc),
                    ),
                )
            db.executemany(
                "INSERT INTO shared_roles(rm_id, type, recipient_id, name, role) VALUES(?,?,?,?,?)",
                seed.roles,
            )

    @staticmethod
    def _add_leaderboard(db: sqlite3.Connection, models: Sequence[dict[str, Any]]) -> None:
        for model in models:
            db.execute("INSERT OR IGNORE INTO leaderboard_models VALUES(?,?)", (model["id"], dumps(model)))

    @staticmethod
    def _insert_registered_model(db: sqlite3.Connection, doc: dict[str, Any]) -> None:
        db.execute(
            "INSERT INTO registered_models(id, name, name_lc, is_global, is_archived, created_ts, modified_ts,"
            " created_by, target_name, target_type, doc) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc["id"],
                doc["name"],
                doc["name"].lower(),
                int(doc["isGlobal"]),
                int(doc["isArchived"]),
                parse_ts(doc["createdAt"]),
                parse_ts(doc["modifiedAt"]),
                doc["createdBy"]["email"],
                doc["target"]["name"],
                doc["target"]["type"],
                dumps(doc),
            ),
        )

    @staticmethod
    def _insert_package(db: sqlite3.Connection, doc: dict[str, Any]) -> None:
        description = doc["modelDescription"]
        search = "\x00".join(
            s.lower()
            for s in (doc["name"], description.get("modelName") or "", description.get("description") or "")
        )
        target = doc["target"]
        class_key = dumps([target["type"], target["classNames"], target["classCount"]])
        use_case = doc["sourceMeta"].get("useCaseDetails") or {}
        db.execute(
            "INSERT INTO packages(id, rm_id, version, search_lc, model_id, build_status, stage, execution_type,"
            " model_format, target_name, target_type, class_key, is_time_series, is_multiseries, imported,"
            " threshold, use_case_id, created_by, model_type, created_ts, updated_ts, is_archived, doc)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc["id"],
                doc["registeredModelId"] or "",  # "": a package of no registered model (a variant)
                doc["registeredModelVersion"] or 0,
                search,
                doc["modelId"],
                doc["buildStatus"],
                doc["stage"],
                doc["modelExecutionType"],
                FORMATS_BY_EXECUTION_TYPE[doc["modelExecutionType"]]
                + (" datarobotScoringCode" if doc["sourceMeta"]["scoringCode"]["location"] else ""),
                target["name"],
                target["type"],
                class_key,
                int(doc["modelKind"]["isTimeSeries"]),
                int(doc["modelKind"]["isMultiseries"]),
                int(doc["importMeta"]["originalFileName"] is not None),
                target["predictionThreshold"],
                use_case.get("id"),
                doc["importMeta"]["creatorUsername"],
                description.get("modelName"),
                parse_ts(doc["createdAt"]),
                parse_ts(doc["updatedAt"]),
                int(doc["isArchived"]),
                dumps(doc),
            ),
        )
        for tag in doc.get("tags") or []:
            db.execute(
                "INSERT INTO tags VALUES(?,?,?,?)",
                (doc["id"], doc["registeredModelId"] or "", tag["name"], tag["value"]),
            )

    # ---- reads --------------------------------------------------------------------------------------
    def user(self, user_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT doc FROM users WHERE id=?", (user_id,))
        return json.loads(row[0]) if row else None

    def recipient(
        self, rtype: str, *, rid: str | None = None, name: str | None = None
    ) -> tuple[str, str] | None:
        """(id, name) of a user/group/organization by id or by name (username for users)."""
        if rid is not None:
            row = self._one("SELECT id, name FROM recipients WHERE type=? AND id=?", (rtype, rid))
        else:
            row = self._one("SELECT id, name FROM recipients WHERE type=? AND name=?", (rtype, name))
        return (row[0], row[1]) if row else None

    def leaderboard_model(self, model_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT doc FROM leaderboard_models WHERE id=?", (model_id,))
        return json.loads(row[0]) if row else None

    def registered_model_doc(self, rm_id: str) -> str | None:
        row = self._one("SELECT doc FROM registered_models WHERE id=?", (rm_id,))
        return row[0] if row else None

    def package_doc(self, package_id: str) -> str | None:
        row = self._one("SELECT doc FROM packages WHERE id=?", (package_id,))
        return row[0] if row else None

    def package_row(self, package_id: str) -> sqlite3.Row | None:
        with self._lock:
            cur = self._db.execute(
                "SELECT id, rm_id, version, target_type, class_key, is_time_series, is_multiseries,"
                " execution_type, doc FROM packages WHERE id=?",
                (package_id,),
            )
            row = cur.fetchone()
            if row is None:
                return None
            return dict(zip([c[0] for c in cur.description], row, strict=True))  # type: ignore[return-value]

    def page(
        self,
        table: str,
        where: str,
        params: Sequence[Any],
        order: str,
        offset: int,
        limit: int | None,
        select: str = "doc",
    ) -> tuple[int, list[str]]:
        """(total matching, the documents of one page). `table`, `where`, `order` and `select` are SQL built
        by `queries` from constants (never from a request); params are bound."""
        where_sql = f" WHERE {where}" if where else ""
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM {table}{where_sql}", params).fetchone()[0]
            page_limit = _SQL_INT_MAX if limit is None else limit
            rows = self._db.execute(
                f"SELECT {select} FROM {table}{where_sql} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, page_limit, min(offset, _SQL_INT_MAX)],
            ).fetchall()
        return total, [r[0] for r in rows]

    def environment_formats(self, env_id: str) -> list[str] | None:
        row = self._one("SELECT formats FROM environments WHERE id=?", (env_id,))
        return row[0].split() if row else None

    def roles(self, rm_id: str) -> list[tuple[str, str, str, str]]:
        """(type, id, name, role) of every grant, in grant order."""
        return self._all(
            "SELECT type, recipient_id, name, role FROM shared_roles WHERE rm_id=? ORDER BY seq", (rm_id,)
        )

    # ---- writes -------------------------------------------------------------------------------------
    def next_id(self, db: sqlite3.Connection, kind: str, prefix: int) -> str:
        row = db.execute("SELECT n FROM counters WHERE kind=?", (kind,)).fetchone()
        n = (row[0] if row else 0x1000) + 1
        db.execute("INSERT OR REPLACE INTO counters VALUES(?,?)", (kind, n))
        return f"{prefix:08x}{n:016x}"

    def update_registered_model(
        self, rm_id: str, changes: dict[str, Any], modifier: dict[str, Any], persist: bool = True
    ) -> str | None:
        """Apply name/description/isGlobal; the updated document (None if the id is unknown)."""
        with self.write() as db:
            row = db.execute("SELECT doc FROM registered_models WHERE id=?", (rm_id,)).fetchone()
            if row is None:
                return None
            doc = json.loads(row[0])
            if not changes:
                return row[0]
            doc.update(changes)
            now = time.time()
            doc["modifiedAt"] = iso(now)
            doc["modifiedBy"] = user_meta(modifier)
            text = dumps(doc)
            if persist:
                db.execute(
                    "UPDATE registered_models SET name=?, name_lc=?, is_global=?, modified_ts=?, doc=? WHERE id=?",
                    (doc["name"], doc["name"].lower(), int(doc["isGlobal"]), now, text, rm_id),
                )
            return text

    def replace_registered_model(self, rm_id: str, text: str) -> None:
        """Store a whole registered model document as given (the fault write-lost-update writes back a copy
        it read earlier this way)."""
        doc = json.loads(text)
        with self.write() as db:
            db.execute(
                "UPDATE registered_models SET name=?, name_lc=?, is_global=?, modified_ts=?, doc=? WHERE id=?",
                (
                    doc["name"],
                    doc["name"].lower(),
                    int(doc["isGlobal"]),
                    parse_ts(doc["modifiedAt"]),
                    text,
                    rm_id,
                ),
            )

    def archive_package(self, package_id: str) -> None:
        """Archive one package (a no-op when it is archived already)."""
        with self.write() as db:
            self._archive_packages(db, "id=?", (package_id,))

    @staticmethod
    def _archive_packages(db: sqlite3.Connection, where: str, params: Sequence[Any]) -> int:
        rows = db.execute(f"SELECT id, doc FROM packages WHERE is_archived=0 AND {where}", params).fetchall()
        now = time.time()
        for pid, text in rows:
            doc = json.loads(text)
            doc["isArchived"] = True
            doc["stage"] = "Archived"
            doc["updatedAt"] = iso(now)
            db.execute(
                "UPDATE packages SET is_archived=1, stage='Archived', updated_ts=?, doc=? WHERE id=?",
                (now, dumps(doc), pid),
            )
        return len(rows)

    def archive_registered_model(
        self, rm_id: str, modifier: dict[str, Any], with_versions: bool = True
    ) -> bool:
        with self.write() as db:
            row = db.execute("SELECT doc FROM registered_models WHERE id=?", (rm_id,)).fetchone()
            if row is None:
                return False
            doc = json.loads(row[0])
            if not doc["isArchived"]:
                now = time.time()
                doc["isArchived"] = True
                doc["modifiedAt"] = iso(now)
                doc["modifiedBy"] = user_meta(modifier)
                db.execute(
                    "UPDATE registered_models SET is_archived=1, modified_ts=?, doc=? WHERE id=?",
                    (now, dumps(doc), rm_id),
                )
            if with_versions:
                self._archive_packages(db, "rm_id=?", (rm_id,))
            return True

    def create_package(
        self,
        build_doc: Any,
        *,
        rm_id: str | None,
        rm_name: str | None,
        rm_description: str,
        creator: dict[str, Any],
        target: dict[str, Any],
        features: list[dict[str, Any]],
        logs: list[dict[str, Any]],
        standalone: bool = False,
    ) -> tuple[str, str] | tuple[None, str]:
        """Create a package as a new version of `rm_id`, or of a new registered model named `rm_name`.

        `build_doc(package_id, rm_id, version, created_ts)` returns the package document. Returns
        (package document, "") or (None, reason) when `rm_id` is unknown, archived or has another target.
        `standalone` (variant no-registered-model-name): the package belongs to no registered model; its grants
        are kept under its own id.
        """
        with self.write() as db:
            now = time.time()
            version: int | None
            if standalone:
                rm_id, version = None, None
            elif rm_id is not None:
                row = db.execute("SELECT doc FROM registered_models WHERE id=?", (rm_id,)).fetchone()
                if row is None:
                    return None, "unknown"
                rm = json.loads(row[0])
                if rm["isArchived"]:
                    return None, "archived"
                if rm["target"]["type"] != target["type"] or rm["target"]["name"] != target["name"]:
                    return None, "target"
                version = int(rm["lastVersionNum"]) + 1
                rm["lastVersionNum"] = version
                rm["modifiedAt"] = iso(now)
                rm["modifiedBy"] = user_meta(creator)
                db.execute(
                    "UPDATE registered_models SET modified_ts=?, doc=? WHERE id=?", (now, dumps(rm), rm_id)
                )
            else:
                rm_id = self.next_id(db, "registered_model", KIND_RM)
                version = 1
                rm = build_registered_model_doc(
                    rm_id=rm_id,
                    name=rm_name or "",
                    description=rm_description,
                    creator=creator,
                    created_ts=now,
                    modified_ts=now,
                    modifier=creator,
                    target_name=target["name"],
                    target_type=target["type"],
                    last_version_num=1,
                    is_global=False,
                )
                self._insert_registered_model(db, rm)
                db.execute(
                    "INSERT INTO shared_roles(rm_id, type, recipient_id, name, role) VALUES(?,?,?,?,?)",
                    (rm_id, "user", creator["id"], creator["username"], "OWNER"),
                )
            package_id = self.next_id(db, "package", KIND_PACKAGE)
            doc = build_doc(package_id, rm_id, version, now)
            self._insert_package(db, doc)
            if standalone:
                db.execute(
                    "INSERT INTO shared_roles(rm_id, type, recipient_id, name, role) VALUES(?,?,?,?,?)",
                    (package_id, "user", creator["id"], creator["username"], "OWNER"),
                )
            db.executemany(
                "INSERT INTO features VALUES(?,?,?,?,?,?,?,?)",
                [
                    (
                        package_id,
                        pos,
                        f["doc"]["name"],
                        f["doc"]["name"].lower(),
                        f["doc"]["importance"],
                        int(f["forPrediction"]),
                        int(f["segmentable"]),
                        dumps(f["doc"]),
                    )
                    for pos, f in enumerate(features)
                ],
            )
            db.executemany(
                "INSERT INTO model_logs VALUES(?,?,?)",
                [(package_id, pos, dumps(entry)) for pos, entry in enumerate(logs)],
            )
            return dumps(doc), ""

    def update_roles(
        self,
        rm_id: str,
        grants: list[tuple[str, str, str, str]],
        *,
        require_owner: bool = True,
        persist: bool = True,
    ) -> bool:
        """Apply (type, id, name, role) grants in order; role NO_ROLE removes. False (and nothing changed) when
        no OWNER would remain and `require_owner`; `persist=False` validates without storing."""
        try:
            with self.write() as db:
                for rtype, rid, name, role in grants:
                    if role == "NO_ROLE":
                        db.execute(
                            "DELETE FROM shared_roles WHERE rm_id=? AND type=? AND recipient_id=?",
                            (rm_id, rtype, rid),
                        )
                    else:
                        db.execute(
                            "INSERT INTO shared_roles(rm_id, type, recipient_id, name, role) VALUES(?,?,?,?,?)"
                            " ON CONFLICT(rm_id, type, recipient_id) DO UPDATE SET role=excluded.role",
                            (rm_id, rtype, rid, name, role),
                        )
                owners = db.execute(
                    "SELECT COUNT(*) FROM shared_roles WHERE rm_id=? AND role='OWNER'", (rm_id,)
                ).fetchone()[0]
                if require_owner and owners == 0:
                    raise _Rollback(False)
                if not persist:
                    raise _Rollback(True)
                return True
        except _Rollback as outcome:
            return bool(outcome.args[0])


class _Rollback(Exception):
    """Raised inside `Store.write()` to undo the transaction and return a result."""
