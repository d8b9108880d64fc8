"""The seat map: plain data for the SVG page (templates/guests/_seatmap.svg) and the printable PDF.

seat_map(ev, mode="group"|"arrival") -> SeatMap (read-only). Colours: by the occupant's group, or
by arrival (arrived green, seated but not arrived amber, free white, locked grey). The stage is
at the top (y = 0); seats are drawn at their x, y in seat units.
seat_map_pdf(ev, mode) -> PDF bytes (A4 or A3 landscape, DejaVu embedded, a legend).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from sqlalchemy import select

from models.core.base import db
from models.events.models import Event, Group
from models.guests.models import Attendee
from models.seating.models import Block, Seat

ARRIVED, WAITING, FREE, LOCKED = "#2e7d32", "#f9a825", "#ffffff", "#9e9e9e"
MODES = ("group", "arrival")


@dataclass
class SeatCell:
    id: int
    label: str
    x: int
    y: int
    block: str
    fill: str
    aisle: bool
    disabled: bool
    name: str = ""
    group: str = ""
    arrived: bool = False


@dataclass
class SeatMap:
    mode: str
    seats: list[SeatCell]
    blocks: list[dict]
    legend: list[tuple[str, str, int]]  # (colour, label, count)
    width: int = 1
    height: int = 1
    stats: dict = field(default_factory=dict)


def seat_map(ev: Event, mode: str = "group") -> SeatMap:
    """The hall's seats with their colour in ``mode`` (unknown modes fall back to "group")."""
    mode = mode if mode in MODES else "group"
    groups = {g.id: g for g in db.session.scalars(select(Group).where(Group.event_id == ev.id))}
    occupant = {r.seat_id: r for r in db.session.execute(
        select(Attendee.seat_id, Attendee.honorific, Attendee.full_name, Attendee.group_id,
               Attendee.checked_in_at).where(Attendee.event_id == ev.id, Attendee.seat_id.is_not(None)))}
    blocks = list(db.session.scalars(select(Block).where(Block.event_id == ev.id).order_by(Block.x, Block.code)))
    codes = {b.id: b.code for b in blocks}
    cells: list[SeatCell] = []
    counts: dict[tuple[str, str], int] = {}
    for s in db.session.scalars(select(Seat).where(Seat.event_id == ev.id).order_by(Seat.y, Seat.x)):
        o = occupant.get(s.id)
        g = groups.get(o.group_id) if o else None
        if s.disabled:
            fill, key = LOCKED, "Ghế khóa"
        elif o is None:
            fill, key = FREE, "Ghế trống"
        elif mode == "arrival":
            fill, key = (ARRIVED, "Đã đến") if o.checked_in_at else (WAITING, "Chưa đến")
        else:
            fill, key = (g.color, g.name) if g else ("#607d8b", "Chưa phân thành phần")
        counts[(fill, key)] = counts.get((fill, key), 0) + 1
        cells.append(SeatCell(
            id=s.id, label=s.label, x=s.x, y=s.y, block=codes.get(s.block_id, ""), fill=fill, aisle=s.is_aisle,
            disabled=s.disabled, name=f"{o.honorific} {o.full_name}".strip() if o else "",
            group=g.name if g else "", arrived=bool(o and o.checked_in_at)))
    order = {g.name: g.priority for g in groups.values()}
    legend = sorted(((f, k, n) for (f, k), n in counts.items()), key=lambda t: (order.get(t[1], 10**6), t[1]))
    width = max([c.x for c in cells] + [b.x + b.seats_per_row - 1 for b in blocks] + [0]) + 1
    height = max([c.y for c in cells] + [0]) + 1
    binfo = [{"code": b.code, "name": b.name, "x": b.x, "y": b.y, "w": b.seats_per_row, "h": b.rows,
              "groups": ", ".join(g.name for g in b.groups)} for b in blocks]
    seated = sum(1 for c in cells if c.name)
    return SeatMap(mode=mode, seats=cells, blocks=binfo, legend=legend, width=width, height=height,
                   stats={"seats": len(cells), "seated": seated,
                          "arrived": sum(1 for c in cells if c.arrived),
                          "free": sum(1 for c in cells if not c.name and not c.disabled)})


