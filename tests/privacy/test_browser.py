"""Issue 23 in a real browser (live waitress server): the person's page offers "Dữ liệu của
người này" and "Xóa dữ liệu cá nhân" (a reason and a ticked box); /admin/events shows when each
event's personal data will be shredded. Screenshots: tests/artifacts/privacy-*.png."""

from __future__ import annotations

from sqlalchemy import select

from models.core.base import db
from models.guests.models import Attendee
from tests.conftest import login_page, screenshot


def test_erase_a_person_in_the_browser_and_the_events_page(page, live_server):
    with live_server.app.app_context():
        p = db.session.scalars(select(Attendee).where(Attendee.event_id == live_server.event_id)).all()[2]
        pid, name = p.id, p.full_name
    login_page(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/attendees/{pid}/edit")
    assert page.locator("[data-personal-data] [data-action=personal-data]").count() == 1
    screenshot(page, "privacy-person-page")
    with page.expect_download() as info:
        page.click("[data-action=personal-data]")
    assert info.value.suggested_filename == f"du-lieu-ca-nhan-{pid}.json"
    page.fill("[data-personal-data] input[name=reason]", "Theo yêu cầu của người này ngày 07/12/2026")
    page.check("[data-personal-data] input[name=confirm]")
    page.click("[data-action=erase]")
    page.wait_for_selector("[data-erased]")
    assert name not in page.content() and f"Đã xóa #{pid}" in page.content()
    screenshot(page, "privacy-person-erased")
    page.goto(f"{live_server.url}/admin/events")
    assert "Đến hạn hủy" in page.inner_text(f"[data-retention='{page.get_attribute('tr[data-event]', 'data-event')}']")
    screenshot(page, "privacy-events")
