"""The organiser's award pages (/admin/awards, role admin), on the "mc" blueprint: the sequence
with its batches and presenters, rebuild by the rules (capacity, tier order), manual moves,
import from .xlsx, creation from rated products."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from admin.ceremony.mc import bp
from admin.core.context import actor_name, event_or_404, owned_or_404
from admin.core.forms import ActionForm
from admin.core.security import role_required
from models.ceremony.awards_import import awards_from_products, import_awards
from models.ceremony.models import Award
from models.ceremony.sequence import (
    SequenceError,
    SequenceLocked,
    award_batches,
    batches_of,
    calls_in,
    ceremony_state,
    move_award,
    set_presenter,
    set_tier_order,
    tiers_in_order,
)
from models.core.base import db
from models.core.numbers import int_or_none
from models.events.models import Group
from models.guests.models import Attendee

MAX_UPLOAD = 5 * 1024 * 1024


def _checked() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _back():
    return redirect(url_for("mc.awards"))


def _run(fn, ok_message: str):
    """Run a sequencing change; commit, or roll back with a Vietnamese message."""
    try:
        fn()
    except SequenceLocked:
        db.session.rollback()
        flash(_("Lễ trao thưởng đã bắt đầu: không thể thay đổi thứ tự."), "error")
        return _back()
    except SequenceError as exc:
        db.session.rollback()
        flash(_("Dữ liệu không hợp lệ: %(msg)s", msg=str(exc)), "error")
        return _back()
    db.session.commit()
    if ok_message:
        flash(ok_message, "ok")
    return _back()


@bp.get("/admin/awards")
@role_required("admin")
def awards():
    ev = event_or_404()
    leaders = db.session.scalars(
        select(Attendee)
        .join(Group, Group.id == Attendee.group_id)
        .where(Attendee.event_id == ev.id, Group.is_leader.is_(True), Attendee.status == "invited")
        .order_by(Attendee.precedence, Attendee.sort_key)
    ).all()
    unbatched = db.session.scalars(select(Award).where(Award.event_id == ev.id, Award.batch_id.is_(None))).all()
    batches = batches_of(ev.id)
    return render_template(
        "ceremony/awards.html",
        event=ev,
        batches=batches,
        people={b.id: len(calls_in(b.awards)) for b in batches},
        tiers=tiers_in_order(ev.id),
        leaders=leaders,
        unbatched=unbatched,
        locked=ceremony_state(ev.id).locked,
        form=ActionForm(),
    )


@bp.post("/admin/awards/batches")
@role_required("admin")
def rebuild():
    _checked()
    ev = event_or_404()
    capacity = int_or_none(request.form.get("capacity", ev.stage_capacity), 0, 10_000)
    if capacity is None:
        flash(_("Số người trên sân khấu phải là một số."), "error")
        return _back()
    tiers = tiers_in_order(ev.id)
    ranks = []
    for t in tiers:
        rank = int_or_none(request.form.get(f"order_{t.id}", t.sort_order), 0, 10_000)
        if rank is None:
            flash(_("Thứ tự hạng phải là một số."), "error")
            return _back()
        ranks.append((rank, t.sort_order, t.code))
    order = [code for _r, _o, code in sorted(ranks)]

    def go():
        set_tier_order(ev, order, actor=actor_name())
        award_batches(ev, capacity, actor=actor_name())

    return _run(go, _("Đã sắp xếp lại thứ tự trao thưởng theo quy tắc."))


@bp.post("/admin/awards/<int:award_id>/move")
@role_required("admin")
def move(award_id: int):
    _checked()
    ev = event_or_404()
    award = owned_or_404(Award, award_id, ev)
    step = -1 if request.form.get("direction") == "up" else 1
    return _run(
        lambda: move_award(ev, award_id, to_position=award.position + step, actor=actor_name()), _("Đã đổi thứ tự.")
    )


@bp.post("/admin/awards/batch/<int:batch_id>/presenter")
@role_required("admin")
def presenter(batch_id: int):
    _checked()
    ev = event_or_404()
    raw = request.form.get("attendee_id", "")
    attendee_id = None if raw == "" else int_or_none(raw)
    if raw and attendee_id is None:
        attendee_id = -1  # not a whole number: set_presenter refuses it
    return _run(lambda: set_presenter(ev, batch_id, attendee_id, actor=actor_name()), _("Đã đổi người trao."))


@bp.post("/admin/awards/import")
@role_required("admin")
def upload():
    """Import (or, with action=preview, only check) an awards file; the report page lists every
    row: new, or what it changed (old → new); rows that are the same award with their numbers."""
    _checked()
    ev = event_or_404()
    f = request.files.get("file")
    data = f.read(MAX_UPLOAD + 1) if f else b""
    if not data:
        flash(_("Vui lòng chọn tệp Excel (.xlsx)."), "error")
        return _back()
    if len(data) > MAX_UPLOAD:
        flash(_("Tệp quá lớn."), "error")
        return _back()
    dry_run = request.form.get("action") == "preview"
    try:
        report = import_awards(ev, data, actor=actor_name(), dry_run=dry_run)
    except SequenceLocked:
        db.session.rollback()
        flash(_("Lễ trao thưởng đã bắt đầu: không thể thay đổi thứ tự."), "error")
        return _back()
    if dry_run or not report.ok:
        db.session.rollback()
    else:
        db.session.commit()
        flash(
            _(
                "Đã nhập %(created)s, cập nhật %(updated)s.",
                created=ngettext("%(num)s giải mới", "%(num)s giải mới", report.created),
                updated=ngettext("%(num)s giải", "%(num)s giải", report.updated),
            ),
            "ok",
        )
    return render_template(
        "ceremony/awards_import.html",
        event=ev,
        report=report,
        preview=dry_run,
        filename=f.filename if f else "",
        form=ActionForm(),
    )


@bp.post("/admin/awards/from-products")
@role_required("admin")
def from_products():
    _checked()
    ev = event_or_404()
    made = []
    result = _run(lambda: made.append(awards_from_products(ev, actor=actor_name())), "")
    if made:
        flash(
            ngettext(
                "Đã tạo %(num)s giải từ các sản phẩm đã xếp hạng.",
                "Đã tạo %(num)s giải từ các sản phẩm đã xếp hạng.",
                made[0],
            ),
            "ok",
        )
    return result
