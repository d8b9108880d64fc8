"""Guest list, import, badges and exports (issue 4). Seat plan pages: admin/seating/views.py."""

from __future__ import annotations

import re
import secrets

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from admin.core.context import actor_name, event_or_404
from admin.core.exports import log_download
from admin.core.forms import IdField
from admin.core.hostile import arg_int
from admin.core.security import role_required
from admin.core.uploads import imports_dir
from models.core.base import db
from models.core.phones import format_phone
from models.core.timeutil import local
from models.events.models import Group
from models.guests import exports
from models.guests.badge_pdf import prepare_badges, render_badges
from models.guests.imports import apply, preview
from models.guests.models import Attendee
from models.guests.reading import MAX_BYTES, ImportFileError
from models.guests.search import search_attendees
from models.privacy.exports import count_people

bp = Blueprint("guests", __name__, url_prefix="/admin")


@bp.app_template_filter("phone")
def _phone_filter(digits: str | None) -> str:
    """{{ p.phone|phone }}: "0905111222" -> "0905 111 222" (models.core.phones.format_phone)."""
    return format_phone(digits)


_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class ImportForm(FlaskForm):
    file = FileField(_l("Tệp danh sách (.xlsx hoặc .csv)"))
    encoding = SelectField(
        _l("Bảng mã (chỉ cho .csv)"),
        choices=[("", _l("Tự nhận ra")), ("utf-8", "UTF-8"), ("utf-16", "UTF-16"), ("cp1258", "Windows-1258")],
        default="",
        validate_choice=True,
    )


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$")])
    fix_caps = BooleanField(_l("Viết lại chức vụ, đơn vị đang viết IN HOA (GIÁM ĐỐC → Giám đốc; giữ UBND, TNHH, HTX…)"))


class BadgeForm(FlaskForm):
    layout = SelectField(
        _l("Khổ in"), choices=[("a6", _l("A6, một thẻ mỗi trang")), ("a4", _l("A4, bốn thẻ mỗi trang, có dấu cắt"))]
    )
    group = IdField(validators=[Optional()])
    attendee = IdField(validators=[Optional()])


class MoveForm(FlaskForm):
    seat = StringField(_l("Ghế mới"), validators=[Length(max=20)])
    swap = BooleanField(_l("Đổi chỗ nếu ghế đã có người"))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    msg = _(
        "Tệp quá lớn: tối đa %(mb)d MB. Hãy bỏ các trang tính, ảnh và cột thừa rồi thử lại.",
        mb=MAX_BYTES // (1024 * 1024),
    )
    if request.path.startswith("/admin/attendees/import"):
        return render_template(
            "guests/import.html", form=ImportForm(formdata=None), report=None, error=msg, event=event_or_404()
        ), 413
    return render_template("error.html", status=413, message=msg), 413


@bp.get("/attendees")
@role_required("admin")
def index():
    ev = event_or_404()
    q = (request.args.get("q") or "")[:200]
    group_id = arg_int("group")
    if q.strip():
        people = search_attendees(ev.id, q, limit=500)
    else:
        stmt = select(Attendee).where(Attendee.event_id == ev.id, Attendee.status.in_(("invited", "cancelled")))
        if group_id:
            stmt = stmt.where(Attendee.group_id == group_id)
        stmt = stmt.options(selectinload(Attendee.badges)).order_by(Attendee.precedence, Attendee.sort_key)
        people = list(db.session.scalars(stmt.limit(500)).unique())
    total = db.session.scalar(
        select(func.count(Attendee.id)).where(Attendee.event_id == ev.id, Attendee.status == "invited")
    )
    groups = list(db.session.scalars(select(Group).where(Group.event_id == ev.id).order_by(Group.priority)))
    return render_template(
        "guests/index.html",
        event=ev,
        people=people,
        q=q,
        group_id=group_id,
        groups=groups,
        total=total,
        badge_form=BadgeForm(formdata=None),
        move_form=MoveForm(formdata=None),
        local=lambda t: local(t, ev.timezone),
    )


@bp.get("/attendees/template.xlsx")
@role_required("admin")
def template():
    return _xlsx(exports.template_xlsx(event_or_404()), "mau-danh-sach-dai-bieu.xlsx")


@bp.get("/attendees/export.xlsx")
@role_required("admin")
def export():
    ev = event_or_404()
    data = exports.delegates_xlsx(ev)
    log_download("guest_list", count_people(ev, "guest_list"), event_id=ev.id)
    return _xlsx(data, "danh-sach-dai-bieu.xlsx")


