"""CLI commands wait for a locked SQLite database instead of printing a traceback (issue 22).

SQLite has one writer at a time. A command run during the event meets the server's writers (they
hold the lock for milliseconds) and, now and then, something holding it far longer: a backup, a
large import, someone's ``sqlite3`` shell left in a transaction. SQLite then says "database is
locked": at once when the command, having read, wants to write while another holds the lock or
has committed since its read began (waiting inside that transaction cannot help, only starting
over), or after its busy timeout (15 s) for a transaction that takes the write lock first.

``retry_when_locked`` wraps every command cli.register adds (``serve`` excepted): the command
is run again from the start, its transaction rolled back, with growing pauses (0.1 s doubling to
2 s), until ``CLI_LOCK_WAIT`` seconds have passed. Then it prints one line in Vietnamese and
exits with status 1, nothing written. A command that had already committed part of its work when
the lock stopped it is not run again (it could repeat that part): it says so and exits 1 at
once. An answer typed at a prompt (a password) is asked once, not again on a retry
(``remembered``).
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

import click
from flask import current_app
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from models.core.base import db

#: never run again on a lock: it serves until stopped
NOT_RETRIED = {"serve"}
FIRST_PAUSE, LONGEST_PAUSE = 0.1, 2.0
#: prompts answered during the command now running (kept across its retries)
_answers: dict[str, Any] = {}
_depth = [0]


def is_locked(exc: BaseException) -> bool:
    """SQLite's "database is locked" / "database table is locked" (also inside SQLAlchemy's)."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and "locked" in str(orig)


def remembered(fn: Callable[[], Any]) -> Callable[[], Any]:
    """A prompt asked once per command run: a retry gets the same answer without asking again."""
    key = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def ask() -> Any:
        if key not in _answers:
            _answers[key] = fn()
        return _answers[key]

    return ask


def locked_message(seconds: float) -> str:
    return (
        f"Cơ sở dữ liệu đang bị một chương trình khác khóa; đã chờ {seconds:.0f} giây mà chưa ghi được. "
        "Chưa có gì thay đổi: hãy chạy lại lệnh sau ít phút (thời gian chờ: CLI_LOCK_WAIT)."
    )


PARTLY_DONE = (
    "Cơ sở dữ liệu bị một chương trình khác khóa giữa chừng; phần việc trước đó đã được lưu. "
    "Hãy kiểm tra rồi chạy lại lệnh khi cơ sở dữ liệu rảnh."
)


@contextlib.contextmanager
def _counting_commits() -> Iterator[list[int]]:
    count = [0]

    def seen(conn) -> None:
        count[0] += 1

    event.listen(db.engine, "commit", seen)
    try:
        yield count
    finally:
        event.remove(db.engine, "commit", seen)


def _attempt(inner: Callable, args: tuple, kwargs: dict) -> tuple[bool, Any]:
    """One run of the command: (True, its result), or (False, committed-before-the-lock)."""
    with _counting_commits() as commits:
        try:
            return True, inner(*args, **kwargs)
        except OperationalError as exc:
            if not is_locked(exc):
                raise
            db.session.rollback()
            return False, commits[0] > 0


def retry_when_locked(cmd: click.Command) -> click.Command:
    """``cmd`` with its callback run again while the database is locked (module docstring)."""
    inner = cmd.callback
    if inner is None or cmd.name in NOT_RETRIED or getattr(inner, "retries_when_locked", False):
        return cmd

    @functools.wraps(inner)
    def run(*args, **kwargs):
        wait = float(current_app.config.get("CLI_LOCK_WAIT", 60))
        deadline, pause = time.monotonic() + wait, FIRST_PAUSE
        _depth[0] += 1
        try:
            while True:
                done, value = _attempt(inner, args, kwargs)
                if done:
                    return value
                if value:  # part of the work was committed: running it again could repeat it
                    click.echo(PARTLY_DONE, err=True)
                    raise click.exceptions.Exit(1)
                left = deadline - time.monotonic()
                if left <= 0:  # waited the whole CLI_LOCK_WAIT (the last pause cut to fit it)
                    click.echo(locked_message(wait), err=True)
                    raise click.exceptions.Exit(1)
                time.sleep(min(pause, left))
                pause = min(pause * 2, LONGEST_PAUSE)
        finally:
            _depth[0] -= 1
            if _depth[0] == 0:
                _answers.clear()

    run.retries_when_locked = True  # type: ignore[attr-defined]
    cmd.callback = run
    return cmd
