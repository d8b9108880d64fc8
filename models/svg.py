"""Server-side SVG (no chart library, no internet): the seat map and a bar chart.
Every text is XML-escaped."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from models.seatmap import SeatCell, SeatMap

ARRIVED = "#2e7d32"
EXPECTED = "#cfd8dc"
EMPTY = "#ffffff"


def _attr(value: object) -> str:
    return escape(str(value), {'"': "&quot;"})


def seat_map_svg(sm: SeatMap, *, cell: int = 18, title: str = "") -> str:
    """The dashboard's hall seen from above, stage at the top, drawn from the seat map layout
    (models.seatmap.seat_map) in its mode. "arrival": arrived green, expected grey, free white;
    "group": the occupant's group colour, faded until they arrive."""
    seats = sm.seats
    if not seats:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    width = (max(s.x for s in seats) + 2) * cell
    height = (max(s.y for s in seats) + 2) * cell
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'class="seatmap" role="img" aria-label="{_attr(title or "Sơ đồ chỗ ngồi")}">',
           f'<rect x="{cell}" y="2" width="{width - 2 * cell}" height="{cell - 4}" rx="3" '
           f'fill="#37474f"/>',
           f'<text x="{width / 2}" y="{cell - 6}" text-anchor="middle" font-size="{cell * 0.55}" '
           f'fill="#fff" font-family="DejaVu Sans, sans-serif">SÂN KHẤU</text>']
    for b in sm.blocks:
        out.append(f'<text x="{(b["x"] + 0.5) * cell}" y="{(b["y"] - 0.2) * cell}" '
                   f'font-size="{cell * 0.6}" font-family="DejaVu Sans, sans-serif" '
                   f'fill="#455a64">{escape(b["code"])}</text>')
    for s in seats:
        fill, opacity = _dashboard_fill(s, sm.mode)
        out.append(f'<rect x="{s.x * cell + 1}" y="{s.y * cell + 1}" width="{cell - 3}" '
                   f'height="{cell - 3}" rx="2" fill="{_attr(fill)}" fill-opacity="{opacity}" '
                   f'stroke="#90a4ae" stroke-width="0.6" data-seat="{_attr(s.label)}" '
                   f'data-state="{s.state}"><title>{escape(s.label)}</title></rect>')
    out.append("</svg>")
    return "".join(out)


def _dashboard_fill(s: SeatCell, mode: str) -> tuple[str, float]:
    """(fill, opacity) of a seat on the dashboard: its own palette, lighter than the guest list's."""
    if s.disabled:
        return "#90a4ae", 0.4
    if mode == "group":
        return (s.color if s.taken and s.color else EMPTY), (1.0 if s.arrived or not s.taken else 0.35)
    return (ARRIVED if s.arrived else (EXPECTED if s.taken else EMPTY)), 1.0


def bar_chart(points: list[tuple[str, int]], *, width: int = 640, height: int = 180,
              colour: str = "#1565c0", label: str = "") -> str:
    """Vertical bars with a value on each non-empty bar and every few x labels."""
    if not points:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 40" class="chart">'
                f'<text x="8" y="24" font-size="13" fill="#607d8b" '
                f'font-family="DejaVu Sans, sans-serif">{escape(label)}</text></svg>')
    top = max(v for _, v in points) or 1
    pad_l, pad_b, pad_t = 8, 22, 16
    bw = (width - pad_l * 2) / len(points)
    plot_h = height - pad_b - pad_t
    every = max(1, len(points) // 10)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" '
           f'role="img" aria-label="{_attr(label)}">',
           f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - pad_l}" y2="{height - pad_b}" '
           f'stroke="#90a4ae"/>']
    for i, (name, value) in enumerate(points):
        h = plot_h * value / top
        x = pad_l + i * bw
        y = height - pad_b - h
        out.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bw - 2, 1):.1f}" height="{h:.1f}" '
                   f'fill="{_attr(colour)}" data-value="{value}"><title>{escape(name)}: {value}'
                   f'</title></rect>')
        if value:
            out.append(f'<text x="{x + bw / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                       f'font-size="10" font-family="DejaVu Sans, sans-serif">{value}</text>')
        if i % every == 0:
            out.append(f'<text x="{x + bw / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                       f'font-size="10" fill="#455a64" font-family="DejaVu Sans, sans-serif">'
                       f'{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)
