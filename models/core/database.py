"""Engine settings: SQLite in WAL mode with a busy timeout and foreign keys; write
transactions that take the SQLite write lock up front (BEGIN IMMEDIATE) so that two writers
never dead-lock on a lock upgrade. PostgreSQL needs none of this; its check-ins' hall scan runs
on autocommit connections of their own (autocommit_connection)."""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from config import choice

_IMMEDIATE: contextvars.ContextVar[bool] = contextvars.ContextVar("immediate", default=False)


class WriterLock:
    """SQLite allows one writer at a time; writers queue here for it *before* asking SQLite.

    Threads of this process take turns on a reentrant lock, and processes sharing the database
    file (``serve --workers N``, a CLI command during the event) on an ``flock`` of a lock file
    beside it. Both wake the next writer the moment the lock is free, where SQLite's busy
    handler sleeps in growing steps (1, 2, 5 ... 100 ms) and makes the slowest requests far
    slower than needed. The order is always thread lock, file lock, SQLite lock, so no two
    writers can wait for each other."""

    def __init__(self) -> None:
        self._thread_lock = threading.RLock()
        self._owner: int | None = None
        self._depth = 0
        self._held_fd: int | None = None
        self._fds: dict[str, int] = {}
        self._pid = os.getpid()

    def _fd(self, database: str) -> int:
        if self._pid != os.getpid():  # a forked worker: the parent's descriptors share its locks
            self._fds, self._pid = {}, os.getpid()
        fd = self._fds.get(database)
        if fd is None:
            fd = os.open(database + ".writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
            self._fds[database] = fd
        return fd

    def acquire(self, database: str | None = None) -> None:
        """``database``: the SQLite file (None or ":memory:": this process only)."""
        self._thread_lock.acquire()
        if self._depth == 0:
            self._owner = threading.get_ident()
            if database and database != ":memory:":
                try:
                    fd = self._fd(database)
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    self._held_fd = fd
                except OSError:  # a read-only directory: SQLite's own lock still serialises
                    self._held_fd = None
        self._depth += 1

    def release(self) -> None:
        if self._owner != threading.get_ident() or self._depth == 0:
            raise RuntimeError("release of a writer lock this thread does not hold")
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            if self._held_fd is not None:
                fd, self._held_fd = self._held_fd, None
                fcntl.flock(fd, fcntl.LOCK_UN)
        self._thread_lock.release()


#: the one writer lock of this process (SQLite): a write transaction holds it, and so does the
#: check-in hall scan (models.checkin.checkin) around its own BEGIN IMMEDIATE
SQLITE_WRITER = WriterLock()

#: PRAGMA synchronous for SQLite connections opened from now on (config SQLITE_SYNCHRONOUS, set
#: by create_app through set_sqlite_synchronous). NORMAL in WAL mode survives a killed process
#: (the WAL is in the OS page cache); FULL also survives a power cut, at an fsync per commit.
SQLITE_SYNCHRONOUS = "NORMAL"
SQLITE_BUSY_TIMEOUT_MS = 15000
#: seconds between the server's WAL checkpoints (start_checkpointer)
CHECKPOINT_SECONDS = 1.0
_checkpointer: dict[str, object] = {"running": False}


def set_sqlite_synchronous(mode: str) -> None:
    """The PRAGMA synchronous of the process's SQLite connections opened from now on (one of
    config.CHOICES["SQLITE_SYNCHRONOUS"]: the value goes into the PRAGMA)."""
    global SQLITE_SYNCHRONOUS
    SQLITE_SYNCHRONOUS = choice("SQLITE_SYNCHRONOUS", mode)


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event issue BEGIN itself (the pysqlite recipe).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute(f"PRAGMA synchronous = {SQLITE_SYNCHRONOUS}")
    cur.execute("PRAGMA foreign_keys = ON")
    if _checkpointer["running"]:
        # the server's checkpointer thread does it (start_checkpointer), never a check-in
        cur.execute("PRAGMA wal_autocheckpoint = 0")
    cur.close()


@event.listens_for(Engine, "begin")
def _on_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    if not _IMMEDIATE.get():
        conn.exec_driver_sql("BEGIN")
        return
    # Writers queue on the WriterLock (this process's threads, then other processes) *before*
    # asking SQLite for its write lock, always in that order.
    SQLITE_WRITER.acquire(conn.engine.url.database)
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        SQLITE_WRITER.release()
        raise
    conn.info["ek_writer"] = conn.info.get("ek_writer", 0) + 1


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _on_end(conn) -> None:
    _release(conn.info)


@event.listens_for(Pool, "checkin")
def _on_checkin(dbapi_connection, connection_record) -> None:
    """Safety net: a connection going back to the pool never keeps the writer lock."""
    _release(connection_record.info)


def _release(info: dict) -> None:
    held = info.pop("ek_writer", 0)
    for _ in range(held):
        try:
            SQLITE_WRITER.release()
        except RuntimeError:  # not this thread's: nothing of ours to release
            break


@contextlib.contextmanager
def write_transaction() -> Iterator[None]:
    """Inside this block a new SQLite transaction starts with BEGIN IMMEDIATE (the write lock
    is taken first, waiting up to the busy timeout), so read-then-write logic never fails on
    a lock upgrade; the writers of this process take turns on a Python lock first (_on_begin).
    The session must not already be in a transaction when it starts."""
    token = _IMMEDIATE.set(True)
    try:
        yield
    finally:
        _IMMEDIATE.reset(token)


def set_immediate(flag: bool) -> contextvars.Token:
    """For the rest of this context (e.g. one web request that changes data) every SQLite
    transaction starts with BEGIN IMMEDIATE. Returns a token for reset_immediate()."""
    return _IMMEDIATE.set(flag)


def reset_immediate(token: contextvars.Token) -> None:
    _IMMEDIATE.reset(token)


def start_checkpointer(engine, interval: float = CHECKPOINT_SECONDS) -> bool:
    """SQLite: copy the write-ahead log back into the database from a thread of its own,
    every ``interval`` seconds, instead of inside whichever commit crosses SQLite's 1,000-page
    mark. Measured with scripts/bench_live.py at a steady 200 check-ins/s: the slowest
    check-ins (p99) took 20 ms with SQLite's automatic checkpoints and 6 ms with this, because
    the commit that happens to checkpoint holds the writer lock meanwhile.

    PASSIVE checkpoints never wait for readers or writers. The server calls this before it
    serves (each worker process after its fork); other processes (CLI, tests) keep SQLite's
    automatic checkpoints. Returns False when the database is not SQLite."""
    if engine.dialect.name != "sqlite" or _checkpointer["running"]:
        return False
    _checkpointer["running"] = True
    engine.dispose()  # connections opened from now on leave checkpoints to this thread

    def run() -> None:
        import logging
        import time

        while True:
            time.sleep(interval)
            try:
                conn = engine.raw_connection()
                try:
                    conn.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                finally:
                    conn.close()
            except Exception:  # a locked or missing file: try again next time
                logging.getLogger(__name__).exception("WAL checkpoint failed")

    threading.Thread(target=run, name="wal-checkpoint", daemon=True).start()
    return True


# --- giving the write lock back before a long wait -----------------------------------------------

_WROTE = "wrote_in_transaction"


@event.listens_for(Session, "after_flush")
def _note_write(session, flush_context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if not state.is_select:  # an UPDATE/DELETE/INSERT, or text() that may be one
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_write(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def end_unwritten_transaction(session) -> bool:
    """End ``session``'s transaction if it has written nothing (no flush, no statement other
    than a SELECT, nothing pending), so
    that a long wait that follows (a spreadsheet read in its child process) holds no lock: on
    SQLite a web POST's transaction began with BEGIN IMMEDIATE and holds the single writer lock,
    and check-ins would queue behind it for the whole wait. Returns whether it was ended; a
    transaction that wrote is left alone (ending it would commit or lose the caller's work)."""
    if not session.in_transaction():
        return True
    if session.info.get(_WROTE) or session.new or session.dirty or session.deleted:
        return False
    session.rollback()  # it wrote nothing: rolling back only lets go of the lock
    return True


# --- PostgreSQL: the hall scan's own connections ---------------------------------------------------

#: the autocommit engine beside each PostgreSQL engine: engine -> (its twin, the pid that made it);
#: weak, so an app's engine that is dropped (tests make many) takes its twin's connections along
_autocommit: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_autocommit_lock = threading.Lock()


def autocommit_connection(engine: Engine):
    """A pooled connection (SQLAlchemy's pool fairy; ``close()`` returns it) to ``engine``'s
    PostgreSQL database in autocommit mode, from a twin engine of its own: each statement is its
    own transaction, committed (synchronous_commit as the server says: on) when it returns, with
    no BEGIN, COMMIT or pre-ping round trips around it. The check-in's hall scan runs its read
    and its one write statement here (models.checkin.checkin._hall_scan): 2 round trips instead
    of 8. No pre-ping: a connection the server dropped fails its first statement, and the
    caller retries a read once on a fresh one (``invalidate()`` the failed one first).

    The twin is disposed with ``engine`` (Engine.dispose: the tests' apps, the server's fork,
    whose child leaves the parent's connections open, as ``dispose(close=False)`` does)."""
    got = _autocommit.get(engine)
    if got is None:
        with _autocommit_lock:
            got = _autocommit.get(engine)
            if got is None:
                from sqlalchemy import create_engine

                twin = create_engine(
                    engine.url,
                    pool_size=max(1, engine.pool.size()),
                    max_overflow=10,
                    pool_pre_ping=False,
                    isolation_level="AUTOCOMMIT",
                )
                got = (twin, os.getpid())
                _autocommit[engine] = got
                if not event.contains(engine, "engine_disposed", _twin_disposed):
                    event.listen(engine, "engine_disposed", _twin_disposed)
    return got[0].raw_connection()


def _twin_disposed(engine: Engine) -> None:
    got = _autocommit.pop(engine, None)
    if got is not None:
        # connections opened by another process (before a fork) are left to it
        got[0].dispose(close=got[1] == os.getpid())
