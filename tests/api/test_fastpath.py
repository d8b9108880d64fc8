"""admin/api/fastpath.py: POST /api/v1/checkins answered before Flask, exactly as the Flask view.

Every request the fast path declines (no JSON content type, no Content-Length, a large body)
goes to the Flask view admin.api.views.post_checkin; both must give the same answers."""

import json

import pytest
from sqlalchemy import func, select

from admin.core.extensions import SECURITY_HEADERS
from models.checkin.models import CheckIn
from models.core.base import db
from tests.factories import attendees

URL = "/api/v1/checkins"


def send(client, token, payload: bytes, content_type="application/json", **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(URL, data=payload, headers=headers, content_type=content_type, **kw)


def log_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(CheckIn.id)))


def test_fast_and_flask_paths_give_the_same_answers(client, event, kiosk_token):
    people = attendees(event)
    fast = json.dumps({"code": people[0].current_badge.code, "station": "Cổng 1", "scan_id": "f1"}).encode()
    # the padding makes the second body too large for the fast path (64 KB): the Flask view
    # answers it
    r1 = send(client, kiosk_token, fast)
    slow = json.dumps(
        {"code": people[1].current_badge.code, "station": "Cổng 1", "scan_id": "f2", "padding": "x" * 70_000}
    ).encode()
    r2 = send(client, kiosk_token, slow)
    assert r1.status_code == r2.status_code == 200
    a, b = r1.get_json(), r2.get_json()
    assert a["result"] == b["result"] == "ok"
    assert set(a) == set(b) == {"result", "message", "attendee", "first_checkin", "checkpoint"}
    assert set(a["attendee"]) == set(b["attendee"])
    # a repeat through each path: the same "already" answer, with the first check-in
    r3 = send(client, kiosk_token, fast.replace(b'"f1"', b'"f3"'))
    r4 = send(client, kiosk_token, slow.replace(b'"f2"', b'"f4"'))
    assert r3.get_json()["result"] == r4.get_json()["result"] == "already"
    assert r3.get_json()["first_checkin"]["station"] == "Cổng 1"
    assert r4.get_json()["first_checkin"]["station"] == "Cổng 1"


def test_fast_path_sets_the_security_headers(client, event, kiosk_token):
    code = attendees(event)[0].current_badge.code
    r = send(client, kiosk_token, json.dumps({"code": code, "station": "s", "scan_id": "h1"}).encode())
    assert r.status_code == 200 and r.mimetype == "application/json"
    for name, value in SECURITY_HEADERS:
        assert r.headers[name] == value
    assert r.headers["Cache-Control"] == "no-store"


def test_fast_path_401_has_the_bearer_challenge(client, event):
    r = send(client, "ekt_nope", b'{"code": "x", "station": "s", "scan_id": "u1"}')
    assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert log_count() == 0


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"{",
        b"[1, 2]",
        b"\xff\xfe",
        b"[" * 100_00 + b"]" * 100_00,
        b'{"code": 5, "station": "s", "scan_id": "b1"}',
        b'{"code": "x", "station": "", "scan_id": "b1"}',
        b'{"code": "x", "station": "s", "scan_id": "b 1"}',
        b'{"code": "x", "station": "s", "scan_id": "b1", "scanned_at": "yesterday"}',
    ],
)
def test_fast_path_bad_bodies_are_400_and_write_nothing(client, event, kiosk_token, payload):
    r = send(client, kiosk_token, payload)
    assert r.status_code == 400 and r.is_json
    assert r.get_json()["error"] in ("bad_json", "bad_field")
    assert log_count() == 0


def test_not_declared_as_json_goes_to_flask_and_is_400(client, event, kiosk_token):
    code = attendees(event)[0].current_badge.code
    r = send(
        client,
        kiosk_token,
        json.dumps({"code": code, "station": "s", "scan_id": "t1"}).encode(),
        content_type="text/plain",
    )
    assert r.status_code == 400 and r.get_json()["error"] == "bad_json"
    assert log_count() == 0


def test_an_unexpected_failure_is_a_json_500_without_a_trace(client, event, kiosk_token, monkeypatch):
    import models.checkin.checkin

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(models.checkin.checkin, "check_in", broken)
    code = attendees(event)[0].current_badge.code
    r = send(client, kiosk_token, json.dumps({"code": code, "station": "s", "scan_id": "e1"}).encode())
    assert r.status_code == 500 and r.get_json()["error"] == "server_error"
    assert "disk on fire" not in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)


