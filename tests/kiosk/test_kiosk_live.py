"""The kiosk against the project's real server (waitress, SQLite), via ``live_server`` from
tests/conftest.py: the decision pipeline, offline + restart of the server, and ``kiosk sync``."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from kiosk_testdata import ROOT

from kiosk import media
from kiosk.app import Kiosk
from kiosk.config import Config
from kiosk.queue import ScanQueue
from kiosk.sources import Source, open_source

JSON_KEYS = ["ts", "frame", "code", "result", "name", "seat", "seat_text", "source", "decode_ms", "total_ms"]


@pytest.fixture
def server(request):
    try:
        return request.getfixturevalue("live_server")
    except pytest.FixtureLookupError:
        pytest.skip("the server's live_server fixture is not available")


def db_query(server, fn):
    from models.core.base import db

    with server.app.app_context():
        try:
            return fn(db)
        finally:
            db.session.remove()


def people(server) -> list[dict]:
    """Attendees of the test event with their live badge code, in id order."""
    from sqlalchemy import select

    from models.guests.models import Attendee, Badge

    def q(db):
        rows = db.session.execute(
            select(Attendee.id, Attendee.full_name, Badge.code)
            .join(Badge, Badge.attendee_id == Attendee.id)
            .where(Attendee.event_id == server.event_id, Badge.revoked_at.is_(None))
            .order_by(Attendee.id)
        )
        return [{"id": r.id, "name": r.full_name, "code": r.code} for r in rows]

    return db_query(server, q)


def ok_counts(server) -> dict[int, int]:
    from sqlalchemy import func, select

    from models.checkin.models import CheckIn

    def q(db):
        rows = db.session.execute(
            select(CheckIn.attendee_id, func.count())
            .where(CheckIn.event_id == server.event_id, CheckIn.outcome == "ok")
            .group_by(CheckIn.attendee_id)
        )
        return dict(rows.all())

    return db_query(server, q)


def scan_count(server) -> int:
    from sqlalchemy import func, select

    from models.checkin.models import CheckIn

    return db_query(
        server,
        lambda db: db.session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.event_id == server.event_id)
        ),
    )


def video_of(tmp_path, codes_names, name="v.avi", **kw):
    badges = [media.badge_image(code, nm) for code, nm in codes_names]
    frames = media.badge_sequence(badges, size=(480, 360), fps=10, **kw)
    return media.write_video(tmp_path / name, frames, fps=10)


def run(state, source, server, **over):
    conf = Config(
        server=server.url,
        token=server.token,
        station="Cổng chính",
        source=str(source),
        headless=True,
        state_dir=str(state),
        **over,
    )
    out = io.StringIO()
    kiosk = Kiosk(conf, out=out, source=source if isinstance(source, Source) else None)
    assert kiosk.run() == 0
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert all(list(x) == JSON_KEYS for x in lines)
    return lines, kiosk


class Hooked(Source):
    def __init__(self, path, hooks):
        self.inner, self.hooks = open_source(str(path)), dict(hooks)

    def read(self):
        frame = self.inner.read()
        hook = self.hooks.pop(frame.index, None)
        if hook:
            hook()
        return frame

    def close(self):
        self.inner.close()


def test_real_server_outcomes(tmp_path, server):
    from tests import factories

    ppl = people(server)
    assert len(ppl) >= 4
    # a reissued badge makes the old code "revoked"; a badge of another event; a forgery
    from sqlalchemy import select

    from models.guests.badges import reissue_badge
    from models.guests.models import Attendee, Badge

    def reissue(db):
        reissue_badge(db.session.get(Attendee, ppl[3]["id"]), reason="lost")
        db.session.commit()

    db_query(server, reissue)

    def other_event(db):
        from models.events.models import Event

        ev_id = factories.make_event().id  # becomes current: make ours current again
        db.session.execute(db.update(Event).values(is_current=Event.id == server.event_id))
        db.session.commit()
        return ev_id

    other = db_query(server, other_event)
    other_code = db_query(
        server, lambda db: db.session.scalars(select(Badge.code).where(Badge.event_id == other)).first()
    )
    seq = [(p["code"], p["name"]) for p in ppl[:3]]
    seq += [
        (ppl[3]["code"], "old badge"),
        (other_code, "other event"),
        ("https://example.com/x", "url"),
        (ppl[0]["code"], ppl[0]["name"]),
    ]
    lines, kiosk = run(tmp_path / "state", video_of(tmp_path, seq, gap_s=3.5), server)
    assert [x["result"] for x in lines] == ["ok", "ok", "ok", "revoked", "wrong_event", "invalid", "already"]
    assert all(x["source"] == "server" for x in lines)
    assert [x["name"] for x in lines[:3]] == [p["name"] for p in ppl[:3]]
    assert lines[0]["seat"]  # the test event seats everybody
    # the seat spelled out from the server (factory hall: block "Khu A")
    assert lines[0]["seat_text"].startswith("Khu A · Hàng ") and " · Ghế " in lines[0]["seat_text"]
    assert kiosk.queue.pending_count() == 0
    snap = kiosk.snapshots.get()
    assert snap.event_tag is not None and len(snap.roster) >= 4
    assert ppl[3]["code"] in snap.revoked
    assert ok_counts(server) == {p["id"]: 1 for p in ppl[:3]}


def test_real_server_stopped_mid_video_and_restarted(tmp_path, server):
    ppl = people(server)[:5]
    state = tmp_path / "state"
    run(state, video_of(tmp_path, [], name="warm.avi"), server)  # snapshot cached
    video = video_of(tmp_path, [(p["code"], p["name"]) for p in ppl], hold_s=0.8, gap_s=0.8)
    src = Hooked(video, {12: server.stop, 45: server.start})
    lines, kiosk = run(state, src, server, retry_interval=0.3)
    assert [x["result"] for x in lines] == ["ok"] * 5
    assert "offline" in [x["source"] for x in lines]
    assert kiosk.queue.pending_count() == 0
    assert ok_counts(server) == {p["id"]: 1 for p in ppl}
    assert scan_count(server) == 5


def test_real_server_kiosk_restart_then_sync_command(tmp_path, server):
    ppl = people(server)[:3]
    state = tmp_path / "state"
    run(state, video_of(tmp_path, [], name="warm.avi"), server)
    server.stop()
    try:
        video = video_of(tmp_path, [(p["code"], p["name"]) for p in ppl])
        lines, _ = run(state, video, server, sync_timeout=1.0)
        assert [(x["result"], x["source"]) for x in lines] == [("ok", "offline")] * 3
    finally:
        server.start()
    assert ScanQueue(state / "queue.sqlite3").pending_count() == 3  # survives the restart
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
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert json.loads(first.stdout)["sent"] == 3
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert second.returncode == 0 and json.loads(second.stdout)["sent"] == 0
    assert ok_counts(server) == {p["id"]: 1 for p in ppl}
    assert scan_count(server) == 3


def test_real_server_bad_token(tmp_path, server):
    ppl = people(server)[:1]
    state = tmp_path / "state"
    run(state, video_of(tmp_path, [], name="warm.avi"), server)
    conf_lines, kiosk = run(
        state,
        video_of(tmp_path, [(ppl[0]["code"], "x")]),
        type("S", (), {"url": server.url, "token": "nope"})(),
        sync_timeout=1.0,
    )
    assert [(x["result"], x["source"]) for x in conf_lines] == [("ok", "offline")]
    assert "token" in kiosk.health.problem
    assert scan_count(server) == 0


def test_screenshot_dir_saves_each_answer_panel(tmp_path, server):
    """Issue 21 item 9: `python -m kiosk … --screenshot DIR` saves each answer's screen as a PNG
    (headless too), one per answer, named by its order and result, showing the answer's colour."""
    import cv2

    ps = people(server)
    shots = tmp_path / "shots"
    src = video_of(tmp_path, [(ps[0]["code"], ps[0]["name"]), ("EK1NOTAREALCODE", "x")])
    lines, _kiosk = run(tmp_path / "state", src, server, screenshot=str(shots))
    assert [x["result"] for x in lines] == ["ok", "invalid"]
    files = sorted(p.name for p in shots.glob("*.png"))
    assert files == ["0001-ok.png", "0002-invalid.png"]
    ok_img = cv2.imread(str(shots / files[0]))
    bad_img = cv2.imread(str(shots / files[1]))
    assert ok_img.shape[:2] == (720, 1280)
    # the panel (right 60 %) is mostly green for "ok" and red for "invalid" (BGR)
    b, g, r = ok_img[:, 600:].reshape(-1, 3).mean(axis=0)
    assert g > r and g > b
    b, g, r = bad_img[:, 600:].reshape(-1, 3).mean(axis=0)
    assert r > g and r > b
