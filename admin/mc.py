"""Awards, the MC tablet (/mc/) and the stage screen (/stage/) (issue 7)."""

from __future__ import annotations

from flask import Blueprint, render_template

from admin.security import role_required

bp = Blueprint("mc", __name__)


@bp.get("/mc/")
@role_required("mc")
def index():
    return render_template("stub.html", title="Người dẫn chương trình")
