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
