"""Item 2: the network between two kiosks and the server is lost for ten minutes, then comes back.

The kiosks (kiosk/app.py, headless) read folders of real badge QR images (rendered with qrcode
from the test event's codes) while the server is stopped: they keep deciding from their cached
snapshot. Ten minutes are not slept: the server's clock is moved ten minutes on before it comes
back (check_in's injectable clock), so the queued scans arrive ten minutes after they were made.
Then both kiosks sync at the same time (`python -m kiosk sync`, real processes):
every badge is checked in exactly once, at the time it was shown at the door; a badge both kiosks
saw offline gives one arrival and one "already"; syncing again changes nothing.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta

import qrcode
from PIL import Image

from kiosk.app import Kiosk
from kiosk.config import Config
from models.checkin.checkin import check_in
from models.core.timeutil import parse_iso, utcnow
from tests.proofs.helpers import ROOT, live_codes, sqlite_path

OUTAGE = timedelta(minutes=10)


def badge_png(path, code: str | None) -> None:
    """A 640x480 frame: a badge QR (level M, as printed) on a grey background, or nothing."""
    frame = Image.new("RGB", (640, 480), (150, 155, 160))
    if code:
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=4)
        qr.add_data(code)
        img = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
        frame.paste(img, ((640 - img.width) // 2, (480 - img.height) // 2))
    frame.save(path)


def folder(tmp_path, name: str, codes: list[str | None]):
    """An image folder, one frame per entry (None: nobody in front of the camera)."""
    d = tmp_path / name
    d.mkdir()
    for i, code in enumerate(codes):
        badge_png(d / f"{i:04d}.png", code)
    return d


def run_kiosk(state, source, server, station: str) -> list[dict]:
    conf = Config(
        server=server.url,
        token=server.token,
        station=station,
        source=str(source),
        headless=True,
        state_dir=str(state),
        fps=10,
        sync_timeout=1.0,
    )
    out = io.StringIO()
    assert Kiosk(conf, out=out).run() == 0
    return [json.loads(x) for x in out.getvalue().splitlines()]


def sync(state, server) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "kiosk",
        "sync",
        "--server",
        server.url,
        "--token",
        server.token,
        "--state-dir",
        str(state),
    ]
    env = {"PYTHONPATH": str(ROOT), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def answers(state) -> dict[str, list[str]]:
    """code -> the server's answers this kiosk got, in scan order."""
    out: dict[str, list[str]] = {}
    with sqlite3.connect(state / "queue.sqlite3") as con:
        for code, answer in con.execute("SELECT code, answer FROM scans WHERE state='done' ORDER BY created"):
            out.setdefault(code, []).append(json.loads(answer)["result"])
    return out


def test_ten_minutes_offline_two_kiosks_then_sync(live_server, tmp_path, monkeypatch):
    server = live_server
    people = live_codes(server)
    assert len(people) == 6
    codes = [c for _, c in people]
    state_a, state_b = tmp_path / "kiosk-a", tmp_path / "kiosk-b"
    # before the doors open: both kiosks load the snapshot (keys, roster) while online
    for state in (state_a, state_b):
        run_kiosk(state, folder(tmp_path, f"warm-{state.name}", [None]), server, "warm-up")

    server.stop()  # the network is gone
    blank = [None] * 35  # 3.5 s of nobody, so the kiosk decides the same badge again
    seen_a = run_kiosk(
        state_a,
        folder(
            tmp_path,
            "door-a",
            [codes[0], codes[1], codes[2], codes[3], *blank, codes[0], "https://example.com/not-a-badge"],
        ),
        server,
        "Cổng A",
    )
    seen_b = run_kiosk(state_b, folder(tmp_path, "door-b", [codes[2], codes[3], codes[4], codes[5]]), server, "Cổng B")
    # the kiosks kept deciding, from their own snapshot and queue
    assert [(x["result"], x["source"]) for x in seen_a] == [("ok", "offline")] * 4 + [
        ("already", "offline"),
        ("invalid", "offline"),
    ]
    assert [(x["result"], x["source"]) for x in seen_b] == [("ok", "offline")] * 4
    assert [x["code"] for x in seen_a[:5]] == [codes[0], codes[1], codes[2], codes[3], codes[0]]

    # ten minutes later the network is back: the server's clock has moved on
    monkeypatch.setitem(check_in.__kwdefaults__, "now", lambda: utcnow() + OUTAGE)
    server.start()
    procs = [sync(state_a, server), sync(state_b, server)]  # both at once
    reports = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, out + err
        reports.append(json.loads(out))
    assert sorted(r["sent"] for r in reports) == [4, 6]
    assert all(r["pending"] == 0 for r in reports)

    db_file = sqlite_path(server.app)
    with sqlite3.connect(db_file) as con:
        rows = con.execute(
            "SELECT attendee_id, outcome, station, scanned_at, received_at FROM checkin WHERE event_id = ?",
            (server.event_id,),
        ).fetchall()
        arrived = dict(con.execute("SELECT id, checked_in_at FROM attendee WHERE event_id = ?", (server.event_id,)))
    ids = [a for a, _ in people]
    oks = [a for a, o, *_ in rows if o == "ok"]
    assert sorted(oks) == sorted(ids)  # every badge checked in exactly once
    assert len(rows) == 10  # 6 + 4 scans, each recorded once
    for shared in (ids[2], ids[3]):  # seen offline at both doors: one arrival, one "already"
        outcomes = sorted((o, st) for a, o, st, *_ in rows if a == shared)
        assert [o for o, _ in outcomes] == ["already", "ok"]
        assert {st for _, st in outcomes} == {"Cổng A", "Cổng B"}
    ans_a, ans_b = answers(state_a), answers(state_b)
    for shared in (codes[2], codes[3]):
        assert sorted(ans_a[shared] + ans_b[shared]) == ["already", "ok"]
    assert ans_a[codes[0]] == ["ok", "already"]
    # arrival = the moment the badge was shown at the door, not the moment it was synced
    for *_, scanned, received in rows:
        gap = datetime.fromisoformat(received) - datetime.fromisoformat(scanned)
        assert OUTAGE - timedelta(minutes=1) < gap < OUTAGE + timedelta(minutes=1)
    door_times: dict[str, list[datetime]] = {}
    for x in seen_a + seen_b:
        door_times.setdefault(x["code"], []).append(parse_iso(x["ts"]))
    ok_seen = {a: datetime.fromisoformat(scanned) for a, o, st, scanned, _ in rows if o == "ok"}
    for aid, code in people:
        assert datetime.fromisoformat(arrived[aid]) == ok_seen[aid]
        assert min(abs(ok_seen[aid] - t) for t in door_times[code]) < timedelta(seconds=1), aid
    # syncing again changes nothing
    again = [sync(state_a, server), sync(state_b, server)]
    for p in again:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0 and json.loads(out)["sent"] == 0, out + err
    with sqlite3.connect(db_file) as con:
        assert con.execute("SELECT count(*) FROM checkin WHERE event_id = ?", (server.event_id,)).fetchone()[0] == 10
