"""A dashboard whose numbers agree (issue 14 item 6): every figure says what it counts; the
rate is a percentage; booth staff are a figure of their own; the chart, the cards and the
tables count the same people (one definition: models.checkin.stats.in_hall); per-district figures
equal on /admin/ and /admin/districts; the leaders and recipients not yet arrived visible
without scrolling on a 1366x768 laptop; the desk's counter updates live."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect
from sqlalchemy import select

from models.checkin.checkin import check_in
from models.core.base import db
from models.events.models import Group
from models.guests.models import Attendee
from tests.conftest import ARTIFACTS, LiveServer, free_port, login_page, make_app
from tests.factories import make_device

ARRIVING, STAFF_ARRIVING = 9, 3


def _people(ev):
    staff = db.session.scalar(select(Group.id).where(Group.event_id == ev.id, Group.is_exhibitor_staff.is_(True)))
    people = (
        db.session.scalars(
            select(Attendee).where(Attendee.event_id == ev.id, Attendee.status == "invited").order_by(Attendee.id)
        )
        .unique()
        .all()
    )
    return [a for a in people if a.group_id != staff], [a for a in people if a.group_id == staff]


def _arrivals(ev) -> Attendee:
    """9 delegates (leaders: the first on the list) and 3 booth staff scanned at the hall
    entrance; then one arrived delegate is cancelled. Returns the cancelled one."""
    delegates, staff = _people(ev)
    for i, a in enumerate(delegates[:ARRIVING] + staff[:STAFF_ARRIVING]):
        assert check_in(event_id=ev.id, code=a.current_badge.code, scan_id=f"f{i}", station="Cổng 1").outcome == "ok"
    gone = delegates[ARRIVING - 1]
    gone.status, gone.cancel_reason = "cancelled", "Báo vắng"
    db.session.commit()
    return gone


def _row(html: str, code: str) -> str:
    return re.search(rf'<tr data-district="{code}">(.*?)</tr>', html, re.S).group(1)


def test_cards_chart_tables_and_districts_agree(client, auth, app):
    from models.demo.load import load_demo

    ev, _ = load_demo(with_users=False)
    _arrivals(ev)
    auth.as_role("admin")
    d = client.get("/admin/dashboard.json").get_json()
    st = d["stats"]
    arrived = ARRIVING - 1  # the cancelled one is off the guest list
    assert st["checked_in"] == arrived and st["invited"] == 249
    assert st["booth_staff"] == 35 and st["booth_staff_arrived"] == STAFF_ARRIVING
    assert st["percent"] == round(100 * arrived / 249)
    # the chart, the group table and the district table count the same people as the card
    assert sum(p["count"] for p in d["timeline"]) == arrived
    assert sum(g["arrived"] for g in d["groups"]) == arrived
    assert sum(g["invited"] for g in d["groups"]) == 249
    assert all("gian hàng" not in g["name"] for g in d["groups"])
    by_district = sum(x["invited"] for x in d["districts"])
    assert by_district == db.session.scalar(
        select(db.func.count(Attendee.id)).where(
            Attendee.event_id == ev.id,
            Attendee.status == "invited",
            Attendee.district_id.is_not(None),
            Attendee.group_id.not_in(select(Group.id).where(Group.is_exhibitor_staff.is_(True))),
        )
    )
    # the desk and the kiosks read the same figures
    api = client.get("/api/v1/stats").get_json()
    assert (api["checked_in"], api["invited"], api["booth_staff_arrived"]) == (arrived, 249, STAFF_ARRIVING)
    # the leaders' card counts them all, the list shows the first 30 at most
    assert d["leaders_missing_count"] == 26 - ARRIVING == len(d["leaders_missing"])  # all arrivals were leaders

    html = client.get("/admin/").get_data(as_text=True)
    assert re.search(rf'data-stat="percent">{st["percent"]}</span>&nbsp;%', html)
    assert f'data-stat="staff_arrived">{STAFF_ARRIVING}<' in html and 'data-stat="staff">35<' in html
    for label in (
        "đại biểu đã đến",
        "đại biểu được mời",
        "đại biểu có mặt",
        "nhân viên gian hàng đã đến",
        "không tính vào đại biểu",
        "Đại biểu đến mỗi 5 phút",
        "Đại biểu của đơn vị",
        "Do đơn vị đề cử",
    ):
        assert label in html, label
    districts_page = client.get("/admin/districts").get_data(as_text=True)
    assert "Đại biểu của đơn vị" in districts_page and "do đơn vị đề cử" in districts_page
    assert any(x["invited"] for x in d["districts"])
    for x in d["districts"]:  # one definition on both pages
        dash = _row(html, x["code"])
        assert f'data-count="arrived">{x["arrived"]}<' in dash and f'data-count="invited">{x["invited"]}<' in dash
        assert f'data-count="nominated">{x["nominated"]}<' in dash
        row = _row(districts_page, x["code"])
        assert f'data-count="arrived">{x["arrived"]}/{x["invited"]}<' in row, (x, row)
        assert f'data-count="invited">{x["nominated"]}<' in row  # accepted nominations


def test_seat_figures_and_seatless_arrivals_on_the_dashboard(client, auth, app):
    from models.demo.load import load_demo

    ev, _ = load_demo(with_users=False)
    delegates, _staff = _people(ev)
    late = delegates[-3:]
    for a in late:  # the hall was full for them
        a.seat_id = None
    db.session.commit()
    check_in(event_id=ev.id, code=late[0].current_badge.code, scan_id="s1", station="Cổng 1")
    auth.as_role("admin")
    d = client.get("/admin/dashboard.json").get_json()
    assert (d["seats"]["needing"], d["seats"]["lacking"], d["seats"]["usable"]) == (250, 3, 250)
    assert d["seatless_arrivals_count"] == 1 and d["seatless_arrivals"][0]["id"] == late[0].id
    html = client.get("/admin/").get_data(as_text=True)
    assert 'data-stat="seats_lacking">3<' in html
    assert f'data-seatless="{late[0].id}"' in html and "Đã đến, chưa có ghế" in html


def _demo_server(tmp_path):
    app = make_app("sqlite", tmp_path)
    with app.app_context():
        from models.demo.load import load_demo

        load_demo(with_users=False)
        token = make_device("kiosk-demo")
    server = LiveServer(app, free_port())
    server.token = token
    server.start()
    return server


def test_dashboard_figures_after_checkins_on_a_laptop_screen(browser, tmp_path):
    server = _demo_server(tmp_path)
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = ctx.new_page()
    try:
        login_page(page, server, "admin")
        page.goto(server.url + "/admin/")
        assert page.inner_text('[data-stat="checked_in"]') == "0"
        with server.app.app_context():
            ev_delegates, staff = _people(_event())
            # 90 delegates (10 leaders stay away) and 4 booth staff at the hall entrance
            codes = [a.current_badge.code for a in ev_delegates[10:100] + staff[:4]]
        h = {"Authorization": f"Bearer {server.token}"}
        for i, code in enumerate(codes):
            r = requests.post(
                server.url + "/api/v1/checkins",
                headers=h,
                timeout=5,
                json={"code": code, "station": "Cổng 1", "scan_id": f"b{i}"},
            )
            assert r.json()["result"] == "ok"
        expect(page.locator('[data-stat="checked_in"]')).to_have_text("90", timeout=5000)
        assert page.inner_text('[data-stat="invited"]') == "250"
        assert page.inner_text('[data-stat="percent"]').strip() == "36"
        percent_card = page.locator('.stat:has([data-stat="percent"]) .num').inner_text()
        assert percent_card.replace("\xa0", " ") == "36 %"
        expect(page.locator('[data-stat="staff_arrived"]')).to_have_text("4", timeout=5000)
        assert page.inner_text('[data-stat="staff"]') == "35"
        bars = page.locator(".chart-box svg rect[data-value]")  # the chart counts the card's people
        assert bars.count() >= 1
        assert sum(int(bars.nth(i).get_attribute("data-value")) for i in range(bars.count())) == 90
        assert page.inner_text('[data-stat="leaders_missing"]') == "10"
        assert page.locator("#leaders-missing tr").count() == 10
        assert page.evaluate("window.scrollY") == 0
        for box_id in ("#leaders-missing", "#recipients-missing", "#seatless-arrivals"):
            box = page.locator(box_id).bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 768, (box_id, box)
            first = page.locator(f"{box_id} tr").first
            if first.count():
                fb = first.bounding_box()
                assert fb["y"] + fb["height"] <= 768
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard_1366x768.png"))  # what the laptop shows
        page.screenshot(path=str(ARTIFACTS / "dashboard_1366_full.png"), full_page=True)
    finally:
        ctx.close()
        server.stop()
        with server.app.app_context():
            db.engine.dispose()


def _event():
    from models.events.service import current_event

    return current_event()


def test_desk_counter_updates_without_reload(page, live_server):
    login_page(page, live_server, "desk")
    page.goto(live_server.url + "/desk/")
    counter = page.locator("#desk-counter")
    assert counter.locator('[data-stat="checked_in"]').inner_text() == "0"
    assert counter.locator('[data-stat="invited"]').inner_text() == "6"
    page.evaluate("window.__still_here = true")
    with live_server.app.app_context():
        code = db.session.scalars(select(Attendee).order_by(Attendee.id)).first().current_badge.code
    r = requests.post(
        live_server.url + "/api/v1/checkins",
        timeout=5,
        headers={"Authorization": f"Bearer {live_server.token}"},
        json={"code": code, "station": "Cổng 1", "scan_id": "desk-live-1"},
    )
    assert r.json()["result"] == "ok"
    expect(counter.locator('[data-stat="checked_in"]')).to_have_text("1", timeout=8000)
    assert page.evaluate("window.__still_here") is True  # no reload


def test_dashboard_phones_are_grouped(client, auth, app):
    """The not-arrived lists show phones as people read them ("0905 111 222"), dialable as digits."""
    from models.core.phones import format_phone
    from models.demo.load import load_demo

    ev, _ = load_demo(with_users=False)
    auth.as_role("admin")
    html = client.get("/admin/").get_data(as_text=True)
    import re

    phones = re.findall(r'<a href="tel:(\d+)" class="phone">([\d ]+)</a>', html)
    assert len(phones) >= 10
    assert all(shown == format_phone(digits) and " " in shown for digits, shown in phones)
