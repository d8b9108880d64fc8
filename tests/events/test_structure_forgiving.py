"""The structure import is as forgiving as the guest list's: the header row found below title
rows (merged or not), totals, notes and the signature block skipped and reported, a time typed
as Excel's number (a fraction of a day) or stored as a date-time read as a time. Real .xlsx
files built with openpyxl, through the CLI and the page."""

from __future__ import annotations

import html
import io
from datetime import datetime, time

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from models.ceremony.models import AwardTier
from models.core.base import db
from models.events.models import Group, ProgrammeItem
from models.guests.imports import skip_reason


def book(rows, *, titles=(), merge_titles=True, width=5, sheet_before=False) -> bytes:
    wb = Workbook()
    ws = wb.active
    if sheet_before:  # a cover sheet with no table first
        ws.title = "Bìa"
        ws.append(["Hội nghị tổng kết OCOP năm 2025"])
        ws = wb.create_sheet("Chương trình")
    for n, title in enumerate(titles, 1):
        ws.append([title])
        if merge_titles:
            ws.merge_cells(start_row=n, start_column=1, end_row=n, end_column=width)
    if titles:
        ws.append([])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


PROGRAMME = [
    ["STT", "Giờ", "Nội dung", "Người thực hiện", "Số phút"],
    [1, 0.3263888, "Đón tiếp đại biểu", "Ban tổ chức", 40],  # 07:50 typed as Excel's number
    [2, datetime(2026, 5, 21, 8, 30), "Khai mạc", "", 10],  # a date-time cell
    [3, time(8, 40), "Tổng kết công tác OCOP năm 2025", "Sở Nông nghiệp và Môi trường", 30],
    [4, "09:10", "Cộng đồng doanh nghiệp phát biểu", "", 15],
    ["", "", "Tổng cộng: 4 mục", "", 95],
    ["Ghi chú: đại biểu có mặt trước 07:45", "", "", "", ""],
    [],
    ["", "", "Nha Trang, ngày 05 tháng 5 năm 2026", "", ""],
    ["", "", "Người lập biểu", "", ""],
    ["", "", "Nguyễn Văn Lập", "", ""],
]


def items(ev):
    return [
        (i.title, i.planned_start, i.planned_minutes)
        for i in db.session.scalars(
            select(ProgrammeItem).where(ProgrammeItem.event_id == ev.id).order_by(ProgrammeItem.position)
        )
    ]


EXPECTED = [
    ("Đón tiếp đại biểu", time(7, 50), 40),
    ("Khai mạc", time(8, 30), 10),
    ("Tổng kết công tác OCOP năm 2025", time(8, 40), 30),
    ("Cộng đồng doanh nghiệp phát biểu", time(9, 10), 15),
]


def test_programme_below_merged_titles_with_totals_and_signature_by_cli(runner, event, tmp_path):
    f = tmp_path / "chuong-trinh.xlsx"
    f.write_bytes(
        book(PROGRAMME, titles=["UBND TỈNH KHÁNH HÒA", "CHƯƠNG TRÌNH HỘI NGHỊ TỔNG KẾT OCOP"], sheet_before=True)
    )
    r = runner.invoke(args=["import-structure", "programme", str(f)])
    assert r.exit_code == 0, r.output
    assert "thêm mới 4" in r.output and "Bỏ qua 5 dòng" in r.output
    # header on line 4 (two merged titles, a blank row): the totals on 9, the note on 10,
    # the signature block from 12 down
    for line, reason in ((9, "dòng tổng cộng"), (10, "ghi chú"), (12, "ký tên"), (13, "ký tên"), (14, "ký tên")):
        assert f"Dòng {line}: " in r.output and reason in r.output.split(f"Dòng {line}: ")[1].splitlines()[0]
    db.session.expire_all()
    assert items(event) == EXPECTED


def test_programme_on_the_page_lists_the_skipped_rows(client, auth, event):
    auth.as_role("admin")
    data = book(PROGRAMME, titles=["CHƯƠNG TRÌNH HỘI NGHỊ"], merge_titles=False)
    resp = client.post(
        "/admin/event/programme/import",
        data={"file": (io.BytesIO(data), "ct.xlsx")},
        content_type="multipart/form-data",
    )
    page = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 200 and 'data-ok="1"' in page, page[-3000:]
    assert "4 dòng thêm mới, 0 dòng cập nhật." in page and "Bỏ qua 5 dòng" in page
    assert 'data-skipped="8"' in page and "Tổng cộng: 4 mục" in page


