"""The district officer's page on a phone (390x844) in a real browser: nominate, a field error,
live arrivals through the polled JSON; the organiser accepts on a laptop."""

from __future__ import annotations

import re

from sqlalchemy import select

from models.checkin.checkin import check_in
from models.core.base import db
from models.events.models import Event
from models.guests.models import Attendee
from tests.conftest import login_page, screenshot
from tests.districts.conftest import setup_districts


def phone(browser):
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    return ctx, ctx.new_page()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_officer_page_on_a_phone(browser, live_server, page):
    with live_server.app.app_context():
        s = setup_districts(db.session.get(Event, live_server.event_id), quota=1)
        token, district_b = s.token_b, s.b.id
    ctx, ph = phone(browser)
    errors: list[str] = []
    ph.on("pageerror", lambda exc: errors.append(str(exc)))  # script errors (CSP, JS)
    try:
        ph.goto(f"{live_server.url}/d/{token}")
        assert ph.inner_text("h1") == "Đoàn đại biểu Huyện Cam Lâm"
        assert no_sideways_scroll(ph)
        # a bad phone number: the field says so, the rest is kept
        ph.select_option("select[name=honorific]", "Bà")
        ph.fill("input[name=full_name]", "Nguyễn Thị Ánh Tuyết")
        ph.fill("input[name=position]", "Chủ tịch Hội Phụ nữ xã")
        ph.fill("input[name=organisation]", "UBND xã Cam Hải Tây")
        ph.select_option("select[name=group]", label="Khách mời")
        ph.fill("input[name=phone]", "12345")
        ph.click("button[type=submit].primary")
        ph.wait_for_selector("[data-error-for=phone]")
        assert "Số điện thoại không hợp lệ" in ph.inner_text("[data-error-for=phone]")
        assert ph.input_value("input[name=full_name]") == "Nguyễn Thị Ánh Tuyết"
        # the personal data notice's box was not ticked either: said at the same time (issue 23)
        assert "Vui lòng đánh dấu ô đồng ý" in ph.inner_text("[data-error-for=consent]")
        assert no_sideways_scroll(ph)
        ph.fill("input[name=phone]", "0912 345 678")
        ph.check("input[name=consent]")
        ph.click("button[type=submit].primary")
        ph.wait_for_selector("[data-nominee][data-status=nominated]")
        for name in ("Trần Văn Hùng", "Lê Thị Mai"):
            ph.fill("input[name=full_name]", name)
            ph.select_option("select[name=group]", label="Khách mời")
            ph.check("input[name=consent]")
            ph.click("button[type=submit].primary")
            ph.wait_for_load_state("networkidle")
        assert ph.locator("[data-nominee]").count() == 3
        assert ph.locator("[data-nominee] [data-over]").count() == 2  # quota 1: flagged, kept
        assert no_sideways_scroll(ph)

        # the organiser accepts two of them on a laptop
        login_page(page, live_server, "admin")
        page.goto(f"{live_server.url}/admin/districts/{district_b}")
        for _ in range(2):
            page.locator("[data-status=nominated] button[data-action=accept]").first.click()
            page.wait_for_load_state("networkidle")
        assert page.locator("[data-nominee][data-status=invited]").count() == 2
        screenshot(page, "district_admin_review")
        page.goto(f"{live_server.url}/admin/districts")
        assert page.locator("tr[data-district=cam-lam] [data-count=invited]").inner_text() == "2"
        assert page.locator("tr[data-district=cam-lam] [data-count=over]").inner_text() == "2"
        assert page.locator("tr[data-district=nha-trang] [data-count=arrived]").inner_text() == "0/6"
        screenshot(page, "district_admin_index")

        ph.reload()
        assert ph.inner_text("[data-total]") == "2" and ph.inner_text("[data-arrived]") == "0"
        # one of them arrives at the entrance: the phone shows it without a reload
        with live_server.app.app_context():
            person = db.session.scalars(
                select(Attendee)
                .where(Attendee.nominated_by_id == district_b, Attendee.status == "invited")
                .order_by(Attendee.id)
            ).first()
            r = check_in(
                event_id=live_server.event_id, code=person.current_badge.code, scan_id="br-1", station="Cửa chính"
            )
            assert r.outcome == "ok"
            pid = person.id
        ph.wait_for_selector(f"[data-person='{pid}'][data-arrived=yes]", timeout=15000)
        assert ph.inner_text("[data-arrived]") == "1"
        assert ph.locator("ul.arrivals li.out").count() == 1
        assert not errors, errors
        screenshot(ph, "district_officer_phone")
    finally:
        ctx.close()


def test_call_list_and_the_link_tools(browser, live_server, page):
    """The officer's "call the missing" list with grouped phones (phone screen), then the
    organiser copies the private link with the button and scans its QR from the screen."""
    import io

    import zxingcpp
    from PIL import Image

    from models.districts import delegations as ds
    from tests.districts.conftest import nomination

    with live_server.app.app_context():
        s = setup_districts(db.session.get(Event, live_server.event_id), quota=3)
        p = ds.save_nomination(s.link_a, nomination(s.guests.id, full_name="Lê Văn Gọi", phone="0905777888"))
        ds.accept(p)
        db.session.commit()
        token, district_a = s.token_a, s.a.id
    ctx, ph = phone(browser)
    try:
        ph.goto(f"{live_server.url}/d/{token}")
        calls = ph.locator("ul.arrivals li.out a.tel")
        assert calls.count() == 7  # the six of the organiser's list and the district's nominee
        texts = [calls.nth(i).inner_text() for i in range(calls.count())]
        assert "0905 777 888" in texts and all(re.fullmatch(r"0\d{3} \d{3} \d{3,4}", t) for t in texts)
        assert ph.locator("a.tel[href='tel:0905777888']").count() == 1
        # after a poll the list is redrawn by the script: still grouped
        ph.evaluate("document.querySelectorAll('ul.arrivals li').forEach(li => li.setAttribute('data-old', '1'))")
        ph.wait_for_selector("ul.arrivals li[data-old]", state="detached", timeout=15000)  # redrawn from the JSON
        texts = [calls.nth(i).inner_text() for i in range(calls.count())]
        assert "0905 777 888" in texts and all(re.fullmatch(r"0\d{3} \d{3} \d{3,4}", t) for t in texts)
        assert ph.locator("a.tel[href='tel:0905777888'][data-phone]").count() == 1
        assert no_sideways_scroll(ph)
        screenshot(ph, "district_officer_call_list")
    finally:
        ctx.close()

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login_page(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/districts/{district_a}")
    url = page.inner_text("#district-link").strip()
    assert "/d/" in url
    page.click("[data-copy=district-link]")
    page.wait_for_selector("[data-copy][data-state=copied]")
    assert page.inner_text("[data-copy-status]") == "Đã chép đường liên kết."
    assert page.evaluate("navigator.clipboard.readText()") == url
    # the QR on the screen, read by a real decoder, opens the same page
    png = page.locator("[data-link-qr]").screenshot()
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert found == [url]
    assert not errors, errors
    screenshot(page, "district_admin_link")
