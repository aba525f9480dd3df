"""Feedback (and, only when the operator turns it on, conversations) in one SQLite file.

One short-lived connection per call: sqlite3 connections must not be shared between threads,
and WAL mode lets readers and the single writer of each call proceed without blocking each
other. Every feedback call commits (and fsyncs, see `_connect`) before it returns, so a 200
means the row is on disk.

Storage fails in ordinary ways: another process holds the database's write lock, the disk is
full, the folder is read-only. Those are `StorageUnavailable` (the server answers 503 with
Retry-After and a clear message, and /ready reports the problem until a write succeeds again),
never a bare 500. The server starts even when the database cannot be created: answers need no
database, and the problem is reported the same way.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from medqa.errors import MedqaError
from medqa.fileio import WRITE_ERRORS

log = logging.getLogger("medqa.server")

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

# SQLite primary result codes that mean "the storage cannot take a write now": (what, retry after s).
# A lock clears in moments; a full, read-only or damaged disk needs the operator.
_SQLITE_PROBLEMS = {
    5: ("is locked by another connection or process", 5),  # SQLITE_BUSY
    6: ("is locked by another connection or process", 5),  # SQLITE_LOCKED
    8: ("is read-only", 60),  # SQLITE_READONLY
    10: ("cannot be written (disk I/O error)", 60),  # SQLITE_IOERR
    11: ("is damaged (malformed database file)", 60),  # SQLITE_CORRUPT
    13: ("cannot grow: the disk is full", 60),  # SQLITE_FULL
    14: ("cannot be opened", 60),  # SQLITE_CANTOPEN
    26: ("is not an SQLite database", 60),  # SQLITE_NOTADB
}


class StorageUnavailable(MedqaError):
    """The database cannot take a write now. The message names the file (for the log and /ready);
    `public` says the same without the path (for API clients); `retry_after` is a sensible wait in seconds."""

    def __init__(self, message: str, public: str, retry_after: int) -> None:
        super().__init__(message)
        self.public = public
        self.retry_after = retry_after


class FeedbackStore:
    """The server's SQLite database. `problem` is the last storage failure, None once a write succeeds."""

    def __init__(self, path: Path, busy_timeout_s: float = 5.0) -> None:
        self.path = path
        self.busy_timeout_s = busy_timeout_s  # how long a write waits for another writer's lock
        self.problem: str | None = None
        self._created = False
        with contextlib.suppress(StorageUnavailable):  # logged and kept in `problem`; the next write retries
            self._create()

    def _create(self) -> None:
        if self._created:
            return
        with self._storage_errors():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")  # persistent: set once per file
                db.executescript(_SCHEMA)
        self._created = True

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # `with connection` commits (or rolls back); closing() then releases the file handle.
        with closing(sqlite3.connect(self.path, timeout=self.busy_timeout_s)) as db, db:
            # Durability of a commit in WAL mode: synchronous=NORMAL only write()s the transaction to
            # the -wal file, which survives the process being killed (kill -9, OOM killer: the bytes
            # are in the kernel's page cache) but not a power cut or kernel crash. FULL also fsyncs
            # the -wal file at every commit, so a 200 means the row survives those too; feedback is
            # rare, so one fsync per post costs nothing that matters. Set on every connection:
            # unlike journal_mode, synchronous is not stored in the file.
            db.execute("PRAGMA synchronous=FULL")
            yield db

    @contextmanager
    def _storage_errors(self) -> Iterator[None]:
        """Storage failures become StorageUnavailable (logged, kept in `problem`); a success clears `problem`."""
        try:
            yield
        except (sqlite3.DatabaseError, OSError) as exc:
            error = self._unavailable(exc)
            if error is None:
                raise  # a bug (a constraint, bad SQL): the server's 500 and traceback
            self.problem = str(error)
            log.error("feedback storage: %s", error)
            raise error from exc
        self.problem = None

    def _unavailable(self, exc: BaseException) -> StorageUnavailable | None:
        """The StorageUnavailable that `exc` means, or None when it is no storage problem."""
        if isinstance(exc, OSError):
            reason = WRITE_ERRORS.get(exc.errno or 0, (exc.strerror or str(exc)).lower())
            if self.path.parent.exists() and not self.path.parent.is_dir():
                reason = "it is a file, not a folder"
            where, what, retry = f"folder {self.path.parent}", f"cannot be written ({reason})", 60
        else:
            code = getattr(exc, "sqlite_errorcode", None)
            if code is None or (code & 0xFF) not in _SQLITE_PROBLEMS:
                return None
            (what, retry), where = _SQLITE_PROBLEMS[code & 0xFF], f"{self.path}"
        return StorageUnavailable(
            f"the feedback database {where} {what}", f"the feedback database {what}", retry_after=retry
        )

    def add_feedback(self, answer_id: str, rating: str, comment: str | None) -> None:
        """Store one rating; StorageUnavailable when the database cannot take it now."""
        self._create()
        with self._storage_errors(), self._connect() as db:
            db.execute(
                "INSERT INTO feedback (answer_id, rating, comment, created) VALUES (?, ?, ?, ?)",
                (answer_id, rating, comment, time.time()),
            )

    def log_conversation(self, answer_id: str, message: str, answer: str, triage: str) -> bool:
        """Store one exchange; False (logged, and reported by /ready) when storage fails: an answer,
        an emergency one above all, is never withheld because it could not be written down."""
        try:
            self._create()
            with self._storage_errors(), self._connect() as db:
                db.execute(
                    "INSERT INTO conversations (answer_id, message, answer, triage, created) VALUES (?, ?, ?, ?, ?)",
                    (answer_id, message, answer, triage, time.time()),
                )
        except StorageUnavailable:
            return False
        return True
