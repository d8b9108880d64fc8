"""Read-only views of the exhibition: the per-district overview, A5 table cards (PDF) and the
exhibitor list (.xlsx). Plain values in, bytes or dicts out.

The PDF embeds DejaVu Sans (Vietnamese diacritics, and the ★ sign) and draws every text as
text; the workbook writes every user-typed cell as a string, and a string that starts with
= + - @ (or a tab / carriage return) is marked as text ("quote prefix"), so that a spreadsheet
never runs it as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from sqlalchemy import select

from models.core.base import db
from models.core.phones import format_phone
from models.core.timeutil import local
from models.core.vndate import numeric_date, time_and_date
from models.events.models import Event
from models.exhibition.models import Exhibitor, ExhibitTable
from models.exhibition.public import table_url
from models.exhibition.workflow import ACTIVE, LOAD_ALL, ensure_tables
from models.units.models import District

KIND_NAMES = {
    "enterprise": "Doanh nghiệp",
    "cooperative": "Hợp tác xã",
    "coop_group": "Tổ hợp tác",
    "household": "Hộ kinh doanh",
}
GROUP_NAMES = {
    "thuc_pham": "Thực phẩm",
    "do_uong": "Đồ uống",
    "duoc_lieu": "Dược liệu và sản phẩm từ dược liệu",
    "thu_cong": "Thủ công mỹ nghệ",
    "sinh_vat_canh": "Sinh vật cảnh",
    "du_lich": "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
}
STATUS_NAMES = {
    "registered": "Đã đăng ký",
    "approved": "Đã duyệt",
    "rejected": "Từ chối",
    "assigned": "Đã xếp bàn",
    "set_up": "Đã bày xong",
    "removed": "Đã rút",
}


def rating_text(stars: int | None) -> str:
    return "★" * stars + f" ({stars} sao)" if stars else "Tiềm năng"


def district_overview(ev: Event) -> list[dict]:
    """Per district, in its order: {"district", "tables": [{"table", "exhibitors", "free"}],
    "unplaced" (active, no table), "counts": {"5", "4", "3", "potential", "products"},
    "exhibitors", "set_up", "active"}. Counts are of the products of active exhibitors
    (approved, assigned, set up)."""
    query = select(District).where(District.event_id == ev.id).order_by(District.sort_order, District.id)
    for d in db.session.scalars(query):
        ensure_tables(d)
    db.session.commit()  # the tables ensure_tables made; everything is loaded afresh below
    districts = list(db.session.scalars(query))
    all_tables = list(
        db.session.scalars(
            select(ExhibitTable)
            .where(ExhibitTable.district_id.in_([d.id for d in districts]))
            .order_by(ExhibitTable.number)
        )
    )
    exhibitors = list(
        db.session.scalars(
            select(Exhibitor)
            .where(Exhibitor.event_id == ev.id)
            .options(*LOAD_ALL)
            .order_by(Exhibitor.name, Exhibitor.id)
        )
    )
    out = []
    for d in districts:
        mine = [x for x in exhibitors if x.district_id == d.id]
        active = [x for x in mine if x.status in ACTIVE]
        tables = []
        for t in (t for t in all_tables if t.district_id == d.id):
            at = [x for x in active if x.table_id == t.id]
            tables.append({"table": t, "exhibitors": at, "free": max(0, t.capacity - len(at))})
        counts = {"5": 0, "4": 0, "3": 0, "potential": 0, "products": 0}
        for x in active:
            for p in x.products:
                counts[str(p.stars) if p.stars else "potential"] += 1
                counts["products"] += 1
        out.append(
            {
                "district": d,
                "tables": tables,
                "counts": counts,
                "unplaced": [x for x in active if x.table_id is None],
                "exhibitors": len(mine),
                "active": len(active),
                "set_up": sum(1 for x in active if x.status == "set_up"),
                "waiting": sum(1 for x in mine if x.status == "registered"),
            }
        )
    return out


# --- A5 table cards ----------------------------------------------------------------------------


def _fonts() -> tuple[str, str]:
    from models.core.pdf_fonts import register_fonts

    return register_fonts()


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if stringWidth(trial, font, size) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    out = []
    for ln in lines:  # a single word longer than the line: cut it
        while stringWidth(ln, font, size) > width and len(ln) > 1:
            cut = len(ln)
            while cut > 1 and stringWidth(ln[:cut], font, size) > width:
                cut -= 1
            out.append(ln[:cut])
            ln = ln[cut:]
        out.append(ln)
    return out


def _draw_qr(c, text: str, x: float, y: float, size: float) -> None:
    """A QR of ``text`` with its lower left corner at (x, y); the card's white is the quiet zone."""
    import numpy as np
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    from models.core.qr import qr_matrix

    img = Image.fromarray(np.where(qr_matrix(text), 0, 255).astype(np.uint8), mode="L")
    c.drawImage(ImageReader(img), x, y, size, size)


