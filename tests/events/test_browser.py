"""/admin/events in a real browser: create an event from the template through the form, make
an earlier one current again; the DEMO mark in the header and on the stage. Screenshots:
tests/artifacts/events-*.png."""

from __future__ import annotations

from datetime import timedelta

from models.core.base import db
from models.events.models import Event
from models.services.event_setup import local_today
from tests.conftest import login_page, screenshot


def test_create_and_choose_events_in_the_browser(page, live_server):
    login_page(page, live_server, "admin")
    page.goto(live_server.url + "/admin/events")
    assert page.locator("nav a[href='/admin/events']").count() == 1
    page.fill("input[name=name]", "Hội nghị tổng kết Chương trình OCOP năm 2025")
    page.fill("input[name=date]", (local_today() + timedelta(days=160)).isoformat())  # ahead: no question
    page.fill("input[name=venue]", "Trung tâm Hội nghị tỉnh Khánh Hòa")
    page.select_option("select[name=template]", "ocop-review")
    page.click("[data-action=create-event]")
    page.wait_for_selector(".flash.ok")
    current = page.locator("tr[data-current='1']")
    assert current.count() == 1
    assert "Hội nghị tổng kết Chương trình OCOP năm 2025" in current.inner_text()
    screenshot(page, "events-list")
    # a bad form: the Vietnamese reason, and nothing made (an empty field: the browser asks)
    page.fill("input[name=name]", "Thiếu địa điểm")
    page.fill("input[name=date]", "2026-06-01")
    page.fill("input[name=venue]", "   ")  # passes the browser's "required", not the server
    page.click("[data-action=create-event]")
    page.wait_for_selector(".flash.error")
    assert "Vui lòng nhập địa điểm." in page.inner_text(".flashes")
    assert page.locator("tr[data-event]").count() == 2
    screenshot(page, "events-bad-input")
    # back to the earlier event
    page.click("tr:not([data-current]) [data-action=make-current]")
    page.wait_for_selector(".flash.ok")
    with live_server.app.app_context():
        ev = db.session.get(Event, live_server.event_id)
        assert ev.is_current
        slug = ev.slug
    assert page.locator(f"tr[data-event='{slug}'][data-current='1']").count() == 1


def test_demo_mark_in_the_header_and_on_the_stage(browser, page, live_server):
    with live_server.app.app_context():
        ev = db.session.get(Event, live_server.event_id)
        ev.is_demo = True
        db.session.commit()
    login_page(page, live_server, "admin")
    page.goto(live_server.url + "/desk/")
    mark = page.locator("header.topbar .demo-mark")
    assert mark.is_visible() and mark.inner_text() == "DEMO"
    screenshot(page, "events-demo-header")
    ctx = browser.new_context(viewport={"width": 1600, "height": 900}, locale="vi-VN")
    try:
        stage = ctx.new_page()
        stage.goto(live_server.url + "/stage/")
        assert stage.locator(".stage-demo").is_visible()
        screenshot(stage, "events-demo-stage")
    finally:
        ctx.close()
