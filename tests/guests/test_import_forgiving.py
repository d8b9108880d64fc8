"""The forgiving import (issue 14, items 2 and 5) with real .xlsx files built here by openpyxl:
phones read as numbers, summary and signature rows, merged two-row headers under a title, the
list on a second sheet, dates and numbers in text columns, people already on the list (a demo
delegate, a walk-in), the template (Text phone column, drop-downs, "Hướng dẫn"), names written
one way and ALL-CAPS positions fixed on request; web preview and CLI both."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models.core.base import db
from models.core.phones import PhoneError, format_phone, normalize_phone
from models.guests.imports import apply, preview
from models.guests.models import Attendee


def count(ev) -> int:
    return db.session.scalar(select(func.count(Attendee.id)).where(Attendee.event_id == ev.id))


def person(ev, name: str) -> Attendee | None:
    return db.session.scalar(select(Attendee).where(Attendee.event_id == ev.id, Attendee.full_name == name))


def save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    "cell, digits, shown",
    [
        (905111222, "0905111222", "0905 111 222"),
        (914333445.0, "0914333445", "0914 333 445"),
        ("914333445.0", "0914333445", "0914 333 445"),
        (2583790123, "02583790123", "0258 379 0123"),
        ("+84 905 111 222", "0905111222", "0905 111 222"),
        ("0905.111.222", "0905111222", "0905 111 222"),
    ],
)
def test_phone_leading_zero_given_back(cell, digits, shown):
    assert normalize_phone(cell) == digits
    assert format_phone(digits) == shown


@pytest.mark.parametrize("cell", [98765432, "98765432", "abc", 12.5, "0905 111 222 333 444"])
def test_phone_still_invalid(cell):
    with pytest.raises(PhoneError):
        normalize_phone(cell)


def office_list() -> bytes:
    """The list as an office types it: a title, numbers for phones, a footer and a signature."""
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ TỔNG KẾT OCOP"])
    ws.append([])
    ws.append(["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Thành phần", "Điện thoại"])
    ws.append([1, "nguyễn thị thanh thủy", "GIÁM ĐỐC", "CÔNG TY TNHH ABC", "Khách mời", 905111222])
    ws.append([2, "TRẦN VĂN BÌNH", "PHÓ CHỦ TỊCH UBND TỈNH", "UBND TỈNH KHÁNH HÒA", "Lãnh đạo", 914333445.0])
    ws.append([3, "Lê Thị Hoa", "Chuyên viên", "Sở Tài chính", "Khách mời", "914333446.0"])
    ws.append([4, "Phạm Văn Cường", "Trưởng phòng", "Sở Y tế", "Khách mời", 2583790123])
    ws.append([5, "Võ Thị Lan", "Chuyên viên", "Sở Y tế", "Khách mời", 98765432])
    ws.append([6])  # a row with only its STT number
    ws.append(["Cộng", "", "", "", "", ""])
    ws.append(["", "11", "", "", "", ""])
    ws.append(["", "5 đại biểu", "", "", "", ""])
    ws.append(["Tổng cộng: 11 đại biểu"])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=6)
    ws.append(["Ghi chú: đại biểu đến trước 7 giờ 30"])
    ws.append(["", "", "", "Khánh Hòa, ngày 10 tháng 01 năm 2025"])
    ws.append(["", "Người lập biểu", "", "THỦ TRƯỞNG ĐƠN VỊ"])
    ws.append(["", "(ký, ghi rõ họ tên)"])
    ws.append(["", "Đặng Văn Tâm", "", "Hồ Thị Mai"])
    return save(wb)


def test_office_list_phones_footer_and_signature(event):
    report = preview(event, office_list(), "van-phong.xlsx")
    names = [r.data["full_name"] for r in report.rows]
    assert names == ["Nguyễn Thị Thanh Thủy", "Trần Văn Bình", "Lê Thị Hoa", "Phạm Văn Cường", "Võ Thị Lan"]
    assert [r.problems for r in report.rows] == [[]] * 5
    phones = [r.data.get("phone") for r in report.rows]
    assert phones == ["0905111222", "0914333445", "0914333446", "02583790123", None]
    assert "98765432" in report.rows[4].warnings[0]
    skipped = {k.line: k.reason for k in report.skipped}
    # STT only, Cộng, a bare count, "5 đại biểu", Tổng cộng, Ghi chú, date line, signature, signer
    assert sorted(skipped) == list(range(9, 19))
    assert "số thứ tự" in skipped[9] and "tổng" in skipped[10] and "con số" in skipped[11]
    assert "con số" in skipped[12] and "tổng" in skipped[13] and "ghi chú" in skipped[14]
    assert all("ký tên" in skipped[n] for n in (15, 16, 17, 18))
    text = "\n".join(report.lines())
    assert "bỏ qua (dòng tổng, ký tên, tiêu đề): 10" in text and "Dòng 13: Tổng cộng: 11 đại biểu" in text
    # ALL-CAPS positions and organisations are offered, not forced
    assert report.rows[0].caps == {"position": "Giám đốc", "organisation": "Công ty TNHH ABC"}
    assert report.rows[1].caps == {"position": "Phó Chủ tịch UBND tỉnh", "organisation": "UBND tỉnh Khánh Hòa"}
    before = count(event)
    apply(event, report)
    assert count(event) == before + 5 and report.created == 5
    assert person(event, "Đặng Văn Tâm") is None and person(event, "Hồ Thị Mai") is None
    assert person(event, "5 Đại Biểu") is None and person(event, "Tổng Cộng: 11 Đại Biểu") is None
    thuy = person(event, "Nguyễn Thị Thanh Thủy")
    assert thuy.phone == "0905111222" and thuy.position == "GIÁM ĐỐC"  # not asked to fix caps
    assert person(event, "Phạm Văn Cường").phone == "02583790123"
    assert person(event, "Võ Thị Lan").phone == ""


def test_fix_caps_on_request(event):
    apply(event, preview(event, office_list(), "a.xlsx"), fix_caps=True)
    thuy = person(event, "Nguyễn Thị Thanh Thủy")
    assert (thuy.position, thuy.organisation) == ("Giám đốc", "Công ty TNHH ABC")
    binh = person(event, "Trần Văn Bình")
    assert (binh.position, binh.organisation) == ("Phó Chủ tịch UBND tỉnh", "UBND tỉnh Khánh Hòa")
    # importing the same list again: the same people (name + organisation fold the same), no duplicate
    report = preview(event, office_list(), "a.xlsx")
    assert {r.action for r in report.rows} <= {"same", "update"} and report.count("create") == 0


def test_merged_headers_title_second_sheet_dates_and_numbers(event):
    wb = Workbook()
    cover = wb.active
    cover.title = "Bìa"
    cover.append(["ỦY BAN NHÂN DÂN TỈNH"])
    cover.append(["Danh sách gửi kèm công văn số 12/UBND"])
    ws = wb.create_sheet("Danh sách")
    ws.append(["DANH SÁCH ĐẠI BIỂU"])
    ws.merge_cells("A1:G1")
    ws.append(["(Kèm theo Giấy mời số 15/GM-UBND)"])
    ws.merge_cells("A2:G2")
    ws.append(["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Thông tin liên hệ", None, "Ngày đăng ký"])
    ws.append([None, None, None, None, "Điện thoại", "Email", None])
    for rng in ("A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:F3", "G3:G4"):
        ws.merge_cells(rng)
    ws.append(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"])
    ws.append([1, "Huỳnh Thị Mỹ", 115, "Trạm Y tế 2", 905777888, "my@yte.vn", datetime.date(2025, 1, 3)])
    ws.append([2, "Bùi Văn Sơn", "Kế toán", 2024, "0914 888 999", None, datetime.datetime(2025, 1, 4)])
    ws.append(["I. KHỐI DOANH NGHIỆP"])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=7)
    ws.append([3, "Đinh Công Hậu", "Giám đốc", "HTX Diên Phú", None, None, None])
    report = preview(event, save(wb), "hai-trang.xlsx")
    assert report.sheet == "Danh sách"
    assert report.columns["phone"] == "Điện thoại" and report.columns["email"] == "Email"
    assert report.columns["full_name"] == "Họ và tên"
    assert "Ngày đăng ký" in report.ignored
    assert [r.data["full_name"] for r in report.rows] == ["Huỳnh Thị Mỹ", "Bùi Văn Sơn", "Đinh Công Hậu"]
    assert [r.line for r in report.rows] == [6, 7, 9]
    my, son = report.rows[0].data, report.rows[1].data
    assert (my["position"], my["phone"], my["email"]) == ("115", "0905777888", "my@yte.vn")
    assert (son["organisation"], son["phone"]) == ("2024", "0914888999")
    assert [(k.line, k.reason) for k in report.skipped] == [
        (5, "dòng chỉ có số thứ tự"),
        (8, "dòng gộp ô (tiêu đề mục)"),
    ]
    apply(event, report)
    assert person(event, "Huỳnh Thị Mỹ").email == "my@yte.vn"


def test_date_cells_read_as_dates(event):
    from models.guests.reading import read_table

    wb = Workbook()
    wb.active.append(["Họ và tên", "Ghi chú"])
    wb.active.append(["Mai Văn Tư", datetime.datetime(2025, 1, 15, 8, 30)])
    wb.active.append(["Mai Văn Năm", datetime.date(2025, 2, 1)])
    rows = read_table(save(wb), "d.xlsx")
    assert rows[1][1] == "15/01/2025 08:30" and rows[2][1] == "01/02/2025"


def test_demo_delegate_is_updated_never_added_twice(app):
    from models.demo.load import load_demo

    ev, _ = load_demo(with_users=False)
    chairman = db.session.scalar(
        select(Attendee).where(Attendee.event_id == ev.id, Attendee.source == "demo", Attendee.precedence == 1)
    )
    assert chairman.position == "Chủ tịch UBND tỉnh"
    wb = Workbook()
    wb.active.append(["STT", "Danh xưng", "Họ và tên", "Chức vụ", "Đơn vị", "Điện thoại"])
    wb.active.append(
        [1, "Đồng chí", chairman.full_name.upper(), "Chủ tịch UBND tỉnh", chairman.organisation, 905000111]
    )
    wb.active.append([2, "Ông", "Nguyễn Văn Mới", "Chuyên viên", "Sở Tài chính", None])
    before = count(ev)
    report = preview(ev, save(wb), "ubnd.xlsx")
    assert [r.action for r in report.rows] == ["update", "create"]
    assert report.rows[0].attendee_id == chairman.id
    apply(ev, report)
    assert count(ev) == before + 1 and report.updated == 1 and report.created == 1
    db.session.refresh(chairman)
    assert chairman.phone == "0905000111" and chairman.source == "demo"
    n = db.session.scalar(
        select(func.count(Attendee.id)).where(
            Attendee.event_id == ev.id,
            Attendee.full_name == chairman.full_name,
            Attendee.organisation == chairman.organisation,
        )
    )
    assert n == 1


def test_an_update_never_erases_or_unaccents_what_is_stored(app):
    """An office's list with the phone left out and the name typed without accents updates the
    person's position, keeps their phone and keeps their name as written with accents."""
    from models.demo.load import load_demo

    ev, _ = load_demo(with_users=False)
    chairman = db.session.scalar(
        select(Attendee).where(Attendee.event_id == ev.id, Attendee.source == "demo", Attendee.precedence == 1)
    )
    name, phone = chairman.full_name, chairman.phone
    assert phone and name != fold_ascii(name)
    wb = Workbook()
    wb.active.append(["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Điện thoại"])
    wb.active.append([1, fold_ascii(name), "Bí thư Tỉnh ủy", chairman.organisation, None])
    report = preview(ev, save(wb), "ubnd.xlsx")
    assert [r.action for r in report.rows] == ["update"]
    apply(ev, report)
    db.session.refresh(chairman)
    assert chairman.position == "Bí thư Tỉnh ủy"  # a real change is written
    assert chairman.phone == phone and chairman.full_name == name  # nothing erased or unaccented


