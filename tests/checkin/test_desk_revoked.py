"""Issue 21 item 9: the desk's answer to a cancelled or replaced badge names its owner and says
which case it is (merged, cancelled, replaced); the kiosk's answer stays the short one."""

from __future__ import annotations

from models.checkin.checkin import MESSAGES
from models.core.base import db
from models.guests.badges import reissue_badge
from models.services.person_changes import cancel_attendee, merge_attendees
from tests.factories import attendees, make_user

JSON = {"Accept": "application/json"}


def scan(client, code, scan_id):
    r = client.post("/desk/scan", data={"code": code, "scan_id": scan_id}, headers=JSON)
    assert r.status_code == 200
    return r.get_json()


def test_replaced_cancelled_and_merged_badges_name_their_owner(client, auth, event):
    make_user("desk-r", "desk")
    auth.login("desk-r")
    a, b, c, d = attendees(event)[:4]
    old_a = a.current_badge.code
    reissue_badge(a, reason="lost", actor="test")
    old_b = b.current_badge.code
    cancel_attendee(b, "Bận công tác", actor="test")
    old_d = d.current_badge.code
    merge_attendees(c, d, actor="test")
    db.session.commit()

    got = scan(client, old_a, "r-1")
    assert got["result"] == "revoked" and got["revoked"]["kind"] == "replaced"
    assert a.full_name in got["message"] and "số 1" in got["message"] and "số 2" in got["message"]

    got = scan(client, old_b, "r-2")
    assert got["revoked"]["kind"] == "cancelled"
    assert b.full_name in got["message"] and "Bận công tác" in got["message"] and "hủy" in got["message"]

    got = scan(client, old_d, "r-3")
    assert got["revoked"]["kind"] == "merged"
    assert d.full_name in got["message"] and c.full_name in got["message"] and "gộp" in got["message"]

    # the new badge of the replaced person still checks in
    assert scan(client, a.current_badge.code, "r-4")["result"] == "ok"


def test_the_kiosk_keeps_its_short_revoked_answer(client, event, kiosk_token):
    a = attendees(event)[0]
    old = a.current_badge.code
    reissue_badge(a, reason="lost", actor="test")
    db.session.commit()
    r = client.post(
        "/api/v1/checkins",
        json={"code": old, "station": "Cổng 1", "scan_id": "k-r-1"},
        headers={"Authorization": f"Bearer {kiosk_token}"},
    )
    data = r.get_json()
    assert data["result"] == "revoked" and "revoked" not in data
    assert data["message"] == MESSAGES["revoked"]


def test_one_name_for_the_desk_everywhere():
    """The desk is "bàn đón tiếp" on every page, kiosk answer, badge and document."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    other = re.compile(r"bàn (hướng dẫn|tiếp đón|lễ tân|check-in)|quầy (đón|tiếp|hướng)", re.IGNORECASE)
    found = []
    for folder in ("models", "admin", "kiosk", "templates", "static", "commands", "docs"):
        for path in (root / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".js", ".md", ".txt"}:
                found += [f"{path.relative_to(root)}: {m.group(0)}" for m in other.finditer(path.read_text("utf-8"))]
    assert not found
