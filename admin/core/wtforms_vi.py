"""WTForms' own messages in Vietnamese.

WTForms 3.3 ships catalogues for 35 languages but not Vietnamese, and Flask-WTF reads them only
from the WTForms package, so a message a form did not spell out itself ("Not a valid choice.",
"This field is required.") reached a Vietnamese page in English. ``install()`` gives every
FlaskForm these translations: Vietnamese for the page language "vi", Flask-WTF's own (the
WTForms catalogue) otherwise. Hand-made: no package carries a Vietnamese WTForms catalogue.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_catalogue

#: WTForms 3.3's messages (wtforms/locale/wtforms.pot) in Vietnamese
MESSAGES = {
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' không phải là lựa chọn hợp lệ.",
    "'%(value)s' are not valid choices for this field.": "'%(value)s' không phải là các lựa chọn hợp lệ.",
    "CSRF failed.": "Biểu mẫu không hợp lệ. Vui lòng tải lại trang.",
    "CSRF token expired.": "Phiên làm việc đã hết hạn. Vui lòng tải lại trang.",
    "CSRF token missing.": "Thiếu mã bảo vệ biểu mẫu. Vui lòng tải lại trang.",
    "Invalid CSRF Token.": "Mã bảo vệ biểu mẫu không hợp lệ. Vui lòng tải lại trang.",
    "Date must be at least %(min)s.": "Ngày phải từ %(min)s trở đi.",
    "Date must be at most %(max)s.": "Ngày phải trước hoặc bằng %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Ngày phải trong khoảng %(min)s đến %(max)s.",
    "Field cannot be longer than %(max)d character.": "Tối đa %(max)d ký tự.",
    "Field cannot be longer than %(max)d characters.": "Tối đa %(max)d ký tự.",
    "Field must be at least %(min)d character long.": "Tối thiểu %(min)d ký tự.",
    "Field must be at least %(min)d characters long.": "Tối thiểu %(min)d ký tự.",
    "Field must be between %(min)d and %(max)d characters long.": "Từ %(min)d đến %(max)d ký tự.",
    "Field must be equal to %(other_name)s.": "Phải giống trường %(other_name)s.",
    "Field must be exactly %(max)d character long.": "Phải đúng %(max)d ký tự.",
    "Field must be exactly %(max)d characters long.": "Phải đúng %(max)d ký tự.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Có lựa chọn không hợp lệ.",
    "Choices cannot be None.": "Chưa có lựa chọn nào.",
    "Invalid IP address.": "Địa chỉ IP không hợp lệ.",
    "Invalid Mac address.": "Địa chỉ MAC không hợp lệ.",
    "Invalid URL.": "Địa chỉ web không hợp lệ.",
    "Invalid UUID.": "Mã UUID không hợp lệ.",
    "Invalid email address.": "Địa chỉ email không hợp lệ.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Invalid value, can't be any of: %(values)s.": "Giá trị không được là: %(values)s.",
    "Invalid value, must be one of: %(values)s.": "Giá trị phải là một trong: %(values)s.",
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Not a valid date value.": "Ngày không hợp lệ.",
    "Not a valid datetime value.": "Ngày giờ không hợp lệ.",
    "Not a valid decimal value.": "Số thập phân không hợp lệ.",
    "Not a valid float value.": "Số không hợp lệ.",
    "Not a valid integer value.": "Số nguyên không hợp lệ.",
    "Not a valid time value.": "Giờ không hợp lệ.",
    "Not a valid week value.": "Tuần không hợp lệ.",
    "Number must be at least %(min)s.": "Số phải từ %(min)s trở lên.",
    "Number must be at most %(max)s.": "Số phải nhỏ hơn hoặc bằng %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Số phải trong khoảng %(min)s đến %(max)s.",
    "This field cannot be edited.": "Trường này không sửa được.",
    "This field is disabled and cannot have a value.": "Trường này bị khóa, không nhận giá trị.",
    "This field is required.": "Vui lòng điền trường này.",
}


def _vietnamese() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "vi"


class VietnameseTranslations:
    """The object WTForms asks for its messages (gettext / ngettext)."""

    def gettext(self, string: str) -> str:
        if _vietnamese():
            return MESSAGES.get(string, string)
        return wtforms_catalogue.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if _vietnamese():
            text = singular if n == 1 else plural
            return MESSAGES.get(text, MESSAGES.get(singular, text))
        return wtforms_catalogue.ngettext(singular, plural, n)


translations = VietnameseTranslations()


def install() -> None:
    """Every FlaskForm takes its WTForms messages from ``translations``."""
    FlaskForm.Meta.get_translations = lambda self, form: translations
