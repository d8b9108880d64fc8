"""Hostile input never reaches the domain: one place for the checks every request gets.

- ``int`` in a route is 0..2**31-1 (both databases' INTEGER) written with the ASCII digits 0-9;
  anything larger, negative or written otherwise ("١٢", "１２", "²") does not match the route
  (404), instead of overflowing the driver (a 500 on ids >= 2**63) or reading "١٢" as 12.
- A whole number in a query string or a form field is read by ``arg_int`` / ``form_int``
  (models.core.numbers.parse_int: ASCII digits only): anything else is a 400 that names the
  field (``BadNumber``), never a ValueError's 500.
- Text with a NUL (PostgreSQL refuses it) or a lone surrogate (SQLite's driver cannot encode
  it) in the query string, a form field, an uploaded file's name or a JSON body: 400.
- JSON nested deeper than ``MAX_JSON_DEPTH``: 400, checked before parsing (the parser would
  recurse until RecursionError).
- A number out of the database's range that still reaches a statement (a form's id field):
  the driver's OverflowError / DataError become a 400, the transaction rolled back.

The check-in fast path (admin/api/fastpath.py) bypasses Flask: it calls ``bad_text`` and
``json_too_deep`` itself through admin.api.views.checkin_fields.
"""

from __future__ import annotations

import re

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from models.core.numbers import MAX_ID, NumberError, parse_int

MAX_JSON_DEPTH = 32

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class BoundedIntConverter(IntegerConverter):
    """Flask's ``int`` converter limited to 0..MAX_ID and to the digits 0-9 (werkzeug's ``\\d+``
    also matches "١٢" and "１２", which ``int`` reads as 12): anything else is a 404."""

    regex = "[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's signature)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        from werkzeug.routing import ValidationError

        try:
            return parse_int(value, self.min or 0, self.max if self.max is not None else MAX_ID)
        except NumberError:
            raise ValidationError() from None


class BadNumber(BadRequest):
    """A 400 whose page (or JSON under /api/) says which field wanted a whole number."""

    def __init__(self, name: str, lo: int, hi: int) -> None:
        super().__init__()
        self.field, self.lo, self.hi = name, lo, hi

    @property
    def user_message(self) -> str:
        if self.lo == 0 and self.hi >= MAX_ID:  # an id: no range worth saying
            return _("“%(name)s” phải là số nguyên, chỉ gồm chữ số 0–9.", name=self.field)
        return _(
            "“%(name)s” phải là số nguyên từ %(lo)s đến %(hi)s, chỉ gồm chữ số 0–9.",
            name=self.field,
            lo=self.lo,
            hi=self.hi,
        )


def _read_int(source, name: str, lo: int, hi: int, default: int | None) -> int | None:
    raw = source.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse_int(raw, lo, hi)
    except NumberError:
        raise BadNumber(name, lo, hi) from None


def arg_int(name: str, lo: int = 0, hi: int = MAX_ID, default: int | None = None) -> int | None:
    """The query string's ``name`` as a whole number in lo..hi; ``default`` when absent or
    empty; anything else (``?stars=²``, ``?group=１``) is a 400 that names it."""
    return _read_int(request.args, name, lo, hi, default)


def form_int(name: str, lo: int = 0, hi: int = MAX_ID, default: int | None = None) -> int | None:
    """The same for a posted form field."""
    return _read_int(request.form, name, lo, hi, default)


def bad_text(value: object) -> bool:
    """True for a string holding a NUL or a lone surrogate, at any depth of lists and dicts."""
    if isinstance(value, str):
        return bool(_BAD_TEXT.search(value))
    if isinstance(value, dict):
        return any(bad_text(k) or bad_text(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(bad_text(v) for v in value)
    return False


def json_too_deep(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when brackets outside strings nest deeper than ``limit`` (checked without parsing)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def _api_caller() -> bool:
    """A kiosk token or a staff login: the API checks the body only for a known caller."""
    from flask_login import current_user

    from admin.core.security import device_for_header

    return bool(
        device_for_header(request.headers.get("Authorization", "")) or getattr(current_user, "is_authenticated", False)
    )


def install_converters(app: Flask) -> None:
    """Before any blueprint is registered (rules are compiled when added)."""
    app.url_map.converters["int"] = BoundedIntConverter


def register(app: Flask) -> None:
    install_converters(app)

    @app.before_request
    def _refuse_hostile_text() -> None:
        if bad_text(request.path) or any(bad_text(k) or bad_text(v) for k, v in request.args.items(multi=True)):
            raise BadRequest()
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if request.path.startswith("/api/") and not _api_caller():
                return  # who asks comes first: the view answers 401
            if request.is_json:
                raw = request.get_data(cache=True)
                if json_too_deep(raw):
                    raise BadRequest()
                if request.path == "/api/v1/checkins":
                    return  # any badge text gets an outcome; admin.api.views.checkin_fields checks the rest
                # parsed once: Flask keeps the result for the view's own get_json (a malformed body
                # is cached only for silent callers, so a strict view still answers its 400)
                body = request.get_json(silent=True)
                if bad_text(body):
                    raise BadRequest()
            elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                if any(bad_text(k) or bad_text(v) for k, v in request.form.items(multi=True)):
                    raise BadRequest()
                if any(bad_text(f.filename or "") for f in request.files.values()):
                    raise BadRequest()
