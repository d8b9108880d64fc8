"""Issue 25 item 3: the API's answers are declared (admin/api/schemas.py). Real answers of every
outcome, from the Flask view and from the fast path (in-process and through a live waitress server),
validate against their models with ``extra="forbid"`` and strict types: an undeclared field, a missing
one or a wrong type fails here."""

from __future__ import annotations

import json

import pytest
import requests
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from admin.api import schemas
from models.accounts import pairing
from models.accounts.models import Device
from models.checkin import checkpoints
from models.checkin.checkpoints import Checkpoint
from models.core.base import db
from models.events.models import Event
from models.events.service import forget_current_event
from models.guests.badges import reissue_badge
from tests.factories import attendees, make_event

URL = "/api/v1/checkins"
#: past the fast path's 64 KB: the Flask view answers (an unknown field is ignored)
PAD = {"padding": "x" * 70_000}


def valid(model: type[BaseModel], data: object) -> BaseModel:
    """``data`` (a decoded answer) is an instance of ``model``, every field declared."""
    return model.model_validate(data)


def checkin(client, token, body: dict, path: str):
    payload = dict(body, **PAD) if path == "view" else body
    return client.post(URL, json=payload, headers={"Authorization": f"Bearer {token}"})


def add_checkpoint(ev, name: str, kind: str, rule: str) -> int:
    cp = Checkpoint(event_id=ev.id, name=name, kind=kind, rule=rule, position=5)
    db.session.add(cp)
    db.session.commit()
    checkpoints.changed()
    return cp.id


def device_at(name: str, checkpoint_id: int | None) -> None:
    from admin.core.security import forget_devices

    db.session.scalar(select(Device).where(Device.name == name)).checkpoint_id = checkpoint_id
    db.session.commit()
    checkpoints.changed()
    forget_devices()


def outcome_bodies(ev) -> list[tuple[str, dict]]:
    """(expected result, body) for each outcome of the hall entrance, in an order that makes them."""
    people = attendees(ev)
    old = people[2].current_badge.code
    reissue_badge(people[2], reason="lost")
    people[3].status = "nominated"  # a genuine badge of someone not on the guest list
    other = make_event()
    other.is_current, ev.is_current = False, True  # the newest event is current: ours again
    db.session.commit()
    forget_current_event()
    return [
        ("ok", {"code": people[0].current_badge.code}),
        ("already", {"code": people[0].current_badge.code}),
        ("invalid", {"code": "not-a-badge"}),
        ("revoked", {"code": old}),
        ("wrong_event", {"code": attendees(other)[0].current_badge.code}),
        ("unknown", {"code": people[3].current_badge.code}),
        ("ok", {"code": people[1].current_badge.code, "scanned_at": "2025-05-22T08:00:00+07:00"}),
    ]


@pytest.mark.parametrize("path", ["fast", "view"])
def test_every_checkin_outcome_is_a_declared_answer(client, event, kiosk_token, path):
    bodies = outcome_bodies(event)
    assert {expected for expected, _ in bodies} == set(schemas.OUTCOMES)
    for i, (expected, body) in enumerate(bodies):
        r = checkin(client, kiosk_token, dict(body, station="Cổng 1", scan_id=f"{path}-{i}"), path)
        assert r.status_code == 200, r.get_json()
        answer = valid(schemas.CheckinResult, r.get_json())
        assert answer.result == expected and answer.checkpoint.kind == "entrance"
        assert "direction" not in r.get_json()  # only at an inout checkpoint
        # a resend of the same scan_id: the first answer again, declared alike
        again = checkin(client, kiosk_token, dict(body, station="Cổng 1", scan_id=f"{path}-{i}"), path)
        assert again.get_json() == r.get_json()
    body = {"code": attendees(event)[0].current_badge.code, "station": "s", "scan_id": f"{path}-x"}
    already = valid(schemas.CheckinResult, checkin(client, kiosk_token, body, path).get_json())
    assert already.result == "already" and already.first_checkin.station == "Cổng 1"


