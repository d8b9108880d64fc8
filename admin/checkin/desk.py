"""The desk: find a delegate (accent-insensitive), check in by hand, undo, USB scanner field."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from admin.core.context import actor_name, event_or_404, owned_or_404
from admin.core.forms import ActionForm, ScanForm, UndoForm
from admin.core.security import role_required
from models.checkin import checkpoints
from models.checkin.checkin import ScanIdConflict, check_in, undo_check_in
from models.checkin.stats import attendance
from models.core.base import db
from models.core.numbers import int_or_none
from models.core.timeutil import local
from models.dashboard.live import seatless_arrivals
from models.guests.badges import revoked_badge_owner
from models.guests.models import Attendee
from models.guests.search import search_attendees
from models.hall.seats import seat_phrase
from models.seating.assignment import SeatingError, seat_at_desk

bp = Blueprint("desk", __name__, url_prefix="/desk")

OUTCOME_LABELS = {
    "ok": lambda: _("Đã điểm danh"),
    "already": lambda: _("Đã điểm danh trước đó"),
    "invalid": lambda: _("Mã không hợp lệ"),
    "revoked": lambda: _("Thẻ đã bị thu hồi"),
    "unknown": lambda: _("Không có trong danh sách"),
    "wrong_event": lambda: _("Thẻ của sự kiện khác"),
}


def revoked_message(owner: dict) -> str:
    """The desk's answer to a revoked badge: whose it is and which case (merged, cancelled,
    replaced by a newer card)."""
    if owner["kind"] == "merged":
        return _(
            "Thẻ của %(name)s: hồ sơ này đã được gộp vào %(kept)s. Dùng thẻ của hồ sơ %(kept)s.",
            name=owner["name"],
            kept=owner["kept"],
        )
    if owner["kind"] == "cancelled":
        reason = owner["reason"] or _("không ghi lý do")
        return _("Thẻ của %(name)s: đại biểu này đã bị hủy (%(reason)s).", name=owner["name"], reason=reason)
    return _(
        "Thẻ của %(name)s đã được thay thế: đây là thẻ số %(serial)d, thẻ đang dùng là số %(current)d. "
        "Thu lại thẻ cũ; cấp lại thẻ nếu đại biểu không mang thẻ mới.",
        name=owner["name"],
        serial=owner["serial"],
        current=owner["current_serial"],
    )


def new_scan_id() -> str:
    return "desk-" + secrets.token_hex(12)


@bp.get("/")
@role_required("desk")
def index():
    ev = event_or_404()
    q = (request.args.get("q") or "")[:200]
    people = search_attendees(ev.id, q) if q.strip() else []
    scan_form = ScanForm(formdata=None, scan_id=new_scan_id())
    seatless, seatless_count = seatless_arrivals(ev)
    chosen = request.args.get("checkpoint", "")
    return render_template(
        "checkin/index.html",
        event=ev,
        q=q,
        people=people,
        stats=attendance(ev),
        action_form=ActionForm(),
        undo_form=UndoForm(formdata=None),
        scan_form=scan_form,
        checkpoints=checkpoints.listed(ev.id),
        chosen_checkpoint=int_or_none(chosen, 1),
        seatless=seatless,
        seatless_count=seatless_count,
        local=lambda t: local(t, ev.timezone),
        seat_phrase=seat_phrase,
    )


@bp.post("/checkin/<int:attendee_id>")
@role_required("desk")
def checkin(attendee_id: int):
    ev = event_or_404()
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    person = owned_or_404(Attendee, attendee_id, ev)
    result = check_in(
        event_id=ev.id,
        attendee_id=attendee_id,
        scan_id=new_scan_id(),
        station=_("Bàn đón tiếp"),
        user_id=current_user.id,
        method="manual",
    )
    attendee = result.attendee or {}
    if result.outcome == "ok" and not attendee.get("seat") and attendee.get("seat_needed"):
        # the kiosk's words send the delegate to this desk: here the staff hear what to do
        flash(
            _(
                'Đã điểm danh %(name)s. Đại biểu chưa có ghế: bấm "Tìm ghế trống" trong danh sách đã đến chưa có ghế.',
                name=person.display_name,
            ),
            "warn",
        )
    else:
        flash(result.message, "ok" if result.outcome == "ok" else "warn")
    return redirect(url_for("desk.index", q=request.args.get("q", "")))


@bp.post("/seat/<int:attendee_id>")
@role_required("desk")
def seat(attendee_id: int):
    """Find a free seat for someone who arrived without one (models.seating.assignment.seat_at_desk)."""
    ev = event_or_404()
    if not ActionForm().validate_on_submit():
        abort(400)
    person = owned_or_404(Attendee, attendee_id, ev)
    try:
        given = seat_at_desk(ev, person, actor=actor_name(), user_id=current_user.id)
    except SeatingError as exc:
        db.session.rollback()
        flash(str(exc), "warn")
        return redirect(url_for("desk.index"))
    db.session.commit()
    if given is None:
        flash(
            _("Hội trường vẫn chưa có ghế trống cho %(name)s: báo ban tổ chức thêm ghế.", name=person.display_name),
            "warn",
        )
    else:
        flash(_("%(name)s: ghế %(seat)s.", name=person.display_name, seat=given.label), "ok")
    return redirect(url_for("desk.index"))


@bp.post("/undo/<int:attendee_id>")
@role_required("desk")
def undo(attendee_id: int):
    ev = event_or_404()
    form = UndoForm()
    person = owned_or_404(Attendee, attendee_id, ev)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for msg in errors:
                flash(msg, "error")
        return redirect(url_for("desk.index", q=request.args.get("q", "")))
    done = undo_check_in(
        attendee_id=attendee_id,
        reason=form.reason.data,
        user_id=current_user.id,
        actor=actor_name(),
    )
    if done:
        flash(_("Đã hủy điểm danh của %(name)s.", name=person.display_name), "ok")
    else:
        flash(_("%(name)s chưa điểm danh.", name=person.display_name), "warn")
    return redirect(url_for("desk.index", q=request.args.get("q", "")))


@bp.post("/scan")
@role_required("desk")
def scan():
    """The USB scanner field: it types the code and Enter. JSON for the page's script,
    a redirect with a message otherwise."""
    ev = event_or_404()
    form = ScanForm()
    wants_json = request.accept_mimetypes.best == "application/json"
    checkpoint_id, cp_ok = _desk_checkpoint(ev.id, request.form.get("checkpoint", ""))
    if not cp_ok:
        msg = _("Điểm kiểm soát không hợp lệ.")
        if wants_json:
            return jsonify({"result": "error", "message": msg}), 400
        flash(msg, "error")
        return redirect(url_for("desk.index"))
    if not form.validate_on_submit():
        msg = _("Không đọc được mã. Vui lòng quét lại.")
        if wants_json:
            return jsonify({"result": "error", "message": msg}), 400
        flash(msg, "error")
        return redirect(url_for("desk.index"))
    try:
        result = check_in(
            event_id=ev.id,
            code=form.code.data.strip()[:4096],
            scan_id=form.scan_id.data,
            station=_("Bàn đón tiếp"),
            user_id=current_user.id,
            method="scanner",
            checkpoint_id=checkpoint_id,
        )
    except ScanIdConflict:
        msg = _("Lượt quét trùng mã với một lượt khác. Vui lòng quét lại.")
        if wants_json:
            return jsonify({"result": "error", "error": "scan_id_conflict", "message": msg}), 409
        flash(msg, "error")
        return redirect(url_for("desk.index"))
    message = result.message
    owner = revoked_badge_owner(ev.id, form.code.data.strip()[:4096]) if result.outcome == "revoked" else None
    if owner is not None:
        message = revoked_message(owner)
    label = _outcome_label(result)
    if wants_json:
        data = result.as_json()
        data["label"] = label
        if owner is not None:
            data["message"] = message
            data["revoked"] = owner
        return jsonify(data)
    flash(f"{label}: {message}", "ok" if result.outcome == "ok" else "warn")
    return redirect(url_for("desk.index", checkpoint=checkpoint_id or ""))


def _desk_checkpoint(event_id: int, raw: str) -> tuple[int | None, bool]:
    """The scanner field's checkpoint select: (checkpoint id or None for the entrance, valid?)."""
    if not raw:
        return None, True
    value = int_or_none(raw, 1)
    if value is not None and value in {c.id for c in checkpoints.listed(event_id)}:
        return value, True
    return None, False


def _outcome_label(result) -> str:
    """The desk's short label: at a checkpoint that is not the entrance nobody "arrives"."""
    cp = result.checkpoint or {}
    if result.outcome in ("ok", "already") and not checkpoints.is_arrival(cp.get("kind"), cp.get("rule")):
        return _("Đã ghi nhận") if result.outcome == "ok" else _("Đã qua trước đó")
    return OUTCOME_LABELS[result.outcome]()
