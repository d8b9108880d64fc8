"""Issue 24 item 2 in a real browser: an admin adds a phone on /admin/devices, a phone-sized
Chromium opens the pairing link, keeps the token in localStorage and goes to /scan/; the token
works at the API until the admin revokes the phone. Screenshots: /admin/devices (1280x800), the
pairing page and /trust (390x844)."""

from __future__ import annotations

import requests

from tests.conftest import login_page, screenshot
from tests.core.test_trust import _make_ca

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "vi-VN", "is_mobile": True, "has_touch": True}


def test_a_phone_pairs_from_the_admin_page_and_is_revoked(live_server, page, browser, tmp_path):
    server = live_server
    login_page(page, server, "admin")
    page.goto(server.url + "/admin/devices")
    page.fill("input[name=name]", "Cửa A – điện thoại 1")
    page.click("form[action$='/admin/devices/phones'] button[type=submit]")
    link = page.text_content(".pairing-url").strip()
    assert link.startswith(server.url + "/scan/pair/")
    assert page.locator(".pairing-qr svg").count() == 1
    screenshot(page, "admin_devices")

    phone = browser.new_context(**PHONE)
    held = []
    p = phone.new_page()
    p.route("**/api/v1/pair", lambda route: held.append(route))  # held until the screenshot
    p.goto(link)
    p.wait_for_selector("#pair-status", state="attached")  # not wait_for_function: the CSP refuses its eval
    assert "Đang ghép nối" in p.text_content("#pair-status")
    screenshot(p, "pair_page")
    for _ in range(100):  # the page's call has reached the browser's network layer
        if held:
            break
        p.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    p.wait_for_url(server.url + "/scan/")
    token = p.evaluate("localStorage.getItem('ek.device_token')")
    name = p.evaluate("localStorage.getItem('ek.device_name')")
    assert name == "Cửa A – điện thoại 1" and token.startswith("ekt_")
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(server.url + "/api/v1/kiosk/snapshot", headers=auth, timeout=5).status_code == 200
    # "back" never shows the used link; opening it again says so
    p.goto(link)
    assert "đã được dùng hoặc đã hết hạn" in p.text_content("main")
    screenshot(p, "pair_page_used")

    page.goto(server.url + "/admin/devices")
    row = page.locator("tr", has_text="Cửa A – điện thoại 1")
    assert "Điện thoại" in row.text_content() and "Đang dùng" in row.text_content()
    row.locator("form[action$='/revoke'] button").click()
    page.wait_for_load_state("load")
    assert "Đã thu hồi" in page.locator("tr", has_text="Cửa A – điện thoại 1").text_content()
    r = requests.get(server.url + "/api/v1/kiosk/snapshot", headers=auth, timeout=5)
    assert r.status_code == 401 and r.json()["error"]
    phone.close()


def test_trust_page_on_a_phone(live_server, browser, tmp_path):
    server = live_server
    server.app.instance_path = str(tmp_path)
    _make_ca(tmp_path)
    phone = browser.new_context(**PHONE)
    p = phone.new_page()
    p.goto(server.url + "/trust")
    assert p.locator(".qr svg").is_visible()
    assert p.locator("#download").get_attribute("href") == "/trust/root.crt"
    # nothing wider than the phone (no sideways scrolling)
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(p, "trust_phone")
    phone.close()
