"""The protocol table and the seat it gives, in a real browser: /admin/event/protocol (try a
title, change a rank) and the seat map with the Chairman at the centre of the front row.
Screenshots: tests/artifacts/protocol-table.png, protocol-seatmap.png."""

from __future__ import annotations

from sqlalchemy import select

from models.core.base import db
from models.guests.models import Attendee
from models.seating.assignment import assign_seats
from tests.conftest import login_page, screenshot
from tests.events.test_protocol import HEADER, LIST, protocol_hall


def test_protocol_table_and_seat_map_in_the_browser(page, live_server):
    with live_server.app.app_context():
        ev = protocol_hall()
        from models.events.models import Group

        groups = {g.name: g.id for g in db.session.scalars(select(Group).where(Group.event_id == ev.id))}
        for _n, name, position, organisation, group in LIST:
            a = Attendee(event_id=ev.id, position=position, organisation=organisation, group_id=groups[group])
            a.set_name(name)
            db.session.add(a)
        db.session.flush()
        assign_seats(ev)
        db.session.commit()
        assert HEADER[1] == "Họ và tên"
    login_page(page, live_server, "admin")
    page.goto(live_server.url + "/admin/event/protocol")
    assert page.locator("table[data-kind=protocol] tr[data-row]").count() > 40
    page.fill("form[data-form=trial] input[name=position]", "Phó GĐ Sở")
    page.fill("form[data-form=trial] input[name=organisation]", "Sở Tài chính")
    page.click("[data-action=trial]")
    out = page.locator("output[data-trial-rank]")
    assert out.get_attribute("data-trial-rank") == "210" and "Phó Giám đốc" in out.inner_text()
    screenshot(page, "protocol-table")
    # change a rank through the edit form: the guests' ranks follow
    row = page.locator("table[data-kind=protocol] tr[data-row]", has_text="Phó Giám đốc").first
    row.locator("[data-action=edit]").click()
    page.fill("#f-rank", "95")
    page.click("[data-action=save]")
    page.wait_for_selector(".flash.ok")
    with live_server.app.app_context():
        dung = db.session.scalar(select(Attendee).where(Attendee.full_name == "Võ Thị Dung"))
        assert dung.precedence == 95
    page.goto(live_server.url + "/admin/seats/map")
    page.wait_for_selector("svg")
    screenshot(page, "protocol-seatmap")
    with live_server.app.app_context():
        chairman = db.session.scalar(select(Attendee).where(Attendee.full_name == "Phạm Quốc Cường"))
        assert chairman.seat.label == "B-01-06"


def test_import_preview_shows_the_rank_in_the_browser(page, live_server, tmp_path):
    from tests.guests.helpers import xlsx

    with live_server.app.app_context():
        protocol_hall("protocol-import")
    f = tmp_path / "danh-sach.xlsx"
    f.write_bytes(xlsx([HEADER, *LIST], title="DANH SÁCH ĐẠI BIỂU LÃNH ĐẠO TỈNH"))
    login_page(page, live_server, "admin")
    page.goto(live_server.url + "/admin/attendees/import")
    page.set_input_files("#file", str(f))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("section.preview")
    chairman = page.locator("tr[data-good-line] td[data-rank]").nth(3)
    assert chairman.get_attribute("data-rank") == "40" and "Chủ tịch UBND tỉnh" in chairman.inner_text()
    screenshot(page, "protocol-import-preview")
    page.click("[data-action=confirm-import]")
    page.wait_for_selector(".flash.ok")
    with live_server.app.app_context():
        an = db.session.scalar(select(Attendee).where(Attendee.full_name == "Trần Văn An"))
        assert (an.precedence, an.precedence_typed) == (90, False)
    page.goto(live_server.url + f"/admin/attendees/{an.id}/edit")
    assert page.get_attribute("input[name=precedence]", "placeholder") == "theo chức vụ: 90"
    screenshot(page, "protocol-edit-person")
