"""Guest list, seat plan, badges and exports (issue 4)."""

from __future__ import annotations

from flask import Blueprint, render_template

from admin.security import role_required

bp = Blueprint("guests", __name__, url_prefix="/admin")


@bp.get("/attendees")
@role_required("admin")
def index():
    return render_template("stub.html", title="Danh sách đại biểu")
