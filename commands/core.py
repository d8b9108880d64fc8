"""CLI commands of one area: operations (issue 8).

`flask --app app backup --out FILE [--with-key]`: a consistent copy of the SQLite database, taken
while the server runs and takes check-ins (SQLite's online backup API). For PostgreSQL it prints
the pg_dump command to use instead and exits with status 2. The key file that seals the
events' signing keys (SIGNING_KEY_FILE, kept apart from the data) is written beside the backup
only with ``--with-key``; either way the command says how to restore. docs/reliability.md.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path

import click

from commands import OutPath
from config import backup_passphrase
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


#: an encrypted backup starts with this, then the scrypt salt, the AES-GCM nonce and the sealed file
MAGIC = b"EKBACKUP1"
_SCRYPT = {"length": 32, "n": 2**15, "r": 8, "p": 1}


def _kdf(passphrase: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, **_SCRYPT).derive(passphrase.encode("utf-8"))


def encrypt_file(path: Path, passphrase: str) -> None:
    """Replace ``path`` by its AES-256-GCM encryption under a key derived from ``passphrase``
    (scrypt, N=2^15): MAGIC | salt (16) | nonce (12) | ciphertext. Written next to it, then renamed."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_kdf(passphrase, salt)).encrypt(nonce, path.read_bytes(), MAGIC)
    tmp = path.with_name(path.name + ".enc.partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(MAGIC + salt + nonce + sealed)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def decrypt_bytes(data: bytes, passphrase: str) -> bytes:
    """The plain file of an encrypted backup. ValueError (Vietnamese) when it is not one or the
    passphrase is wrong."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 28:
        raise ValueError("tệp này không phải bản sao lưu đã mã hóa của Event Kiosk")
    rest = data[len(MAGIC) :]
    salt, nonce, sealed = rest[:16], rest[16:28], rest[28:]
    try:
        return AESGCM(_kdf(passphrase, salt)).decrypt(nonce, sealed, MAGIC)
    except InvalidTag:
        raise ValueError("sai mật khẩu, hoặc tệp đã bị sửa") from None


def _passphrase(confirm: bool) -> str:
    """From BACKUP_PASSPHRASE, a prompt (asked twice when ``confirm``), or the first line of stdin."""
    value = backup_passphrase()
    if value is None:
        if sys.stdin.isatty():
            value = click.prompt(
                "Mật khẩu bản sao lưu / backup passphrase", hide_input=True, confirmation_prompt=confirm
            )
        else:
            value = sys.stdin.readline().rstrip("\n")
    if len(value) < 8:
        raise click.ClickException("Mật khẩu tối thiểu 8 ký tự / the passphrase needs 8 characters or more.")
    return value


@click.command("decrypt-backup")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=OutPath(dir_okay=False, path_type=Path), help="the plain file")
def decrypt_backup(file: Path, out: Path) -> None:
    """Decrypt a backup made with `backup --encrypt` (the passphrase from a prompt, stdin or
    BACKUP_PASSPHRASE); then restore it as the backup command says."""
    passphrase = _passphrase(confirm=False)
    try:
        plain = decrypt_bytes(file.read_bytes(), passphrase)
    except ValueError as exc:
        raise click.ClickException(f"Không giải mã được / cannot decrypt: {exc}.") from None
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(plain)
    log_export("backup", _people_in(out), out=str(out))  # the plain copy is an export of everyone
    click.echo(f"Đã giải mã / decrypted: {out} ({len(plain):,} bytes).")


def _people_in(path: Path) -> int:
    """People in a (decrypted) SQLite backup: its attendees, exhibitor contacts and users."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            return sum(
                con.execute(q).fetchone()[0]
                for q in (
                    "SELECT count(*) FROM attendee",
                    "SELECT count(*) FROM exhibitor WHERE contact_name != ''",
                    "SELECT count(*) FROM user_account",
                )
            )
    except sqlite3.Error:
        return 0