def seat_map_pdf(ev: Event, mode: str = "group") -> bytes:
    """The printable seat map (landscape; A3 for wide halls)."""
    from reportlab.lib.pagesizes import A3, A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from models.core.pdf_fonts import register_fonts
    from models.guests.badge_pdf import BOLD, FONT, event_line, fit, hex_rgb

    register_fonts()
    sm = seat_map(ev, mode)
    size = landscape(A3 if sm.width > 40 else A4)
    pw, ph = size
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size, initialFontName=FONT, initialFontSize=9)
    c.setTitle("Sơ đồ chỗ ngồi")
    margin = 12 * mm
    s, lines = fit(f"Sơ đồ chỗ ngồi · {ev.name}", BOLD, pw - 2 * margin, size=14, min_size=8, max_lines=2)
    y = ph - margin
    for line in lines:
        y -= s
        c.setFont(BOLD, s)
        c.drawString(margin, y, line)
    c.setFont(FONT, 9)
    y -= 12
    c.drawString(margin, y, event_line(ev) + ("  ·  tô màu theo thành phần" if sm.mode == "group"
                                              else "  ·  tô màu theo đã đến / chưa đến"))
    legend_h = 14 * mm
    top = y - 8 * mm
    stage_h = 8 * mm
    avail_w, avail_h = pw - 2 * margin, top - stage_h - 4 * mm - margin - legend_h
    unit = min(avail_w / max(sm.width, 1), avail_h / max(sm.height, 1), 14 * mm)
    ox = margin + (avail_w - unit * sm.width) / 2
    c.setFillColorRGB(0.2, 0.25, 0.3)
    c.rect(ox, top - stage_h, unit * sm.width, stage_h, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(BOLD, 11)
    c.drawCentredString(ox + unit * sm.width / 2, top - stage_h + 2.6 * mm, "SÂN KHẤU")
    oy = top - stage_h - 4 * mm
    font_size = max(3.0, min(7.0, unit * 0.26))
    for cell in sm.seats:
        x, yy = ox + cell.x * unit, oy - (cell.y + 1) * unit
        c.setFillColorRGB(*hex_rgb(cell.fill))
        c.setStrokeColorRGB(0.35, 0.35, 0.35)
        c.setLineWidth(0.3)
        c.rect(x + 0.6, yy + 0.6, unit - 1.2, unit - 1.2, stroke=1, fill=1)
        r, g, b = hex_rgb(cell.fill)
        c.setFillColorRGB(*((0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 0.6 else (1, 1, 1)))
        c.setFont(FONT, font_size)
        c.drawCentredString(x + unit / 2, yy + unit / 2 - font_size / 3, cell.label.split("-", 1)[-1])
    c.setFont(BOLD, 9)
    c.setFillColorRGB(0, 0, 0)
    for b in sm.blocks:
        c.drawString(ox + b["x"] * unit, oy - (b["y"] + b["h"]) * unit - 11, f"{b['code']} · {b['name']}")
    lx, ly = margin, margin
    c.setFont(FONT, 8)
    for fill, key, n in sm.legend:
        label = f"{key} ({n})"
        w = c.stringWidth(label, FONT, 8) + 14
        if lx + w > pw - margin:
            lx, ly = margin, ly + 11
        c.setFillColorRGB(*hex_rgb(fill))
        c.rect(lx, ly, 8, 8, stroke=1, fill=1)
        c.setFillColorRGB(0, 0, 0)
        c.drawString(lx + 11, ly + 1, label)
        lx += w + 8
    c.showPage()
    c.save()
    return buf.getvalue()
