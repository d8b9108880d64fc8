"""Validation of the exhibitor registration form (public page and status-link edits).

Pure: plain values in (a mapping of form fields to strings), plain values out. No Flask request,
no database. ``clean_registration`` returns ``(data, errors)``; ``errors`` maps a field name
(``"name"``, ``"product-2-decision_date"``, ...) to a Vietnamese message; when it is empty,
``data`` holds cleaned values ready for ``models.exhibition.workflow.register_exhibitor``.

Errors it can report: a required field missing; a text too long; a kind or district not in the
list; a phone not in Vietnamese format; an e-mail not of the form a@b.c; no product at all; too
many rows; an OCOP group not among the six; a star rating other than 3, 4, 5 or "potential";
a star rating without its decision number or date; a date that is not a date, in the future or
before 2018 (the OCOP programme's first ratings).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l

from models.core.names import clean, title_case
from models.core.numbers import int_or_none, parse_int
from models.core.phones import PhoneError, normalize_phone
from models.exhibition.models import EXHIBITOR_KINDS, OCOP_GROUPS

#: form name of the honeypot field: hidden from people, bots fill it in
HONEYPOT = "website"
MAX_PRODUCTS = 20
MAX_STAFF = 8
#: ratings offered on the form: "5", "4", "3" or "potential"
RATINGS = ("5", "4", "3", "potential")
HONORIFICS = ("", "Ông", "Bà")
EARLIEST_DECISION = date(2018, 1, 1)

_EMAIL = re.compile(
    r"^[^@\s<>\"'()\[\],;:\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+$"
)
_ROW = re.compile(r"^(product|staff)-([0-9]{1,2})-([a-z_]+)$")

PRODUCT_FIELDS = ("name", "group", "rating", "decision_no", "decision_date")
STAFF_FIELDS = ("honorific", "name", "position", "phone")

LIMITS = {"name": 300, "address": 300, "contact_name": 200, "email": 200}


def normal_phone(text: str) -> str | None:
    """'0905 123.456', '+84 905 123 456' -> '0905123456' (models.core.phones.normalize_phone, the one
    reading of a phone number); None when it is not a Vietnamese phone number."""
    try:
        value = normalize_phone(text or "")
    except PhoneError:
        return None
    return value if value.startswith("0") else None


def _text(form: Mapping[str, str], key: str) -> str:
    value = form.get(key)
    return clean(value) if isinstance(value, str) else ""


def rows(form: Mapping[str, str], kind: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """The repeatable rows of ``kind`` as dicts, in index order; entirely empty rows dropped."""
    found: dict[int, dict[str, str]] = {}
    for key in form:
        m = _ROW.match(key)
        if m and m.group(1) == kind and m.group(3) in fields:
            found.setdefault(parse_int(m.group(2)), {})[m.group(3)] = _text(form, key)
    out = []
    for i in sorted(found):
        row = {f: found[i].get(f, "") for f in fields}
        if any(v for k, v in row.items() if k not in ("group", "honorific")):
            out.append(row)
    return out


def parse_date(text: str) -> date | None:
    """'2024-06-10' or '10/06/2024' -> a date; None when it is not one."""
    text = (text or "").strip()
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return date.fromisoformat(text)
        m = re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", text)
        if m:
            return date(*(parse_int(m.group(i)) for i in (3, 2, 1)))
    except ValueError:
        return None
    return None


def _check_len(errors: dict, key: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors[key] = _l("Tối đa %(n)s ký tự.", n=limit)


def clean_registration(
    form: Mapping[str, str], *, today: date, district_ids: set[int]
) -> tuple[dict, dict[str, object]]:
    """Validate a registration. ``today`` is the event's local date (no decision after it)."""
    errors: dict[str, object] = {}
    data: dict = {}
    for key in ("name", "address", "contact_name", "email"):
        data[key] = _text(form, key)
        _check_len(errors, key, data[key], LIMITS[key])
    if not data["name"]:
        errors["name"] = _l("Vui lòng nhập tên chủ thể.")
    if not data["contact_name"]:
        errors["contact_name"] = _l("Vui lòng nhập người liên hệ.")
    data["contact_name"] = title_case(data["contact_name"])  # a name like every other: "Nguyễn Thị Lan"
    if not data["address"]:
        errors["address"] = _l("Vui lòng nhập địa chỉ.")
    kind = _text(form, "kind")
    if kind not in EXHIBITOR_KINDS:
        errors["kind"] = _l("Vui lòng chọn loại hình chủ thể.")
    data["kind"] = kind
    district = _text(form, "district_id")
    found = int_or_none(district)
    data["district_id"] = found if found in district_ids else None
    if data["district_id"] is None:
        errors["district_id"] = _l("Vui lòng chọn địa phương.")
    phone = normal_phone(_text(form, "phone"))
    if phone is None:
        errors["phone"] = _l("Số điện thoại không hợp lệ (ví dụ: 0905 123 456).")
    data["phone"] = phone or ""
    if data["email"] and "email" not in errors and not _EMAIL.match(data["email"]):
        errors["email"] = _l("Địa chỉ email không hợp lệ.")
    for key in ("needs_power", "needs_cold", "extra_table"):
        data[key] = _text(form, key) in ("1", "on", "y", "yes", "true")

    products = rows(form, "product", PRODUCT_FIELDS)
    data["product_rows"] = products[:MAX_PRODUCTS]
    data["products"] = []
    if not products:
        errors["products"] = _l("Vui lòng nhập ít nhất một sản phẩm.")
    if len(products) > MAX_PRODUCTS:
        errors["products"] = _l("Tối đa %(n)s sản phẩm.", n=MAX_PRODUCTS)
    for i, row in enumerate(products[:MAX_PRODUCTS]):
        data["products"].append(_product(row, i, today, errors))

    staff = rows(form, "staff", STAFF_FIELDS)
    data["staff_rows"] = staff[:MAX_STAFF]
    data["staff"] = []
    if len(staff) > MAX_STAFF:
        errors["staff"] = _l("Tối đa %(n)s nhân viên gian hàng.", n=MAX_STAFF)
    for i, row in enumerate(staff[:MAX_STAFF]):
        data["staff"].append(_staff(row, i, errors))
    return data, errors


