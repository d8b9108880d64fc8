"""Importing the guest list: header variants, encodings, per-row problems, one transaction,
re-import by a stable key, and the bad files of the issue (nothing imported, a clear message)."""

from __future__ import annotations

import io
import unicodedata
import zipfile

import pytest
from sqlalchemy import func, select

from models.accounts.models import AuditLog
from models.core.base import db
from models.guests.imports import apply, preview
from models.guests.models import Attendee
from models.guests.reading import ImportFileError, read_table
from tests.guests.helpers import HEADER, csv_text, to_cp1258, xlsx

ROWS = [
    HEADER,
    ["1", "NGUYỄN văn bình", "Giám đốc", "Sở Tài chính", "Khách mời", "0905 123 456"],
    ["2", "Bà Trần Thị Thu Hà", "Phó Giám đốc", "Sở Y tế", "Lãnh đạo", "+84 914 222 333"],
    ["3", "Lê Văn Cường", "Chuyên viên", "Sở Xây dựng", "Khách mời", ""],
]


def count(ev) -> int:
    return db.session.scalar(select(func.count(Attendee.id)).where(Attendee.event_id == ev.id))


def by_name(ev, name: str) -> Attendee:
    return db.session.scalar(select(Attendee).where(Attendee.event_id == ev.id, Attendee.full_name == name))


def test_xlsx_with_title_row_header_variants_and_names_capitalised(event):
    rows = [["TT", "Họ tên", "Chức danh", "Cơ quan", "Đối tượng", "SĐT", "Ghi chú khác"]] + [r + [""] for r in ROWS[1:]]
    report = preview(event, xlsx(rows, title="DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ"), "ds.xlsx")
    assert set(report.columns) == {"full_name", "position", "organisation", "group", "phone"}
    assert [r.problems for r in report.rows] == [[], [], []]
    first = report.rows[0]
    # names are always written one way; the preview keeps what the file said
    assert first.line == 4 and first.data["full_name"] == "Nguyễn Văn Bình" and first.typed == "NGUYỄN văn bình"
    assert report.rows[1].data["honorific"] == "Bà" and report.rows[1].data["full_name"] == "Trần Thị Thu Hà"
    before = count(event)
    apply(event, report, actor="test")
    assert count(event) == before + 3 and report.created == 3
    a = by_name(event, "Nguyễn Văn Bình")
    assert a is not None and a.phone == "0905123456" and a.group.name == "Khách mời" and a.source == "import"
    assert a.name_key.startswith("nguyen van binh") and a.sort_key
    assert by_name(event, "Trần Thị Thu Hà").honorific == "Bà"
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "import_attendees"))
    assert log.detail["created"] == 3 and log.actor == "test"


def test_reimport_updates_by_stable_key_never_duplicates(event):
    apply(event, preview(event, xlsx(ROWS), "a.xlsx"))
    n = count(event)
    # same list, re-sorted and renumbered, one position changed
    rows = [
        HEADER,
        ["1", "Lê Văn Cường", "Trưởng phòng", "Sở Xây dựng", "Khách mời", ""],
        ["2", "NGUYỄN văn bình", "Giám đốc", "Sở Tài chính", "Khách mời", "0905123456"],
        ["3", "Bà Trần Thị Thu Hà", "Phó Giám đốc", "Sở Y tế", "Lãnh đạo", "+84914222333"],
    ]
    report = preview(event, xlsx(rows), "b.xlsx")
    assert [r.action for r in report.rows] == ["update", "same", "same"]
    apply(event, report)
    assert count(event) == n and report.updated == 1 and report.created == 0
    assert by_name(event, "Lê Văn Cường").position == "Trưởng phòng"


def test_code_column_is_the_key_when_present(event):
    rows = [["Mã", "Họ và tên", "Đơn vị"], ["DB01", "Phạm Văn Đông", "Sở A"]]
    apply(event, preview(event, xlsx(rows), "a.xlsx"))
    # the name is corrected in the next version of the list: same code, so an update
    report = preview(event, xlsx([["Mã", "Họ và tên", "Đơn vị"], ["DB01", "Phạm Văn Đồng", "Sở A"]]), "b.xlsx")
    assert report.rows[0].action == "update"
    apply(event, report)
    assert by_name(event, "Phạm Văn Đông") is None
    assert by_name(event, "Phạm Văn Đồng").external_key == "ma:db01"


def test_problems_per_row_and_only_good_rows_written(event):
    rows = [
        HEADER,
        ["1", "", "Giám đốc", "Sở A", "Khách mời", ""],
        ["2", "Đỗ Thị Lan", "", "Sở B", "Nhà báo", ""],
        ["3", "Hồ Văn Nam", "", "Sở C", "Khách mời", "12345"],
        ["4", "Vũ Văn Tín", "", "Sở D", "Khách mời", ""],
        ["5", "VŨ VĂN TÍN", "", "sở d", "khach moi", ""],
        ["6", '=HYPERLINK("http://x","Bấm")', "", "Sở E", "Khách mời", ""],
    ]
    report = preview(event, xlsx(rows), "x.xlsx")
    problems = {r.line: " ".join(r.problems) for r in report.rows}
    assert "Thiếu họ tên" in problems[2]
    assert "Không rõ thành phần" in problems[3] and "Nhà báo" in problems[3]
    # a phone that stays invalid is a warning: the row is imported without it
    assert problems[4] == ""
    warned = {r.line: " ".join(r.warnings) for r in report.rows}
    assert "12345" in warned[4] and "không có số điện thoại" in warned[4]
    assert problems[5] == ""
    assert "Trùng với dòng 5" in problems[6]
    assert "công thức" in problems[7]
    before = count(event)
    apply(event, report)
    assert count(event) == before + 2 and by_name(event, "Vũ Văn Tín") is not None
    assert by_name(event, "Hồ Văn Nam").phone == ""


