"""Engine settings: SQLite in WAL mode with a busy timeout and foreign keys; write
transactions that take the SQLite write lock up front (BEGIN IMMEDIATE) so that two writers
never dead-lock on a lock upgrade. PostgreSQL needs none of this."""

from __future__ import annotations

import contextlib
import contextvars
import sqlite3
import threading
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

_IMMEDIATE: contextvars.ContextVar[bool] = contextvars.ContextVar("immediate", default=False)
#: SQLite allows one writer at a time. Threads of this process queue here for it: a Python lock
#: wakes the next writer the moment the lock is free, where SQLite's busy handler sleeps in
#: growing steps (1, 2, 5 ... 100 ms) and makes the slowest requests far slower than needed.
_SQLITE_WRITER = threading.RLock()

#: PRAGMA synchronous for SQLite. NORMAL in WAL mode survives a killed process (the WAL is in
#: the OS page cache); FULL also survives a power cut, at the cost of an fsync per commit.
SQLITE_SYNCHRONOUS = "NORMAL"
SQLITE_BUSY_TIMEOUT_MS = 15000


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
    cur.close()


@event.listens_for(Engine, "begin")
def _on_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    if not _IMMEDIATE.get():
        conn.exec_driver_sql("BEGIN")
        return
    # Writers of this process queue on a Python lock *before* asking SQLite for its write lock,
    # always in that order (so no two threads can wait for each other), and the next writer
    # wakes the moment the previous one commits instead of sleeping in SQLite's busy handler.
    _SQLITE_WRITER.acquire()
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _SQLITE_WRITER.release()
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
            _SQLITE_WRITER.release()
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
