"""The public registration form on a phone (390x844) in a real browser, the status page, and
the organiser's pages on a laptop."""

from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import login_page, screenshot


def phone(browser):
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    return ctx, ctx.new_page()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_register_on_a_phone(browser, live_server):
    ctx, page = phone(browser)
    try:
        page.goto(live_server.url + "/exhibitors/register")
        assert page.inner_text("h1") == "Đăng ký gian hàng trưng bày"
        assert no_sideways_scroll(page)
        assert page.locator(".hp-field input").is_hidden() or page.evaluate(
            "document.querySelector('.hp-field').getBoundingClientRect().left < 0"
        )
        page.fill("input[name=name]", "HTX Nông nghiệp Suối Tân <b>")
        page.select_option("select[name=kind]", "cooperative")
        page.select_option("select[name=district_id]", label="TP Nha Trang")
        page.fill("input[name=address]", "Xã Suối Tân")
        page.fill("input[name=contact_name]", "phạm THỊ hoa")
        page.fill("input[name=phone]", "0905 123 456")
        page.fill("input[name=product-0-name]", "Xoài Úc Cam Lâm")
        # a product's group is chosen, never pre-set
        assert page.input_value("select[name=product-0-group]") == ""
        assert page.inner_text("select[name=product-0-group] option:checked") == "— Chọn nhóm —"
        page.select_option("select[name=product-0-rating]", "4")
        page.fill("input[name=product-0-decision_no]", "1234/QĐ-UBND")
        future = (date.today() + timedelta(days=40)).isoformat()
        page.fill("input[name=product-0-decision_date]", future)
        # JS adds a fourth product row
        assert page.locator("#products .product-row").count() == 3
        page.click("button[data-add=products]")
        assert page.locator("#products .product-row").count() == 4
        page.fill("input[name=product-3-name]", "Mật ong hoa cà phê")
        page.select_option("select[name=product-3-rating]", "potential")
        assert page.locator("input[name=product-3-decision_no]").is_hidden()  # no decision for "potential"
        assert page.locator("input[name=product-0-decision_no]").is_visible()
        page.click("button[data-add=staff]")
        page.fill("input[name=staff-0-name]", "Nguyễn Thị Lan")
        page.fill("input[name=staff-2-name]", "Trần Văn Bình")
        page.check("input[name=needs_power]")
        page.click("button.submit")
        page.wait_for_selector(".errors-box")
        assert "không thể ở tương lai" in page.inner_text("[data-error-for='product-0-decision_date']")
        assert "Vui lòng chọn nhóm sản phẩm OCOP." in page.inner_text("[data-error-for='product-0-group']")
        # the personal data notice: shown above the button, its box required (issue 23)
        assert "Vui lòng đánh dấu ô đồng ý" in page.inner_text("[data-error-for=consent]")
        assert "90 ngày sau ngày hội nghị" in page.inner_text("#privacy-notice .notice-text")
        assert page.input_value("input[name=product-1-name]") == "Mật ong hoa cà phê"  # kept, re-numbered
        assert no_sideways_scroll(page)
        screenshot(page, "exhibitor_register_phone_error")
        page.fill("input[name=product-0-decision_date]", "2024-06-10")
        page.select_option("select[name=product-0-group]", "thuc_pham")
        page.select_option("select[name=product-1-group]", "do_uong")
        page.check("input[name=consent]")
        page.click("button.submit")
        page.wait_for_selector(".status-big")
        assert "/exhibitors/status/" in page.url
        text = page.inner_text("main")
        assert "HTX Nông nghiệp Suối Tân <b>" in text and "Chờ duyệt" in text
        assert "Nguyễn Thị Lan" in text and "Trần Văn Bình" in text and "Tiềm năng" in text
        assert no_sideways_scroll(page)
        screenshot(page, "exhibitor_status_phone")
    finally:
        ctx.close()


def test_form_works_without_javascript(browser, live_server):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = ctx.new_page()
    try:
        page.goto(live_server.url + "/exhibitors/register")
        assert page.locator("button[data-add=products]").is_hidden()
        page.fill("input[name=name]", "Hộ kinh doanh Yến sào")
        page.select_option("select[name=kind]", "household")
        page.select_option("select[name=district_id]", label="TP Nha Trang")
        page.fill("input[name=address]", "Vĩnh Lương")
        page.fill("input[name=contact_name]", "Võ Ngọc Ý")
        page.fill("input[name=phone]", "0914000111")
        for i, name in enumerate(("Yến sào tinh chế", "Nước yến", "Yến chưng")):
            page.fill(f"input[name=product-{i}-name]", name)
            page.select_option(f"select[name=product-{i}-rating]", "potential")
            page.select_option(f"select[name=product-{i}-group]", "thuc_pham")
        page.check("input[name=consent]")
        page.click("button.submit")
        page.wait_for_selector(".status-big")
        assert "Yến chưng" in page.inner_text("main")
    finally:
        ctx.close()


def test_admin_pages(page, live_server):
    login_page(page, live_server, "admin")
    page.goto(live_server.url + "/exhibitors/register")
    page.fill("input[name=name]", "Công ty TNHH Yến sào <script>alert(1)</script>")
    page.select_option("select[name=kind]", "enterprise")
    page.select_option("select[name=district_id]", label="TP Nha Trang")
    page.fill("input[name=address]", "Nha Trang")
    page.fill("input[name=contact_name]", "Võ Ngọc Ý")
    page.fill("input[name=phone]", "0914000111")
    page.fill("input[name=product-0-name]", "Yến sào Khánh Hòa")
    page.select_option("select[name=product-0-group]", "thuc_pham")
    page.select_option("select[name=product-0-rating]", "5")
    page.fill("input[name=product-0-decision_no]", "12/QĐ-BNNMT")
    page.fill("input[name=product-0-decision_date]", "2024-09-01")
    page.fill("input[name=staff-0-name]", "Lê Thị Mai")
    page.check("input[name=consent]")
    page.click("button.submit")
    page.wait_for_selector(".status-big")
    page.goto(live_server.url + "/admin/exhibitors")
    page.click("tr[data-exhibitor] a")
    page.click("button[data-action=approve]")
    page.wait_for_selector(".flash.ok")
    page.select_option("select[name=table_id]", index=1)
    page.click("button[data-action=assign]")
    page.wait_for_selector("[data-table='2']")
    assert "<script>alert(1)</script>" in page.inner_text("h1")  # shown as text, not run
    screenshot(page, "exhibitor_admin_detail")
    page.goto(live_server.url + "/admin/exhibitors")
    screenshot(page, "exhibitor_admin_list")
    page.goto(live_server.url + "/admin/exhibitors/districts")
    assert page.inner_text("[data-count='5']").endswith("1")
    screenshot(page, "exhibitor_districts")
