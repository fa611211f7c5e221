"""SQLite storage: one file, WAL journal, every write one transaction.

Objects survive the server stopping or crashing: a write is acknowledged
only after its transaction commits. The event history keeps the last
HISTORY events for watches that resume; older resourceVersions are Gone.
"""

from __future__ import annotations  # `list` is also a method name here

import json
import sqlite3
from pathlib import Path

from .store import MAX_VALUE, Conflict, Event, Exists, Gone, Missing, Store, TooLarge

HISTORY = 20000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, rv INTEGER NOT NULL, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (rv INTEGER PRIMARY KEY, type TEXT NOT NULL, key TEXT NOT NULL,
                                   value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('revision', 1), ('compacted', 0);
"""


class SQLiteStore(Store):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self._revision = self._meta("revision")

    def _meta(self, name: str) -> int:
        return self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()[0]

    @property
    def revision(self) -> int:
        return self._revision

    def get(self, key: str) -> dict | None:
        row = self.db.execute("SELECT value FROM objects WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def list(self, prefix: str) -> tuple[list[dict], int]:
        rows = self.db.execute("SELECT value FROM objects WHERE key >= ? AND key < ? ORDER BY key",
                               (prefix, prefix + "\uffff")).fetchall()
        return [json.loads(r[0]) for r in rows], self._revision

    def _write(self, kind: str, key: str, obj: dict, expect: str, expect_rv: int | None) -> dict:
        """One transaction: check the precondition, take the next revision, store, log the event."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT rv, value FROM objects WHERE key = ?", (key,)).fetchone()
            if expect == "absent" and row:
                raise Exists(key)
            if expect == "present":
                if not row:
                    raise Missing(key)
                if expect_rv is not None and row[0] != expect_rv:
                    raise Conflict(key)
            rv = self._meta("revision") + 1
            if kind == "DELETED":
                obj = json.loads(row[1])
                db.execute("DELETE FROM objects WHERE key = ?", (key,))
            obj = {**obj, "metadata": {**obj.get("metadata", {}), "resourceVersion": str(rv)}}
            value = json.dumps(obj)
            if len(value) > MAX_VALUE and kind != "DELETED":
                raise TooLarge(key)
            if kind != "DELETED":
                db.execute("INSERT OR REPLACE INTO objects VALUES (?, ?, ?)", (key, rv, value))
            db.execute("INSERT INTO events VALUES (?, ?, ?, ?)", (rv, kind, key, value))
            db.execute("UPDATE meta SET value = ? WHERE name = 'revision'", (rv,))
            if rv % 1000 == 0:
                floor = rv - HISTORY
                db.execute("DELETE FROM events WHERE rv <= ?", (floor,))
                db.execute("UPDATE meta SET value = ? WHERE name = 'compacted'", (max(floor, 0),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._revision = rv
        self.publish(Event(kind, key, rv, obj))
        return obj

    def create(self, key: str, obj: dict) -> dict:
        return self._write("ADDED", key, obj, "absent", None)

    def update(self, key: str, obj: dict, expect_rv: int | None = None) -> dict:
        return self._write("MODIFIED", key, obj, "present", expect_rv)

    def delete(self, key: str, expect_rv: int | None = None) -> dict:
        return self._write("DELETED", key, {}, "present", expect_rv)

    def history(self, prefix: str, after_rv: int) -> list[Event]:
        if after_rv < self._meta("compacted"):
            raise Gone(after_rv)
        rows = self.db.execute("SELECT rv, type, key, value FROM events WHERE rv > ? AND key >= ? AND key < ? "
                               "ORDER BY rv", (after_rv, prefix, prefix + "\uffff")).fetchall()
        return [Event(t, k, rv, json.loads(v)) for rv, t, k, v in rows]

    def close(self) -> None:
        self.db.close()