def test_groups_and_tiers_whose_names_look_like_totals_are_data(runner, event, tmp_path):
    groups = tmp_path / "thanh-phan.xlsx"
    groups.write_bytes(
        book(
            [
                ["TT", "Tên", "Số ghế dành riêng"],
                [1, "Thủ trưởng các sở, ban, ngành", 20],
                [2, "Cộng tác viên", 5],
                ["Cộng", "", 25],
            ],
            titles=["DANH SÁCH THÀNH PHẦN MỜI"],
            width=3,
        )
    )
    r = runner.invoke(args=["import-structure", "groups", str(groups)])
    assert r.exit_code == 0 and "thêm mới 2" in r.output and "Bỏ qua 1 dòng" in r.output, r.output
    names = set(db.session.scalars(select(Group.name).where(Group.event_id == event.id)))
    assert {"Thủ trưởng các sở, ban, ngành", "Cộng tác viên"} <= names and "Cộng" not in names
    tiers = tmp_path / "hang.xlsx"
    tiers.write_bytes(
        book(
            [["Tên", "Thứ tự trao", "Số sao"], ["5★", 1, 5], ["4★", 2, 4], ["Tổng số: 2 hạng", "", ""]],
            titles=["HẠNG SẢN PHẨM OCOP"],
            width=3,
        )
    )
    r = runner.invoke(args=["import-structure", "tiers", str(tiers)])
    assert r.exit_code == 0 and "thêm mới 2" in r.output, r.output
    got = {t.name: t.stars for t in db.session.scalars(select(AwardTier).where(AwardTier.event_id == event.id))}
    assert got == {"5★": 5, "4★": 4}


def test_no_header_in_the_first_rows_is_a_clear_error(runner, event, tmp_path):
    f = tmp_path / "x.xlsx"
    f.write_bytes(book([["Giờ", "Việc"], ["08:00", "Khai mạc"]], titles=["CHƯƠNG TRÌNH"]))
    r = runner.invoke(args=["import-structure", "programme", str(f)])
    assert r.exit_code == 1 and "Thiếu cột: Nội dung." in r.output and "15 dòng đầu" in r.output


def test_a_time_out_of_the_day_is_still_an_error(runner, event, tmp_path):
    f = tmp_path / "x.xlsx"
    f.write_bytes(book([["Giờ", "Nội dung"], [0.5, "Khai mạc"], ["8.30.5", "Bế mạc"]]))
    r = runner.invoke(args=["import-structure", "programme", str(f)])
    assert r.exit_code == 1 and "Dòng 3: Giờ: giờ không hợp lệ" in r.output
    assert items(event) == []


@pytest.mark.parametrize(
    "row, reason",
    [
        (["", "Tổng cộng", "12"], "tổng"),
        (["", "Cộng:", "3"], "tổng"),
        (["", "Tổng 7"], "tổng"),
        (["Ghi chú: có mặt trước 7 giờ"], "ghi chú"),
        (["", "Người lập biểu"], "ký tên"),
        (["", "Thủ trưởng"], "ký tên"),
        (["", "KT. GIÁM ĐỐC"], "ký tên"),
        (["", "I. PHẦN NGHI THỨC"], "tiêu đề mục"),
    ],
)
def test_summary_rows_of_a_structure_list(row, reason):
    assert reason in (skip_reason(row, 1, titles=True) or "")


@pytest.mark.parametrize(
    "row",
    [
        ["1", "Tổng kết công tác OCOP năm 2025"],
        ["2", "Cộng đồng doanh nghiệp"],
        ["3", "Thủ trưởng các sở, ngành"],
        ["4", "Xác nhận kết quả đánh giá"],
        ["5", "Lãnh đạo đơn vị trưng bày"],
        ["6", "5★"],
    ],
)
def test_structure_titles_are_not_skipped(row):
    assert skip_reason(row, 1, titles=True) is None