def fold_ascii(text: str) -> str:
    """ "Nguyễn Văn Đức" -> "Nguyen Van Duc" (as typed on a keyboard without Vietnamese)."""
    import unicodedata

    nfd = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in nfd if not unicodedata.combining(ch))


def test_walk_in_matched_by_name_and_phone(event):
    from models.checkin.walkin import register_walk_in

    w = register_walk_in(event, full_name="lương thị thanh xuân", organisation="Đài PT-TH", phone="0905 444 555")
    assert w.attendee.full_name == "Lương Thị Thanh Xuân"  # written one way at the desk too
    wb = Workbook()
    wb.active.append(["Họ và tên", "Đơn vị", "Điện thoại"])
    wb.active.append(["LƯƠNG THỊ THANH XUÂN", "Đài Phát thanh - Truyền hình Khánh Hòa", 905444555])
    # the secretary's number given for another person does not make them the same person
    wb.active.append(["Trịnh Văn Khải", "Đài Phát thanh - Truyền hình Khánh Hòa", 905444555])
    report = preview(event, save(wb), "dai.xlsx")
    assert [(r.action, r.attendee_id) for r in report.rows] == [("update", w.attendee.id), ("create", None)]
    apply(event, report)
    db.session.refresh(w.attendee)
    assert w.attendee.organisation == "Đài Phát thanh - Truyền hình Khánh Hòa"
    assert w.attendee.is_walk_in and w.attendee.source == "desk"