@bp.get("/attendees/no-shows.xlsx")
@role_required("admin")
def no_shows():
    ev = event_or_404()
    data = exports.no_shows_xlsx(ev)
    log_download("no_shows", count_people(ev, "no_shows"), event_id=ev.id)
    return _xlsx(data, "dai-bieu-vang-mat.xlsx")


def _xlsx(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/attendees/import", methods=["GET", "POST"])
@role_required("admin")
def import_page():
    ev = event_or_404()
    form = ImportForm()
    if request.method == "GET":
        return render_template("guests/import.html", form=form, report=None, error=None, event=ev)
    upload = request.files.get("file")
    error = None
    if not form.validate_on_submit():
        error = _("Biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.")
    elif upload is None or not upload.filename:
        error = _("Chưa chọn tệp.")
    if error:
        return render_template("guests/import.html", form=form, report=None, error=error, event=ev), 400
    data = upload.read(MAX_BYTES + 1)
    try:
        report = preview(ev, data, upload.filename, form.encoding.data or None)
    except ImportFileError as exc:
        return render_template("guests/import.html", form=form, report=None, error=str(exc), event=ev), 400
    token = secrets.token_hex(16)
    (imports_dir() / f"{token}.bin").write_bytes(data)
    session["import"] = {"token": token, "filename": upload.filename[:200], "encoding": form.encoding.data}
    confirm = ConfirmImportForm(formdata=None, token=token)
    return render_template("guests/import.html", form=form, report=report, confirm=confirm, error=None, event=ev)


@bp.post("/attendees/import/confirm")
@role_required("admin")
def import_confirm():
    ev = event_or_404()
    form = ConfirmImportForm()
    info = session.get("import") or {}
    token = form.token.data or ""
    path = imports_dir() / f"{token}.bin"
    if not form.validate_on_submit() or not _TOKEN.match(token) or info.get("token") != token or not path.exists():
        flash(_("Phiên nhập đã hết hạn. Vui lòng chọn lại tệp."), "error")
        return redirect(url_for("guests.import_page"))
    try:
        report = preview(ev, path.read_bytes(), info.get("filename", ""), info.get("encoding") or None)
        if not report.good:
            flash(_("Không có dòng hợp lệ nào để nhập."), "error")
            return redirect(url_for("guests.import_page"))
        apply(ev, report, fix_caps=form.fix_caps.data, actor=actor_name(), user_id=current_user.id)
    except ImportFileError as exc:
        flash(str(exc), "error")
        return redirect(url_for("guests.import_page"))
    finally:
        path.unlink(missing_ok=True)
        session.pop("import", None)
    flash(
        _(
            "Đã nhập danh sách: %(c)d đại biểu mới, %(u)d cập nhật, %(s)d dòng lỗi bỏ qua, "
            "%(k)d dòng tổng / ký tên không phải đại biểu.",
            c=report.created,
            u=report.updated,
            s=len(report.bad),
            k=len(report.skipped),
        ),
        "ok",
    )
    return redirect(url_for("guests.index"))


@bp.get("/badges")
@role_required("admin")
def badges():
    ev = event_or_404()
    groups = list(db.session.scalars(select(Group).where(Group.event_id == ev.id).order_by(Group.priority)))
    counts = dict(
        db.session.execute(
            select(Attendee.group_id, func.count(Attendee.id))
            .where(Attendee.event_id == ev.id, Attendee.status == "invited")
            .group_by(Attendee.group_id)
        ).all()
    )
    return render_template("guests/badges.html", event=ev, groups=groups, counts=counts, form=BadgeForm(formdata=None))


@bp.post("/badges/pdf")
@role_required("admin")
def badges_pdf():
    """One badge (attendee), a group (group) or everyone: issue missing badges, mark them printed,
    and send the PDF."""
    ev = event_or_404()
    form = BadgeForm()
    if not form.validate_on_submit():
        flash(_("Lựa chọn in thẻ không hợp lệ."), "error")
        return redirect(url_for("guests.badges"))
    ids = [form.attendee.data] if form.attendee.data else None
    group_id = form.group.data
    cards = prepare_badges(ev, attendee_ids=ids, group_id=group_id)
    if not cards:
        flash(_("Không có đại biểu nào để in thẻ."), "warn")
        return redirect(request.referrer or url_for("guests.badges"))
    pdf = render_badges(cards, form.layout.data or "a6")
    name = f"the-dai-bieu-{form.layout.data}-{len(cards)}.pdf"
    log_download("badges", len(cards), event_id=ev.id, group_id=group_id, attendee_ids=ids)
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
