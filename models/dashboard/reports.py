"""After-event reports: attendance workbook (.xlsx) and a PDF summary for the official report.

attendance_workbook(ev) -> BytesIO: sheets "Theo thành phần" (planned / arrived / %), "Danh sách"
(everyone, grouped by group, Vietnamese name order), "Vắng mặt" (no-shows), "Theo thời gian"
(arrivals per 5 minutes), "Theo địa phương", "Điểm kiểm soát" (checkpoint_rows). Text cells that
start with = + - @ stay text.
summary_pdf(ev) -> BytesIO: A4, DejaVu embedded, totals, tables per group and district, the
arrival timeline chart, the checkpoints.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select

from models.checkin.checkpoints import figures as checkpoint_figures
from models.checkin.stats import attendance_figures, in_hall
from models.core.base import db
from models.core.pdf_fonts import register_fonts
from models.core.phones import format_phone
from models.core.timeutil import local
from models.core.vndate import document_date
from models.dashboard.live import arrivals_timeline
from models.events.models import Event, Group
from models.guests.exports import safe, write_sheet
from models.guests.models import Attendee
from models.hall.models import Seat
from models.units.models import District


def _people(ev: Event) -> list:
    return db.session.execute(
        select(Attendee, Group.name, Group.priority, District.name, Seat.label)
        .outerjoin(Group, Group.id == Attendee.group_id)
        .outerjoin(District, District.id == Attendee.district_id)
        .outerjoin(Seat, Seat.id == Attendee.seat_id)
        .where(Attendee.event_id == ev.id, in_hall())
        .order_by(Group.priority, Attendee.precedence, Attendee.sort_key)
    ).all()


def attendance_workbook(ev: Event) -> io.BytesIO:
    data = attendance_figures(ev)
    wb = Workbook()
    n_groups = _group_sheet(wb.active, data)
    people = _people(ev)
    _listing_sheet(wb.create_sheet(), people, ev.timezone)
    _absent_sheet(wb.create_sheet(), people)
    _timeline_sheet(wb.create_sheet(), ev)
    _district_sheet(wb.create_sheet(), data)
    write_sheet(
        wb.create_sheet(),
        "Điểm kiểm soát",
        ("Điểm kiểm soát", "Quy tắc", "Số người", "Lượt hôm nay", "Tổng lượt", "Đang ở trong", "Số liệu"),
        checkpoint_rows(ev, data["stats"]),
        {1: 30, 7: 30},
    )
    safe(wb["Theo thành phần"], n_groups + 3, 1, f"{ev.name} · {document_date(ev.date)}")
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def _group_sheet(ws, data: dict) -> int:
    """ "Theo thành phần": planned / arrived / % per group and the total; returns its row count."""
    rows = [(g["name"], g["invited"], g["arrived"], g["pct"] / 100) for g in data["groups"]]
    total = data["stats"]
    rows.append(
        (
            "Tổng cộng",
            total["invited"],
            total["checked_in"],
            (total["checked_in"] / total["invited"]) if total["invited"] else 0,
        )
    )
    write_sheet(
        ws,
        "Theo thành phần",
        ("Thành phần", "Dự kiến (được mời)", "Đã đến", "Tỷ lệ"),
        rows,
        {1: 48, 2: 18, 3: 12, 4: 10},
    )
    for r in range(2, len(rows) + 2):
        ws.cell(row=r, column=4).number_format = "0%"
    return len(rows)


def _listing_sheet(ws, people: list, tz: str) -> None:
    """ "Danh sách": everyone, a heading row before each group."""
    listing, current = [], None
    for a, gname, _prio, dname, seat in people:
        if gname != current:
            current = gname
            listing.append((f"— {gname or 'Chưa phân thành phần'} —", "", "", "", "", "", "", ""))
        arrived = local(a.checked_in_at, tz)
        listing.append(
            (
                a.honorific,
                a.full_name,
                a.position,
                a.organisation,
                dname or "",
                seat or "",
                arrived.strftime("%H:%M") if arrived else "",
                "Có mặt" if arrived else "Vắng",
            )
        )
    write_sheet(
        ws,
        "Danh sách",
        ("Danh xưng", "Họ và tên", "Chức vụ", "Đơn vị", "Địa phương", "Ghế", "Giờ đến", "Tình trạng"),
        listing,
        {2: 28, 3: 30, 4: 40},
    )


def _absent_sheet(ws, people: list) -> None:
    """ "Vắng mặt": the no-shows."""
    absent = [
        (gname or "", a.honorific, a.full_name, a.position, a.organisation, format_phone(a.phone))
        for a, gname, _p, _d, _s in people
        if a.checked_in_at is None
    ]
    write_sheet(
        ws,
        "Vắng mặt",
        ("Thành phần", "Danh xưng", "Họ và tên", "Chức vụ", "Đơn vị", "Điện thoại"),
        absent,
        {1: 36, 3: 28, 4: 30, 5: 40},
    )


RULE_NAMES = {"once": "Một lần", "daily": "Mỗi ngày một lần", "every": "Đếm mọi lượt", "inout": "Vào / ra"}


def figure_text(c: dict) -> str:
    """A checkpoint's figure as the dashboard shows it (in Vietnamese)."""
    if c["rule"] == "once":
        return f"{c['people']} / {c['invited']} người"
    if c["rule"] == "daily":
        return f"{c['people']} người hôm nay"
    if c["rule"] == "every":
        return f"{c['passes_today']} lượt hôm nay · {c['passes_total']} tổng"
    return f"{c['inside']} người đang ở trong"


