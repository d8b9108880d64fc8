"""The current event's settings page (/admin/event) and its badge logo. The structure pages
(programme, groups, units, award tiers) are on this blueprint too: admin/events/structure.py."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, Response, abort, flash, g, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from admin.core.context import actor_name, event_or_404
from admin.core.forms import IntegerField
from admin.core.security import role_required
from models.core.base import db
from models.events.notice import default_notice, notice_text
from models.events.service import current_event
from models.events.settings import (
    SETTING_FIELDS,
    LogoError,
    check_logo,
    english_unit_label,
    set_logo,
    update_settings,
)

bp = Blueprint("event_settings", __name__, url_prefix="/admin/event")


def _vn(cls, message):
    """The WTForms field ``cls`` with a Vietnamese message when the text cannot be parsed."""

    class Field(cls):
        def process_formdata(self, valuelist):
            try:
                super().process_formdata(valuelist)
            except ValueError:
                self.data = None
                raise ValueError(message) from None

    Field.__name__ = cls.__name__
    return Field


DateField = _vn(DateField, _l("Ngày không hợp lệ, ví dụ 2025-05-22."))
TimeField = _vn(TimeField, _l("Giờ không hợp lệ, ví dụ 07:30."))
IntegerField = _vn(IntegerField, _l("Phải là số nguyên."))


def _tz(form, field) -> None:
    try:
        ZoneInfo(field.data.strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(_l("Múi giờ không hợp lệ, ví dụ Asia/Ho_Chi_Minh.")) from None


def _text(label, n: int, required: bool = False):
    v = [DataRequired(_l("Không được để trống."))] if required else [Optional()]
    return StringField(label, validators=[*v, Length(max=n, message=_l("Quá dài (tối đa %(max)d ký tự)."))])


class SettingsForm(FlaskForm):
    name = _text(_l("Tên sự kiện"), 300, required=True)
    short_name = _text(_l("Tên ngắn"), 120)
    date = DateField(_l("Ngày"), validators=[InputRequired(_l("Vui lòng nhập ngày (YYYY-MM-DD)."))])
    start_time = TimeField(_l("Giờ bắt đầu"), validators=[Optional()])
    venue = _text(_l("Địa điểm"), 300)
    address = _text(_l("Địa chỉ"), 300)
    planned_seats = IntegerField(
        _l("Số ghế dự kiến"),
        validators=[InputRequired(_l("Vui lòng nhập số ghế.")), NumberRange(1, 100_000, _l("Số ghế từ 1 đến 100000."))],
    )
    timezone = StringField(_l("Múi giờ"), validators=[DataRequired(_l("Không được để trống.")), Length(max=64), _tz])
    stage_capacity = IntegerField(
        _l("Số người trên sân khấu mỗi đợt"),
        validators=[InputRequired(_l("Vui lòng nhập số người.")), NumberRange(1, 200, _l("Từ 1 đến 200 người."))],
    )
    retention_days = IntegerField(
        _l("Giữ dữ liệu cá nhân (số ngày sau ngày hội nghị, rồi hủy)"),
        validators=[
            InputRequired(_l("Vui lòng nhập số ngày.")),
            NumberRange(0, 3650, _l("Từ 0 đến 3650 ngày.")),
        ],
    )
    parent_body = _text(_l("Cơ quan chủ quản"), 200)
    issuing_body = _text(_l("Cơ quan ban hành"), 200)
    unit_level = _text(_l("Cấp đơn vị (viết thường, ví dụ: xã, phường, đặc khu)"), 100, required=True)
    unit_label = _text(_l("Tên một đơn vị (tiêu đề cột, ví dụ: Xã/phường)"), 60, required=True)
    unit_label_en = _text(_l("Tên một đơn vị bằng tiếng Anh (ví dụ: Commune/ward; để trống: tự dịch)"), 60)
    letter_number = _text(_l("Số, ký hiệu giấy mời"), 60)
    letter_place = _text(_l("Địa danh"), 100)
    letter_date = DateField(_l("Ngày ban hành (để trống: người ký tự ghi)"), validators=[Optional()])
    signer_authority = _text(_l("Quyền hạn người ký (ví dụ: KT. GIÁM ĐỐC)"), 100)
    signer_title = _text(_l("Chức vụ người ký"), 100)
    signer_name = _text(_l("Họ tên người ký"), 120)
    letter_recipients = TextAreaField(
        _l("Nơi nhận (mỗi dòng một nơi)"),
        validators=[Optional(), Length(max=2000, message=_l("Quá dài (tối đa %(max)d ký tự)."))],
    )
    privacy_contact = _text(_l("Người liên hệ về dữ liệu cá nhân (đơn vị, điện thoại, email)"), 300)
    privacy_notice = TextAreaField(
        _l("Thông báo xử lý dữ liệu cá nhân (tiếng Việt; để trống: văn bản mặc định)"),
        validators=[Optional(), Length(max=8000, message=_l("Quá dài (tối đa %(max)d ký tự)."))],
    )
    privacy_notice_en = TextAreaField(
        _l("Thông báo bằng tiếng Anh (để trống: văn bản mặc định)"),
        validators=[Optional(), Length(max=8000, message=_l("Quá dài (tối đa %(max)d ký tự)."))],
    )
    logo = FileField(_l("Logo trên thẻ (PNG hoặc JPEG, tối đa 2 MB, 2000 × 2000 điểm ảnh)"))
    remove_logo = BooleanField(_l("Bỏ logo"))


@bp.app_template_global("unit_label")
def unit_label() -> str:
    """The current event's word for one delegation unit ("Huyện", "Xã/phường"), for headers and
    labels: templates say {{ unit_label() }} instead of a hard-wired "Huyện". On English pages
    the event's English word (``unit_label_en``, else the English of a known label)."""
    lang = g.get("lang", "vi")
    key = (lang, id(request._get_current_object()) if has_request_context() else 0)  # once per request
    if g.get("unit_words_key") != key:
        ev = current_event()
        if ev is None:
            g.unit_words = ("Unit", "unit") if lang == "en" else ("Đơn vị", "đơn vị")
        elif lang == "en":
            english = english_unit_label(ev)
            g.unit_words = (english, english.lower())
        else:
            g.unit_words = (ev.unit_label, ev.unit_level)
        g.unit_words_key = key
    return g.unit_words[0]


