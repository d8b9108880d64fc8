"""The JSON API contract: /api/v1/checkins, /kiosk/snapshot, /stats."""

import pytest
from sqlalchemy import func, select

from models.accounts.models import Device
from models.checkin.models import CheckIn
from models.core.base import db
from models.core.timeutil import utcnow
from tests.factories import attendees, make_event


def post(client, token, body, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/v1/checkins", json=body, headers=headers, **kw)


def body(code, scan_id="a1", **extra):
    return {"code": code, "station": "Cổng 1", "scan_id": scan_id, **extra}


def test_checkin_contract(client, event, kiosk_token):
    a = attendees(event)[0]
    r = post(client, kiosk_token, body(a.current_badge.code))
    assert r.status_code == 200
    data = r.get_json()
    assert set(data) == {"result", "message", "attendee", "first_checkin", "checkpoint"}
    assert data["result"] == "ok" and data["first_checkin"] is None
    assert set(data["attendee"]) == {
        "id",
        "honorific",
        "name",
        "position",
        "organisation",
        "group",
        "seat",
        "seat_text",
        "seat_needed",
    }
    assert data["attendee"]["name"] == "Nguyễn Văn An"
    r2 = post(client, kiosk_token, body(a.current_badge.code, "a2")).get_json()
    assert r2["result"] == "already" and r2["first_checkin"]["station"] == "Cổng 1"


def test_missing_or_wrong_token_is_401(client, event):
    code = attendees(event)[0].current_badge.code
    assert post(client, None, body(code)).status_code == 401
    r = post(client, "ekt_wrong", body(code))
    assert r.status_code == 401 and r.is_json and r.get_json()["error"] == "unauthorized"
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_revoked_token_is_401(client, event, kiosk_token):
    from admin.core.security import forget_devices

    dev = db.session.scalar(select(Device))
    dev.revoked_at = utcnow()
    db.session.commit()
    forget_devices()
    assert post(client, kiosk_token, body("x")).status_code == 401


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "text",
        {"station": "x", "scan_id": "s"},
        {"code": 5, "station": "x", "scan_id": "s"},
        {"code": "x", "scan_id": "s"},
        {"code": "x", "station": "", "scan_id": "s"},
        {"code": "x", "station": "x" * 81, "scan_id": "s"},
        {"code": "x", "station": "k"},
        {"code": "x", "station": "k", "scan_id": "has space"},
        {"code": "x", "station": "k", "scan_id": "s" * 65},
        {"code": "x", "station": "k", "scan_id": "s", "scanned_at": "yesterday"},
        {"code": "x", "station": "k", "scan_id": "s", "scanned_at": 12345},
    ],
)
def test_bad_json_is_400_and_writes_nothing(client, event, kiosk_token, payload):
    r = post(client, kiosk_token, payload)
    assert r.status_code == 400 and r.is_json
    assert "message" in r.get_json()
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_malformed_json_body(client, event, kiosk_token):
    r = client.post(
        "/api/v1/checkins",
        data=b"{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {kiosk_token}"},
    )
    assert r.status_code == 400 and r.is_json


@pytest.mark.parametrize(
    "code", ["", "x" * 513, "x" * 100_000, "\x00\xff", "😀" * 50, "' OR 1=1 --", "<script>alert(1)</script>"]
)
def test_any_code_gets_an_outcome(client, event, kiosk_token, code):
    r = post(client, kiosk_token, body(code))
    assert r.status_code == 200 and r.get_json()["result"] == "invalid"


def test_scanned_at_accepted(client, event, kiosk_token):
    a = attendees(event)[0]
    r = post(client, kiosk_token, body(a.current_badge.code, scanned_at="2025-05-22T07:40:00+07:00"))
    assert r.get_json()["result"] == "ok"
    db.session.refresh(a)
    assert a.checked_in_at.isoformat() == "2025-05-22T00:40:00"


def test_wrong_event_over_api(client, event, kiosk_token):
    other = make_event()
    # the newest event is current: make ours current again
    other.is_current, event.is_current = False, True
    db.session.commit()
    code = attendees(other)[0].current_badge.code
    assert post(client, kiosk_token, body(code)).get_json()["result"] == "wrong_event"


def test_snapshot(client, event, kiosk_token):
    r = client.get("/api/v1/kiosk/snapshot", headers={"Authorization": f"Bearer {kiosk_token}"})
    assert r.status_code == 200
    snap = r.get_json()
    assert snap["event"]["tag"] == event.tag
    assert len(snap["roster"]) == 6 and set(snap["roster"][0]) == {
        "id",
        "honorific",
        "name",
        "seat",
        "seat_text",
        "group",
        "seat_needed",
    }
    assert snap["keys"][0]["event_tag"] == event.tag and len(snap["keys"][0]["public_key"]) == 44
    assert "private_key" not in r.get_data(as_text=True)
    assert "0905123456" not in r.get_data(as_text=True)  # no phone numbers
    r304 = client.get(
        "/api/v1/kiosk/snapshot",
        headers={"Authorization": f"Bearer {kiosk_token}", "If-None-Match": f'"{snap["version"]}"'},
    )
    assert r304.status_code == 304


