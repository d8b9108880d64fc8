"""One way to read a whole number from text a person or a program sent (URL, query, form, JSON).

Python's own readers are generous in ways a form field must not be: ``int()`` takes
Arabic-Indic "١٢", full-width "１２", "+1", " 1 ", "1_0"; ``str.isdigit()`` is True for "²",
which ``int()`` then refuses (a 500 where it was trusted). ``parse_int`` takes ASCII digits
only, at most ten of them, with a leading "-" only where the range allows negatives; anything
else is a ``NumberError`` (a ValueError) with a message saying what was expected.

Every integer read from a request goes through here: the ``int`` URL converter and the query
helper (admin.core.hostile), the WTForms field (admin.core.forms.IntegerField), the API's
pydantic models (strict JSON integers; admin.api.schemas) and the domain's own form readers.
tests/proofs/test_numbers.py scans the sources so that no other reader comes back.
"""

from __future__ import annotations

import re

#: the largest id (INTEGER on SQLite and PostgreSQL)
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"-?[0-9]{1,10}", re.ASCII)


class NumberError(ValueError):
    """Not a whole number written with the digits 0-9, or out of the allowed range."""

    def __init__(self, message: str, text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.text = text


def parse_int(text: object, lo: int = 0, hi: int = MAX_ID) -> int:
    """``text`` as an int in ``lo..hi``: ASCII digits only (a "-" first only when ``lo`` < 0);
    no sign "+", spaces, "_", other digits, exponents or hex. Raises NumberError."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise NumberError("Phải là số nguyên.", repr(text)[:40])
    if isinstance(text, int):
        value = text
    else:
        if not _DIGITS.fullmatch(text) or (text.startswith("-") and lo >= 0):
            raise NumberError("Phải là số nguyên, chỉ gồm chữ số 0–9.", text[:40])
        value = int(text)
    if not lo <= value <= hi:
        raise NumberError(f"Phải là số nguyên từ {lo} đến {hi}.", str(text)[:40])
    return value


def int_or_none(text: object, lo: int = 0, hi: int = MAX_ID) -> int | None:
    """``parse_int``, or None for anything it refuses (an optional choice that is simply absent
    or not one of ours: e.g. "no district chosen")."""
    try:
        return parse_int(text, lo, hi)
    except NumberError:
        return None


def is_int(text: object, lo: int = 0, hi: int = MAX_ID) -> bool:
    return int_or_none(text, lo, hi) is not None
