"""The seat map: ONE layout of the hall that every drawing of it reads: the dashboard's SVG
(seat_map_svg), the guest list's SVG page (templates/guests/_seatmap_svg.html) and the
printable PDF (seat_map_pdf).

seat_map(ev, mode="group"|"arrival") -> SeatMap (read-only): every seat as a cell at its x, y in
seat units (the stage at the top, y = 0) with its label, its occupant (name, group, the group's
colour, arrived), its occupancy ``state`` ("arrived" / "taken" / "free") and its ``fill`` in
``mode``: by the occupant's group, or by arrival (arrived green, seated but not arrived amber,
free white, locked grey); the blocks, the legend (fill, label, count) and the counts.
Occupants are the people on the guest list (status "invited").
seat_map_pdf(ev, mode) -> PDF bytes (A4 or A3 landscape, DejaVu embedded, a legend).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from sqlalchemy import select

from models.core.base import db
from models.events.models import Event, Group
from models.guests.models import Attendee
from models.hall.models import Block, Seat

ARRIVED, WAITING, FREE, LOCKED = "#2e7d32", "#f9a825", "#ffffff", "#9e9e9e"
NO_GROUP = "#607d8b"
MODES = ("group", "arrival")


@dataclass(slots=True)
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
    #: somebody on the guest list sits here
    taken: bool = False
    #: the occupant's group colour ("" without an occupant or a group)
    color: str = ""

    @property
    def state(self) -> str:
        """The occupancy: "arrived", "taken" (not arrived yet) or "free"."""
        return "arrived" if self.arrived else ("taken" if self.taken else "free")


@dataclass
class SeatMap:
    mode: str
    seats: list[SeatCell]
    blocks: list[dict]
    legend: list[tuple[str, str, int]]  # (colour, label, count)
    width: int = 1
    height: int = 1
    stats: dict = field(default_factory=dict)


def _fill(disabled: bool, taken: bool, arrived: bool, group: Group | None, mode: str) -> tuple[str, str]:
    """(fill, legend label) of a seat in ``mode``."""
    if disabled:
        return LOCKED, "Ghế khóa"
    if not taken:
        return FREE, "Ghế trống"
    if mode == "arrival":
        return (ARRIVED, "Đã đến") if arrived else (WAITING, "Chưa đến")
    return (group.color, group.name) if group else (NO_GROUP, "Chưa phân thành phần")


def seat_map(ev: Event, mode: str = "group") -> SeatMap:
    """The hall's seats with their colour in ``mode`` (unknown modes fall back to "group")."""
    mode = mode if mode in MODES else "group"
    groups = {g.id: g for g in db.session.scalars(select(Group).where(Group.event_id == ev.id))}
    blocks = list(db.session.scalars(select(Block).where(Block.event_id == ev.id).order_by(Block.x, Block.code)))
    codes = {b.id: b.code for b in blocks}
    cells, counts, stats = _seat_cells(_seat_rows(ev), groups, codes, mode)
    order = {g.name: g.priority for g in groups.values()}
    legend = sorted(((f, k, n) for (f, k), n in counts.items()), key=lambda t: (order.get(t[1], 10**6), t[1]))
    width = max([max((c.x for c in cells), default=0)] + [b.x + b.seats_per_row - 1 for b in blocks]) + 1
    height = max((c.y for c in cells), default=0) + 1
    return SeatMap(
        mode=mode,
        seats=cells,
        blocks=_block_info(blocks),
        legend=legend,
        width=width,
        height=height,
        stats=stats,
    )


def _seat_rows(ev: Event) -> list:
    """Every seat of the hall with its invited occupant (if any), row by row."""
    return (
        db.session.connection()
        .execute(  # Core: no ORM row processing for 10,000 seats
            select(
                Seat.id,
                Seat.label,
                Seat.x,
                Seat.y,
                Seat.block_id,
                Seat.is_aisle,
                Seat.disabled,
                Attendee.id,
                Attendee.honorific,
                Attendee.full_name,
                Attendee.group_id,
                Attendee.checked_in_at,
            )
            .outerjoin(Attendee, (Attendee.seat_id == Seat.id) & (Attendee.status == "invited"))
            .where(Seat.event_id == ev.id)
            .order_by(Seat.y, Seat.x)
        )
        .all()
    )


