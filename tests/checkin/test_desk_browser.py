"""The desk in a real browser: search without accents, scanner field, manual check-in."""

from tests.conftest import login_page, screenshot


def test_desk_search_and_scanner(page, live_server_any):
    """On both databases: a live server and a real browser on PostgreSQL too."""
    live_server = live_server_any
    login_page(page, live_server, "desk")
    assert page.url.endswith("/desk/")
    page.fill("#q", "dang thi")
    page.click("form.search button")
    page.wait_for_selector("tr[data-attendee]")
    assert "Đặng Thị Ánh Tuyết" in page.inner_text("table.people")
    # the scanner field: type a code + Enter, the outcome shows, the field clears, keeps focus
    with live_server.app.app_context():
        from models.core.base import db
        from models.guests.models import Attendee

        code = db.session.scalars(db.select(Attendee).order_by(Attendee.id)).first().current_badge.code
    page.focus("#scan-code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#scan-result[data-result=ok]")
    assert "Nguyễn Văn An" in page.inner_text("#scan-result")
    assert page.input_value("#scan-code") == ""
    assert page.evaluate("document.activeElement.id") == "scan-code"
    page.keyboard.type("NOT-A-BADGE")
    page.keyboard.press("Enter")
    page.wait_for_selector("#scan-result[data-result=invalid]")
    assert "Mã không hợp lệ" in page.inner_text("#scan-result")
    screenshot(page, "desk_scanner_invalid")
    # manual check-in from the search result
    page.click("tr[data-attendee] button[data-action=checkin]")
    page.wait_for_selector(".flash.ok")
    assert "Xin chào" in page.inner_text(".flash.ok")
    screenshot(page, "desk_after_checkin")


def test_login_page_english(page, live_server):
    page.goto(live_server.url + "/login?lang=en")
    assert page.inner_text("h1") == "Log in"
    screenshot(page, "login_en")
