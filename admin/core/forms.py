"""WTForms (CSRF via Flask-WTF). Messages in Vietnamese through gettext."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class LoginForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập"), validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập.")), Length(max=80)]
    )
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu.")), Length(max=200)])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class UndoForm(FlaskForm):
    reason = StringField(
        _l("Lý do hủy"),
        validators=[
            DataRequired(_l("Vui lòng ghi lý do hủy điểm danh.")),
            Length(max=300, message=_l("Lý do tối đa 300 ký tự.")),
        ],
    )


class ScanForm(FlaskForm):
    code = StringField(_l("Mã trên thẻ"), validators=[DataRequired(_l("Chưa có mã.")), Length(max=4096)])
    scan_id = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9._:\-]{1,64}$")])