def _seat_cells(
    rows: list, groups: dict[int, Group], codes: dict[int, str], mode: str
) -> tuple[list[SeatCell], dict[tuple[str, str], int], dict]:
    """(cells, seats per (fill, legend label), stats) of the rows of ``_seat_rows``."""
    cells: list[SeatCell] = []
    counts: dict[tuple[str, str], int] = {}
    looks: dict[tuple, tuple[str, str, str, str]] = {}  # a few distinct (state, group) pairs
    seated = arrivals = free = 0
    for sid, label, x, y, block_id, aisle, disabled, aid, honorific, full_name, group_id, at in rows:
        taken, arrived = aid is not None, at is not None
        look = looks.get((disabled, taken, arrived, group_id))
        if look is None:
            g = groups.get(group_id) if taken else None
            look = looks[(disabled, taken, arrived, group_id)] = (
                *_fill(disabled, taken, arrived, g, mode),
                g.name if g else "",
                g.color if g else "",
            )
        fill, key, gname, color = look
        counts[(fill, key)] = counts.get((fill, key), 0) + 1
        seated += taken
        arrivals += arrived
        free += not taken and not disabled
        cells.append(
            SeatCell(
                sid,
                label,
                x,
                y,
                codes.get(block_id, ""),
                fill,
                aisle,
                disabled,
                f"{honorific} {full_name}".strip() if taken else "",
                gname,
                arrived,
                taken,
                color,
            )
        )
    stats = {"seats": len(cells), "seated": seated, "arrived": arrivals, "free": free}
    return cells, counts, stats


def _block_info(blocks: list[Block]) -> list[dict]:
    """The blocks as the drawers read them (position, size, the groups seated there)."""
    return [
        {
            "code": b.code,
            "name": b.name,
            "x": b.x,
            "y": b.y,
            "w": b.seats_per_row,
            "h": b.rows,
            "groups": ", ".join(g.name for g in b.groups),
        }
        for b in blocks
    ]


#: the dashboard's palette (lighter than the guest list's; group colours faded until arrival)
DASH_ARRIVED, DASH_EXPECTED, DASH_EMPTY = "#2e7d32", "#cfd8dc", "#ffffff"


def _xml_attr(value: object) -> str:
    return escape(str(value), {'"': "&quot;"})


def seat_map_svg(sm: SeatMap, *, cell: int = 18, title: str = "") -> str:
    """The dashboard's hall seen from above, stage at the top, drawn from the layout (seat_map) in
    its mode. "arrival": arrived green, expected grey, free white; "group": the occupant's group
    colour, faded until they arrive. Every text is XML-escaped."""
    seats = sm.seats
    if not seats:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    width = (max(s.x for s in seats) + 2) * cell
    height = (max(s.y for s in seats) + 2) * cell
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="seatmap" role="img" aria-label="{_xml_attr(title or "Sơ đồ chỗ ngồi")}">',
        f'<rect x="{cell}" y="2" width="{width - 2 * cell}" height="{cell - 4}" rx="3" fill="#37474f"/>',
        f'<text x="{width / 2}" y="{cell - 6}" text-anchor="middle" font-size="{cell * 0.55}" '
        f'fill="#fff" font-family="DejaVu Sans, sans-serif">SÂN KHẤU</text>',
    ]
    for b in sm.blocks:
        out.append(
            f'<text x="{(b["x"] + 0.5) * cell}" y="{(b["y"] - 0.2) * cell}" '
            f'font-size="{cell * 0.6}" font-family="DejaVu Sans, sans-serif" '
            f'fill="#455a64">{escape(b["code"])}</text>'
        )
    for s in seats:
        fill, opacity = _dashboard_fill(s, sm.mode)
        out.append(
            f'<rect x="{s.x * cell + 1}" y="{s.y * cell + 1}" width="{cell - 3}" '
            f'height="{cell - 3}" rx="2" fill="{_xml_attr(fill)}" fill-opacity="{opacity}" '
            f'stroke="#90a4ae" stroke-width="0.6" data-seat="{_xml_attr(s.label)}" '
            f'data-state="{s.state}"><title>{escape(s.label)}</title></rect>'
        )
    out.append("</svg>")
    return "".join(out)


