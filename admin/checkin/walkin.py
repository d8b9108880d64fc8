"""The desk (on the "desk" blueprint): walk-in registration, badge reissue and reprint (issue 4).

/desk/walk-in looks the typed person up first (models.checkin.walkin.walk_in_matches) and offers
the delegates already on the list ("Đã có trong danh sách: … — Đón người này", one click:
/desk/walk-in/<id>/welcome checks them in); a new person is created only by the explicit
"Tạo người mới" button (create_new=1), or when nobody on the list matches."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from admin.checkin.desk import bp
from admin.core.context import actor_name, event_or_404, owned_or_404
from admin.core.exports import log_download
from admin.core.forms import ActionForm, flash_form_errors
from admin.core.security import role_required
from models.checkin.walkin import WalkInError, register_walk_in, walk_in_matches, welcome_existing
from models.core.base import db
from models.core.numbers import int_or_none
from models.core.phones import format_phone
from models.core.timeutil import local
from models.events.models import Group
from models.guests.badge_pdf import badge_cards, render_badges
from models.guests.badges import reissue_badge
from models.guests.models import Attendee
from models.hall.seats import seat_phrase
from models.units.models import District


class WalkInForm(FlaskForm):
    honorific = SelectField(
        _l("Danh xưng"), choices=[("", "—"), ("Ông", "Ông"), ("Bà", "Bà"), ("Đồng chí", "Đồng chí")], default=""
    )
    full_name = StringField(
        _l("Họ và tên"),
        validators=[DataRequired(_l("Vui lòng nhập họ tên.")), Length(max=200, message=_l("Họ tên tối đa 200 ký tự."))],
    )
    position = StringField(_l("Chức vụ"), validators=[Length(max=300)])
    organisation = StringField(_l("Đơn vị"), validators=[Length(max=300)])
    group = SelectField(_l("Thành phần"), validate_choice=False)
    district = SelectField(_l("Xã/phường"), validate_choice=False)
    phone = StringField(_l("Điện thoại"), validators=[Optional(), Length(max=40)])


class ReissueForm(FlaskForm):
    reason = StringField(
        _l("Lý do cấp lại"),
        validators=[
            DataRequired(_l("Vui lòng ghi lý do cấp lại thẻ.")),
            Length(max=200, message=_l("Lý do tối đa 200 ký tự.")),
        ],
    )


def _group_choices(ev) -> list[tuple[str, str]]:
    groups = db.session.scalars(select(Group).where(Group.event_id == ev.id).order_by(Group.priority))
    return [("", _("— chưa rõ —"))] + [(str(g.id), g.name) for g in groups]


def _person(ev, attendee_id: int) -> Attendee:
    return owned_or_404(Attendee, attendee_id, ev)


def _unit_choices(ev) -> list[tuple[str, str]]:
    units = db.session.scalars(select(District).where(District.event_id == ev.id).order_by(District.sort_order))
    return [("", _("— chưa rõ —"))] + [(str(d.id), d.name) for d in units]


def _chosen(value: str | None) -> int | None:
    return int_or_none(value or "")


def _walk_in_form(ev) -> WalkInForm:
    form = WalkInForm()
    form.group.choices = _group_choices(ev)
    form.district.choices = _unit_choices(ev)
    return form


@bp.route("/walk-in", methods=["GET", "POST"])
@role_required("desk")
def walk_in():
    """Look up -> (the one on the list: check in) or (new: seat -> badge -> checked in); then the
    badge page (PDF ready to print)."""
    ev = event_or_404()
    form = _walk_in_form(ev)
    matches = []
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_form_errors(form)
        else:
            if request.form.get("create_new") != "1":
                matches = walk_in_matches(
                    ev,
                    full_name=form.full_name.data,
                    organisation=form.organisation.data or "",
                    phone=form.phone.data or "",
                )
            # someone on the list may be this person: offered below ("Đón người này", or the
            # explicit "Tạo người mới"); nobody, or the explicit choice: a new person
            done = None if matches else _register(ev, form)
            if done is not None:
                return redirect(url_for("desk.badge_page", attendee_id=done.attendee.id))
    return render_template(
        "checkin/walk_in.html",
        event=ev,
        form=form,
        matches=matches,
        action_form=ActionForm(),
        format_phone=format_phone,
        local=lambda t: local(t, ev.timezone),
        seat_phrase=seat_phrase,
    )


def _register(ev, form: WalkInForm):
    """Create the walk-in from the form (the explicit choice); None (message flashed) on a bad form."""
    try:
        done = register_walk_in(
            ev,
            full_name=form.full_name.data,
            honorific=form.honorific.data or "",
            position=form.position.data or "",
            organisation=form.organisation.data or "",
            group_id=_chosen(form.group.data),
            district_id=_chosen(form.district.data),
            phone=form.phone.data or "",
            station=_("Bàn đón tiếp"),
            user_id=current_user.id,
            actor=actor_name(),
        )
    except WalkInError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return None
    flash(_("Đã đăng ký và điểm danh %(name)s.", name=done.attendee.display_name), "ok")
    return done


@bp.post("/walk-in/<int:attendee_id>/welcome")
@role_required("desk")
def walk_in_welcome(attendee_id: int):
    """ "Đón người này": the walk-in is a delegate already on the list: check them in (no new
    person, no second seat); one who arrived before is told so."""
    ev = event_or_404()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        person, result = welcome_existing(
            ev, attendee_id, station=_("Bàn đón tiếp"), user_id=current_user.id, actor=actor_name()
        )
    except WalkInError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("desk.walk_in"))
    seatless = result.outcome == "ok" and not (result.attendee or {}).get("seat")
    if seatless and (result.attendee or {}).get("seat_needed"):
        flash(
            _(
                'Đã điểm danh %(name)s. Đại biểu chưa có ghế: bấm "Tìm ghế trống" trong danh sách đã đến chưa có ghế.',
                name=person.display_name,
            ),
            "warn",
        )
    elif result.outcome == "ok":
        flash(_("Đã đón và điểm danh %(name)s (đã có trong danh sách).", name=person.display_name), "ok")
    else:
        flash(result.message, "warn")
    return redirect(url_for("desk.badge_page", attendee_id=person.id))


@bp.get("/badge/<int:attendee_id>")
@role_required("desk")
def badge_page(attendee_id: int):
    """The delegate's badge, shown for printing (reprint), with the reissue form."""
    ev = event_or_404()
    person = _person(ev, attendee_id)
    return render_template(
        "checkin/badge.html",
        event=ev,
        person=person,
        badge=person.current_badge,
        reissue_form=ReissueForm(formdata=None),
        seat_text=seat_phrase(person.seat, label=True),
    )


