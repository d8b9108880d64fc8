"""District delegations: private links for district officers, review by the organiser (issue 9)."""

from __future__ import annotations

from flask import Blueprint, render_template

from admin.security import role_required

bp = Blueprint("districts", __name__)


@bp.get("/admin/districts")
@role_required("admin")
def admin_index():
    return render_template("stub.html", title="Đoàn đại biểu các huyện")
