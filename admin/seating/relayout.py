"""Laying the hall out again from /admin/seats (on the "guests" blueprint): "Xếp lại từ đầu" and
"Người nhận khen thưởng ra ghế lối đi". The first POST shows who moves (nothing changes); the
confirmation, a second POST, sends back the preview's token and is refused when the plan changed
in between (models.seating.relayout)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from admin.core.context import actor_name, event_or_404
from admin.core.security import role_required
from admin.guests.views import bp
from models.core.base import db
from models.seating.assignment import SeatingError
from models.seating.relayout import KINDS, relayout


class RelayoutForm(FlaskForm):
    group = StringField(validators=[Optional(), Length(max=40)])
    token = HiddenField(validators=[Optional(), Length(max=64)])


def _kind(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


def _preview(ev, kind: str, group: str, status: int = 200):
    try:
        plan = relayout(ev, kind, group or None)
    except SeatingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("guests.seats"))
    db.session.rollback()
    form = RelayoutForm(formdata=None, group=plan.group, token=plan.token)
    return render_template("seating/relayout.html", event=ev, kind=kind, plan=plan, form=form), status


@bp.post("/seats/relayout/<kind>")
@role_required("admin")
def relayout_preview(kind: str):
    ev = event_or_404()
    form = RelayoutForm()
    if not form.validate_on_submit():
        abort(400)
    return _preview(ev, _kind(kind), (form.group.data or "").strip())


@bp.post("/seats/relayout/<kind>/confirm")
@role_required("admin")
def relayout_confirm(kind: str):
    ev = event_or_404()
    kind = _kind(kind)
    form = RelayoutForm()
    if not form.validate_on_submit() or not form.token.data:
        abort(400)
    group = (form.group.data or "").strip()
    try:
        plan = relayout(
            ev, kind, group or None, apply=True, token=form.token.data, actor=actor_name(), user_id=current_user.id
        )
    except SeatingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _preview(ev, kind, group, status=409)
    db.session.commit()
    flash(
        _(
            "Đã xếp lại: %(moved)d người đổi chỗ, %(lost)d người mất ghế, %(gained)d người được ghế; "
            "%(kept)d người đã điểm danh giữ nguyên ghế.",
            moved=len(plan.moved),
            lost=len(plan.lost),
            gained=len(plan.gained),
            kept=plan.kept_checked_in,
        ),
        "ok",
    )
    if plan.lacking:
        flash(_("Còn %(n)d đại biểu chưa có ghế.", n=plan.lacking), "warn")
    return redirect(url_for("guests.seats"))