def test_template_text_phone_dropdowns_and_guide(app, event):
    from models.guests.exports import template_xlsx

    wb = load_workbook(io.BytesIO(template_xlsx(event)))
    assert wb.sheetnames[:2] == ["Danh sách đại biểu", "Hướng dẫn"]
    ws = wb["Danh sách đại biểu"]
    head = [c.value for c in ws[1]]
    phone_col = head.index("Điện thoại") + 1
    assert all(ws.cell(row=r, column=phone_col).number_format == "@" for r in (2, 3, 50, 1000))
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    group_col = chr(ord("A") + head.index("Thành phần"))
    unit_col = chr(ord("A") + head.index(event.unit_label or "Huyện"))
    group_ref = lists[f"{group_col}2:{group_col}1001"]
    unit_ref = lists[f"{unit_col}2:{unit_col}1001"]
    values = wb["Giá trị hợp lệ"]
    m = re.match(r"='Giá trị hợp lệ'!\$A\$2:\$A\$(\d+)", group_ref)
    assert [values.cell(row=r, column=1).value for r in range(2, int(m.group(1)) + 1)] == ["Lãnh đạo", "Khách mời"]
    m = re.match(r"='Giá trị hợp lệ'!\$C\$2:\$C\$(\d+)", unit_ref)
    assert [values.cell(row=r, column=3).value for r in range(2, int(m.group(1)) + 1)] == ["TP Nha Trang"]
    guide = "\n".join(str(c.value or "") for c in wb["Hướng dẫn"]["A"])
    assert "HƯỚNG DẪN" in guide and "giữ số 0 đầu" in guide and "Tổng cộng" in guide
    # the template, filled in as an office would (a number typed in the phone column), imports
    ws.delete_rows(2, 2)
    row = [None] * len(head)
    row[head.index("Họ và tên")], row[head.index("Thành phần")] = "đoàn thị hạnh", "Khách mời"
    row[head.index(event.unit_label or "Huyện")], row[phone_col - 1] = "TP Nha Trang", "0905666777"
    ws.append(row)
    report = preview(event, save(wb), "mau.xlsx")
    assert report.sheet == "Danh sách đại biểu" and not report.bad
    assert report.rows[0].data["full_name"] == "Đoàn Thị Hạnh" and report.rows[0].data["phone"] == "0905666777"


