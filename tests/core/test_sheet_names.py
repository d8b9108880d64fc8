"""Excel sheet names (issue 15 item 6): cut at a word boundary within Excel's 31 characters,
never mid-word, unique in a workbook, without the characters Excel refuses; one function
(models.guests.exports.sheet_title) names every sheet of every xlsx writer."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from models.core.base import db
from models.events.models import Group
from models.guests.exports import sheet_title
from models.guests.models import Attendee
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
LONG = [
    "Các chủ thể sản xuất sản phẩm OCOP từ 3 sao trở lên",
    "Doanh nghiệp nhỏ và vừa, hợp tác xã trên địa bàn tỉnh",
    "Doanh nghiệp nhỏ và vừa, hợp tác xã ngoài tỉnh",
    "Khách mời: báo chí / truyền hình [địa phương]",
]


def _whole_words(title: str, source: str) -> bool:
    """``title`` (without a " N" suffix) is ``source`` cut after a whole word."""
    base = re.sub(r" \d+$", "", title) if title not in source else title
    clean = " ".join("".join(" " if c in "[]:*?/\\" else c for c in source).split())
    return clean.startswith(base) and (len(base) == len(clean) or clean[len(base)] == " ")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Lãnh đạo các sở, ban, ngành tỉnh Khánh Hòa", "Lãnh đạo các sở, ban, ngành"),
        ("Các chủ thể sản xuất sản phẩm OCOP từ 3 sao trở lên", "Các chủ thể sản xuất sản phẩm"),
        ("Theo thành phần", "Theo thành phần"),
        ("Khách mời: báo chí / truyền hình", "Khách mời báo chí truyền hình"),
        ("  ", "Trang tính"),
        ("X" * 40, "X" * 31),  # one word longer than the limit: cut inside it, no other way
        ("History", "History 1"),
    ],
)
def test_sheet_title_cuts_at_a_word_boundary(name, expected):
    title = sheet_title(name)
    assert title == expected and len(title) <= 31


def test_sheet_title_keeps_names_unique_within_31():
    used: set[str] = set()
    titles = [sheet_title("Doanh nghiệp nhỏ và vừa, hợp tác xã trên địa bàn tỉnh", used) for _ in range(12)]
    assert len({t.lower() for t in titles}) == 12
    assert all(len(t) <= 31 for t in titles)
    assert titles[0] == "Doanh nghiệp nhỏ và vừa, hợp" and titles[11] == "Doanh nghiệp nhỏ và vừa, hợp 12"


def test_delegate_workbook_sheets_are_cut_at_word_boundaries(client, auth, app):
    ev = factories.make_event(people=2)
    for i, name in enumerate(LONG):
        g = Group(event_id=ev.id, code=f"long-{i}", name=name, priority=20 + i)
        db.session.add(g)
        db.session.flush()
        a = Attendee(event_id=ev.id, honorific="Ông", full_name=f"Người Thứ {i}", group_id=g.id)
        a.refresh_keys()
        db.session.add(a)
    db.session.commit()
    auth.as_role("admin")
    r = client.get("/admin/attendees/export.xlsx")
    assert r.status_code == 200
    names = load_workbook(io.BytesIO(r.data)).sheetnames
    assert names[0] == "Tất cả đại biểu" and names[-1] == "Tổng hợp"
    long_sheets = names[-1 - len(LONG) : -1]
    assert long_sheets == [
        "Các chủ thể sản xuất sản phẩm",
        "Doanh nghiệp nhỏ và vừa, hợp",
        "Doanh nghiệp nhỏ và vừa, hợp 2",
        "Khách mời báo chí truyền hình",
    ]
    for title, source in zip(long_sheets, LONG, strict=True):
        assert len(title) <= 31 and _whole_words(title, source), (title, source)

    r = client.get("/admin/reports/attendance.xlsx")
    assert r.status_code == 200
    for title in load_workbook(io.BytesIO(r.data)).sheetnames:
        assert len(title) <= 31 and title == sheet_title(title)


def test_every_xlsx_writer_names_sheets_through_sheet_title():
    """A source check: in every module that uses openpyxl, a sheet is named only through
    sheet_title (directly, or through models.guests.exports.write_sheet which calls it)."""
    offenders = []
    for folder in ("models", "admin", "commands", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "openpyxl" not in text:
                continue
            for n, line in enumerate(text.splitlines(), 1):
                named = re.search(r"create_sheet\((?!\)|sheet_title\()", line) or re.search(
                    r"\b(ws|wp|sheet|wb\.active)\.title\s*=(?!=)(?!\s*sheet_title\()", line
                )
                if named:
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