@bp.app_template_global("unit_level")
def unit_level() -> str:
    """The current event's name of the level, lower case ("huyện, thị xã, thành phố")."""
    unit_label()
    return g.unit_words[1]


@bp.app_template_global("privacy_notice_text")
def privacy_notice_text(ev) -> str:
    """The event's personal data notice in the page's language (models.events.notice)."""
    return notice_text(ev, "en" if g.get("lang") == "en" else "vi")


@bp.app_template_global("local_name")
def local_name(thing) -> str:
    """A group's (or tier's, or any row's) name in the page's language: ``name_en`` on English
    pages when the event gave one, else ``name``. Works on model rows and on dicts."""
    get = thing.get if isinstance(thing, dict) else lambda key, default="": getattr(thing, key, default)
    if g.get("lang") == "en" and (get("name_en", "") or "").strip():
        return get("name_en")
    return get("name", "") or ""


def _page(ev, form, error=None):
    return render_template(
        "events/settings.html",
        event=ev,
        form=form,
        error=error,
        default_notice_vi=default_notice(ev, "vi"),
        default_notice_en=default_notice(ev, "en"),
    )


@bp.route("", methods=["GET", "POST"])
@role_required("admin")
def settings():
    ev = event_or_404()
    form = SettingsForm(obj=ev) if request.method == "GET" else SettingsForm()
    if request.method == "GET":
        return _page(ev, form)
    if not form.validate_on_submit():
        return _page(ev, form, _("Chưa lưu: vui lòng sửa các ô có lỗi.")), 400
    upload = request.files.get("logo")
    png = None
    if upload is not None and upload.filename:
        try:
            png = check_logo(upload.read(2 * 1024 * 1024 + 1))
        except LogoError as exc:
            form.logo.errors = [str(exc)]
            return _page(ev, form, _("Chưa lưu: vui lòng sửa các ô có lỗi.")), 400
    values = {f: getattr(form, f).data for f in SETTING_FIELDS}
    values.update({f: "" for f, v in values.items() if v is None and f not in ("start_time", "letter_date")})
    update_settings(ev, values, actor=actor_name(), user_id=current_user.id)
    if png is not None:
        set_logo(ev, png, actor=actor_name(), user_id=current_user.id)
    elif form.remove_logo.data and ev.logo:
        set_logo(ev, None, actor=actor_name(), user_id=current_user.id)
    db.session.commit()
    flash(_("Đã lưu cài đặt sự kiện."), "ok")
    return redirect(url_for("event_settings.settings"))


@bp.get("/logo.png")
@role_required("admin")
def logo():
    ev = event_or_404()
    if not ev.logo:
        abort(404)
    return Response(ev.logo, mimetype="image/png", headers={"Cache-Control": "no-store"})
