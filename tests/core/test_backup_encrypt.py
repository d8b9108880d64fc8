"""Issue 23 item 6: `backup --encrypt` protects a backup (and its key copy) with a passphrase;
`decrypt-backup FILE --out F` opens it; a wrong passphrase is a clear error and writes nothing."""

from __future__ import annotations

import sqlite3

from models.core.base import db
from tests.conftest import sqlite_only
from tests.factories import attendees


# the SQLite online backup (PostgreSQL: pg_dump, tested in tests/proofs/test_backup.py)
@sqlite_only
def test_encrypted_backup_round_trip(runner, event, tmp_path, monkeypatch):
    names = [a.full_name for a in attendees(event)]
    db.session.commit()
    out = tmp_path / "b.db"
    monkeypatch.setenv("BACKUP_PASSPHRASE", "mat-khau-sao-luu")
    r = runner.invoke(args=["backup", "--out", str(out), "--encrypt", "--with-key"])
    assert r.exit_code == 0, r.output
    blob = out.read_bytes()
    assert blob.startswith(b"EKBACKUP1") and b"SQLite format 3" not in blob
    assert all(n.encode() not in blob for n in names)
    key_copy = tmp_path / "b.db.signing_key.aes"
    assert key_copy.read_bytes().startswith(b"EKBACKUP1")
    assert (out.stat().st_mode & 0o777) == 0o600
    plain = tmp_path / "plain.db"
    r = runner.invoke(args=["decrypt-backup", str(out), "--out", str(plain)])
    assert r.exit_code == 0, r.output
    with sqlite3.connect(plain) as con:
        assert con.execute("SELECT count(*) FROM attendee").fetchone()[0] == len(names)
    monkeypatch.setenv("BACKUP_PASSPHRASE", "sai-mat-khau")
    r = runner.invoke(args=["decrypt-backup", str(out), "--out", str(tmp_path / "x.db")])
    assert r.exit_code == 1 and "sai mật khẩu" in r.output and not (tmp_path / "x.db").exists()


@sqlite_only
def test_passphrase_from_stdin_and_too_short(runner, event, tmp_path, monkeypatch):
    monkeypatch.delenv("BACKUP_PASSPHRASE", raising=False)
    db.session.commit()
    r = runner.invoke(args=["backup", "--out", str(tmp_path / "s.db"), "--encrypt"], input="ngan\n")
    assert r.exit_code == 1 and "8" in r.output and not (tmp_path / "s.db").exists()
    r = runner.invoke(args=["backup", "--out", str(tmp_path / "s.db"), "--encrypt"], input="du-dai-roi-nhe\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        args=["decrypt-backup", str(tmp_path / "s.db"), "--out", str(tmp_path / "p.db")], input="du-dai-roi-nhe\n"
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        args=["decrypt-backup", str(tmp_path / "p.db"), "--out", str(tmp_path / "q.db")], input="du-dai-roi-nhe\n"
    )
    assert r.exit_code == 1 and "không phải bản sao lưu" in r.output
