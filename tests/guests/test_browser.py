"""The guest-list pages in a real browser (Debian's Chromium): import preview and confirm, the seat
plan with its SVG map, and the desk's walk-in flow ending on the badge ready to print."""

from __future__ import annotations

import re

from tests.conftest import login_page, screenshot
from tests.guests.helpers import HEADER, xlsx


def test_import_seats_and_map(page, live_server, tmp_path):
    login_page(page, live_server, "admin")
    rows = [
        HEADER,
        ["1", "HOÀNG văn thái", "GIÁM ĐỐC", "SỞ NỘI VỤ", "Khách mời", 905222333],
        ["2", "Ngô Thị Hồng", "Phó Giám đốc", "Sở Tư pháp", "Ban tổ chức", ""],
        ["3", "", "Chuyên viên", "Sở Y tế", "Khách mời", "12"],
        ["4", "trương thị ngọc ánh", "CHUYÊN VIÊN", "UBND HUYỆN DIÊN KHÁNH", "Khách mời", 98765432],
        ["Tổng cộng: 4 đại biểu"],
        ["", "Người lập biểu"],
        ["", "Đặng Văn Tâm"],
    ]
    f = tmp_path / "danh-sach.xlsx"
    f.write_bytes(xlsx(rows, title="DANH SÁCH ĐẠI BIỂU"))
    page.goto(live_server.url + "/admin/attendees/import")
    page.set_input_files("#file", str(f))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("section.preview")
    assert page.get_attribute("section.preview", "data-good") == "2"
    assert "Không rõ thành phần" in page.inner_text("table.problems")
    assert page.inner_text("[data-count=skipped]") == "3"
    assert "Tổng cộng: 4 đại biểu" in page.inner_text("table.skipped")
    assert "98765432" in page.inner_text("table.warnings")
    assert "Trương Thị Ngọc Ánh" in page.inner_text("section.preview")
    screenshot(page, "guests_import_preview")
    assert "0905 222 333" in page.inner_text("td.phone")  # a number cell, its leading 0 given back
    assert "→ Giám đốc" in page.inner_text("section.preview")
    page.check("input[name=fix_caps]")
    page.click("button[data-action=confirm-import]")
    page.wait_for_selector(".flash.ok")
    assert "2 đại biểu mới" in page.inner_text(".flash.ok")
    people = page.inner_text("table.people")
    assert "Hoàng Văn Thái" in people and "Giám đốc" in people and "Sở Nội vụ" in people
    assert "UBND huyện Diên Khánh" in people and "0905 222 333" in people
    assert "Đặng Văn Tâm" not in people and "Tổng Cộng" not in people
    screenshot(page, "guests_attendees")
    page.goto(live_server.url + "/admin/seats")
    page.click("button[data-action=assign]")
    page.wait_for_selector(".flash.ok")
    page.click("svg.seatmap g.seat[data-seat='A-01-05']")
    assert "A-01-05" in page.inner_text("#seat-info")
    screenshot(page, "guests_seats")
    page.goto(live_server.url + "/admin/seats/map?mode=arrival")
    page.wait_for_selector("svg.seatmap")
    screenshot(page, "guests_seatmap_arrival")


def test_desk_walk_in_to_badge(page, live_server):
    login_page(page, live_server, "desk")
    page.click("a[data-action=walk-in-link]")
    page.select_option("#honorific", "Bà")
    page.fill("#full_name", "Lương Thị Thanh Xuân")
    page.fill("#organisation", "Đài Phát thanh và Truyền hình Khánh Hòa")
    page.select_option("#group", label="Khách mời")
    screenshot(page, "desk_walk_in_form")
    page.click("button[data-action=walk-in]")
    page.wait_for_selector("#badge-frame")
    assert "Lương Thị Thanh Xuân" in page.inner_text("h1")
    label = page.get_attribute("[data-seat]", "data-seat")
    assert label.startswith("A-")  # the seat spelled out, with its label
    assert re.fullmatch(r"Khu A · Hàng \d+ · Ghế \d+ \(" + label + r"\)", page.inner_text("[data-seat]"))
    assert "Đã điểm danh" in page.inner_text("section.card")
    page.wait_for_timeout(800)  # let the PDF viewer paint for the screenshot
    screenshot(page, "desk_walk_in_badge")
