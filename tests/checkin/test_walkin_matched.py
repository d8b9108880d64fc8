"""Issue 21 item 5, walk-ins matched: /desk/walk-in looks the typed person up (name without
accents or case, organisation, phone in any format) before creating anyone, offers the
delegates already on the list ("Đã có trong danh sách: … — Đón người này"), checks the one
chosen in with one click (no new row, no second seat, no second arrival); a new person only by
the explicit "create new" choice; the unit (xã / phường) stored; positions cleaned like names."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models.checkin.models import CheckIn
from models.checkin.walkin import walk_in_matches
from models.core.base import db
from models.events.models import Event
from models.guests.badges import issue_badge
from models.guests.models import Attendee
from models.seating.assignment import assign_seats
from models.units.models import District
from tests import factories
from tests.conftest import login_page, screenshot


def _tam(ev) -> Attendee:
    """Lê Ngọc Tâm of Sở Tài chính on the list, seated, with a badge."""
    tam = Attendee(
        event_id=ev.id,
        honorific="Ông",
        full_name="Lê Ngọc Tâm",
        position="Phó Giám đốc",
        organisation="Sở Tài chính",
        phone="0914222333",
        external_key="tam",
    )
    tam.refresh_keys()
    db.session.add(tam)
    db.session.flush()
    assign_seats(ev)
    issue_badge(tam, ev)
    db.session.commit()
    return tam


def _counts(ev, tam_id: int) -> tuple[int, int, int]:
    """(people on the list, seats held by a Lê Ngọc Tâm, arrivals of tam)."""
    people = db.session.scalar(select(func.count(Attendee.id)).where(Attendee.event_id == ev.id))
    seats = db.session.scalar(
        select(func.count(Attendee.seat_id)).where(Attendee.event_id == ev.id, Attendee.name_key.like("le ngoc tam%"))
    )
    arrivals = db.session.scalar(
        select(func.count(CheckIn.id)).where(CheckIn.attendee_id == tam_id, CheckIn.outcome == "ok")
    )
    return people, seats, arrivals


@pytest.mark.parametrize(
    "typed",
    [
        {"full_name": "le ngoc tam"},
        {"full_name": "LÊ  NGỌC   TÂM", "organisation": "sở tài chính"},
        {"full_name": "ngoc tam", "organisation": "So Tai Chinh"},
        {"full_name": "Tâm Khác", "phone": "+84 914 222 333"},
        {"full_name": "Ai Đó", "phone": "0914.222.333"},
        {"full_name": "Ai Đó", "phone": "914222333"},
    ],
)
def test_the_typed_person_is_found(app, typed):
    ev = factories.make_event()
    tam = _tam(ev)
    found = walk_in_matches(ev, **typed)
    assert [m.attendee.id for m in found][:1] == [tam.id]


def test_nobody_else_is_offered(app):
    ev = factories.make_event()
    _tam(ev)
    assert walk_in_matches(ev, full_name="Nguyễn Văn Mới", organisation="Sở Tài chính", phone="0988777666") == []
    assert walk_in_matches(ev, full_name="tam", organisation="") == []  # a part of a name alone: no


def test_walk_in_offers_and_welcomes_the_existing_delegate(client, auth):
    ev = factories.make_event()
    tam = _tam(ev)
    seat = tam.seat_id
    auth.as_role("desk")
    before = _counts(ev, tam.id)
    resp = client.post("/desk/walk-in", data={"full_name": "le ngoc tam", "organisation": "Sở Tài chính"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Đã có trong danh sách" in html and "Lê Ngọc Tâm" in html and "Đón người này" in html
    assert f'data-match="{tam.id}"' in html and 'name="create_new"' in html
    assert _counts(ev, tam.id) == before  # looking up wrote nothing
    # one click: checked in, the same row and seat, one arrival
    resp = client.post(f"/desk/walk-in/{tam.id}/welcome")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/desk/badge/{tam.id}")
    db.session.expire_all()
    people, seats, arrivals = _counts(ev, tam.id)
    assert (people, seats, arrivals) == (before[0], 1, 1)
    tam = db.session.get(Attendee, tam.id)
    assert tam.checked_in_at is not None and tam.seat_id == seat and not tam.is_walk_in
    # again (or by the phone in another format): says the person already arrived, nothing new
    resp = client.post("/desk/walk-in", data={"full_name": "Lê Tâm", "phone": "+84914222333"})
    assert "Đã đến lúc" in resp.get_data(as_text=True)
    resp = client.post(f"/desk/walk-in/{tam.id}/welcome", follow_redirects=True)
    assert re.search(r"Lê Ngọc Tâm đã điểm danh lúc \d\d:\d\d tại Bàn đón tiếp", resp.get_data(as_text=True))
    db.session.expire_all()
    assert _counts(ev, tam.id) == (before[0], 1, 1)


def test_a_new_person_only_by_the_explicit_choice(client, auth):
    other = factories.make_event()
    ev = factories.make_event()  # the current event
    tam = _tam(ev)
    unit = District(event_id=ev.id, code="phuoc-hai", name="Phường Phước Hải", sort_order=5)
    db.session.add(unit)
    db.session.commit()
    auth.as_role("desk")
    form = {
        "full_name": "lê  ngọc tâm",
        "organisation": "SỞ  TÀI CHÍNH",
        "position": "  CHUYÊN VIÊN   PHÒNG NGÂN SÁCH ",
        "district": str(unit.id),
        "phone": "0977 888 999",
    }
    n = _counts(ev, tam.id)[0]
    assert client.post("/desk/walk-in", data=form).status_code == 200  # offered, not created
    assert _counts(ev, tam.id)[0] == n
    resp = client.post("/desk/walk-in", data={**form, "create_new": "1"})
    assert resp.status_code == 302
    new = db.session.scalar(select(Attendee).where(Attendee.event_id == ev.id, Attendee.is_walk_in.is_(True)))
    assert new.id != tam.id and new.full_name == "Lê Ngọc Tâm"
    assert new.district_id == unit.id and new.phone == "0977888999"
    assert new.position == "Chuyên viên Phòng Ngân sách" and new.organisation == "Sở Tài chính"
    assert _counts(ev, tam.id)[0] == n + 1
    # the form offers the event's units under the event's label
    page = client.get("/desk/walk-in").get_data(as_text=True)
    assert 'name="district"' in page and "Phường Phước Hải" in page
    # a unit of another event is refused, nothing written
    foreign = db.session.scalar(select(District.id).where(District.event_id == other.id))
    resp = client.post("/desk/walk-in", data={"full_name": "Người Lạ", "district": str(foreign), "create_new": "1"})
    assert "Đơn vị hành chính không hợp lệ" in resp.get_data(as_text=True)
    assert _counts(ev, tam.id)[0] == n + 1


def test_welcome_refuses_another_events_person_and_needs_csrf(csrf_app):
    stranger = factories.attendees(factories.make_event())[0]
    ev = factories.make_event()  # the current event
    tam = _tam(ev)
    factories.make_user("desk-csrf", "desk")
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "desk-csrf", "password": "secret-pass-123", "csrf_token": token})
    assert client.post(f"/desk/walk-in/{tam.id}/welcome").status_code == 400
    page = client.get("/desk/walk-in").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert client.post("/desk/walk-in", data={"full_name": "le ngoc tam"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Attendee, tam.id).checked_in_at is None
    for other in (stranger.id, 999999):
        resp = client.post(f"/desk/walk-in/{other}/welcome", data={"csrf_token": token}, follow_redirects=True)
        assert "Đại biểu này không có trong danh sách" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attendee, stranger.id).checked_in_at is None
    assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.attendee_id == tam.id)) == 0


def test_walk_in_in_a_browser(page, live_server_any):
    server = live_server_any
    with server.app.app_context():
        ev = db.session.get(Event, server.event_id)
        tam_id = _tam(ev).id
    login_page(page, server, "desk")
    page.goto(server.url + "/desk/walk-in")
    page.fill("input[name=full_name]", "le ngoc tam")
    page.fill("input[name=organisation]", "Sở Tài chính")
    page.click("button[data-action=walk-in]")
    page.wait_for_selector(f"li[data-match='{tam_id}']")
    offer = page.inner_text(f"li[data-match='{tam_id}']")
    assert "Đã có trong danh sách" in offer and "Lê Ngọc Tâm" in offer and "Đón người này" in offer
    screenshot(page, "walk_in_offer")
    page.click(f"li[data-match='{tam_id}'] button[data-action=welcome]")
    page.wait_for_url(f"**/desk/badge/{tam_id}")
    assert "Lê Ngọc Tâm" in page.inner_text(".flash.ok")
    screenshot(page, "walk_in_welcomed")
    with server.app.app_context():
        ev = db.session.get(Event, server.event_id)
        assert _counts(ev, tam_id)[1:] == (1, 1)
        assert db.session.scalar(select(func.count(Attendee.id)).where(Attendee.full_name == "Lê Ngọc Tâm")) == 1
