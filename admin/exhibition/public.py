"""The exhibition for visitors and the press (public, no login, phone first).

GET /exhibition/ (?unit=<district id>&stars=3|4|5|0): approved exhibitors' products by unit with
stars and table, the filters, and the hall's table map (inline SVG drawn by the server).
GET /exhibition/table/<id>: one table's exhibitors and products (the QR on its printed card).
No phone number, e-mail or contact name is shown; registered, rejected and removed exhibitors
never appear (models.exhibition.public).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from admin.core.context import event_or_404
from admin.core.hostile import arg_int
from models.exhibition.public import public_table, public_units, table_map_svg
from models.exhibition.reports import GROUP_NAMES, KIND_NAMES

bp = Blueprint("exhibition", __name__)
STAR_CHOICES = (5, 4, 3, 0)


def public_base_url() -> str:
    """The server's address on the venue network: config PUBLIC_BASE_URL, else this request's."""
    return (current_app.config.get("PUBLIC_BASE_URL") or request.url_root).rstrip("/")


def _int_arg(name: str, allowed=None) -> int | None:
    """A filter: absent, empty or not one of ``allowed`` -> None (no filter); not a whole
    number in ASCII digits (``?stars=²``) -> 400 (admin.core.hostile.arg_int)."""
    value = arg_int(name)
    return value if allowed is None or value in allowed else None


@bp.get("/exhibition/")
def index():
    ev = event_or_404()
    units_all = public_units(ev)
    unit, stars = _int_arg("unit", {u.id for u in units_all}), _int_arg("stars", STAR_CHOICES)
    units = public_units(ev, unit, stars) if (unit is not None or stars is not None) else units_all
    svg = table_map_svg(ev, lambda tid: url_for("exhibition.table", table_id=tid), title=_("Sơ đồ bàn trưng bày"))
    return render_template(
        "exhibition/index.html",
        event=ev,
        units=units,
        all_units=units_all,
        unit=unit,
        stars=stars,
        star_choices=STAR_CHOICES,
        table_map=Markup(svg),
        groups=GROUP_NAMES,
        kinds=KIND_NAMES,
        total=sum(u.product_count for u in units),
    )


@bp.get("/exhibition/table/<int:table_id>")
def table(table_id: int):
    ev = event_or_404()
    t = public_table(ev, table_id)
    if t is None:
        abort(404)
    return render_template("exhibition/table.html", event=ev, t=t, groups=GROUP_NAMES, kinds=KIND_NAMES)