@bp.get("/badge/<int:attendee_id>.pdf")
@role_required("desk")
def badge_pdf(attendee_id: int):
    """The current badge as an A6 PDF (reprinting does not change the code)."""
    ev = event_or_404()
    person = _person(ev, attendee_id)
    cards = badge_cards(ev, attendee_ids=[person.id])
    if not cards:
        abort(404)
    log_download("walkin_badge", 1, event_id=ev.id, attendee_id=person.id)
    return Response(
        render_badges(cards, "a6"),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="the-{person.id}.pdf"',
            # shown in a frame of the desk's badge page (same origin only)
            "X-Frame-Options": "SAMEORIGIN",
            "Content-Security-Policy": "frame-ancestors 'self'",
        },
    )


@bp.post("/badge/<int:attendee_id>/reissue")
@role_required("desk")
def reissue(attendee_id: int):
    """A lost badge: a new code, the old one revoked (a kiosk scan of it says "revoked")."""
    ev = event_or_404()
    person = _person(ev, attendee_id)
    form = ReissueForm()
    if person.status != "invited":
        flash(_("Đại biểu này không còn trong danh sách mời."), "error")
    elif not form.validate_on_submit():
        flash_form_errors(form)
    else:
        badge = reissue_badge(person, reason=form.reason.data.strip(), actor=actor_name())
        db.session.commit()
        flash(_("Đã cấp lại thẻ (lần %(n)d); thẻ cũ đã bị thu hồi. Hãy in thẻ mới.", n=badge.serial), "ok")
    return redirect(url_for("desk.badge_page", attendee_id=person.id))
