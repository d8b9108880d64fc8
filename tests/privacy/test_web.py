"""Issue 23 items 3 and 4 on the person's page: "Dữ liệu của người này" (JSON, admin only,
no-store, audited) and "Xóa dữ liệu cá nhân" (a reason and a ticked confirmation, CSRF)."""

from __future__ import annotations

import re

from models.core.base import db
from models.guests.models import Attendee
from tests import factories
from tests.factories import attendees
from tests.privacy.test_person import _db_bytes


def test_download_and_erase_from_the_persons_page(client, auth, event, app, backend):
    auth.as_role("admin")
    p = attendees(event)[2]
    name = p.full_name
    html = client.get(f"/admin/attendees/{p.id}/edit").get_data(as_text=True)
    assert 'data-action="personal-data"' in html and 'data-action="erase"' in html
    r = client.get(f"/admin/attendees/{p.id}/personal-data.json")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "attachment" in r.headers["Content-Disposition"] and r.get_json()["person"]["full_name"] == name
    # no confirmation ticked: refused, nothing erased
    r = client.post(f"/admin/attendees/{p.id}/erase", data={"reason": "Theo yêu cầu"}, follow_redirects=True)
    assert "Đánh dấu ô xác nhận" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attendee, p.id).erased_at is None
    r = client.post(
        f"/admin/attendees/{p.id}/erase", data={"reason": "Theo yêu cầu", "confirm": "y"}, follow_redirects=True
    )
    html = r.get_data(as_text=True)
    assert "Đã xóa dữ liệu cá nhân" in html and "data-erased" in html and name not in html
    if backend == "sqlite":
        assert name.encode() not in _db_bytes(app)
    db.session.expire_all()
    assert db.session.get(Attendee, p.id).full_name == f"Đã xóa #{p.id}"


def test_desk_cannot_read_or_erase(client, auth, event):
    auth.as_role("desk")
    p = attendees(event)[0]
    assert client.get(f"/admin/attendees/{p.id}/personal-data.json").status_code == 403
    assert client.post(f"/admin/attendees/{p.id}/erase", data={"reason": "x", "confirm": "y"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Attendee, p.id).erased_at is None


def test_erase_needs_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    factories.make_user("ad", "admin")
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "ad", "password": "secret-pass-123", "csrf_token": token})
    ev = factories.make_event()
    p = attendees(ev)[0]
    client.post(f"/admin/attendees/{p.id}/erase", data={"reason": "x", "confirm": "y"})
    db.session.expire_all()
    assert db.session.get(Attendee, p.id).erased_at is None
