"""Edit and cancel a delegate in a real browser (Debian's Chromium), then the kiosk API says
"revoked" for the badge; and merging a duplicate from the guest list."""

from __future__ import annotations

import requests

from models.core.base import db
from models.guests.models import Attendee
from tests.conftest import login_page, screenshot


def _people(server) -> list[tuple[int, str, str]]:
    with server.app.app_context():
        rows = db.session.execute(
            db.select(Attendee.id, Attendee.full_name, Attendee.phone).order_by(Attendee.id)
        ).all()
        return [tuple(r) for r in rows]


def _code(server, attendee_id: int) -> str:
    with server.app.app_context():
        return db.session.get(Attendee, attendee_id).badges[0].code


def test_edit_then_cancel_in_the_browser(page, live_server):
    login_page(page, live_server, "admin")
    pid, _name, _phone = _people(live_server)[1]
    code = _code(live_server, pid)
    page.goto(live_server.url + "/admin/attendees")
    page.click(f"tr[data-attendee='{pid}'] a[data-action=edit]")
    page.wait_for_selector("form.edit-person")
    assert page.input_value("#phone") == "0905 123 456"
    page.fill("#full_name", "đặng thị ánh tuyết")
    page.fill("#phone", "914 333 445")
    page.fill("#position", "Giám đốc Sở Công Thương")
    page.click("button[data-action=save]")
    page.wait_for_selector(".flash.ok")
    assert "Đã lưu" in page.inner_text(".flash.ok")
    assert page.input_value("#full_name") == "Đặng Thị Ánh Tuyết"
    assert page.input_value("#phone") == "0914 333 445"
    assert "0914 333 445" in page.inner_text("[data-phone]")
    screenshot(page, "guests_edit")
    # a bad e-mail: a Vietnamese message, nothing saved
    page.fill("#email", "khong-phai-email")
    page.click("button[data-action=save]")
    page.wait_for_selector(".flash.error")
    assert "Email không hợp lệ" in page.inner_text(".flash.error")
    # cancel with a reason
    page.fill("input[name=reason]", "Bận công tác đột xuất")
    page.click("button[data-action=cancel]")
    page.wait_for_selector("[data-tag=cancelled]")
    assert "Bận công tác đột xuất" in page.inner_text("[data-cancel-reason]")
    assert page.get_attribute("[data-attendee]", "data-status") == "cancelled"
    assert page.is_visible("button[data-action=restore]")
    screenshot(page, "guests_cancelled")
    r = requests.post(
        live_server.url + "/api/v1/checkins",
        timeout=5,
        headers={"Authorization": f"Bearer {live_server.token}"},
        json={"code": code, "station": "Cổng 1", "scan_id": "browser-cancel-1"},
    )
    assert r.json()["result"] == "revoked"
    assert _people(live_server)[1][1:] == ("Đặng Thị Ánh Tuyết", "0914333445")


def test_merge_in_the_browser(page, live_server):
    login_page(page, live_server, "admin")
    people = _people(live_server)
    keep, dup = people[0][0], people[5][0]
    page.goto(live_server.url + f"/admin/attendees/{keep}/edit")
    page.click("a[data-action=merge-link]")
    page.fill("#q", "vo ngoc y")
    page.click("form.search button[type=submit]")
    page.click(f"tr[data-attendee='{dup}'] a[data-action=pick]")
    page.wait_for_selector("button[data-action=merge]")
    screenshot(page, "guests_merge_confirm")
    page.click("button[data-action=merge]")
    page.wait_for_selector(".flash.ok")
    assert f"Đã gộp #{dup} vào #{keep}" in page.inner_text(".flash.ok")
    with live_server.app.app_context():
        other = db.session.get(Attendee, dup)
        assert other.status == "cancelled" and other.merged_into_id == keep


def test_desk_results_spell_the_seat_and_link_admins_to_the_record(page, live_server):
    login_page(page, live_server, "admin")
    pid = _people(live_server)[0][0]
    page.goto(live_server.url + "/desk/?q=nguyen van an")
    row = f"tr[data-attendee='{pid}']"
    page.wait_for_selector(row)
    cell = page.inner_text(f"{row} td[data-seat]")
    label = page.get_attribute(f"{row} td[data-seat]", "data-seat")
    assert cell.startswith("Khu A · Hàng 1 · Ghế ") and cell.endswith(f"({label})")
    screenshot(page, "desk_results_seat")
    page.click(f"{row} a[data-action=edit]")
    page.wait_for_selector("form.edit-person")
    assert page.url.endswith(f"/admin/attendees/{pid}/edit")
