"""Issue 16 item 6: the same scan_id with another code is a 409 (logged), never silently the
first answer; with the same code it is the first answer as before. Both the WSGI fast path and
the Flask view; the kiosk's sync takes the 409 as final."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from models.checkin.models import CheckIn
from models.core.base import db
from models.guests.models import Attendee
from tests.factories import attendees, make_device, make_user


def post(client, token, code, scan_id, *, via_flask=False):
    body = {"code": code, "station": "Cổng 1", "scan_id": scan_id}
    if via_flask:  # over the fast path's 64 KB: Flask's view answers
        body["padding"] = "x" * (70 * 1024)
    return client.post("/api/v1/checkins", json=body, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("via_flask", [False, True], ids=["fast-path", "flask-view"])
@pytest.mark.parametrize("kind", ["hall", "exhibition"])
def test_same_scan_id_other_code_is_409_and_logged(client, event, via_flask, kind, caplog):
    token = make_device(f"k-{kind}", kind=kind)
    first, second = attendees(event)[:2]
    a = post(client, token, first.current_badge.code, "s-1", via_flask=via_flask)
    assert a.status_code == 200
    again = post(client, token, first.current_badge.code, "s-1", via_flask=via_flask)
    assert again.status_code == 200 and again.get_json() == a.get_json()  # as today
    rows = db.session.scalar(select(func.count(CheckIn.id)))
    # (an in-process Alembic run, e.g. tests/core/test_migrations.py, disables existing loggers)
    logging.getLogger("event_kiosk.checkin").disabled = False
    with caplog.at_level(logging.WARNING, logger="event_kiosk.checkin"):
        r = post(client, token, second.current_badge.code, "s-1", via_flask=via_flask)
    assert r.status_code == 409
    data = r.get_json()
    assert data["error"] == "scan_id_conflict" and "scan_id" in data["message"]
    assert "s-1" in caplog.text and "another code" in caplog.text
    assert db.session.scalar(select(func.count(CheckIn.id))) == rows  # nothing written
    db.session.expire_all()
    assert db.session.get(Attendee, second.id).checked_in_at is None
    # the second badge with its own scan_id is checked in normally
    assert post(client, token, second.current_badge.code, "s-2").status_code == 200


def test_desk_scanner_same_scan_id_other_code_is_409(client, auth, event):
    make_user("desk-x", "desk")
    auth.login("desk-x")
    first, second = attendees(event)[:2]
    headers = {"Accept": "application/json"}
    r = client.post("/desk/scan", data={"code": first.current_badge.code, "scan_id": "d-1"}, headers=headers)
    assert r.status_code == 200 and r.get_json()["result"] == "ok"
    r = client.post("/desk/scan", data={"code": second.current_badge.code, "scan_id": "d-1"}, headers=headers)
    assert r.status_code == 409 and r.get_json()["error"] == "scan_id_conflict"
    assert "quét lại" in r.get_json()["message"]


def test_kiosk_sync_takes_the_409_as_final(live_server, tmp_path):
    from kiosk.client import ApiClient
    from kiosk.queue import ScanQueue, flush
    from models.guests.models import Badge

    with live_server.app.app_context():
        codes = [
            b.code
            for b in db.session.scalars(select(Badge).where(Badge.revoked_at.is_(None)).order_by(Badge.id).limit(2))
        ]
    client = ApiClient(live_server.url, live_server.token)
    assert client.post_checkin(codes[0], "Cổng 1", "q-1").result == "ok"
    queue = ScanQueue(tmp_path / "queue.sqlite3")
    queue.add(codes[1], "Cổng 1", "2025-05-22T07:30:00Z", scan_id="q-1")  # reused id
    queue.add(codes[1], "Cổng 1", "2025-05-22T07:30:01Z", scan_id="q-2")
    report = flush(queue, client)
    assert report.rejected == 1 and report.sent == 1 and report.error is None
    assert queue.pending_count() == 0
    assert flush(queue, client).sent == 0  # nothing left to retry
    queue.close()