def test_other_routes_are_not_touched(client, event, kiosk_token):
    # GET on the check-in URL is Flask's 405 (as JSON, from the API blueprint)
    r = client.get(URL, headers={"Authorization": f"Bearer {kiosk_token}"})
    assert r.status_code == 405 and r.is_json


def _both(client, token, code: str, n: list) -> tuple:
    """The answer of the fast path and of the Flask view (a body over 64 KB goes the Flask way)
    to the same code, each with its own scan_id."""
    n[0] += 1
    fast = send(client, token, json.dumps({"code": code, "station": "Cổng 1", "scan_id": f"e{n[0]}a"}).encode())
    pad = "x" * 70_000
    slow = send(
        client, token, json.dumps({"code": code, "station": "Cổng 1", "scan_id": f"e{n[0]}b", "padding": pad}).encode()
    )
    return fast, slow


def test_both_paths_answer_every_outcome_equal_in_every_field(client, event, kiosk_token):
    """ok, already, invalid, wrong_event, unknown, revoked and a checkpoint's scans: the fast
    path and the Flask view give the same status and the same JSON, field for field (the same
    person's "ok" twice: undone at the desk in between)."""
    from models.checkin.checkin import undo_check_in
    from models.checkin.checkpoints import Checkpoint
    from models.guests.badges import reissue_badge
    from tests.factories import make_device, make_event

    people, n = attendees(event), [0]
    other = make_event(slug="other")
    other.is_current, event.is_current = False, True
    db.session.commit()
    revoked = people[2].current_badge.code
    reissue_badge(people[2], reason="lost")
    people[3].status = "declined"
    cp = Checkpoint(event_id=event.id, name="Hậu trường", kind="backstage", rule="once", position=5)
    db.session.add(cp)
    db.session.commit()
    from models.accounts.models import Device
    from models.checkin import checkpoints

    backstage = make_device("phone-backstage")
    db.session.scalar(select(Device).where(Device.name == "phone-backstage")).checkpoint_id = cp.id
    db.session.commit()
    checkpoints.changed()
    seen = {}
    ok_code = people[0].current_badge.code
    fast = send(client, kiosk_token, json.dumps({"code": ok_code, "station": "Cổng 1", "scan_id": "ok-a"}).encode())
    undo_check_in(attendee_id=people[0].id, reason="the same scan again, through Flask")
    db.session.commit()
    pad = json.dumps({"code": ok_code, "station": "Cổng 1", "scan_id": "ok-b", "padding": "x" * 70_000})
    cases = {"ok": (fast, send(client, kiosk_token, pad.encode()))}
    send(
        client,
        kiosk_token,
        json.dumps({"code": people[1].current_badge.code, "station": "Cổng 1", "scan_id": "pre"}).encode(),
    )
    cases["already"] = _both(client, kiosk_token, people[1].current_badge.code, n)
    cases["invalid"] = _both(client, kiosk_token, "not a badge", n)
    cases["wrong_event"] = _both(client, kiosk_token, attendees(other)[0].current_badge.code, n)
    cases["unknown"] = _both(client, kiosk_token, people[3].current_badge.code, n)
    cases["revoked"] = _both(client, kiosk_token, revoked, n)
    first = send(
        client, backstage, json.dumps({"code": people[4].current_badge.code, "station": "H", "scan_id": "cp"}).encode()
    )
    assert first.get_json()["result"] == "ok" and first.get_json()["checkpoint"]["name"] == "Hậu trường"
    cases["checkpoint"] = _both(client, backstage, people[4].current_badge.code, n)  # once: already
    cases["checkpoint unknown"] = _both(client, backstage, people[3].current_badge.code, n)
    for name, (a, b) in cases.items():
        assert a.status_code == b.status_code == 200, name
        seen[name] = a.get_json()["result"]
        assert a.get_json() == b.get_json(), name
    assert seen == {k: {"checkpoint": "already", "checkpoint unknown": "unknown"}.get(k, k) for k in cases}
    assert cases["checkpoint"][0].get_json()["checkpoint"]["name"] == "Hậu trường"
