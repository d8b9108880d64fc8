"""Issue 23 in a real browser (Debian's Chromium, a waitress server): the booth registration
form's personal data notice and its required box on a 390x844 phone (Vietnamese and English), and
/admin/audit on a laptop after a real download."""

from __future__ import annotations

from models.core.base import db
from models.events.models import Event
from tests.conftest import login_page, screenshot
from tests.exhibition.test_browser import no_sideways_scroll, phone


def _fill_registration(page) -> None:
    page.fill("input[name=name]", "HTX Yến sào Cam Ranh")
    page.select_option("select[name=kind]", "cooperative")
    page.select_option("select[name=district_id]", index=1)
    page.fill("input[name=address]", "Cam Ranh")
    page.fill("input[name=contact_name]", "Nguyễn Thị Thủy")
    page.fill("input[name=phone]", "0905 123 456")
    page.fill("input[name=product-0-name]", "Yến sào tinh chế")
    page.select_option("select[name=product-0-rating]", "potential")
    page.select_option("select[name=product-0-group]", "thuc_pham")


def test_notice_and_consent_on_a_phone(browser, live_server):
    with live_server.app.app_context():
        ev = db.session.get(Event, live_server.event_id)
        ev.issuing_body = "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
        ev.privacy_contact = "Văn phòng Sở, 0258 3822 123"
        db.session.commit()
    ctx, page = phone(browser)
    try:
        page.goto(live_server.url + "/exhibitors/register")
        notice = page.locator("#privacy-notice")
        assert "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG (bên kiểm soát dữ liệu)" in notice.inner_text()
        _fill_registration(page)
        page.click("button.submit")  # the box not ticked: refused, nothing stored
        page.wait_for_selector("[data-error-for=consent]")
        assert "/exhibitors/register" in page.url and no_sideways_scroll(page)
        assert page.input_value("input[name=contact_name]") == "Nguyễn Thị Thủy"
        page.locator("#privacy-notice").scroll_into_view_if_needed()
        box = page.locator("input[name=consent]").bounding_box()
        assert box["width"] >= 20 and box["x"] >= 0 and box["x"] + box["width"] <= 390  # big enough for a thumb
        screenshot(page, "privacy_notice_phone")
        page.check("input[name=consent]")
        page.click("button.submit")
        page.wait_for_selector(".status-big")
        page.goto(live_server.url + "/exhibitors/register?lang=en")
        assert "(the data controller)" in page.inner_text("#privacy-notice")
        assert no_sideways_scroll(page)
        page.locator("#privacy-notice").scroll_into_view_if_needed()
        screenshot(page, "privacy_notice_phone_en")
    finally:
        ctx.close()
    with live_server.app.app_context():
        from sqlalchemy import select

        from models.exhibition.models import Exhibitor

        rows = db.session.scalars(select(Exhibitor)).all()
        assert [(x.name, x.consent_version) for x in rows] == [("HTX Yến sào Cam Ranh", 1)]
        assert rows[0].consent_at is not None


def test_audit_page_after_a_download(page, live_server):
    login_page(page, live_server, "admin")
    with page.expect_download() as dl:
        page.evaluate("window.location.href = '/admin/attendees/export.xlsx'")
    assert dl.value.suggested_filename == "danh-sach-dai-bieu.xlsx"
    page.goto(live_server.url + "/admin/audit")
    row = page.locator("tr[data-export=guest_list]").first
    assert "Danh sách đại biểu (.xlsx)" in row.inner_text()
    assert int(row.locator("[data-people]").inner_text()) >= 6
    assert page.locator("tr[data-action=export_personal_data]").count() >= 1
    screenshot(page, "admin_audit")
    page.select_option("select[name=what]", "backup")
    page.click("[data-audit-filter] button[type=submit]")
    page.wait_for_selector("[data-export-count='0']")