def _product(row: dict[str, str], i: int, today: date, errors: dict) -> dict:
    key = f"product-{i}-"
    if not row["name"]:
        errors[key + "name"] = _l("Vui lòng nhập tên sản phẩm.")
    _check_len(errors, key + "name", row["name"], 300)
    if row["group"] not in OCOP_GROUPS:
        errors[key + "group"] = _l("Vui lòng chọn nhóm sản phẩm OCOP.")
    out = {"name": row["name"], "ocop_group": row["group"], "stars": None, "decision_no": "", "decision_date": None}
    rating = row["rating"]
    if rating not in RATINGS:
        errors[key + "rating"] = _l('Hạng sao chỉ có thể là 3, 4, 5 sao hoặc "tiềm năng".')
        return out
    if rating == "potential":
        return out
    out["stars"] = parse_int(rating)
    out["decision_no"] = row["decision_no"]
    if not row["decision_no"]:
        errors[key + "decision_no"] = _l("Sản phẩm đã xếp hạng sao cần số quyết định công nhận.")
    _check_len(errors, key + "decision_no", row["decision_no"], 100)
    when = parse_date(row["decision_date"])
    if not row["decision_date"]:
        errors[key + "decision_date"] = _l("Sản phẩm đã xếp hạng sao cần ngày quyết định.")
    elif when is None:
        errors[key + "decision_date"] = _l("Ngày quyết định không hợp lệ (ngày/tháng/năm).")
    elif when > today:
        errors[key + "decision_date"] = _l("Ngày quyết định không thể ở tương lai.")
    elif when < EARLIEST_DECISION:
        errors[key + "decision_date"] = _l("Ngày quyết định quá cũ (trước năm 2018).")
    out["decision_date"] = when
    return out


def _staff(row: dict[str, str], i: int, errors: dict) -> dict:
    key = f"staff-{i}-"
    if not row["name"]:
        errors[key + "name"] = _l("Vui lòng nhập họ tên nhân viên.")
    _check_len(errors, key + "name", row["name"], 200)
    _check_len(errors, key + "position", row["position"], 200)
    if row["honorific"] not in HONORIFICS:
        errors[key + "honorific"] = _l("Danh xưng không hợp lệ.")
    phone = ""
    if row["phone"]:
        phone = normal_phone(row["phone"]) or ""
        if not phone:
            errors[key + "phone"] = _l("Số điện thoại không hợp lệ (ví dụ: 0905 123 456).")
    return {
        "honorific": row["honorific"] if row["honorific"] in HONORIFICS else "",
        "name": title_case(row["name"]),
        "position": row["position"],
        "phone": phone,
    }
