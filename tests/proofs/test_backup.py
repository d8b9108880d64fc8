"""Backup while the server runs and takes check-ins (`flask --app app backup --out FILE`, a real
process next to the real server), then a restore: the copy opens, holds every check-in the
server had acknowledged before the backup started, is consistent, and serves again."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time

import pytest
import requests
from sqlalchemy.engine import make_url

from commands.core import backup_sqlite, pg_dump_command
from models.core.base import db
from tests.proofs.helpers import ROOT, Kiosk, live_codes, rows_by_scan, sqlite_path
from tests.waiting import wait_until


def flask_cli(db_file, *args, instance=None) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{db_file}",
        SECRET_KEY="proof-only",
        EVENT_KIOSK_INSTANCE=str(instance or db_file.parent / "instance"),
    )
    return subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_backup_while_checking_in_then_restore(live_server, tmp_path):
    server = live_server
    codes = live_codes(server)
    db_file = sqlite_path(server.app)
    acked: list[tuple[float, str, str]] = []  # (time acknowledged, scan_id, result)
    sent: dict[str, str] = {}  # scan_id -> code (what a kiosk keeps in its queue file)
    stop = threading.Event()

    def kiosk(n: int) -> None:
        k = Kiosk(server.url, server.token, station=f"cổng {n}")
        i = 0
        while not stop.is_set():
            aid, code = codes[(i * 2 + n) % len(codes)]
            scan_id = f"k{n}-{i}"
            sent[scan_id] = code
            answer = k.post(code, scan_id)
            acked.append((time.monotonic(), scan_id, answer["result"]))
            i += 1
        k.close()

    threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: len(acked) >= 40, 60, what="40 check-ins before the backup")
        started = time.monotonic()
        done = flask_cli(db_file, "backup", "--out", str(tmp_path / "copy.db"))
        finished = time.monotonic()
        wait_until(lambda: len(acked) >= 120 and acked[-1][0] >= finished + 0.3, 60, what="check-ins after the backup")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "backed up" in done.stdout
    before = {s for t, s, _ in acked if t < started}
    after = {s for t, s, _ in acked if t > finished}
    copy = rows_by_scan(tmp_path / "copy.db")
    assert before and before <= set(copy), "an acknowledged check-in is missing from the backup"
    assert not (after & set(copy)), "the copy holds scans made after it finished"
    live = rows_by_scan(db_file)
    assert {s: live[s] for s in copy} == copy  # the same rows, the same outcomes
    with sqlite3.connect(tmp_path / "copy.db") as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        # consistent as of one commit: one ok per attendee, and each arrival points at its ok row
        oks = dict(con.execute("SELECT attendee_id, count(*) FROM checkin WHERE outcome='ok' GROUP BY attendee_id"))
        arrived = dict(
            con.execute(
                "SELECT a.id, c.outcome FROM attendee a JOIN checkin c "
                "ON c.id = a.first_checkin_id WHERE a.checked_in_at IS NOT NULL"
            )
        )
    assert set(oks.values()) == {1} and set(arrived.values()) == {"ok"} and set(oks) == set(arrived)
    assert len(oks) == len(codes)  # everybody arrived before the backup (40 scans, 6 people)

    # restore: stop the server, put the copy in place of the database, start again
    server.stop()
    with server.app.app_context():
        db.engine.dispose()
    for suffix in ("-wal", "-shm"):
        (db_file.parent / (db_file.name + suffix)).unlink(missing_ok=True)
    # a new file (new inode), as after a real server process has exited and released the old one
    shutil.copyfile(tmp_path / "copy.db", tmp_path / "restoring.db")
    os.replace(tmp_path / "restoring.db", db_file)
    server.start()
    again = Kiosk(server.url, server.token).post(codes[0][1], "after-restore")
    assert again["result"] == "already"
    stats = requests.get(
        server.url + "/api/v1/stats", timeout=5, headers={"Authorization": f"Bearer {server.token}"}
    ).json()
    assert stats["checked_in"] == len(codes)
    assert set(copy) <= set(rows_by_scan(db_file))

    # what the backup missed, the kiosks still have: resending their whole queue (same scan_ids)
    # brings the restored database back to every acknowledged check-in, without duplicates
    k = Kiosk(server.url, server.token)
    replay = {scan_id: k.post(code, scan_id)["result"] for scan_id, code in sent.items()}
    final = rows_by_scan(db_file)
    assert {s for _, s, _ in acked} <= set(final)
    assert all(final[s][0] == r for _, s, r in acked)  # the answers the kiosks had, again
    assert all(replay[s] == r for _, s, r in acked)
    with sqlite3.connect(db_file) as con:
        assert con.execute("SELECT count(*) - count(DISTINCT scan_id) FROM checkin").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM checkin WHERE outcome='ok'").fetchone()[0] == len(codes)


def test_backup_refuses_to_overwrite_the_database(tmp_path):
    src = tmp_path / "a.db"
    with sqlite3.connect(src) as con:
        con.execute("CREATE TABLE checkin (id INTEGER PRIMARY KEY)")
    for target in (src, tmp_path / "a.db-wal"):
        with pytest.raises(ValueError):
            backup_sqlite(src, target)
    with pytest.raises(ValueError):
        backup_sqlite(tmp_path / "missing.db", tmp_path / "b.db")
    info = backup_sqlite(src, tmp_path / "b.db")
    assert info["checkins"] == 0 and info["attendees"] is None and (tmp_path / "b.db").exists()


def test_postgresql_points_to_pg_dump_and_fails(runner, app):
    if db.engine.url.get_backend_name() == "sqlite":
        # the same command on a PostgreSQL URL, without needing a server
        url = make_url("postgresql+psycopg://kiosk@10.0.0.5:5433/event")
        assert pg_dump_command(url, "b.dump") == (
            "pg_dump --format=custom --no-owner --file=b.dump --host=10.0.0.5 --port=5433 --username=kiosk event"
        )
        assert pg_dump_command(url, "b.dump", restore=True).startswith("pg_restore --clean")
        return
    result = runner.invoke(args=["backup", "--out", "x.dump"])
    assert result.exit_code == 2
    assert "pg_dump --format=custom" in result.output