def test_nfd_text_from_a_mac_is_stored_nfc(event):
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    rows = [["Họ và tên", "Đơn vị"], [nfd, unicodedata.normalize("NFD", "Sở Công Thương")]]
    apply(event, preview(event, xlsx(rows), "mac.xlsx"))
    a = by_name(event, "Nguyễn Thị Ánh Tuyết")
    assert a is not None and a.organisation == "Sở Công Thương"
    assert unicodedata.is_normalized("NFC", a.full_name)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-nobom", "cp1258"])
def test_csv_encodings(event, encoding):
    text = csv_text(
        [
            ["Họ và tên", "Chức vụ", "Đơn vị"],
            ["Đặng Thị Ánh Tuyết", "Phó Giám đốc", "Sở Công Thương"],
            ["Huỳnh Đức Dũng", "Chủ nhiệm", "HTX Diên An"],
        ],
        sep=";",
    )
    if encoding == "cp1258":
        data = to_cp1258(text)
    elif encoding == "utf-16-le-nobom":
        data = text.encode("utf-16-le")
    else:
        data = text.encode(encoding)
    report = preview(event, data, "list.csv")
    assert [r.data["full_name"] for r in report.rows] == ["Đặng Thị Ánh Tuyết", "Huỳnh Đức Dũng"]
    assert all(unicodedata.is_normalized("NFC", r.data["organisation"]) for r in report.rows)


def test_csv_in_the_wrong_encoding_is_refused(event):
    text = csv_text([["Họ và tên", "Đơn vị"], ["Nguyễn Văn Ấn", "Sở Tài chính"], ["Trần Thị Bích", "Sở Y tế"]])
    mojibake = text.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    with pytest.raises(ImportFileError, match="bảng mã"):
        preview(event, mojibake, "broken.csv")


def test_html_renamed_xlsx(event):
    html = b"<!doctype html><html><body><table><tr><td>H\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan</td></tr></table></html>"
    with pytest.raises(ImportFileError, match="không phải là tệp Excel"):
        preview(event, html, "ds.xlsx")


def test_corrupt_xlsx(event):
    data = xlsx(ROWS)
    with pytest.raises(ImportFileError, match="hỏng"):
        preview(event, data[: len(data) // 2], "ds.xlsx")
    # a valid zip that is not a workbook
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "xin chào")
    with pytest.raises(ImportFileError, match="hỏng"):
        preview(event, buf.getvalue(), "ds.xlsx")


def test_zip_bomb_is_refused_without_unpacking(event):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(210):
                f.write(chunk)
    assert len(buf.getvalue()) < 2 * 1024 * 1024
    with pytest.raises(ImportFileError, match="giải nén"):
        preview(event, buf.getvalue(), "bomb.xlsx")


def test_ten_thousand_empty_rows(event):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Họ và tên", "Đơn vị"])
    for r in range(2, 10_002):
        ws.cell(row=r, column=1, value="")
        ws.cell(row=r, column=2, value=None)
    buf = io.BytesIO()
    wb.save(buf)
    before = count(event)
    with pytest.raises(ImportFileError, match="không có dòng dữ liệu"):
        preview(event, buf.getvalue(), "empty.xlsx")
    with pytest.raises(ImportFileError, match="không có dòng dữ liệu"):
        preview(event, ("Họ và tên;Đơn vị\r\n" + ";\r\n" * 10_000).encode(), "empty.csv")
    assert count(event) == before


def test_no_name_column_and_empty_file(event):
    with pytest.raises(ImportFileError, match="cột họ tên"):
        preview(event, xlsx([["A", "B"], ["1", "2"]]), "x.xlsx")
    with pytest.raises(ImportFileError, match="rỗng"):
        read_table(b"", "x.csv")


def test_too_large_file():
    with pytest.raises(ImportFileError, match="quá lớn"):
        read_table(b"a" * (20 * 1024 * 1024 + 1), "big.csv")


def test_one_transaction_all_or_nothing(event, monkeypatch):
    report = preview(event, xlsx(ROWS), "a.xlsx")
    before = count(event)
    import models.guests.imports as guests

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(guests, "audit", boom)
    with pytest.raises(RuntimeError):
        apply(event, report)
    assert count(event) == before


def test_cli_import_dry_run_and_exit_codes(app, event, runner, tmp_path):
    good = tmp_path / "ds.xlsx"
    good.write_bytes(xlsx(ROWS))
    before = count(event)
    res = runner.invoke(args=["import-attendees", str(good), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "Sẽ thêm mới: 3" in res.output and count(event) == before
    res = runner.invoke(args=["import-attendees", str(good), "--fix-case"])
    assert res.exit_code == 0 and "Đã nhập: 3 mới" in res.output
    assert by_name(event, "Nguyễn Văn Bình") is not None and count(event) == before + 3
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"<html>not excel</html>")
    res = runner.invoke(args=["import-attendees", str(bad)])
    assert res.exit_code == 1 and "không phải là tệp Excel" in res.output
    nothing = tmp_path / "nothing.csv"
    nothing.write_text("Họ và tên,Thành phần\r\nAi Đó,Không có nhóm này\r\n", encoding="utf-8")
    res = runner.invoke(args=["import-attendees", str(nothing)])
    assert res.exit_code == 1 and "Không rõ thành phần" in res.output
    assert count(event) == before + 3
