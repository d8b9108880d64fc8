"""/exhibition/ on a visitor's phone (390x844) in a real browser: no login, filters, the table
map leads to a table's page; screenshots kept in tests/artifacts/."""

from __future__ import annotations

from models.core.base import db
from models.events.models import Event
from tests.conftest import screenshot
from tests.exhibition.conftest import district_of, other_district
from tests.exhibition.test_browser import no_sideways_scroll, phone
from tests.exhibition.test_reports import make


def test_exhibition_on_a_phone(browser, live_server_any):
    """On both databases (a live server on PostgreSQL too)."""
    live_server = live_server_any
    with live_server.app.app_context():
        ev = db.session.get(Event, live_server.event_id)
        nt, cl = district_of(ev), other_district(ev, tables=4)
        make(ev, nt, "HTX Yến sào Nha Trang", ["5", "4"], table=1)
        make(ev, nt, "Cơ sở Nước mắm Đầm Môn", ["3", "potential"], table=2)
        make(ev, cl, "HTX Xoài Úc Cam Lâm", ["4"], table=3)
        make(ev, cl, "Hộ kinh doanh Chờ Duyệt", ["5"], approved=False)
    ctx, page = phone(browser)
    try:
        page.goto(live_server.url + "/exhibition/")
        assert page.inner_text("h1") == "Trưng bày sản phẩm OCOP"
        assert "/login" not in page.url and no_sideways_scroll(page)
        assert page.locator("[data-product]").count() == 5
        assert "Chờ Duyệt" not in page.content()
        svg_box = page.locator("svg.table-map").bounding_box()
        assert svg_box and svg_box["width"] <= 390
        screenshot(page, "exhibition_phone")
        page.select_option("select[name=stars]", "4")
        page.click(".pub-filters button")
        page.wait_for_url("**stars=4**")
        assert page.locator("[data-product]").count() == 2
        assert page.locator("[data-stars='4']").count() == 2
        # the map: table 3 of Cam Lâm is taken; tap it
        page.goto(live_server.url + "/exhibition/")
        page.locator("svg.table-map a").nth(2).click()
        page.wait_for_url("**/exhibition/table/**")
        assert "HTX Xoài Úc Cam Lâm" in page.inner_text("main") and "Bàn 3 · Huyện Cam Lâm" in page.inner_text("h1")
        assert no_sideways_scroll(page)
        screenshot(page, "exhibition_table_phone")
    finally:
        ctx.close()


def test_odd_digits_in_the_public_filter_on_a_phone(browser, live_server):
    """``?stars=²`` (a 500 until issue 22) and full-width "５": a Vietnamese page naming the
    filter, 400, in a real browser on the real server."""
    ctx, page = phone(browser)
    try:
        for query in ("?stars=²", "?unit=%EF%BC%95"):
            resp = page.goto(live_server.url + "/exhibition/" + query)
            assert resp.status == 400
            said = page.inner_text("[data-error='400']")
            assert "phải là số nguyên" in said and "chữ số 0–9" in said
            assert ("stars" if "stars" in query else "unit") in said and no_sideways_scroll(page)
        screenshot(page, "exhibition_odd_digits_phone")
    finally:
        ctx.close()
