"""Excel files: the import template, the delegate list (by group) and the no-shows.

Every text cell goes through ``safe``: a value starting with = + - @ (or a tab / carriage
return) is written as a string cell with a leading apostrophe-free text type, so Excel and
LibreOffice never evaluate it (no formula injection). Times are in the event's time zone.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from models.core.base import db
from models.core.phones import format_phone
from models.core.timeutil import local
from models.core.vndate import time_and_date
from models.events.models import Event, Group
from models.guests.imports import TEMPLATE_HEADERS
from models.guests.models import Attendee
from models.hall.models import Seat
from models.units.models import District

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
HEADERS = (
    "STT",
    "Danh xưng",
    "Họ và tên",
    "Chức vụ",
    "Đơn vị",
    "Thành phần",
    "Huyện",
    "Điện thoại",
    "Ghế",
    "Trạng thái thẻ",
    "Giờ đến",
    "Trạng thái",
)
_BOLD = Font(bold=True)
_HEAD = PatternFill("solid", fgColor="DDE7E2")


def headers(ev: Event) -> tuple[str, ...]:
    """HEADERS with the event's own word for its delegation units ("Huyện", "Xã/phường")."""
    return tuple(ev.unit_label or h if h == "Huyện" else h for h in HEADERS)


def safe(ws, row: int, col: int, value: object) -> None:
    """Write a cell; text starting with a formula character stays text."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = value
        if value.startswith(DANGEROUS):
            cell.data_type = TYPE_STRING  # openpyxl would store "=..." as a formula
            cell.quotePrefix = True
    else:
        cell.value = value


#: Excel's limit on a sheet name, and the characters it refuses in one
SHEET_MAX = 31
_SHEET_BAD = "[]:*?/\\"


def _cut_words(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary (a single word longer
    than the limit is cut inside it: there is no other way)."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    cut = head.rfind(" ")
    out = head[:cut] if cut > 0 else text[:limit]
    return out.rstrip(" ,;·-–—(").rstrip() or text[:limit]


def sheet_title(name: str, used: set[str] | None = None, *, fallback: str = "Trang tính") -> str:
    """A valid Excel sheet name for ``name``: the characters Excel refuses ([]:*?/\\) removed,
    spaces collapsed, cut at a word boundary within 31 characters ("Lãnh đạo các sở, ban,
    ngành tỉnh Khánh Hòa" -> "Lãnh đạo các sở, ban, ngành"), never empty. With ``used`` (the
    lower-cased names taken so far in the workbook) a name already taken gets " 2", " 3"...
    (the base cut again at a word boundary to make room) and is added to ``used``. Every xlsx
    writer names its sheets through this function."""
    text = " ".join("".join(" " if ch in _SHEET_BAD else ch for ch in str(name or "")).split())
    text = text.strip("'").strip() or fallback
    if text.lower() == "history":  # reserved by Excel
        text = f"{text} 1"
    title = _cut_words(text, SHEET_MAX)
    if used is None:
        return title
    n = 2
    while title.lower() in used:
        suffix = f" {n}"
        title = _cut_words(text, SHEET_MAX - len(suffix)) + suffix
        n += 1
    used.add(title.lower())
    return title


def write_sheet(ws, title: str, headers: tuple[str, ...], rows: list[tuple], widths: dict[int, int] | None = None):
    """Fill ``ws`` as a plain table: its title (through sheet_title), a bold header row, the
    rows (text that starts like a formula stays text: ``safe``) and the given column ``widths``."""
    ws.title = sheet_title(title)
    for j, h in enumerate(headers, start=1):
        c = ws.cell(row=1, column=j, value=h)
        c.font, c.fill = _BOLD, _HEAD
    for i, values in enumerate(rows, start=2):
        for j, v in enumerate(values, start=1):
            safe(ws, i, j, v)
    ws.freeze_panes = "A2"
    for j in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(j)].width = (widths or {}).get(j, 18)


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


#: rows of the template that get the phone column as Text and the drop-down lists
TEMPLATE_ROWS = 1000


def template_xlsx(ev: Event) -> bytes:
    """The import template: sheet 1 "Danh sách đại biểu" (Vietnamese headers, two example rows,
    the phone column formatted as Text "@" so Excel keeps the leading 0, drop-down lists of the
    event's groups and delegation units), sheet 2 "Hướng dẫn" (how to fill it in, in Vietnamese),
    sheet 3 "Giá trị hợp lệ" (the lists the drop-downs read)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    groups = list(db.session.scalars(select(Group).where(Group.event_id == ev.id).order_by(Group.priority)))
    districts = list(
        db.session.scalars(select(District).where(District.event_id == ev.id).order_by(District.sort_order))
    )
    unit = (getattr(ev, "unit_label", "") or "Huyện").strip() or "Huyện"
    headers = tuple(unit if h == "Địa phương" else h for h in TEMPLATE_HEADERS)
    g0 = groups[0].name if groups else ""
    d0 = districts[0].name if districts else ""
    examples = [
        (1, "DB001", "Ông", "Nguyễn Văn An", "Giám đốc", "Sở Tài chính", g0, d0, "0905123456", "", 10, ""),
        (2, "DB002", "Bà", "Trần Thị Bích Ngọc", "Phó Giám đốc", "Sở Công Thương", g0, "", "02583790123", "", 11, ""),
    ]
    ws = wb.active
    write_sheet(ws, "Danh sách đại biểu", headers, examples, {4: 28, 5: 24, 6: 32, 7: 24, 9: 16})
    col = {h: get_column_letter(j) for j, h in enumerate(TEMPLATE_HEADERS, start=1)}
    for r in range(2, TEMPLATE_ROWS + 2):
        ws[f"{col['Điện thoại']}{r}"].number_format = "@"
    ws.column_dimensions[col["Điện thoại"]].number_format = "@"
    _guide(wb.create_sheet(), unit, len(groups), len(districts))
    ref = wb.create_sheet()
    write_sheet(
        ref,
        "Giá trị hợp lệ",
        ("Thành phần", "Mã thành phần", unit),
        [(g.name, g.code, "") for g in groups],
        {1: 36, 3: 28},
    )
    for i, d in enumerate(districts, start=2):
        safe(ref, i, 3, d.name)
    for letter, header, n, what in (
        (col["Thành phần"], "A", len(groups), "thành phần"),
        (col["Địa phương"], "C", len(districts), unit.lower()),
    ):
        if not n:
            continue
        dv = DataValidation(
            type="list",
            formula1=f"='Giá trị hợp lệ'!${header}$2:${header}${n + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Giá trị không có trong danh sách",
            error=f'Hãy chọn {what} trong danh sách (trang "Giá trị hợp lệ").',
        )
        dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        ws.add_data_validation(dv)
    return _save(wb)


def _guide(ws, unit: str, n_groups: int, n_units: int) -> None:
    """The "Hướng dẫn" sheet: one instruction per row, column names in quotes (so no row of this
    sheet is ever taken for the list's header)."""
    ws.title = sheet_title("Hướng dẫn")
    lines = [
        "HƯỚNG DẪN ĐIỀN DANH SÁCH ĐẠI BIỂU",
        "",
        '1. Điền mỗi đại biểu trên một dòng của trang "Danh sách đại biểu"; giữ nguyên dòng tiêu đề. '
        "Xóa hai dòng ví dụ trước khi gửi.",
        '2. Cột "Họ và tên" là bắt buộc. Viết hoa hay viết thường đều được: hệ thống tự viết lại '
        '("nguyễn văn an" → "Nguyễn Văn An").',
        '3. "Danh xưng": Ông, Bà, Đồng chí… Có thể để trống, hoặc viết liền trong họ tên ("Ông Nguyễn Văn An").',
        '4. "Điện thoại": ô đã để dạng Văn bản (Text) để giữ số 0 đầu, ví dụ 0905123456 hoặc 0258 379 0123. '
        "Số bị mất số 0 (905123456) vẫn được nhận lại. Số sai được bỏ qua, đại biểu vẫn được nhập.",
        f'5. "Thành phần" và "{unit}": chọn trong danh sách thả xuống ({n_groups} thành phần, '
        f'{n_units} {unit.lower()}; xem trang "Giá trị hợp lệ"). Giá trị khác danh sách sẽ bị báo lỗi khi nhập.',
        '6. "Mã" (không bắt buộc): mã riêng của mỗi đại biểu. Khi gửi lại danh sách đã sửa, người có cùng mã '
        "được cập nhật, không bị tạo trùng. Không có mã thì hệ thống nhận ra theo họ tên và đơn vị.",
        '7. "Thứ tự ưu tiên": số nhỏ ngồi trên (1 là cao nhất); để trống thì xếp theo chức vụ (bảng thứ tự lễ tân'
        " của sự kiện: Chủ tịch UBND tỉnh trước Phó Chủ tịch, trước Giám đốc Sở…).",
        '8. Không cần xóa dòng "Tổng cộng", "Người lập biểu" hay phần ký tên ở cuối bảng: '
        "hệ thống tự bỏ qua và liệt kê riêng.",
        "9. Không dùng công thức (=…) trong ô; không gộp ô trong phần danh sách.",
        "10. Lưu tệp dạng .xlsx (Excel Workbook) và gửi lại cho ban tổ chức.",
    ]
    for i, text in enumerate(lines, start=1):
        safe(ws, i, 1, text)
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 120


def _people(ev: Event, *, no_shows: bool = False) -> list:
    stmt = (
        select(Attendee, Group.name, District.name, Seat.label)
        .outerjoin(Group, Group.id == Attendee.group_id)
        .outerjoin(District, District.id == Attendee.district_id)
        .outerjoin(Seat, Seat.id == Attendee.seat_id)
        .where(Attendee.event_id == ev.id, Attendee.status.in_(("invited", "cancelled")))
        .order_by(Group.priority, Attendee.precedence, Attendee.sort_key)
    )
    if no_shows:
        stmt = stmt.where(Attendee.status == "invited", Attendee.checked_in_at.is_(None))
    return list(db.session.execute(stmt).unique())


def _badge_status(a: Attendee) -> str:
    live = a.current_badge
    if live is None:
        return "Đã thu hồi" if a.badges else "Chưa có thẻ"
    if len(a.badges) > 1:
        return f"Cấp lại (lần {live.serial})"
    return "Đã in" if live.printed_at else "Đã cấp"


def _row(n: int, a: Attendee, gname: str | None, dname: str | None, seat: str | None, tz: str) -> tuple:
    arrived = local(a.checked_in_at, tz)
    status = "Đã hủy" if a.status == "cancelled" else ("Đã đến" if a.checked_in_at else "Chưa đến")
    return (
        n,
        a.honorific,
        a.full_name,
        a.position,
        a.organisation,
        gname or "",
        dname or "",
        format_phone(a.phone),
        seat or "",
        _badge_status(a),
        time_and_date(arrived) if arrived else "",
        status,
    )


def delegates_xlsx(ev: Event) -> bytes:
    """Sheet 1: every delegate with seat, badge status and arrival time, ordered by group.
    Then one sheet per group, and a summary sheet (invited / arrived per group)."""
    from sqlalchemy.orm import selectinload

    rows = _people(ev)
    ids = [r[0].id for r in rows]
    if ids:  # load the badges in one query instead of one per person
        db.session.scalars(select(Attendee).where(Attendee.id.in_(ids)).options(selectinload(Attendee.badges))).all()
    wb = Workbook()
    body = [_row(i, a, g, d, s, ev.timezone) for i, (a, g, d, s) in enumerate(rows, start=1)]
    write_sheet(wb.active, "Tất cả đại biểu", headers(ev), body, {3: 28, 4: 24, 5: 32, 6: 24, 10: 16, 11: 18})
    by_group: dict[str, list] = {}
    for a, g, d, s in rows:
        by_group.setdefault(g or "Chưa phân thành phần", []).append((a, g, d, s))
    summary = []
    used: set[str] = {"tất cả đại biểu", "tổng hợp"}
    for gname, members in by_group.items():
        title = sheet_title(gname, used, fallback="Nhóm")
        body = [_row(i, a, g, d, s, ev.timezone) for i, (a, g, d, s) in enumerate(members, start=1)]
        write_sheet(wb.create_sheet(), title, headers(ev), body, {3: 28, 4: 24, 5: 32})
        invited = [m for m in members if m[0].status == "invited"]
        summary.append((gname, len(invited), sum(1 for m in invited if m[0].checked_in_at)))
    write_sheet(wb.create_sheet(), "Tổng hợp", ("Thành phần", "Được mời", "Đã đến"), summary, {1: 40})
    return _save(wb)


def no_shows_xlsx(ev: Event) -> bytes:
    """The invited delegates who have not checked in."""
    rows = _people(ev, no_shows=True)
    wb = Workbook()
    body = [_row(i, a, g, d, s, ev.timezone) for i, (a, g, d, s) in enumerate(rows, start=1)]
    write_sheet(wb.active, "Vắng mặt", headers(ev), body, {3: 28, 4: 24, 5: 32, 6: 24})
    return _save(wb)