def test_snapshot_lists_revoked_codes(client, event, kiosk_token):
    from models.guests.badges import reissue_badge

    a = attendees(event)[0]
    old = a.current_badge.code
    reissue_badge(a, reason="lost")
    db.session.commit()
    snap = client.get("/api/v1/kiosk/snapshot", headers={"Authorization": f"Bearer {kiosk_token}"}).get_json()
    assert old in snap["revoked"]


def test_snapshot_requires_token(client, event):
    assert client.get("/api/v1/kiosk/snapshot").status_code == 401


def test_stats(client, event, kiosk_token, auth):
    code = attendees(event)[0].current_badge.code
    post(client, kiosk_token, body(code))
    r = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {kiosk_token}"})
    s = r.get_json()
    assert s["planned_seats"] == 20 and s["invited"] == 6 and s["checked_in"] == 1
    assert s["by_group"]["Lãnh đạo"] == {"invited": 1, "checked_in": 1}
    assert s["by_district"]["TP Nha Trang"]["invited"] == 6
    assert client.get("/api/v1/stats").status_code == 401
    auth.as_role("desk")
    assert client.get("/api/v1/stats").get_json()["checked_in"] == 1


def test_api_errors_are_json(client, kiosk_token):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.is_json
    r = client.get("/api/v1/checkins")
    assert r.status_code == 405 and r.is_json


def test_no_event_is_json(client, kiosk_token):
    r = post(client, kiosk_token, body("x"))
    assert r.status_code == 409 and r.get_json()["error"] == "no_event"


@pytest.mark.parametrize(
    ("payload", "error", "field"),
    [
        ([1], "bad_json", None),
        ({"station": "k"}, "bad_field", "queue_length"),
        ({"queue_length": True}, "bad_field", "queue_length"),
        ({"queue_length": 2.0}, "bad_field", "queue_length"),
        ({"queue_length": 10_000_001}, "bad_field", "queue_length"),
        ({"code": 5, "station": "", "scan_id": "s"}, "bad_field", "code"),  # the first field, in order
        ({"code": "x", "station": "k", "scan_id": "s", "scanned_at": "2025-13-01"}, "bad_field", "scanned_at"),
    ],
)
def test_400s_name_their_field(client, event, kiosk_token, payload, error, field):
    url = "/api/v1/checkins" if "code" in payload else "/api/v1/kiosk/heartbeat"
    r = client.post(url, json=payload, headers={"Authorization": f"Bearer {kiosk_token}"})
    assert r.status_code == 400 and r.get_json()["error"] == error
    assert field is None or f"'{field}'" in r.get_json()["message"]


def test_heartbeat_ignores_wrongly_typed_optional_fields(client, event, kiosk_token):
    r = client.post(
        "/api/v1/kiosk/heartbeat",
        headers={"Authorization": f"Bearer {kiosk_token}"},
        json={"queue_length": 2, "station": 7, "online": "yes", "version": "v" * 100},
    )
    assert r.status_code == 200 and r.get_json() == {"ok": True}
    assert db.session.scalar(select(Device)).last_status == {"queue_length": 2, "version": "v" * 80}


def test_station_is_stripped_and_scan_id_is_its_whole_pattern(client, event, kiosk_token):
    a = attendees(event)[0]
    # a final newline is refused (issue 22: ``$`` let "s1\n" through), nothing written
    r = post(client, kiosk_token, {"code": a.current_badge.code, "station": "  Cổng 2  ", "scan_id": "s1\n"})
    assert r.status_code == 400 and "scan_id" in r.get_json()["message"]
    assert db.session.scalar(select(CheckIn.station).where(CheckIn.scan_id == "s1\n")) is None
    r = post(client, kiosk_token, {"code": a.current_badge.code, "station": "  Cổng 2  ", "scan_id": "s1"})
    assert r.status_code == 200 and r.get_json()["result"] == "ok"
    assert db.session.scalar(select(CheckIn.station).where(CheckIn.scan_id == "s1")) == "Cổng 2"


def test_the_description_is_made_from_the_models(client):
    from admin.api.schemas import CheckinRequest, Heartbeat

    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert (
        schemas["CheckinRequest"]["required"]
        == ["code", "station", "scan_id"]
        == [name for name, f in CheckinRequest.model_fields.items() if f.is_required()]
    )
    assert schemas["CheckinRequest"]["properties"]["station"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 80,
        "pattern": r"\S",
        "description": "Where the scan happened (1-80 characters, not blank).",
    }
    assert schemas["Heartbeat"]["required"] == ["queue_length"] and set(Heartbeat.model_fields) == set(
        schemas["Heartbeat"]["properties"]
    )
