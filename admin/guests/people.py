"""One delegate's record (on the "guests" blueprint): edit, cancel, restore, merge a duplicate.

The rules live in models.services.person_changes; these views parse, call, flash and redirect.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from admin.core.context import actor_name, event_or_404, owned_or_404
from admin.core.forms import IdField, flash_form_errors
from admin.core.hostile import arg_int
from admin.core.security import role_required
from admin.guests.views import bp
from models.core.base import db
from models.core.phones import format_phone
from models.events.models import Group
from models.guests.imports import HONORIFICS
from models.guests.models import Attendee
from models.guests.search import search_attendees
from models.hall.seats import seat_phrase
from models.services.person_changes import (
    FIELDS,
    ChangeError,
    cancel_attendee,
    edit_attendee,
    merge_attendees,
    restore_attendee,
)
from models.units.models import District


class EditForm(FlaskForm):
    honorific = StringField(_l("Danh xưng"), validators=[Length(max=40, message=_l("Danh xưng tối đa 40 ký tự."))])
    full_name = StringField(
        _l("Họ và tên"),
        validators=[DataRequired(_l("Vui lòng nhập họ tên.")), Length(max=200, message=_l("Họ tên tối đa 200 ký tự."))],
    )
    position = StringField(_l("Chức vụ"), validators=[Length(max=300, message=_l("Chức vụ tối đa 300 ký tự."))])
    organisation = StringField(_l("Đơn vị"), validators=[Length(max=300, message=_l("Đơn vị tối đa 300 ký tự."))])
    group_id = SelectField(_l("Thành phần"), validate_choice=False)
    district_id = SelectField(_l("Địa phương"), validate_choice=False)
    phone = StringField(_l("Điện thoại"), validators=[Length(max=40, message=_l("Số điện thoại quá dài."))])
    email = StringField(_l("Email"), validators=[Length(max=200, message=_l("Email tối đa 200 ký tự."))])
    precedence = StringField(
        _l("Thứ tự ưu tiên (số nhỏ ngồi trước)"),
        validators=[Optional(), Regexp(r"\A[0-9]{1,7}\Z", message=_l("Thứ tự ưu tiên phải là số."))],
    )
    notes = TextAreaField(_l("Ghi chú"), validators=[Length(max=2000, message=_l("Ghi chú tối đa 2000 ký tự."))])


class CancelForm(FlaskForm):
    reason = StringField(
        _l("Lý do hủy"),
        validators=[
            DataRequired(_l("Vui lòng ghi lý do hủy.")),
            Length(max=300, message=_l("Lý do tối đa 300 ký tự.")),
        ],
    )


class RestoreForm(FlaskForm):
    pass


class MergeForm(FlaskForm):
    other = IdField(validators=[DataRequired()])


def _person(attendee_id: int) -> Attendee:
    ev = event_or_404()
    return owned_or_404(Attendee, attendee_id, ev)


def _choices(model, ev) -> list[tuple[str, str]]:
    order = model.priority if model is Group else model.sort_order
    rows = db.session.scalars(select(model).where(model.event_id == ev.id).order_by(order, model.name))
    return [("", _("— chưa rõ —"))] + [(str(x.id), x.name) for x in rows]


def _edit_form(person: Attendee, formdata=None) -> EditForm:
    ev = event_or_404()
    if formdata is None:
        form = EditForm(formdata=None, obj=person)
        form.group_id.data = str(person.group_id or "")
        form.district_id.data = str(person.district_id or "")
        form.phone.data = format_phone(person.phone)
        form.precedence.data = str(person.precedence) if person.precedence_typed else ""
    else:
        form = EditForm(formdata=formdata)
    form.group_id.choices = _choices(Group, ev)
    form.district_id.choices = _choices(District, ev)
    return form


def _page(person: Attendee, form: EditForm, status: int = 200):
    return render_template(
        "guests/edit.html",
        event=event_or_404(),
        person=person,
        form=form,
        cancel_form=CancelForm(formdata=None),
        restore_form=RestoreForm(formdata=None),
        honorifics=HONORIFICS,
        seat_text=seat_phrase(person.seat, label=True),
        merged_into=db.session.get(Attendee, person.merged_into_id) if person.merged_into_id else None,
        format_phone=format_phone,
    ), status


@bp.route("/attendees/<int:attendee_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit(attendee_id: int):
    person = _person(attendee_id)
    if request.method == "GET":
        return _page(person, _edit_form(person))
    form = _edit_form(person, request.form)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _page(person, form, 400)
    try:
        changed = edit_attendee(
            person,
            {f: getattr(form, f).data for f in FIELDS},
            actor=actor_name(),
            user_id=current_user.id,
        )
    except ChangeError as exc:
        db.session.rollback()
        for msg in exc.problems:
            flash(msg, "error")
        return _page(db.session.get(Attendee, attendee_id), form, 400)
    db.session.commit()
    if changed:
        flash(_("Đã lưu %(name)s (%(n)d trường thay đổi).", name=person.display_name, n=len(changed)), "ok")
    else:
        flash(_("Không có gì thay đổi."), "ok")
    return redirect(url_for("guests.edit", attendee_id=person.id))


@bp.post("/attendees/<int:attendee_id>/cancel")
@role_required("admin")
def cancel(attendee_id: int):
    person = _person(attendee_id)
    form = CancelForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("guests.edit", attendee_id=person.id))
    try:
        revoked = cancel_attendee(person, form.reason.data, actor=actor_name(), user_id=current_user.id)
    except ChangeError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("guests.edit", attendee_id=attendee_id))
    db.session.commit()
    flash(_("Đã hủy %(name)s: ghế được trả lại, %(n)d thẻ bị thu hồi.", name=person.display_name, n=revoked), "ok")
    return redirect(url_for("guests.edit", attendee_id=person.id))


@bp.post("/attendees/<int:attendee_id>/restore")
@role_required("admin")
def restore(attendee_id: int):
    person = _person(attendee_id)
    if not RestoreForm().validate_on_submit():
        flash(_("Biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại."), "error")
        return redirect(url_for("guests.edit", attendee_id=person.id))
    try:
        badge = restore_attendee(person, actor=actor_name(), user_id=current_user.id)
    except ChangeError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("guests.edit", attendee_id=attendee_id))
    db.session.commit()
    flash(
        _(
            "Đã khôi phục %(name)s với thẻ mới (lần %(n)d); thẻ cũ vẫn bị thu hồi.",
            name=person.display_name,
            n=badge.serial,
        ),
        "ok",
    )
    flash(_('Ghế không được trả lại tự động: bấm "Xếp chỗ" hoặc đổi ghế bằng tay.'), "warn")
    return redirect(url_for("guests.edit", attendee_id=person.id))


@bp.route("/attendees/<int:attendee_id>/merge", methods=["GET", "POST"])
@role_required("admin")
def merge(attendee_id: int):
    """Pick the duplicate (search), compare, confirm. The record in the URL is the one kept."""
    ev = event_or_404()
    keep = _person(attendee_id)
    if request.method == "POST":
        form = MergeForm()
        other = db.session.get(Attendee, form.other.data) if form.validate_on_submit() else None
        if other is None or other.event_id != ev.id:
            flash(_("Hãy chọn bản ghi trùng cần gộp."), "error")
            return redirect(url_for("guests.merge", attendee_id=keep.id))
        try:
            merge_attendees(keep, other, actor=actor_name(), user_id=current_user.id)
        except ChangeError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("guests.merge", attendee_id=attendee_id, other=other.id))
        db.session.commit()
        flash(
            _(
                "Đã gộp #%(o)d vào #%(k)d (%(name)s); bản ghi #%(o)d đã bị hủy.",
                o=other.id,
                k=keep.id,
                name=keep.display_name,
            ),
            "ok",
        )
        return redirect(url_for("guests.edit", attendee_id=keep.id))
    other = None
    other_id = arg_int("other")
    if other_id:
        other = db.session.get(Attendee, other_id)
        if other is None or other.event_id != ev.id or other.id == keep.id:
            flash(_("Không có bản ghi này để gộp."), "error")
            other = None
    q = (request.args.get("q") or keep.full_name)[:200]
    found = [p for p in search_attendees(ev.id, q, limit=50) if p.id != keep.id and p.merged_into_id is None]
    return render_template(
        "guests/merge.html",
        event=ev,
        keep=keep,
        other=other,
        q=q,
        found=found,
        form=MergeForm(formdata=None, other=other.id if other else ""),
        format_phone=format_phone,
        seat_phrase=seat_phrase,
    )
