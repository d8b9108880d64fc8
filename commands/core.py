"""CLI commands of one area: operations (issue 8).

`flask --app app backup --out FILE`: a consistent copy of the SQLite database, taken while the
server runs and takes check-ins (SQLite's online backup API). For PostgreSQL it prints the
pg_dump command to use instead and exits with status 2. Restoring: docs/reliability.md.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path

import click

from models.privacy.exports import count_people, log_export

#: exit status when the database is not SQLite (the backup must be made with pg_dump)
EXIT_USE_PG_DUMP = 2


def backup_sqlite(source: str | Path, out: str | Path, *, busy_timeout_ms: int = 15000) -> dict:
    """Copy the SQLite database ``source`` to ``out`` with the online backup API.

    One step (all pages under one read transaction): in WAL mode the server's writers are not
    blocked, and the copy is the database as of one commit (nothing half-written). The copy is
    written next to ``out`` first, checked (PRAGMA integrity_check), switched to rollback
    journal mode (a single self-contained file) and then renamed over ``out``.
    Returns {"bytes", "seconds", "checkins", "attendees"}. Raises ValueError when ``out`` is
    the database itself, sqlite3.Error when the source cannot be read.
    """
    source, out = Path(source), Path(out)
    if out.resolve() in {source.resolve(), *(Path(f"{source.resolve()}-{x}") for x in ("wal", "shm"))}:
        raise ValueError("the backup cannot overwrite the database or its WAL files")
    if not source.exists():
        raise ValueError(f"no database at {source}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    t0 = time.perf_counter()
    src = sqlite3.connect(str(source), timeout=busy_timeout_ms / 1000)
    dst = sqlite3.connect(str(partial))
    try:
        src.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode = DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"integrity_check: {check}")
        counts = {}
        for table, key in (("checkin", "checkins"), ("attendee", "attendees")):
            try:
                counts[key] = dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            except sqlite3.OperationalError:
                counts[key] = None
    finally:
        dst.close()
        src.close()
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, out)
    return {"bytes": out.stat().st_size, "seconds": round(time.perf_counter() - t0, 3), **counts}


def pg_dump_command(url, out: str, *, restore: bool = False) -> str:
    """The pg_dump (or, with ``restore``, pg_restore) command line for a PostgreSQL URL
    (the password is not shown: use PGPASSWORD or ~/.pgpass)."""
    import shlex

    parts = (
        ["pg_restore", "--clean", "--if-exists", "--no-owner"]
        if restore
        else ["pg_dump", "--format=custom", "--no-owner", f"--file={out}"]
    )
    if url.host:
        parts.append(f"--host={url.host}")
    if url.port:
        parts.append(f"--port={url.port}")
    if url.username:
        parts.append(f"--username={url.username}")
    if restore:
        parts += [f"--dbname={url.database or ''}", out]
    else:
        parts.append(url.database or "")
    return " ".join(shlex.quote(p) for p in parts)


@click.command("backup")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="the backup file to write (SQLite database file)",
)
def backup(out: str) -> None:
    """Back up the database while the server runs (SQLite online backup; PostgreSQL: pg_dump)."""
    from models.core.base import db

    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        command = pg_dump_command(url, out)
        click.echo(
            "Cơ sở dữ liệu là PostgreSQL: hãy sao lưu bằng pg_dump / "
            "the database is PostgreSQL: back it up with pg_dump:",
            err=True,
        )
        click.echo(f"  {command}", err=True)
        click.echo("Khôi phục (dừng máy chủ trước) / restore (server stopped):", err=True)
        click.echo(f"  {pg_dump_command(url, out, restore=True)}", err=True)
        sys.exit(EXIT_USE_PG_DUMP)
    path = url.database
    if not path or path == ":memory:":
        raise click.ClickException("Cơ sở dữ liệu trong bộ nhớ, không sao lưu được / in-memory database.")
    try:
        info = backup_sqlite(path, out)
    except (ValueError, sqlite3.Error) as exc:
        raise click.ClickException(f"Sao lưu thất bại / backup failed: {exc}") from exc
    log_export("backup", count_people(None, "backup"), out=str(out))  # issue 23: backups are exports too
    click.echo(
        f"Đã sao lưu {path} vào {out} / backed up: {info['bytes']:,} bytes in {info['seconds']} s, "
        f"{info['checkins']} lượt quét (check-ins), {info['attendees']} đại biểu (attendees)."
    )
    copied = copy_key_file(out)
    if copied:
        click.echo(
            f"Khóa giải mã khóa ký thẻ / the signing-key file: {copied} "
            "(cần cùng bản sao lưu khi khôi phục / needed with the backup to restore)"
        )


def copy_key_file(out: str | Path) -> Path | None:
    """Copy instance/signing_key.aes beside the backup as ``OUT.signing_key.aes`` (0600 like
    every file the server makes): the events' signing keys in the database are sealed with it,
    so a restore needs both. None when there is no key file yet."""
    import shutil

    from models.core.secretbox import key_file

    source = key_file()
    if not source.exists():
        return None
    target = Path(f"{out}.signing_key.aes")
    shutil.copyfile(source, target)
    return target


COMMANDS: list = [backup]
