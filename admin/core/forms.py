"""WTForms (CSRF via Flask-WTF). Messages in Vietnamese through gettext."""

from __future__ import annotations

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from models.checkin.checkin import SCAN_ID_PATTERN
from models.core.numbers import MAX_ID, NumberError, int_or_none, parse_int

#: WTForms' own message (in Vietnamese through admin.core.wtforms_vi)
NOT_AN_INTEGER = "Not a valid integer value."


class IntegerField(wtforms.IntegerField):
    """WTForms' IntegerField reading its text with models.core.numbers.parse_int: ASCII digits
    only (a "-" first where the range allows it); "１２", "²", "+1", " 1", "1_0" are refused with
    a Vietnamese message instead of becoming 12 or a ValueError. The range is the validators'
    (NumberRange) business; this field only reads."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] == "":
            self.data = None
            return
        try:
            self.data = parse_int(valuelist[0], -MAX_ID, MAX_ID)
        except NumberError:
            self.data = None
            raise ValueError(self.gettext(NOT_AN_INTEGER)) from None


class IdField(HiddenField):
    """A record's id sent back by a form: its ``data`` is an int in 1..MAX_ID, or None (empty
    or not a whole number in ASCII digits; add DataRequired to refuse that)."""

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        self.data = int_or_none(raw, 1, MAX_ID) if raw != "" else None
        if raw != "" and self.data is None:
            raise ValueError(self.gettext(NOT_AN_INTEGER))


def ascii_int(value) -> int:
    """``coerce`` of a SelectField / SelectMultipleField whose choices are ids."""
    return parse_int(value, -MAX_ID, MAX_ID)


def renew_csrf_token() -> None:
    """Forget this session's CSRF secret (Flask-WTF keeps it in the session and in ``g``): the
    next form gets a new token and every token of before is refused. At login and at logout, so
    a token seen before login (or by the previous user of a shared desk laptop) is worthless."""
    from flask import current_app, g, session

    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(name, None)
    g.pop(name, None)


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
    scan_id = HiddenField(validators=[DataRequired(), Regexp(SCAN_ID_PATTERN)])


def flash_form_errors(form) -> None:
    """Flash every message of a form that did not validate, as an error (nested forms' dicts and
    lists flattened, anything else shown as text): the one loop every page used to write."""

    def messages(errors):
        for value in errors.values() if isinstance(errors, dict) else errors:
            if isinstance(value, (dict, list, tuple)):
                yield from messages(value)
            else:
                yield value if isinstance(value, str) else str(value)

    from flask import flash

    for msg in messages(form.errors):
        flash(msg, "error")
