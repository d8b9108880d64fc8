"""export-structure / import-structure: the pages' export and import from the command line
(the same rules: nothing written while any row is bad, a Vietnamese message per line, exit 1)."""

from __future__ import annotations

from datetime import time

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models.accounts.models import AuditLog
from models.ceremony.models import AwardTier
from models.core.base import db
from models.events.models import Group, ProgrammeItem
from models.units.models import District
from tests.guests.helpers import xlsx


def counts():
    return {
        m.__name__: db.session.scalar(select(func.count(m.id))) for m in (Group, ProgrammeItem, District, AwardTier)
    }


def test_groups_export_edit_import_round_trip(runner, event, tmp_path):
    out = tmp_path / "groups.xlsx"
    r = runner.invoke(args=["export-structure", "groups", "--out", str(out)])
    assert r.exit_code == 0 and "2 dòng đã ghi" in r.output
    rows = [
        ["" if c is None else c for c in row]
        for row in load_workbook(out, read_only=True).active.iter_rows(values_only=True)
    ]
    assert rows[0][:2] == ["Mã", "Tên"] and [row[1] for row in rows[1:]] == ["Lãnh đạo", "Khách mời"]
    rows[2][1] = "Khách mời đặc biệt"
    rows.append(["", "Doanh nghiệp, HTX", "SMEs", "#6a1b9a", 60, 30, "", "", "có"])
    changed = tmp_path / "groups2.xlsx"
    changed.write_bytes(xlsx(rows))

    r = runner.invoke(args=["import-structure", "groups", str(changed), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "thêm mới 1, cập nhật 2" in r.output and "chạy thử" in r.output
    assert counts()["Group"] == 2
    r = runner.invoke(args=["import-structure", "groups", str(changed)])
    assert r.exit_code == 0 and "Đã nhập: 1 mới, 2 cập nhật." in r.output
    db.session.expire_all()
    got = {
        g.code: (g.name, g.seats_reserved, g.is_exhibitor_staff)
        for g in db.session.scalars(select(Group).where(Group.event_id == event.id))
    }
    assert got == {
        "leaders": ("Lãnh đạo", 0, False),
        "guests": ("Khách mời đặc biệt", 0, False),
        "doanh-nghiep-htx": ("Doanh nghiệp, HTX", 30, True),
    }
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "structure_import")).actor == "cli"


def test_programme_and_tiers_by_cli(runner, event, tmp_path):
    prog = tmp_path / "ct.xlsx"
    prog.write_bytes(
        xlsx(
            [
                ["STT", "Giờ", "Nội dung", "Số phút", "Loại"],
                [1, time(7, 30), "Đón tiếp đại biểu", 30, ""],
                [2, "09:00", "Trao chứng nhận OCOP", 45, "Trao thưởng"],
            ]
        )
    )
    assert runner.invoke(args=["import-structure", "programme", str(prog)]).exit_code == 0
    got = [
        (i.title, i.planned_start, i.kind)
        for i in db.session.scalars(
            select(ProgrammeItem).where(ProgrammeItem.event_id == event.id).order_by(ProgrammeItem.position)
        )
    ]
    assert got == [("Đón tiếp đại biểu", time(7, 30), "item"), ("Trao chứng nhận OCOP", time(9, 0), "awards")]
    tiers = tmp_path / "hang.xlsx"
    tiers.write_bytes(
        xlsx(
            [
                ["Mã", "Tên", "Thứ tự trao", "Hình thức", "Số sao"],
                ["5sao", "Sản phẩm OCOP 5 sao", 1, "Giấy chứng nhận", 5],
            ]
        )
    )
    assert runner.invoke(args=["import-structure", "tiers", str(tiers)]).exit_code == 0
    out = tmp_path / "out.xlsx"
    assert runner.invoke(args=["export-structure", "tiers", "--out", str(out)]).exit_code == 0
    assert [c.value for c in load_workbook(out).active[2]][:2] == ["5sao", "Sản phẩm OCOP 5 sao"]


@pytest.mark.parametrize(
    "kind,rows,message",
    [
        ("groups", [["Tên", "Màu"], ["A", "#123456"], ["B", "xanh"]], "Dòng 3: Màu: mã màu dạng #rrggbb"),
        ("groups", [["Màu"], ["#123456"]], "Thiếu cột: Tên."),
        (
            "programme",
            [["Nội dung", "Giờ"], ["Khai mạc", "8:00"], ["Bế mạc", "25:00"]],
            "Dòng 3: Giờ: giờ không hợp lệ",
        ),
        ("units", [["Tên", "Số bàn"], ["Xã Cam Lâm", "3"], ["Xã Suối Tân", "-1"]], "Dòng 3: Số bàn"),
        (
            "tiers",
            [["Tên", "Hình thức"], ["5 sao", "giấy chứng nhận"], ["3 sao", "cúp"]],
            "Hình thức: chọn một trong: Giấy chứng nhận, Hoa.",
        ),
    ],
)
def test_a_bad_row_writes_nothing_and_exits_1(runner, event, tmp_path, kind, rows, message):
    before = counts()
    f = tmp_path / "bad.xlsx"
    f.write_bytes(xlsx(rows))
    r = runner.invoke(args=["import-structure", kind, str(f)])
    assert r.exit_code == 1 and message in r.output
    assert "không nhập dòng nào" in r.output
    assert counts() == before


def test_bad_files_and_arguments(runner, event, tmp_path):
    f = tmp_path / "x.xlsx"
    f.write_bytes(b"<html>not excel</html>")
    r = runner.invoke(args=["import-structure", "units", str(f)])
    assert r.exit_code == 1 and "Lỗi:" in r.output and "Excel" in r.output
    r = runner.invoke(args=["import-structure", "people", str(f)])
    assert r.exit_code == 2  # click: KIND must be programme, groups, units or tiers
    r = runner.invoke(args=["export-structure", "units", "--out", str(tmp_path / "u.xlsx"), "--event", "nope"])
    assert r.exit_code == 1 and "không có sự kiện" in r.output


def test_no_current_event(runner, app, tmp_path):
    r = runner.invoke(args=["export-structure", "groups", "--out", str(tmp_path / "g.xlsx")])
    assert r.exit_code == 2 and "Chưa có sự kiện hiện tại" in r.output
