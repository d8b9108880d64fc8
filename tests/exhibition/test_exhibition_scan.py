"""Item 4: a staff badge scanned at the exhibition entrance marks its booth set up, through the
same check_in function, and is not a hall arrival; other badges get a clear message."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime

from sqlalchemy import func, select

from models.checkin.checkin import check_in
from models.checkin.models import CheckIn
from models.core.base import db
from models.exhibition.form_input import clean_registration
from models.exhibition.models import Exhibitor
from models.exhibition.workflow import approve, assign_table, ensure_tables, register_exhibitor
from tests.exhibition.conftest import district_of, form
from tests.factories import attendees, make_device

T0 = datetime(2025, 5, 22, 0, 30, 0)  # 07:30 in Nha Trang


def booth(ev, *, approved=True, table=True, name="HTX Nông nghiệp Suối Tân") -> Exhibitor:
    d = district_of(ev)
    data, errors = clean_registration(form(d.id, name=name), today=date(2025, 5, 22), district_ids={d.id})
    assert not errors
    ex = register_exhibitor(ev, data)
    if approved:
        approve(ex)
        if table:
            assign_table(ex, ensure_tables(d)[0].id)
    return ex


def post(client, token, code, scan_id, station="Cổng trưng bày"):
    return client.post(
        "/api/v1/checkins",
        json={"code": code, "station": station, "scan_id": scan_id},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_staff_badge_at_exhibition_marks_booth_set_up(client, event):
    ex = booth(event)
    token = make_device("expo-1", kind="exhibition")
    staff = ex.staff[0].attendee
    resp = post(client, token, staff.current_badge.code, "ex-1")
    body = resp.get_json()
    assert resp.status_code == 200 and body["result"] == "ok"
    assert "HTX Nông nghiệp Suối Tân" in body["message"] and "bàn 1" in body["message"]
    assert body["attendee"]["name"] == staff.full_name
    db.session.expire_all()
    assert ex.status == "set_up" and ex.set_up_at is not None
    assert staff.checked_in_at is None  # not a hall arrival
    row = db.session.scalars(select(CheckIn).where(CheckIn.scan_id == "ex-1")).one()
    assert (row.outcome, row.method, row.attendee_id) == ("ok", "exhibition", staff.id)
    # the second staff member: the booth is set up already, with the time and station
    other = ex.staff[1].attendee
    again = post(client, token, other.current_badge.code, "ex-2").get_json()
    assert again["result"] == "already" and "đã được ghi nhận bày xong" in again["message"]
    assert again["first_checkin"]["station"] == "Cổng trưng bày"
    # a retried scan_id gets the first answer again and writes nothing
    n = db.session.scalar(select(func.count(CheckIn.id)))
    replay = post(client, token, staff.current_badge.code, "ex-1").get_json()
    assert replay["result"] == "ok" and replay["message"] == body["message"]
    assert db.session.scalar(select(func.count(CheckIn.id))) == n


def test_non_staff_badge_at_exhibition_gets_a_clear_message(client, event):
    booth(event)
    token = make_device("expo-2", kind="exhibition")
    guest = attendees(event)[0]
    body = post(client, token, guest.current_badge.code, "ex-3").get_json()
    assert body["result"] == "unknown"
    assert "không phải của nhân viên gian hàng" in body["message"]
    # the exhibition kiosk is not told who a hall delegate is: no name, seat or phone (issue 22)
    assert body["attendee"] is None and body["first_checkin"] is None
    said = json.dumps(body, ensure_ascii=False)
    for secret in (guest.full_name, guest.seat.label if guest.seat else None, guest.phone, guest.organisation):
        assert not secret or secret not in said, secret
    assert post(client, token, guest.current_badge.code, "ex-3").get_json() == body  # a retry: the same
    db.session.expire_all()
    assert guest.checked_in_at is None
    assert db.session.scalar(select(CheckIn.outcome).where(CheckIn.scan_id == "ex-3")) == "unknown"
    # and a forged code is still "invalid" there
    assert post(client, token, "EK1NOTABADGE", "ex-4").get_json()["result"] == "invalid"


def test_staff_of_a_booth_not_approved_is_refused(client, event):
    ex = booth(event, approved=False)
    token = make_device("expo-3", kind="exhibition")
    # not approved: the staff have no badge yet; a rejected booth's badges are revoked
    assert all(s.attendee.current_badge is None for s in ex.staff)
    approved = booth(event, name="Chủ thể đã rút", table=False)
    from models.exhibition.workflow import remove

    remove(approved)
    body = post(client, token, approved.staff[0].attendee.current_badge.code, "ex-5").get_json()
    assert body["result"] == "unknown" and "chưa được duyệt hoặc đã rút" in body["message"]
    db.session.expire_all()
    assert approved.status == "removed" and approved.set_up_at is None


def test_staff_badge_at_hall_is_a_normal_arrival(client, event):
    ex = booth(event)
    token = make_device("hall-1", kind="hall")
    staff = ex.staff[0].attendee
    body = post(client, token, staff.current_badge.code, "h-1").get_json()
    assert body["result"] == "ok" and "Xin chào" in body["message"]
    db.session.expire_all()
    assert staff.checked_in_at is not None and ex.status == "assigned" and ex.set_up_at is None


def test_one_ok_per_booth_under_concurrency(app, event):
    ex = booth(event)
    codes = [s.attendee.current_badge.code for s in ex.staff] * 3
    ev_id = event.id  # read here: the threads must not touch this thread's objects
    db.session.commit()
    results, errors = [], []
    barrier = threading.Barrier(len(codes), timeout=30)

    def scan(i, code):
        with app.app_context():
            try:
                barrier.wait()
                r = check_in(
                    event_id=ev_id,
                    code=code,
                    scan_id=f"c-{i}",
                    station="Cổng trưng bày",
                    exhibition=True,
                    now=lambda: T0,
                )
                results.append(r.outcome)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=scan, args=(i, c)) for i, c in enumerate(codes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sorted(results) == ["already"] * 5 + ["ok"]
    db.session.rollback()  # end this thread's read snapshot
    assert ex.status == "set_up" and ex.set_up_at == T0


def test_exhibition_kiosk_is_told_no_name_for_any_refused_badge(client, event):
    """A hall delegate's revoked or cancelled badge at the exhibition door: refused, and the
    answer (first time and retried) carries no person at all."""
    from models.guests.badges import reissue_badge

    booth(event)
    token = make_device("expo-4", kind="exhibition")
    guest = attendees(event)[1]
    old_code = guest.current_badge.code
    reissue_badge(guest)
    db.session.commit()
    for scan_id in ("ex-6", "ex-6"):
        body = post(client, token, old_code, scan_id).get_json()
        assert body["result"] == "revoked" and body["attendee"] is None
        assert guest.full_name not in json.dumps(body, ensure_ascii=False)
    # the hall kiosk is still told who it is
    hall = make_device("hall-4", kind="hall")
    body = post(client, hall, guest.current_badge.code, "h-6").get_json()
    assert body["result"] == "ok" and body["attendee"]["name"] == guest.full_name
