"""Events for admins (issue 13): /admin/events lists the events (the current one marked), makes
one current (POST, CSRF) and creates a new one (from nothing, a template or an earlier event,
with or without its guests) through models.services.event_setup.new_event, as `flask new-event` does.

Also: the "DEMO" mark of every page header (a context processor), and the friendly page shown
instead of a bare 404 when there is no current event yet (admin/core/errors.py calls no_event_page).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from admin.core.context import actor_name
from admin.core.forms import ActionForm, flash_form_errors
from admin.core.security import role_required
from models.core.base import db
from models.events.models import Event
from models.events.service import current_event_id
from models.privacy.retention import retention
from models.services.event_setup import (
    EventError,
    PastDateError,
    list_events,
    local_today,
    new_event,
    templates,
    use_event,
)

bp = Blueprint("event_list", __name__, url_prefix="/admin")


class NewEventForm(FlaskForm):
    name = StringField(
        _l("Tên sự kiện"),
        validators=[
            DataRequired(_l("Vui lòng nhập tên sự kiện.")),
            Length(max=300, message=_l("Tên sự kiện tối đa 300 ký tự.")),
        ],
    )
    date = DateField(
        _l("Ngày tổ chức"),
        format="%Y-%m-%d",
        validators=[DataRequired(_l("Vui lòng nhập ngày tổ chức (ngày/tháng/năm)."))],
    )
    venue = StringField(
        _l("Địa điểm"),
        validators=[
            DataRequired(_l("Vui lòng nhập địa điểm.")),
            Length(max=300, message=_l("Địa điểm tối đa 300 ký tự.")),
        ],
    )
    template = SelectField(_l("Mẫu"), validate_choice=False)
    from_event = SelectField(_l("Sao chép từ sự kiện trước"), validate_choice=False)
    with_guests = BooleanField(_l("Chép cả danh sách khách mời (thẻ mới, chưa xếp ghế)"))
    allow_past = BooleanField(_l("Ngày đã qua: vẫn tạo (nhập lại một sự kiện đã diễn ra)"))


def _form(form: NewEventForm | None = None) -> NewEventForm:
    form = form or NewEventForm()
    form.template.choices = [("", _("Không dùng mẫu (sự kiện trống)"))] + [
        (key, f"{tpl['title']} ({key})") for key, tpl in templates().items()
    ]
    form.from_event.choices = [("", _("Không sao chép"))] + [
        (r.slug, f"{r.name} · {r.date:%d/%m/%Y}" + (" · DEMO" if r.is_demo else "")) for r in list_events()
    ]
    return form


def _page(form: NewEventForm, status: int = 200, *, ask_past: bool = False):
    events = list_events()
    keep = {e.id: retention(db.session.get(Event, e.id)) for e in events}
    page = render_template(
        "events/list.html",
        events=events,
        keep=keep,
        today=local_today(),
        form=form,
        action=ActionForm(),
        ask_past=ask_past,
    )
    return page, status


@bp.get("/events")
@role_required("admin")
def index():
    return _page(_form())


@bp.post("/events")
@role_required("admin")
def create():
    form = _form()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _page(form, 400)
    try:
        ev = new_event(
            name=form.name.data,
            date=form.date.data,
            venue=form.venue.data,
            template=form.template.data or None,
            from_event=form.from_event.data or None,
            with_guests=bool(form.with_guests.data),
            actor=actor_name(),
            allow_past=bool(form.allow_past.data),
        )
    except PastDateError:
        db.session.rollback()
        flash(
            _(
                "Ngày tổ chức %(date)s đã qua. Nếu đúng là một sự kiện đã diễn ra, đánh dấu “Ngày đã qua: "
                "vẫn tạo” rồi bấm Tạo lại.",
                date=form.date.data.strftime("%d/%m/%Y"),
            ),
            "warn",
        )
        return _page(form, 400, ask_past=True)
    except EventError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _page(form, 400)
    db.session.commit()
    flash(_("Đã tạo sự kiện %(name)s; đây là sự kiện hiện tại.", name=ev.name), "ok")
    return redirect(url_for("event_list.index"))


@bp.post("/events/<int:event_id>/current")
@role_required("admin")
def make_current(event_id: int):
    form = ActionForm()
    ev = db.session.get(Event, event_id)
    if not form.validate_on_submit() or ev is None:
        flash(_("Không tìm thấy sự kiện."), "error")
        return redirect(url_for("event_list.index"))
    try:
        use_event(ev.slug, actor=actor_name())
    except EventError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("event_list.index"))
    db.session.commit()
    flash(_("Sự kiện hiện tại: %(name)s", name=ev.name), "ok")
    return redirect(url_for("event_list.index"))


@bp.app_context_processor
def _demo_mark() -> dict:
    """``demo_mark``: the current event is the demo (base.html and the stage show "DEMO")."""

    def demo_mark() -> bool:
        try:
            ev_id = current_event_id()
            return bool(ev_id and db.session.scalar(select(Event.is_demo).where(Event.id == ev_id)))
        except Exception:  # the database is unreachable: the error page still renders
            db.session.rollback()
            return False

    return {"demo_mark": demo_mark}


def no_event_page():
    """The friendly page for a page that needs a current event when there is none."""
    return render_template("events/none.html"), 404