def checkpoint_rows(ev: Event, stats: dict) -> list[tuple]:
    """(name, rule, people, passes today, passes total, inside, figure) per checkpoint: the
    figures of models.checkin.checkpoints.figures, the dashboard's and /api/v1/stats'."""
    return [
        (
            c["name"],
            RULE_NAMES[c["rule"]],
            c["people"],
            c["passes_today"],
            c["passes_total"],
            c["inside"] if c["inside"] is not None else "",
            figure_text(c),
        )
        for c in checkpoint_figures(ev, stats)
    ]


def _timeline_sheet(ws, ev: Event) -> None:
    """ "Theo thời gian": arrivals per 5 minutes and the running total."""
    running, timeline = 0, []
    for p in arrivals_timeline(ev):
        running += p["count"]
        timeline.append((p["start"].strftime("%H:%M"), p["count"], running))
    write_sheet(ws, "Theo thời gian", ("Từ (5 phút)", "Số người đến", "Lũy kế"), timeline)


def _district_sheet(ws, data: dict) -> None:
    """ "Theo địa phương": invited / arrived / % per district."""
    write_sheet(
        ws,
        "Theo địa phương",
        ("Địa phương", "Được mời", "Đã đến", "Tỷ lệ"),
        [(d["name"], d["invited"], d["arrived"], d["pct"] / 100) for d in data["districts"]],
        {1: 30},
    )
    for r in range(2, len(data["districts"]) + 2):
        ws.cell(row=r, column=4).number_format = "0%"


def summary_pdf(ev: Event) -> io.BytesIO:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font, bold = register_fonts()
    data = attendance_figures(ev)
    st = data["stats"]
    h1 = ParagraphStyle("h1", fontName=bold, fontSize=14, leading=18, alignment=1)
    h2 = ParagraphStyle("h2", fontName=bold, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("b", fontName=font, fontSize=10, leading=13)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Báo cáo tổng hợp điểm danh — {ev.name}",
        author=ev.organiser,
    )
    pct = st["percent"]
    story = [
        Paragraph("BÁO CÁO TỔNG HỢP ĐIỂM DANH ĐẠI BIỂU", h1),
        Paragraph(_esc(ev.name), ParagraphStyle("t", parent=body, alignment=1, fontName=bold)),
        Paragraph(_esc(f"{ev.venue} · {document_date(ev.date)}"), ParagraphStyle("c", parent=body, alignment=1)),
        Spacer(1, 6 * mm),
        Paragraph(
            _esc(
                f"Số chỗ ngồi dự kiến: {st['planned_seats']}. Đại biểu được mời: "
                f"{st['invited']}. Đại biểu có mặt: {st['checked_in']} ({pct}%). "
                f"Vắng mặt: {st['invited'] - st['checked_in']}."
            ),
            body,
        ),
        Paragraph("1. Theo thành phần", h2),
    ]

    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=11)
    rows = [["Thành phần", "Được mời", "Có mặt", "Tỷ lệ"]]
    rows += [[Paragraph(_esc(g["name"]), cell), g["invited"], g["arrived"], f"{g['pct']}%"] for g in data["groups"]]
    rows.append([Paragraph("<b>Tổng cộng</b>", cell), st["invited"], st["checked_in"], f"{pct}%"])
    story.append(_table(rows, [95 * mm, 25 * mm, 25 * mm, 20 * mm], font, bold))
    story.append(Paragraph(f"2. Theo {_esc(ev.unit_level)}", h2))
    rows = [["Địa phương", "Được mời", "Có mặt", "Tỷ lệ"]]
    rows += [[Paragraph(_esc(d["name"]), cell), d["invited"], d["arrived"], f"{d['pct']}%"] for d in data["districts"]]
    story.append(_table(rows, [95 * mm, 25 * mm, 25 * mm, 20 * mm], font, bold))
    story.append(Paragraph("3. Số đại biểu đến theo từng 5 phút", h2))
    tl = arrivals_timeline(ev)
    if tl:
        story.append(_timeline_chart(tl, font))
    else:
        story.append(Paragraph("Chưa có đại biểu nào điểm danh.", body))
    story += _checkpoint_section(ev, st, h2, cell, font, bold)
    doc.build(story)
    buf.seek(0)
    return buf


def _checkpoint_section(ev: Event, stats: dict, h2, cell, font: str, bold: str) -> list:
    """ "4. Theo điểm kiểm soát": each checkpoint, its rule and its figure (checkpoint_rows)."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    rows = [["Điểm kiểm soát", "Quy tắc", "Số liệu"]]
    rows += [[Paragraph(_esc(r[0]), cell), r[1], r[6]] for r in checkpoint_rows(ev, stats)]
    return [Paragraph("4. Theo điểm kiểm soát", h2), _table(rows, [75 * mm, 35 * mm, 55 * mm], font, bold)]


def _table(rows: list, widths: list[float], font: str, bold: str):
    """A figures table: bold shaded header row repeated on each page, numbers on the right."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    t = Table(rows, colWidths=widths, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("FONT", (0, 0), (-1, 0), bold, 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7e2")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#90a4ae")),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return t


def _timeline_chart(tl: list[dict], font: str):
    """Arrivals per 5 minutes as a bar chart (every few bars labelled with their time)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.units import mm

    d = Drawing(170 * mm, 60 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 10 * mm, 10 * mm, 155 * mm, 45 * mm
    chart.data = [[p["count"] for p in tl]]
    chart.categoryAxis.categoryNames = [
        p["start"].strftime("%H:%M") if i % max(1, len(tl) // 10) == 0 else "" for i, p in enumerate(tl)
    ]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#1565c0")
    d.add(chart)
    d.add(String(10 * mm, 57 * mm, "Số người", fontName=font, fontSize=8))
    return d


def _esc(text: str) -> str:
    """Paragraph text is a tiny markup language: escape user text."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
