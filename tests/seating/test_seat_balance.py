"""A full hall, said where it matters (issue 14 item 3): booth staff need no hall seat unless
their group has seats reserved; cancelled, nominated and returned people never hold seats; one
count of seats against the people who need one (seat_balance) shown in the hall editor, in the
flash after "Xếp chỗ" and on the dashboard; a seatless delegate's kiosk answer stays "ok" and
sends them to the desk."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from models.core.base import db
from models.events.models import Group
from models.guests.models import Attendee
from models.hall.models import Block, Seat
from models.seating.assignment import assign_seats, needs_seat, seat_balance
from tests.factories import attendees, make_event


def _staff_group(ev) -> Group:
    return db.session.scalar(select(Group).where(Group.event_id == ev.id, Group.is_exhibitor_staff.is_(True)))


def _count(*where) -> int:
    return db.session.scalar(select(func.count(Attendee.id)).where(*where))


def test_demo_hall_seats_every_delegate_not_booth_staff(app):
    """The demo: 250 seats, 250 invited delegates and 35 booth staff. Even when the staff were
    seated first (an earlier run of the old rules) and a cancelled and a nominated person hold
    seats, "Xếp chỗ" leaves nobody who needs a seat without one."""
    from models.demo.load import load_demo

    ev, _ = load_demo(with_users=False)
    staff = _staff_group(ev)
    seats = list(db.session.scalars(select(Seat).where(Seat.event_id == ev.id).order_by(Seat.stage_rank)))
    assert len(seats) == 250
    people = list(db.session.scalars(select(Attendee).where(Attendee.event_id == ev.id)).unique())
    for a in people:
        a.seat_id = None
    db.session.flush()
    staff_people = [a for a in people if a.group_id == staff.id]
    delegates = [a for a in people if a.status == "invited" and a.group_id != staff.id]
    assert len(staff_people) == 35 and len(delegates) == 250
    nominated = next(a for a in people if a.status == "nominated")
    cancelled = delegates.pop()
    cancelled.status = "cancelled"
    holders = staff_people + [nominated, cancelled]
    for a, s in zip(holders, seats, strict=False):  # the front rows, held by people who need none
        a.seat_id = s.id
    db.session.flush()
    before = seat_balance(ev)
    assert (before.needing, before.seated, before.lacking) == (249, 0, 249)
    assert before.not_needing == 35 and before.not_needing_seated == 35

    given = assign_seats(ev)
    db.session.commit()
    b = seat_balance(ev)
    assert given == 249 and b.lacking == 0 and b.lacking_by_group == []
    assert (b.capacity, b.usable, b.needing, b.seated) == (250, 250, 249, 249)
    assert _count(Attendee.event_id == ev.id, needs_seat(), Attendee.seat_id.is_(None)) == 0
    db.session.refresh(nominated)
    db.session.refresh(cancelled)
    assert nominated.seat_id is None and cancelled.seat_id is None  # freed
    # one seat was free for a booth staff member: the others were freed for delegates
    assert b.not_needing_seated == 1 and b.free == 0


def test_booth_staff_with_seats_reserved_need_seats(app):
    ev = make_event(people=3, seats=10)
    staff = Group(event_id=ev.id, code="staff", name="Nhân viên gian hàng", priority=50, is_exhibitor_staff=True)
    db.session.add(staff)
    db.session.flush()
    for i in range(2):
        a = Attendee(event_id=ev.id, full_name=f"Nhân Viên {i}", group_id=staff.id, external_key=f"s{i}")
        a.refresh_keys()
        db.session.add(a)
    db.session.flush()
    assign_seats(ev)
    assert seat_balance(ev).not_needing == 2
    assert _count(Attendee.group_id == staff.id, Attendee.seat_id.is_not(None)) == 0
    staff.seats_reserved = 2
    db.session.flush()
    assert assign_seats(ev) == 2
    b = seat_balance(ev)
    assert b.not_needing == 0 and b.needing == 5 and b.seated == 5
    # a block reserved for the group counts as seats reserved too
    staff.seats_reserved = 0
    block = db.session.scalar(select(Block).where(Block.event_id == ev.id))
    block.groups = [*block.groups, staff]
    db.session.flush()
    assert seat_balance(ev).needing == 5


def _full_hall(n_extra: int):
    """A 10-seat hall with 6 seated people, then ``n_extra`` more guests and one seat locked."""
    ev = make_event(people=6, seats=10)
    guests = db.session.scalar(select(Group).where(Group.event_id == ev.id, Group.code == "guests"))
    press = Group(event_id=ev.id, code="press", name="Báo chí", priority=9, is_press=True)
    db.session.add(press)
    db.session.flush()
    for i in range(n_extra):
        a = Attendee(
            event_id=ev.id, full_name=f"Khách Thêm {i}", group_id=(press if i % 2 else guests).id, external_key=f"x{i}"
        )
        a.refresh_keys()
        db.session.add(a)
    free = db.session.scalar(
        select(Seat)
        .where(Seat.event_id == ev.id, Seat.id.not_in(select(Attendee.seat_id).where(Attendee.seat_id.is_not(None))))
        .order_by(Seat.id.desc())
    )
    free.disabled = True
    db.session.commit()
    return ev


def test_assign_flash_and_hall_editor_say_who_lacks_a_seat(client, auth, app):
    ev = _full_hall(7)  # 13 need seats, 9 usable
    auth.as_role("admin")
    page = client.post("/admin/seats/assign", follow_redirects=True).get_data(as_text=True)
    assert "Đã xếp 3 ghế." in page
    flash = re.search(r"Còn 4 đại biểu chưa có ghế \(([^)]*)\)", page)
    assert flash, page[:3000]
    # guests (priority 5) are seated before the press (priority 9): most lacking first
    assert flash.group(1) == "Báo chí: 3, Khách mời: 1"
    assert "9 ghế dùng được cho 13 đại biểu cần ghế" in page
    for key, value in (("usable", 9), ("needing", 13), ("seated", 9), ("lacking", 4)):
        assert re.search(rf'data-seats="{key}">{value}<', page), key
    assert 'data-lacking-group="Báo chí">Báo chí: 3<' in page
    assert "1 ghế khóa" in page
    b = seat_balance(ev)
    assert (b.needing, b.seated, b.lacking, b.free) == (13, 9, 4, 0)


def test_assign_flash_when_everyone_is_seated(client, auth, app):
    _full_hall(2)
    auth.as_role("admin")
    page = client.post("/admin/seats/assign", follow_redirects=True).get_data(as_text=True)
    assert "Mọi đại biểu cần ghế đều đã có ghế (8 đại biểu, 1 ghế trống)." in page
    assert "chưa có ghế (" not in page


def test_seatless_delegate_ok_sends_to_desk_staff_not(client, app, kiosk_token):
    ev = _full_hall(4)
    assign_seats(ev)
    from models.guests.badges import issue_badge

    staff = Group(event_id=ev.id, code="staff", name="Nhân viên gian hàng", priority=50, is_exhibitor_staff=True)
    db.session.add(staff)
    db.session.flush()
    worker = Attendee(event_id=ev.id, honorific="Bà", full_name="Võ Thị Lan", group_id=staff.id, external_key="w")
    worker.refresh_keys()
    db.session.add(worker)
    db.session.flush()
    seatless = db.session.scalar(
        select(Attendee).where(Attendee.event_id == ev.id, needs_seat(), Attendee.seat_id.is_(None))
    )
    for a in (seatless, worker):
        issue_badge(a, ev)
    db.session.commit()
    h = {"Authorization": f"Bearer {kiosk_token}"}

    def scan(a, sid):
        return client.post(
            "/api/v1/checkins", headers=h, json={"code": a.current_badge.code, "station": "Cổng 1", "scan_id": sid}
        ).get_json()

    r = scan(seatless, "s1")
    assert r["result"] == "ok" and r["attendee"]["seat"] is None and r["attendee"]["seat_needed"] is True
    assert r["message"] == f"Xin chào {seatless.display_name}! Xin mời quý đại biểu đến bàn đón tiếp để nhận chỗ ngồi."
    assert scan(seatless, "s1") == r  # a resent scan_id: the same answer
    w = scan(worker, "s2")
    assert w["result"] == "ok" and w["attendee"]["seat_needed"] is False and "bàn đón tiếp" not in w["message"]
    seated = attendees(ev)[0]
    s = scan(seated, "s3")
    assert s["attendee"]["seat"] and s["attendee"]["seat_text"] in s["message"] and "bàn đón tiếp" not in s["message"]
    roster = {p["id"]: p for p in client.get("/api/v1/kiosk/snapshot", headers=h).get_json()["roster"]}
    assert roster[seatless.id]["seat_needed"] is True and roster[seatless.id]["seat"] is None
    assert roster[worker.id]["seat_needed"] is False


def test_desk_lists_seatless_arrivals_and_finds_a_freed_seat(client, auth, app):
    from models.accounts.models import AuditLog
    from models.checkin.checkin import check_in

    ev = _full_hall(4)
    assign_seats(ev)
    seatless = db.session.scalars(
        select(Attendee)
        .where(Attendee.event_id == ev.id, needs_seat(), Attendee.seat_id.is_(None))
        .order_by(Attendee.id)
    ).all()
    assert len(seatless) == 1
    late = seatless[0]
    from models.guests.badges import issue_badge

    issue_badge(late, ev)
    db.session.commit()
    check_in(event_id=ev.id, code=late.current_badge.code, scan_id="d1", station="Cổng 1")
    auth.as_role("desk")
    page = client.get("/desk/").get_data(as_text=True)
    assert f'data-seatless="{late.id}"' in page and "Đã đến, chưa có ghế" in page
    # the hall is still full: nothing changes
    r = client.post(f"/desk/seat/{late.id}", follow_redirects=True).get_data(as_text=True)
    assert "vẫn chưa có ghế trống" in r
    db.session.refresh(late)
    assert late.seat_id is None
    # a locked seat is opened: the desk gives it
    locked = db.session.scalar(select(Seat).where(Seat.event_id == ev.id, Seat.disabled.is_(True)))
    locked.disabled = False
    db.session.commit()
    r = client.post(f"/desk/seat/{late.id}", follow_redirects=True).get_data(as_text=True)
    db.session.refresh(late)
    assert late.seat_id == locked.id and f"ghế {locked.label}" in r
    assert f'data-seatless="{late.id}"' not in r
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "desk_seat", AuditLog.entity_id == late.id))
    # someone who has a seat now, an unknown id, another role: refused, nothing changes
    r = client.post(f"/desk/seat/{late.id}", follow_redirects=True).get_data(as_text=True)
    assert "đã có ghế" in r
    assert client.post("/desk/seat/999999").status_code == 404
    auth.as_role("mc")
    assert client.post(f"/desk/seat/{late.id}").status_code in (302, 403)


def test_full_hall_in_the_browser(browser, tmp_path):
    """The demo hall with 3 seats locked (their people unseated): "Xếp chỗ" in a real browser
    says who lacks a seat; one of them checks in through the API; the desk lists them."""
    import requests

    from models.seating.assignment import set_seat_disabled
    from tests.conftest import ARTIFACTS, LiveServer, free_port, login_page, make_app
    from tests.factories import make_device

    app = make_app("sqlite", tmp_path)
    with app.app_context():
        from models.demo.load import load_demo

        ev, _ = load_demo(with_users=False)
        back_row = select(Seat).where(Seat.event_id == ev.id).order_by(Seat.stage_rank.desc()).limit(3)
        for s in db.session.scalars(back_row):
            set_seat_disabled(s, True)
        db.session.commit()
        late = (
            db.session.scalars(
                select(Attendee).where(Attendee.event_id == ev.id, needs_seat(), Attendee.seat_id.is_(None))
            )
            .unique()
            .all()
        )
        assert len(late) == 3
        code, late_id = late[0].current_badge.code, late[0].id
        token = make_device("kiosk-full")
    server = LiveServer(app, free_port())
    server.start()
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = ctx.new_page()
    try:
        login_page(page, server, "admin")
        page.goto(server.url + "/admin/seats")
        page.click('button[data-action="assign"]')
        page.wait_for_load_state("load")
        flash = page.locator("text=Còn 3 đại biểu chưa có ghế").first
        expect_text = flash.inner_text()
        assert "247 ghế dùng được cho 250 đại biểu cần ghế" in expect_text
        assert page.inner_text('[data-seats="lacking"]') == "3"
        assert page.inner_text('[data-seats="usable"]') == "247"
        assert page.inner_text('[data-seats="not_needing"]') == "35"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "seats_full_hall.png"))
        r = requests.post(
            server.url + "/api/v1/checkins",
            timeout=5,
            headers={"Authorization": f"Bearer {token}"},
            json={"code": code, "station": "Cổng chính", "scan_id": "full-1"},
        ).json()
        assert r["result"] == "ok" and "bàn đón tiếp" in r["message"]
        desk = ctx.browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
        login_page(desk, server, "desk")
        desk.goto(server.url + "/desk/")
        assert desk.locator(f'[data-seatless="{late_id}"]').is_visible()
        desk.screenshot(path=str(ARTIFACTS / "desk_seatless.png"))
        desk.context.close()
    finally:
        ctx.close()
        server.stop()
        with app.app_context():
            db.engine.dispose()


def test_cli_assign_seats_prints_the_balance(app, runner):
    _full_hall(4)
    res = runner.invoke(args=["assign-seats"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "Đã xếp 3 ghế; còn 1 đại biểu chưa có ghế."
    assert lines[1].startswith(
        "Hội trường: 9 ghế dùng được (trên 10) cho 10 đại biểu cần ghế; 9 đã có ghế, 0 ghế trống"
    )
    assert lines[2] == "Chưa có ghế: Báo chí: 1."


def test_desk_hand_checkin_of_a_seatless_delegate_tells_the_staff_what_to_do(client, auth, app):
    """At the desk the kiosk's words ("go to the desk for a seat") would be said to the desk
    itself: the staff are told the person has no seat and where to find one."""
    ev = _full_hall(4)
    assign_seats(ev)
    late = db.session.scalars(
        select(Attendee).where(Attendee.event_id == ev.id, needs_seat(), Attendee.seat_id.is_(None))
    ).first()
    auth.as_role("desk")
    r = client.post(f"/desk/checkin/{late.id}", follow_redirects=True)
    flashes = " ".join(re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', r.get_data(as_text=True), re.S))
    assert r.status_code == 200 and "Đại biểu chưa có ghế" in flashes and "Tìm ghế trống" in flashes
    assert "đến bàn đón tiếp để nhận chỗ ngồi" not in flashes
    db.session.refresh(late)
    assert late.checked_in_at is not None
