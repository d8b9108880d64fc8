"""Exhibition: public booth registration, status link, admin workflow, per district (issue 6)."""

from __future__ import annotations

from flask import Blueprint, render_template

from admin.security import role_required

bp = Blueprint("exhibitors", __name__)


@bp.get("/admin/exhibitors")
@role_required("admin")
def admin_list():
    return render_template("stub.html", title="Gian hàng trưng bày")