def test_cli_fix_caps_and_skipped_rows(app, event, runner, tmp_path):
    f = tmp_path / "ds.xlsx"
    f.write_bytes(office_list())
    before = count(event)
    res = runner.invoke(args=["import-attendees", str(f), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "Dòng bỏ qua (10)" in res.output and "Tổng cộng: 11 đại biểu" in res.output
    assert "--fix-caps" in res.output and "GIÁM ĐỐC → Giám đốc" in res.output
    assert "98765432" in res.output and count(event) == before
    res = runner.invoke(args=["import-attendees", str(f), "--fix-caps"])
    assert res.exit_code == 0, res.output
    assert "Đã nhập: 5 mới, 0 cập nhật, 10 dòng bỏ qua." in res.output
    assert person(event, "Nguyễn Thị Thanh Thủy").position == "Giám đốc"
    res = runner.invoke(args=["import-attendees", str(f)])
    assert "Sẽ thêm mới: 0" in res.output and count(event) == before + 5


def test_web_preview_lists_skipped_warnings_updates(client, auth, event):
    auth.as_role("admin")
    existing = db.session.scalar(select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.id))
    wb = Workbook()
    wb.active.append(["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Điện thoại"])
    wb.active.append([1, existing.full_name.lower(), "CHUYÊN VIÊN", existing.organisation, 905123999])
    wb.active.append([2, "hà văn <b>tú</b>", "", "Sở A", 98765432])
    wb.active.append(["Tổng cộng: 2 đại biểu"])
    resp = client.post(
        "/admin/attendees/import", data={"file": (io.BytesIO(save(wb)), "ds.xlsx")}, content_type="multipart/form-data"
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'data-count="skipped">1<' in page and 'data-skipped-line="4"' in page
    assert 'data-count="update">1<' in page and 'data-count="create">1<' in page
    assert 'data-warning-line="3"' in page and "98765432" in page
    assert "0905 123 999" in page and "→ Chuyên viên" in page
    assert "Hà Văn &lt;b&gt;tú&lt;/b&gt;" in page and "<b>tú" not in page
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    before = count(event)
    resp = client.post("/admin/attendees/import/confirm", data={"token": token, "fix_caps": "y"}, follow_redirects=True)
    assert "1 đại biểu mới, 1 cập nhật" in resp.get_data(as_text=True)
    assert count(event) == before + 1
    db.session.refresh(existing)
    assert existing.phone == "0905123999" and existing.position == "Chuyên viên"
    # the guest list and the desk show the phone grouped
    assert "0905 123 999" in client.get("/admin/attendees").get_data(as_text=True)
    assert "0905 123 999" in client.get("/desk/?q=" + existing.full_name).get_data(as_text=True)


def test_exhibitor_staff_names_written_one_way(app, event):
    from models.exhibition.form_input import clean_registration
    from tests.exhibition.conftest import district_of, form

    d = district_of(event)
    data, errors = clean_registration(
        form(d.id, **{"staff-0-name": "nguyễn thị lan", "staff-1-name": "TRẦN VĂN BÌNH"}),
        today=datetime.date(2025, 5, 1),
        district_ids={d.id},
    )
    assert not errors, errors
    assert [s["name"] for s in data["staff"]] == ["Nguyễn Thị Lan", "Trần Văn Bình"]


@pytest.mark.parametrize(
    "row, reason",
    [
        (["", "Tổng số: 12 người"], "tổng"),
        (["Tổng cộng", "", "", "12"], "tổng"),
        (["", "Cộng:", "", "3"], "tổng"),
        (["", "TONG CONG 12"], "tổng"),  # typed without accents
        (["Ghi chú: đến trước 7 giờ"], "ghi chú"),
        (["", "Người lập biểu"], "ký tên"),
        (["", "", "Nha Trang, ngày 05 tháng 01 năm 2025"], "ký tên"),
        (["", "KT. GIÁM ĐỐC"], "ký tên"),
        (["", "12 đại biểu"], "con số"),
        (["", "Danh sách có 11 đại biểu"], "tổng"),
        (["7", ""], "số thứ tự"),
        (["(1)", "(2)", "(3)"], "số thứ tự"),
        (["", "II. KHỐI HUYỆN"], "tiêu đề mục"),
        (["A. LÃNH ĐẠO", "A. LÃNH ĐẠO", "A. LÃNH ĐẠO"], "tiêu đề mục"),
    ],
)
def test_summary_and_signature_rows(row, reason):
    from models.guests.imports import skip_reason

    assert reason in (skip_reason(row, 1) or "")


@pytest.mark.parametrize(
    "row",
    [
        ["1", "Công Thị Hoa", "Sở A"],  # "Công" is a family name, "Cộng" a total
        ["2", "Tống Văn Tổng", "Sở B"],
        ["", "Lê Thị Hoa", "Lê Thị Hoa"],  # a household business named after its owner
        ["3", "Ngày Văn Tháng"],
        ["4", "Y Ngông Niê Kdăm", "HĐND tỉnh"],
    ],
)
def test_delegate_rows_are_not_skipped(row):
    from models.guests.imports import skip_reason

    assert skip_reason(row, 1) is None


@pytest.mark.parametrize("source", ["district", "exhibitor", "admin"])
def test_any_source_is_matched_by_name_and_organisation(event, source):
    a = Attendee(
        event_id=event.id,
        full_name="Đỗ Minh Quân",
        organisation="UBND xã Cam Hải Tây",
        source=source,
        status="nominated" if source == "district" else "invited",
    )
    a.refresh_keys()
    db.session.add(a)
    db.session.commit()
    wb = Workbook()
    wb.active.append(["Họ và tên", "Đơn vị", "Chức vụ"])
    wb.active.append(["ĐỖ MINH QUÂN", "UBND XÃ CAM HẢI TÂY", "Chủ tịch"])
    before = count(event)
    report = preview(event, save(wb), "xa.xlsx")
    assert [(r.action, r.attendee_id) for r in report.rows] == [("update", a.id)]
    apply(event, report)
    assert count(event) == before
    db.session.refresh(a)
    assert a.position == "Chủ tịch" and a.source == source and a.external_key.startswith("nk:")
    assert a.organisation == "UBND xã Cam Hải Tây"  # differing only in capitals: kept as stored


def test_export_shows_phones_grouped_and_imports_back(app, event):
    from models.guests.exports import delegates_xlsx

    wb = Workbook()
    wb.active.append(["Họ và tên", "Đơn vị", "Điện thoại"])
    wb.active.append(["Kiều Văn Lực", "Sở Xây dựng", 2583790123])
    apply(event, preview(event, save(wb), "a.xlsx"))
    data = delegates_xlsx(event)
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    head = [c.value for c in ws[1]]
    name, phone = head.index("Họ và tên"), head.index("Điện thoại")
    values = {r[name]: r[phone] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert values["Kiều Văn Lực"] == "0258 379 0123"
    again = preview(event, data, "export.xlsx")  # the export is a list the import reads back
    row = next(r for r in again.rows if r.data["full_name"] == "Kiều Văn Lực")
    assert row.data["phone"] == "02583790123" and row.action == "same"