def _dashboard_fill(s: SeatCell, mode: str) -> tuple[str, float]:
    """(fill, opacity) of a seat on the dashboard: its own palette, lighter than the guest list's."""
    if s.disabled:
        return "#90a4ae", 0.4
    if mode == "group":
        return (s.color if s.taken and s.color else DASH_EMPTY), (1.0 if s.arrived or not s.taken else 0.35)
    return (DASH_ARRIVED if s.arrived else (DASH_EXPECTED if s.taken else DASH_EMPTY)), 1.0


def seat_map_pdf(ev: Event, mode: str = "group") -> bytes:
    """The printable seat map (landscape; A3 for wide halls): title, stage, seats, block names,
    legend; drawn from the same layout as the pages (seat_map)."""
    from reportlab.lib.pagesizes import A3, A4, landscape
    from reportlab.pdfgen import canvas

    from models.core.pdf_fonts import register_fonts
    from models.guests.badge_pdf import FONT

    register_fonts()
    sm = seat_map(ev, mode)
    size = landscape(A3 if sm.width > 40 else A4)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size, initialFontName=FONT, initialFontSize=9)
    c.setTitle("Sơ đồ chỗ ngồi")
    top = _pdf_heading(c, ev, sm, size)
    _pdf_hall(c, sm, size, top)
    _pdf_legend(c, sm, size)
    c.showPage()
    c.save()
    return buf.getvalue()


#: the printed page's margin, legend band and stage band (millimetres)
_MARGIN_MM, _LEGEND_MM, _STAGE_MM = 12, 14, 8


def _pdf_heading(c, ev: Event, sm: SeatMap, size: tuple[float, float]) -> float:
    """The title (up to 2 lines) and the event line; returns the y the hall starts below."""
    from reportlab.lib.units import mm

    from models.guests.badge_pdf import BOLD, FONT, event_line, fit

    pw, ph = size
    margin = _MARGIN_MM * mm
    s, lines = fit(f"Sơ đồ chỗ ngồi · {ev.name}", BOLD, pw - 2 * margin, size=14, min_size=8, max_lines=2)
    y = ph - margin
    for line in lines:
        y -= s
        c.setFont(BOLD, s)
        c.drawString(margin, y, line)
    c.setFont(FONT, 9)
    y -= 12
    c.drawString(
        margin,
        y,
        event_line(ev)
        + ("  ·  tô màu theo thành phần" if sm.mode == "group" else "  ·  tô màu theo đã đến / chưa đến"),
    )
    return y - 8 * mm


def _pdf_hall(c, sm: SeatMap, size: tuple[float, float], top: float) -> None:
    """The stage band, every seat (its fill, its number in black or white) and the block names,
    scaled to fit between the heading and the legend."""
    from reportlab.lib.units import mm

    from models.guests.badge_pdf import BOLD, FONT, hex_rgb

    pw, _ph = size
    margin, stage_h = _MARGIN_MM * mm, _STAGE_MM * mm
    avail_w, avail_h = pw - 2 * margin, top - stage_h - 4 * mm - margin - _LEGEND_MM * mm
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


def _pdf_legend(c, sm: SeatMap, size: tuple[float, float]) -> None:
    """The legend along the bottom margin: a swatch and "label (count)" per entry, wrapping."""
    from reportlab.lib.units import mm

    from models.guests.badge_pdf import FONT, hex_rgb

    pw, _ph = size
    margin = _MARGIN_MM * mm
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
