"""CLI commands wait for a locked SQLite database and try again, then say so in one line (issue
22, item 6): a real lock held by another connection (BEGIN IMMEDIATE / EXCLUSIVE), released
after a moment or held past the wait, and a real stale-snapshot refusal mid-command."""

from __future__ import annotations

import sqlite3
import threading
import time

import click
import pytest
from sqlalchemy import func, select, text

from models.accounts.models import User
from models.core.base import db
from tests.conftest import sqlite_only


@pytest.fixture
def db_file(app):
    """SQLite's lock (the tests are `sqlite_only`: PostgreSQL waits for row locks by itself)."""
    assert db.engine.dialect.name == "sqlite"
    return db.engine.url.database


def _holder(path: str, how: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"BEGIN {how}")
    conn.execute("UPDATE user_account SET active = active")  # the write lock is really taken
    return conn


def _users(name: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(User.id)).where(User.username == name))


@sqlite_only
@pytest.mark.parametrize("how", ["IMMEDIATE", "EXCLUSIVE"])
def test_command_waits_for_a_lock_released_after_a_moment(app, runner, db_file, how):
    """The lock is released only once the command has met it (SQLite said "database is
    locked" to it): then the command goes on and succeeds."""
    from sqlalchemy import event

    app.config["CLI_LOCK_WAIT"] = 30
    holder = _holder(db_file, how)
    met = threading.Event()

    def on_error(context) -> None:
        if "locked" in str(context.original_exception):
            met.set()

    def release() -> None:
        met.wait(20)
        holder.rollback()

    event.listen(db.engine, "handle_error", on_error)
    releaser = threading.Thread(target=release)
    releaser.start()
    try:
        r = runner.invoke(args=["create-user", "lock-a", "--role", "desk"], input="mat-khau-dai\n")
    finally:
        met.set()
        releaser.join()
        holder.close()
        event.remove(db.engine, "handle_error", on_error)
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output and "locked" not in r.output
    assert _users("lock-a") == 1


@sqlite_only
def test_command_held_past_the_wait_says_so_in_one_line(app, runner, db_file):
    app.config["CLI_LOCK_WAIT"] = 1
    holder = _holder(db_file, "EXCLUSIVE")
    started = time.monotonic()
    try:
        r = runner.invoke(args=["create-user", "lock-b", "--role", "desk"], input="mat-khau-dai\n")
    finally:
        holder.rollback()
        holder.close()
    assert time.monotonic() - started >= 1, r.output  # it waited
    assert r.exit_code == 1, r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "bị một chương trình khác khóa" in lines[0], r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert _users("lock-b") == 0  # nothing written


DEVICE = "INSERT INTO device (name, token_hash, kind, created_at) VALUES (?, ?, 'hall', CURRENT_TIMESTAMP)"


@sqlite_only
def test_a_stale_snapshot_is_run_again_and_the_prompt_not_asked_twice(app, db_file):
    """The command reads, the server writes and commits meanwhile, the command's write is
    refused at once ("database is locked": waiting cannot help): it is run again from the start,
    with the password typed once."""
    from commands.accounts import read_password
    from commands.locked import retry_when_locked

    runs = []

    @click.command("stale-test")
    def stale() -> None:
        password = read_password()
        runs.append(password)
        db.session.execute(select(func.count(User.id))).scalar()  # the read snapshot begins
        if len(runs) == 1:  # the server writes meanwhile (another connection, committed)
            other = sqlite3.connect(db_file, isolation_level=None)
            other.execute(DEVICE, ("server", "h-server"))
            other.close()
        db.session.execute(text(DEVICE.replace("?", ":n", 1).replace("?", ":h", 1)), {"n": "stale", "h": "h-stale"})
        db.session.commit()

    app.cli.add_command(retry_when_locked(stale))
    from tests.factories import make_user

    make_user("someone", "desk")
    app.config["CLI_LOCK_WAIT"] = 30
    r = app.test_cli_runner().invoke(args=["stale-test"], input="mat-khau-dai\n")
    assert r.exit_code == 0, r.output
    assert runs == ["mat-khau-dai", "mat-khau-dai"]  # run twice, asked once
    db.session.rollback()
    assert db.session.scalar(text("SELECT count(*) FROM device WHERE name = 'stale'")) == 1
