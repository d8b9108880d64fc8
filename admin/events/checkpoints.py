"""/admin/event/checkpoints (issue 24 item 5): the event's checkpoints are a structure kind
(admin.events.structure: list, add, rename, change kind or rule, delete one without scans, .xlsx
export and import; the rules in models.services.event_structure and models.checkin.checkpoints). This
module adds the page's second half: which checkpoint each device (kiosk, phone) scans at."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from admin.core.context import actor_name, event_or_404
from admin.core.security import role_required
from admin.events.settings import bp
from models.accounts.models import Device, audit
from models.checkin import checkpoints
from models.core.base import db
from models.core.database import write_transaction
from models.core.numbers import int_or_none


def devices() -> list[Device]:
    """The devices a checkpoint can be given to: every device not revoked, by name."""
    return list(db.session.scalars(select(Device).where(Device.revoked_at.is_(None)).order_by(Device.name)))


@bp.post("/checkpoints/devices")
@role_required("admin")
def checkpoint_devices():
    """Set each device's checkpoint from the ``device-<id>`` selects ("" = the event's entrance).
    A checkpoint that is not this event's refuses the whole form (nothing changed)."""
    ev = event_or_404()
    back = redirect(url_for("event_settings.structure_list", kind="checkpoints"))
    if not FlaskForm().validate_on_submit():
        flash(_("Biểu mẫu không hợp lệ."), "error")
        return back
    ours = {c.id for c in checkpoints.listed(ev.id)}
    wanted: dict[int, int | None] = {}
    for device in devices():
        raw = request.form.get(f"device-{device.id}")
        if raw is None:
            continue
        value = int_or_none(raw, 1)
        if raw and value not in ours:
            flash(_("Điểm kiểm soát không hợp lệ: không thay đổi gì."), "error")
            return back
        wanted[device.id] = value
    db.session.rollback()
    changed = 0
    with write_transaction():
        for device in devices():
            if device.id in wanted and device.checkpoint_id != wanted[device.id]:
                audit(
                    "device_checkpoint",
                    "device",
                    device.id,
                    actor=actor_name(),
                    user_id=current_user.id,
                    before=device.checkpoint_id,
                    after=wanted[device.id],
                )
                device.checkpoint_id = wanted[device.id]
                changed += 1
        db.session.commit()
    checkpoints.changed()
    flash(_("Đã lưu điểm kiểm soát của %(n)d thiết bị.", n=changed), "ok")
    return back
