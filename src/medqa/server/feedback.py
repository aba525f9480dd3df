"""Feedback (and, only when the operator turns it on, conversations) in one SQLite file.

One short-lived connection per call: sqlite3 connections must not be shared between threads,
and WAL mode lets readers and the single writer of each call proceed without blocking each
other. Every call commits (and fsyncs, see `_connect`) before it returns, so a 200 means the row
is on disk.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id TEXT NOT NULL,
    message TEXT NOT NULL,
    answer TEXT NOT NULL,
    triage TEXT NOT NULL,
    created REAL NOT NULL
);
"""


class FeedbackStore:
    """The server's SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # persistent: set once per file
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # `with connection` commits (or rolls back); closing() then releases the file handle.
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            # Durability of a commit in WAL mode: synchronous=NORMAL only write()s the transaction to
            # the -wal file, which survives the process being killed (kill -9, OOM killer: the bytes
            # are in the kernel's page cache) but not a power cut or kernel crash. FULL also fsyncs
            # the -wal file at every commit, so a 200 means the row survives those too; feedback is
            # rare, so one fsync per post costs nothing that matters. Set on every connection:
            # unlike journal_mode, synchronous is not stored in the file.
            db.execute("PRAGMA synchronous=FULL")
            yield db

    def add_feedback(self, answer_id: str, rating: str, comment: str | None) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO feedback (answer_id, rating, comment, created) VALUES (?, ?, ?, ?)",
                (answer_id, rating, comment, time.time()),
            )

    def log_conversation(self, answer_id: str, message: str, answer: str, triage: str) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO conversations (answer_id, message, answer, triage, created) VALUES (?, ?, ?, ?, ?)",
                (answer_id, message, answer, triage, time.time()),
            )