@pytest.mark.parametrize("path", ["fast", "view"])
def test_checkpoint_answers_are_declared(client, event, kiosk_token, path):
    code = attendees(event)[0].current_badge.code
    seen = []
    for rule in ("inout", "once"):
        device_at("kiosk-test", add_checkpoint(event, f"Điểm {rule} {path}", "backstage", rule))
        for i, c in enumerate((code, code, "not-a-badge")):
            r = checkin(client, kiosk_token, {"code": c, "station": "Hậu trường", "scan_id": f"{path}{rule}{i}"}, path)
            assert r.status_code == 200
            answer = valid(schemas.CheckinResult, r.get_json())
            seen.append((rule, answer.result, r.get_json().get("direction", "absent")))
            if answer.first_checkin is not None:
                assert answer.first_checkin.checkpoint == f"Điểm {rule} {path}"
    assert seen == [
        ("inout", "ok", "in"),
        ("inout", "ok", "out"),
        ("inout", "invalid", None),  # null: refused at an inout checkpoint
        ("once", "ok", "absent"),
        ("once", "already", "absent"),
        ("once", "invalid", "absent"),
    ]


def test_exhibition_answers_are_declared(client, event):
    from tests.factories import make_device

    token = make_device("exhibition-door", kind="exhibition")
    results = []
    for i, c in enumerate((attendees(event)[0].current_badge.code, "not-a-badge")):
        r = client.post(
            URL, json={"code": c, "station": "Cửa", "scan_id": f"ex{i}"}, headers={"Authorization": f"Bearer {token}"}
        )
        answer = valid(schemas.CheckinResult, r.get_json())
        results.append((answer.result, answer.attendee))
    assert results == [("unknown", None), ("invalid", None)]  # not booth staff: nobody's name (least data)


@pytest.mark.parametrize("path", ["fast", "view"])
def test_checkin_errors_are_declared(app, client, event, kiosk_token, path):
    code = attendees(event)[0].current_badge.code
    assert checkin(client, kiosk_token, {"code": code, "station": "s", "scan_id": "e1"}, path).status_code == 200
    r = checkin(client, kiosk_token, {"code": "other", "station": "s", "scan_id": "e1"}, path)
    assert r.status_code == 409 and valid(schemas.CheckinConflict, r.get_json()).error == "scan_id_conflict"
    r = checkin(client, kiosk_token, {"code": code, "station": "", "scan_id": "e2"}, path)
    assert r.status_code == 400 and valid(schemas.BadBody, r.get_json()).error == "bad_field"
    r = checkin(client, "ekt_nope", {"code": code, "station": "s", "scan_id": "e3"}, path)
    assert r.status_code == 401 and valid(schemas.Unauthorized, r.get_json())
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    raw = b"[1]" if path == "fast" else b"[" + b" " * 70_000 + b"1]"
    r = client.post(URL, data=raw, content_type="application/json", headers={"Authorization": f"Bearer {kiosk_token}"})
    assert r.status_code == 400 and valid(schemas.BadBody, r.get_json()).error == "bad_json"


def test_too_large_and_no_event_are_declared(app, client, kiosk_token):
    auth = {"Authorization": f"Bearer {kiosk_token}"}
    body = {"code": "x", "station": "s", "scan_id": "n1"}
    r = client.post(URL, json=body, headers=auth)  # no event on the server yet
    assert r.status_code == 409 and valid(schemas.CheckinConflict, r.get_json()).error == "no_event"
    for url in ("/api/v1/stats", "/api/v1/kiosk/snapshot"):
        r = client.get(url, headers=auth)
        assert r.status_code == 409 and valid(schemas.NoEvent, r.get_json())
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    for url in (URL, "/api/v1/kiosk/heartbeat"):
        r = client.post(url, json=dict(body, queue_length=1, pad="x" * 200_000), headers=auth)
        assert r.status_code == 413 and valid(schemas.TooLarge, r.get_json())