#: a table card's side margin (points)
_CARD_MARGIN = 28


def table_cards_pdf(ev: Event, exhibitors: Sequence[Exhibitor], base_url: str = "") -> bytes:
    """One A5 landscape card per exhibitor: table, entity, kind, district and area, products
    with their stars. An empty list gives one page saying so. With ``base_url`` (the server's
    address on the venue network) a placed exhibitor's card carries a QR to its table's public
    page (models.exhibition.public.table_url) in the lower right corner."""
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.pdfgen.canvas import Canvas

    regular, bold = _fonts()
    w, h = landscape(A5)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(w, h), initialFontName=regular, initialFontSize=12)
    c.setTitle("Thẻ bàn trưng bày")
    c.setAuthor(ev.organiser or ev.name)
    margin = _CARD_MARGIN
    if not exhibitors:
        c.setFont(regular, 16)
        c.drawString(margin, h / 2, "Không có gian hàng nào để in.")
        c.showPage()
    for x in exhibitors:
        _table_card(c, ev, x, (w, h), base_url, regular, bold)
        c.showPage()
    c.save()
    return buf.getvalue()


def _table_card(c, ev: Event, x: Exhibitor, size: tuple[float, float], base_url: str, regular: str, bold: str) -> None:
    """One exhibitor's card: the district band with the table number, the entity's name, its
    kind and address, the QR to its table's page (with ``base_url``), the products, the event."""
    w, h = size
    margin = _CARD_MARGIN
    d = x.district
    c.setFillColorRGB(0.04, 0.43, 0.31)
    c.rect(0, h - 46, w, 46, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(bold, 15)
    head = d.name if d else ""
    if d and d.exhibit_area:
        head += f" · {d.exhibit_area}"
    c.drawString(margin, h - 30, head[:80])
    if x.table is not None:
        c.setFont(bold, 22)
        c.drawRightString(w - margin, h - 33, f"Bàn {x.table.number}")
    c.setFillColorRGB(0.1, 0.15, 0.2)
    y = h - 84
    for line in _wrap(x.name, bold, 24, w - 2 * margin)[:3]:
        c.setFont(bold, 24)
        c.drawString(margin, y, line)
        y -= 30
    c.setFont(regular, 12)
    c.setFillColorRGB(0.37, 0.42, 0.48)
    c.drawString(margin, y + 6, f"{KIND_NAMES.get(x.kind, x.kind)} · {x.address}"[:110])
    y -= 24
    qr = 84 if base_url and x.table_id else 0
    if qr:
        _draw_qr(c, table_url(base_url, x.table_id), w - margin - qr, 27, qr)
        c.setFont(regular, 8)
        c.setFillColorRGB(0.37, 0.42, 0.48)
        c.drawCentredString(w - margin - qr / 2, 14, "Quét để xem sản phẩm")
    _card_products(c, x.products, y, w, qr, regular, bold)
    c.setFont(regular, 9)
    c.setFillColorRGB(0.5, 0.5, 0.5)
    c.drawString(margin, 14, (ev.short_name or ev.name)[: 90 if qr else 120])


def _card_products(c, products: Sequence, y: float, w: float, qr: int, regular: str, bold: str) -> None:
    """The products from ``y`` down: the stars (or "Tiềm năng") and the name in up to 2 lines,
    smaller type for long lists, "…" when the card is full."""
    margin = _CARD_MARGIN
    c.setFillColorRGB(0.1, 0.15, 0.2)
    size = 18 if len(products) <= 4 else (14 if len(products) <= 7 else 11)
    for p in products:
        if y < margin + 10:
            c.setFont(regular, 10)
            c.drawString(margin, y, "…")
            break
        rating = "★" * p.stars if p.stars else "Tiềm năng"
        c.setFont(bold, size)
        c.setFillColorRGB(0.70, 0.42, 0.0) if p.stars else c.setFillColorRGB(0.2, 0.45, 0.7)
        c.drawString(margin, y, rating)
        c.setFillColorRGB(0.1, 0.15, 0.2)
        c.setFont(regular, size)
        indent = size * 6.5
        lines = _wrap(p.name, regular, size, w - 2 * margin - indent - (qr + 10 if qr else 0))
        for i, line in enumerate(lines[:2]):
            c.drawString(margin + indent, y - i * (size + 3), line)
        y -= (size + 8) + (size + 3) * (min(len(lines), 2) - 1)


# --- .xlsx export ------------------------------------------------------------------------------

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def put_cell(ws, row: int, col: int, value: object) -> None:
    """Write a cell; user text is always a string cell, and one that a spreadsheet could take
    for a formula is marked as text."""
    from openpyxl.styles import Alignment

    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if value.startswith(DANGEROUS_START):
            cell.alignment = Alignment(horizontal="left")
            cell.quotePrefix = True
    else:
        cell.value = value


def export_xlsx(ev: Event, exhibitors: Sequence[Exhibitor]) -> bytes:
    """Two sheets: "Chủ thể" (one row per exhibitor) and "Sản phẩm" (one row per product)."""
    from openpyxl import Workbook

    from models.guests.exports import sheet_title

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title("Chủ thể")
    _exhibitor_sheet(ws, ev, exhibitors)
    _product_sheet(wb.create_sheet(sheet_title("Sản phẩm")), ev, exhibitors)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _bold_head(ws, head: list[str]) -> None:
    """Row 1 of a sheet: the column titles, bold."""
    from openpyxl.styles import Font

    for col, text in enumerate(head, 1):
        put_cell(ws, 1, col, text)
        ws.cell(row=1, column=col).font = Font(bold=True)


def _exhibitor_sheet(ws, ev: Event, exhibitors: Sequence[Exhibitor]) -> None:
    """One row per exhibitor, the first two columns frozen."""
    head = [
        "Mã",
        "Tên chủ thể",
        "Loại hình",
        ev.unit_label,
        "Địa chỉ",
        "Người liên hệ",
        "Điện thoại",
        "Email",
        "Trạng thái",
        "Lý do từ chối",
        "Bàn",
        "Cần điện",
        "Cần kho lạnh",
        "Thêm bàn",
        "5 sao",
        "4 sao",
        "3 sao",
        "Tiềm năng",
        "Nhân viên",
        "Bày xong lúc",
        "Đăng ký lúc",
    ]
    _bold_head(ws, head)
    tz = ev.timezone
    for r, x in enumerate(exhibitors, 2):
        for col, value in enumerate(_exhibitor_row(x, tz), 1):
            put_cell(ws, r, col, value)
    ws.freeze_panes = "C2"
    for col, width in zip("ABCDEFGHI", (6, 40, 16, 20, 36, 24, 14, 26, 14), strict=True):
        ws.column_dimensions[col].width = width


def _exhibitor_row(x: Exhibitor, tz: str) -> list:
    """The cells of one exhibitor's row, in the order of the sheet's head."""
    stars = [p.stars for p in x.products]
    when = local(x.set_up_at, tz)
    return [
        x.id,
        x.name,
        KIND_NAMES.get(x.kind, x.kind),
        x.district.name if x.district else "",
        x.address,
        x.contact_name,
        format_phone(x.phone),
        x.email,
        STATUS_NAMES.get(x.status, x.status),
        x.reject_reason,
        x.table.number if x.table else None,
        "x" if x.needs_power else "",
        "x" if x.needs_cold else "",
        "x" if x.extra_table else "",
        stars.count(5),
        stars.count(4),
        stars.count(3),
        stars.count(None),
        ", ".join(s.attendee.full_name for s in x.staff),
        time_and_date(when) if when else "",
        time_and_date(local(x.created_at, tz)),
    ]


def _product_sheet(wp, ev: Event, exhibitors: Sequence[Exhibitor]) -> None:
    """One row per product of every exhibitor."""
    head = [
        "Mã chủ thể",
        "Tên chủ thể",
        ev.unit_label,
        "Sản phẩm",
        "Nhóm OCOP",
        "Hạng sao",
        "Số quyết định",
        "Ngày quyết định",
    ]
    _bold_head(wp, head)
    r = 2
    for x in exhibitors:
        for p in x.products:
            values = [
                x.id,
                x.name,
                x.district.name if x.district else "",
                p.name,
                GROUP_NAMES.get(p.ocop_group, p.ocop_group),
                p.stars if p.stars else "Tiềm năng",
                p.decision_no,
                numeric_date(p.decision_date) if p.decision_date else "",
            ]
            for col, value in enumerate(values, 1):
                put_cell(wp, r, col, value)
            r += 1
    for col, width in zip("ABCDEFGH", (10, 36, 20, 40, 30, 10, 20, 14), strict=True):
        wp.column_dimensions[col].width = width
