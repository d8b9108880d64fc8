"""One person's personal data from their record page (/admin/attendees/<id>/edit): "Dữ liệu của
người này" downloads everything held as JSON; "Xóa dữ liệu cá nhân" erases it (a reason and a
ticked confirmation). Admin only, CSRF on the form, both audited (models.privacy.person)."""

from __future__ import annotations

import json
import logging
from functools import partial

from flask import Blueprint, Response, abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from admin.core.context import actor_name, event_or_404, owned_or_404
from admin.core.exports import log_download
from admin.core.forms import flash_form_errors
from admin.core.security import role_required
from models.accounts.models import audit
from models.core.base import db
from models.guests.models import Attendee
from models.privacy.person import PrivacyError, erase_person, person_record, purge_freed_bytes

bp = Blueprint("privacy", __name__, url_prefix="/admin")


class EraseForm(FlaskForm):
    reason = StringField(
        _l("Lý do xóa"),
        validators=[
            DataRequired(_l("Vui lòng ghi lý do xóa.")),
            Length(max=300, message=_l("Lý do tối đa 300 ký tự.")),
        ],
    )
    confirm = BooleanField(
        _l("Tôi hiểu: dữ liệu cá nhân của người này bị xóa vĩnh viễn"),
        validators=[DataRequired(_l("Đánh dấu ô xác nhận để xóa."))],
    )


def _person(attendee_id: int) -> Attendee:
    ev = event_or_404()
    return owned_or_404(Attendee, attendee_id, ev)


@bp.get("/attendees/<int:attendee_id>/personal-data.json")
@role_required("admin")
def personal_data(attendee_id: int):
    person = _person(attendee_id)
    record = person_record(person.id)
    audit("person_data_export", "attendee", person.id, actor=actor_name(), user_id=current_user.id, people=1)
    log_download("person_data", 1, event_id=person.event_id, attendee_id=person.id)  # commits both
    body = json.dumps(record, ensure_ascii=False, indent=2)
    resp = Response(body, mimetype="application/json")
    resp.headers["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{person.id}.json"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/attendees/<int:attendee_id>/erase")
@role_required("admin")
def erase(attendee_id: int):
    person = _person(attendee_id)
    form = EraseForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("guests.edit", attendee_id=person.id))
    from pathlib import Path

    imports = Path(current_app.instance_path) / "imports"
    try:
        report = erase_person(
            person.id, reason=form.reason.data, actor=actor_name(), user_id=current_user.id, imports_dir=imports
        )
    except PrivacyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("guests.edit", attendee_id=person.id))
    pid = person.id
    db.session.commit()
    flash(
        _(
            "Đã xóa dữ liệu cá nhân của người số %(id)d (%(b)d thẻ, %(s)d lượt quét, %(a)d mục nhật ký). "
            "Số liệu của sự kiện không đổi.",
            id=report.attendee_id,
            b=report.badges,
            s=report.scans,
            a=report.audit_entries,
        ),
        "ok",
    )
    resp = redirect(url_for("guests.edit", attendee_id=pid))
    # the old bytes are purged once this request's own connection is back in the pool: after the
    # response (a failure is logged; `erase-person ID --purge` repeats it)
    resp.call_on_close(partial(_purge_after, current_app._get_current_object(), pid))
    return resp


def _purge_after(app, attendee_id: int) -> None:
    with app.app_context():
        done, what = purge_freed_bytes(db.engine, wait=5.0)
        if not done:
            logging.getLogger("event_kiosk.privacy").warning("erasure of #%d: %s", attendee_id, what)


@bp.post("/events/<int:event_id>/shred", endpoint="shred")
@role_required("admin")
def shred(event_id: int):
    """Shred an event from /admin/events: the full record comes back as the .zip download, and
    every person's personal data of the event is erased (models.privacy.retention)."""
    import tempfile
    from pathlib import Path

    from flask import request

    from models.events.models import Event
    from models.privacy.retention import ShredError, shred_event

    ev = db.session.get(Event, event_id)
    if ev is None:
        abort(404)
    if not FlaskForm().validate_on_submit() or request.form.get("confirm") != "y":
        flash(_("Đánh dấu ô xác nhận để xuất hồ sơ và hủy dữ liệu."), "error")
        return redirect(url_for("event_list.index"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"ho-so-{ev.slug}.zip"
        try:
            shred_event(
                ev,
                out,
                actor=actor_name(),
                user_id=current_user.id,
                early=request.form.get("early") == "y",
                imports_dir=Path(current_app.instance_path) / "imports",
            )
        except ShredError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("event_list.index"))
        data = out.read_bytes()
    name = out.name
    db.session.commit()
    resp = Response(data, mimetype="application/zip")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    resp.call_on_close(partial(_purge_after, current_app._get_current_object(), 0))
    return resp
