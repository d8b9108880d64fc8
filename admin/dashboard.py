"""The organiser's live dashboard and the reports (issue 5)."""

from __future__ import annotations

from flask import Blueprint, render_template

from admin.security import role_required
from models.events import current_event
from models.stats import attendance

bp = Blueprint("dashboard", __name__, url_prefix="/admin")


@bp.get("/")
@role_required("admin")
def index():
    ev = current_event()
    stats = attendance(ev) if ev else None
    return render_template("admin/index.html", event=ev, stats=stats)
