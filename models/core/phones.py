"""Vietnamese phone numbers: stored as digits, shown grouped.

Mobiles are 10 digits (0 + 9: "0905 111 222"), landlines 11 (0 + area code + number:
"0258 379 0123"). A spreadsheet often stores a phone as a number, which drops the leading 0
(905111222, 914333445.0): ``normalize_phone`` gives it back.
"""

from __future__ import annotations

import re

_FLOAT_TAIL = re.compile(r"\.0+$")


class PhoneError(ValueError):
    """The text is not a phone number (message in Vietnamese)."""


def normalize_phone(value: object) -> str:
    """Digits only, with the leading 0 restored; "" for an empty cell.

    Accepts ints and floats from spreadsheet cells (905111222, 914333445.0), "+84 905 111 222",
    "0905.111.222", "(0258) 379 0123". Raises PhoneError for text that is not a phone number
    (letters, too few or too many digits).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        raise PhoneError("Số điện thoại không hợp lệ.")
    if isinstance(value, float):
        if value != value or value < 0 or value != int(value):
            raise PhoneError("Số điện thoại không hợp lệ.")
        value = int(value)
    text = str(value).strip()
    if not text:
        return ""
    text = _FLOAT_TAIL.sub("", text)
    if re.search(r"[^0-9\s+().\-/]", text):  # 0-9 only: "０９０５" or "٠٩٠٥" is not stored as typed
        raise PhoneError("Số điện thoại chỉ gồm chữ số (ví dụ 0905 111 222).")
    digits = re.sub(r"[^0-9]", "", text)
    if text.lstrip().startswith("+"):
        if not digits.startswith("84"):
            return _check(digits, international=True)
        digits = "0" + digits[2:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not digits.startswith("0") and len(digits) in (9, 10):
        digits = "0" + digits
    return _check(digits)


def _check(digits: str, international: bool = False) -> str:
    if international:
        if 8 <= len(digits) <= 15:
            return "+" + digits
        raise PhoneError("Số điện thoại không hợp lệ.")
    if len(digits) not in (10, 11):
        raise PhoneError(
            "Số điện thoại phải có 10 chữ số (di động) hoặc 11 (cố định), ví dụ 0905 111 222 hoặc 0258 379 0123."
        )
    return digits


def format_phone(digits: str | None) -> str:
    """ "0905111222" -> "0905 111 222"; "02583790123" -> "0258 379 0123"; anything else as is."""
    if not digits:
        return ""
    d = str(digits)
    if re.fullmatch(r"0[0-9]+", d):
        if len(d) == 10:
            return f"{d[:4]} {d[4:7]} {d[7:]}"
        if len(d) == 11:
            return f"{d[:4]} {d[4:7]} {d[7:]}"
    return d