@click.command("backup")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="the backup file to write (SQLite database file)",
)
@click.option(
    "--with-key",
    is_flag=True,
    help="also write the signing-key file as OUT.signing_key.aes (keep it apart from the backup)",
)
@click.option(
    "--encrypt",
    is_flag=True,
    help="encrypt the backup (and the key copy) with a passphrase (prompt, stdin or BACKUP_PASSPHRASE)",
)
def backup(out: str, with_key: bool, encrypt: bool) -> None:
    """Back up the database while the server runs (SQLite online backup; PostgreSQL: pg_dump).
    The signing-key file is not in the backup unless --with-key. --encrypt: AES-256-GCM under a
    passphrase (`decrypt-backup FILE --out F` opens it)."""
    from models.core.base import db

    passphrase = _passphrase(confirm=True) if encrypt else None

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
        _key_advice(out, with_key, err=True)
        sys.exit(EXIT_USE_PG_DUMP)
    path = url.database
    if not path or path == ":memory:":
        raise click.ClickException("Cơ sở dữ liệu trong bộ nhớ, không sao lưu được / in-memory database.")
    try:
        info = backup_sqlite(path, out)
    except (ValueError, sqlite3.Error) as exc:
        raise click.ClickException(f"Sao lưu thất bại / backup failed: {exc}") from exc
    if passphrase is not None:
        encrypt_file(Path(out), passphrase)
        click.echo("Bản sao lưu đã được mã hóa / the backup is encrypted: decrypt-backup FILE --out F để mở / to open.")
    log_export("backup", count_people(None, "backup"), out=str(out))  # issue 23: backups are exports too
    click.echo(
        f"Đã sao lưu {path} vào {out} / backed up: {info['bytes']:,} bytes in {info['seconds']} s, "
        f"{info['checkins']} lượt quét (check-ins), {info['attendees']} đại biểu (attendees)."
    )
    _key_advice(out, with_key, passphrase=passphrase)
    click.echo(
        f"Khôi phục / restore: dừng máy chủ / stop the server; cp {out} {path} ; "
        f"rm -f {path}-wal {path}-shm ; khởi động lại / start again; python -m kiosk sync trên mỗi kiosk."
    )


def _key_advice(out: str, with_key: bool, *, err: bool = False, passphrase: str | None = None) -> None:
    """Where the signing-key file is, whether it was written (encrypted too with ``passphrase``),
    and what a restore needs."""
    from models.core.secretbox import key_file

    source = key_file()
    copied = copy_key_file(out) if with_key else None
    if copied is not None and passphrase is not None:
        encrypt_file(copied, passphrase)
    if with_key and copied is None:
        click.echo(f"Chưa có tệp khóa ký thẻ / no signing-key file yet ({source}): nothing to write.", err=err)
    elif copied is not None:
        click.echo(
            f"Đã ghi khóa ký thẻ / signing-key file written: {copied} — giữ RIÊNG, không để cùng bản "
            f"sao lưu / keep it apart from the backup. Khôi phục / restore: cp {copied} {source} "
            "(hoặc đặt SIGNING_KEY_FILE / or set SIGNING_KEY_FILE).",
            err=err,
        )
    else:
        click.echo(
            f"Khóa ký thẻ KHÔNG nằm trong bản sao lưu / the signing-key file is NOT in the backup: "
            f"{source}. Khôi phục trên máy này: không cần làm gì / restore on this machine: nothing to do; "
            "trên máy khác / on another machine: sao chép tệp khóa đó tới SIGNING_KEY_FILE của máy ấy "
            "(hoặc chạy lại với --with-key) / copy that key file to its SIGNING_KEY_FILE (or run with --with-key).",
            err=err,
        )


def copy_key_file(out: str | Path) -> Path | None:
    """Write the signing-key file as ``OUT.signing_key.aes`` (0600): the events' signing keys in
    the database are sealed with it, so a restore on another machine needs both. None when
    there is no key file yet (no event made a key)."""
    from models.core.secretbox import copy_key, key_file

    if not key_file().exists():
        return None
    return copy_key(Path(f"{out}.signing_key.aes"))


COMMANDS: list = [backup, decrypt_backup]