def test_stats_snapshot_and_heartbeat_are_declared(client, event, kiosk_token):
    auth = {"Authorization": f"Bearer {kiosk_token}"}
    device_at("kiosk-test", add_checkpoint(event, "Phòng VIP", "other", "inout"))
    code = attendees(event)[0].current_badge.code
    assert checkin(client, kiosk_token, {"code": code, "station": "s", "scan_id": "st1"}, "fast").status_code == 200
    stats = valid(schemas.Stats, client.get("/api/v1/stats", headers=auth).get_json())
    figures = {f.name: f for f in stats.checkpoints}
    assert figures["Phòng VIP"].inside == 1 and figures["Cổng hội trường"].inside is None
    assert set(stats.by_district["TP Nha Trang"].model_dump()) == {"invited", "checked_in", "nominated"}
    snap = valid(schemas.Snapshot, client.get("/api/v1/kiosk/snapshot", headers=auth).get_json())
    assert snap.station.checkpoint.rule == "inout" and len(snap.roster) == 6 and snap.keys
    assert client.get("/api/v1/stats").status_code == 401
    valid(schemas.Unauthorized, client.get("/api/v1/stats").get_json())
    r = client.post("/api/v1/kiosk/heartbeat", json={"queue_length": 3, "station": "s"}, headers=auth)
    assert valid(schemas.HeartbeatAnswer, r.get_json()).ok is True
    r = client.post("/api/v1/kiosk/heartbeat", json={"queue_length": -1}, headers=auth)
    assert r.status_code == 400 and valid(schemas.BadBody, r.get_json()).error == "bad_field"
    # refused before any view (admin.core.hostile): a NUL in the body or the query
    r = client.post("/api/v1/kiosk/heartbeat", json={"queue_length": 1, "version": "a\x00"}, headers=auth)
    assert r.status_code == 400 and valid(schemas.BadBody, r.get_json()).error == "bad_request"
    for url in ("/api/v1/stats?x=%00", "/api/v1/kiosk/snapshot?x=%00"):
        r = client.get(url, headers=auth)
        assert r.status_code == 400 and valid(schemas.BadRequest, r.get_json())


def test_pairing_answers_are_declared(app, client, event):
    dev = pairing.phone_device("usher-answers", "test")
    code = pairing.new_code(dev, "test")
    db.session.commit()
    r = client.post("/api/v1/pair", json={"code": code})
    assert r.status_code == 200 and valid(schemas.PairAnswer, r.get_json()).device_id == dev.id
    for body, status, error in (
        ({"code": code}, 410, "pairing_gone"),
        ({"code": "x" * 32}, 404, "pairing_unknown"),
        ({"code": " "}, 400, "bad_request"),
    ):
        r = client.post("/api/v1/pair", json=body)
        assert r.status_code == status and valid(schemas.PairRefused, r.get_json()).error == error
    app.config["PAIRING_RATE_LIMIT"] = 1
    r = client.post("/api/v1/pair", json={"code": "y" * 32})
    assert r.status_code == 429 and valid(schemas.PairRefused, r.get_json()).error == "too_many_requests"


def test_an_undeclared_or_mistyped_field_fails(client, event, kiosk_token):
    r = checkin(
        client, kiosk_token, {"code": attendees(event)[0].current_badge.code, "station": "s", "scan_id": "u1"}, "fast"
    )
    answer = r.get_json()
    valid(schemas.CheckinResult, answer)
    for broken in (
        {**answer, "extra": 1},
        {**answer, "attendee": {**answer["attendee"], "phone": "0905"}},
        {**answer, "attendee": {**answer["attendee"], "seat_needed": 1}},
        {k: v for k, v in answer.items() if k != "checkpoint"},
        {**answer, "result": "maybe"},
    ):
        with pytest.raises(ValidationError):
            valid(schemas.CheckinResult, broken)


def test_live_waitress_fast_path_answers_are_declared(live_server_any):
    server = live_server_any
    with server.app.app_context():
        bodies = outcome_bodies(db.session.get(Event, server.event_id))
    auth = {"Authorization": f"Bearer {server.token}"}
    session = requests.Session()
    for i, (expected, body) in enumerate(bodies):
        r = session.post(
            server.url + URL, json=dict(body, station="Cổng 1", scan_id=f"live-{i}"), headers=auth, timeout=10
        )
        assert r.status_code == 200 and valid(schemas.CheckinResult, r.json()).result == expected
        # the fast path's own bytes: compact JSON, the fields in the view's order
        assert list(json.loads(r.content)) == ["result", "message", "attendee", "first_checkin", "checkpoint"]
    r = session.post(
        server.url + URL, json={"code": "other", "station": "s", "scan_id": "live-0"}, headers=auth, timeout=10
    )
    assert r.status_code == 409 and valid(schemas.CheckinConflict, r.json()).error == "scan_id_conflict"
    r = session.post(server.url + URL, data=b"{", headers={**auth, "Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400 and valid(schemas.BadBody, r.json())
    r = session.post(server.url + URL, json={"code": "x", "station": "s", "scan_id": "l9"}, timeout=10)
    assert r.status_code == 401 and valid(schemas.Unauthorized, r.json())
    for url in ("/api/v1/stats", "/api/v1/kiosk/snapshot"):
        valid(
            schemas.Stats if "stats" in url else schemas.Snapshot,
            session.get(server.url + url, headers=auth, timeout=10).json(),
        )
