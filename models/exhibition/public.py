"""The exhibition as visitors and the press see it: approved exhibitors' products by delegation
unit, with stars and table, and the hall's table map. Read-only; plain values out.

Only exhibitors in ACTIVE statuses (approved, assigned, set up) appear; registered, rejected and
removed ones never do. Nothing here carries a phone number, an e-mail or a contact name.

public_units(ev, district_id=None, stars=None) -> list[PublicUnit]: units in their order, each with
    its exhibitors and products (filtered by unit and by stars: 3, 4, 5 or 0 for "potential");
    units without a matching product are left out.
public_table(ev, table_id) -> PublicTable | None: one table of the event (None: not the event's).
table_map_svg(ev, link=...) -> str: the inline SVG of the units' areas and their numbered tables;
    a table with an exhibitor links to its page.
table_url(base_url, table_id) -> str: the table page's address on the venue network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from sqlalchemy import select

from models.core.base import db
from models.events.models import Event
from models.exhibition.models import Exhibitor, ExhibitTable
from models.exhibition.workflow import ACTIVE, LOAD_ALL
from models.units.models import District


@dataclass
class PublicProduct:
    id: int
    name: str
    stars: int | None
    ocop_group: str
    decision_no: str


@dataclass
class PublicExhibitor:
    id: int
    name: str
    kind: str
    table_id: int | None
    table_number: int | None
    products: list[PublicProduct] = field(default_factory=list)


@dataclass
class PublicUnit:
    id: int
    name: str
    area: str
    exhibitors: list[PublicExhibitor] = field(default_factory=list)

    @property
    def product_count(self) -> int:
        return sum(len(x.products) for x in self.exhibitors)


@dataclass
class PublicTable:
    id: int
    number: int
    unit: str
    area: str
    exhibitors: list[PublicExhibitor]


def _active(ev: Event) -> list[Exhibitor]:
    return list(
        db.session.scalars(
            select(Exhibitor)
            .where(Exhibitor.event_id == ev.id, Exhibitor.status.in_(ACTIVE))
            .options(*LOAD_ALL)
            .order_by(Exhibitor.name, Exhibitor.id)
        )
    )


def _public(x: Exhibitor, stars: int | None = None) -> PublicExhibitor:
    products = [
        PublicProduct(p.id, p.name, p.stars, p.ocop_group, p.decision_no)
        for p in x.products
        if stars is None or (p.stars or 0) == stars
    ]
    products.sort(key=lambda p: (-(p.stars or 0), p.name))
    return PublicExhibitor(x.id, x.name, x.kind, x.table_id, x.table.number if x.table else None, products)


def _districts(ev: Event) -> list[District]:
    return list(
        db.session.scalars(
            select(District).where(District.event_id == ev.id).order_by(District.sort_order, District.id)
        )
    )


def public_units(ev: Event, district_id: int | None = None, stars: int | None = None) -> list[PublicUnit]:
    exhibitors = _active(ev)
    out = []
    for d in _districts(ev):
        if district_id is not None and d.id != district_id:
            continue
        unit = PublicUnit(d.id, d.name, d.exhibit_area)
        for x in exhibitors:
            if x.district_id == d.id:
                px = _public(x, stars)
                if px.products:
                    unit.exhibitors.append(px)
        unit.exhibitors.sort(key=lambda x: (x.table_number or 10_000, x.name))
        if unit.exhibitors:
            out.append(unit)
    return out


def public_table(ev: Event, table_id: int) -> PublicTable | None:
    t = db.session.get(ExhibitTable, table_id)
    if t is None or t.district is None or t.district.event_id != ev.id:
        return None
    at = [_public(x) for x in _active(ev) if x.table_id == t.id]
    return PublicTable(t.id, t.number, t.district.name, t.district.exhibit_area, at)


def table_url(base_url: str, table_id: int) -> str:
    return f"{base_url.rstrip('/')}/exhibition/table/{table_id}"


# --- the table map ------------------------------------------------------------------------------

#: a table square, the gap between squares, tables per row in an area, areas per row of the map
_CELL, _GAP, _PER_ROW, _AREAS_PER_ROW = 34, 8, 4, 2
_AREA_W = _PER_ROW * (_CELL + _GAP) + _GAP


def _a(value: object) -> str:
    return escape(str(value), {'"': "&quot;"})


def table_map_svg(ev: Event, link: Callable[[int], str], *, title: str = "Sơ đồ bàn trưng bày") -> str:
    """The units' areas (2 a row, phone width) with their numbered tables. A table with an
    approved exhibitor is filled and links to ``link(table_id)``; an empty one is outlined."""
    taken = {x.table_id for x in _active(ev) if x.table_id}
    tables: dict[int, list[ExhibitTable]] = {}
    districts = _districts(ev)
    for t in db.session.scalars(
        select(ExhibitTable)
        .where(ExhibitTable.district_id.in_([d.id for d in districts]))
        .order_by(ExhibitTable.number)
    ):
        tables.setdefault(t.district_id, []).append(t)
    shown = [d for d in districts if tables.get(d.id)]
    parts, x0, y0, row_h, height = [], _GAP, _GAP, 0, _GAP
    for i, d in enumerate(shown):
        if i and i % _AREAS_PER_ROW == 0:
            x0, y0, row_h = _GAP, y0 + row_h + _GAP, 0
        ts = tables[d.id]
        rows = (len(ts) + _PER_ROW - 1) // _PER_ROW
        h = 26 + rows * (_CELL + _GAP) + _GAP
        label = d.name if len(d.name) <= 22 else d.name[:21] + "…"
        parts.append(
            f'<g class="area" data-district="{d.id}"><rect x="{x0}" y="{y0}" width="{_AREA_W}" '
            f'height="{h}" rx="6" fill="#f1f8f4" stroke="#0a6e4f"/>'
            f'<text x="{x0 + 8}" y="{y0 + 18}" font-size="13" font-weight="bold" fill="#0a3d2e">'
            f"{escape(label)}</text>"
        )
        for j, t in enumerate(ts):
            tx = x0 + _GAP + (j % _PER_ROW) * (_CELL + _GAP)
            ty = y0 + 26 + (j // _PER_ROW) * (_CELL + _GAP)
            box = (
                f'<rect x="{tx}" y="{ty}" width="{_CELL}" height="{_CELL}" rx="4" '
                f'fill="{"#0a6e4f" if t.id in taken else "#ffffff"}" stroke="#0a6e4f"/>'
                f'<text x="{tx + _CELL / 2}" y="{ty + _CELL / 2 + 5}" text-anchor="middle" font-size="14" '
                f'fill="{"#ffffff" if t.id in taken else "#0a6e4f"}">{t.number}</text>'
            )
            if t.id in taken:
                parts.append(f'<a href="{_a(link(t.id))}" data-table="{t.id}">{box}</a>')
            else:
                parts.append(f'<g data-table="{t.id}" class="empty">{box}</g>')
        parts.append("</g>")
        x0 += _AREA_W + _GAP
        row_h = max(row_h, h)
        height = y0 + row_h + _GAP
    width = _AREAS_PER_ROW * (_AREA_W + _GAP) + _GAP
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {max(height, 40)}" class="table-map" '
        f'role="img" aria-label="{_a(title)}" font-family="DejaVu Sans, sans-serif">' + "".join(parts) + "</svg>"
    )
