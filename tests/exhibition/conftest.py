"""Helpers for the exhibition tests: a valid registration form, a second district (the public
form's rate limit starts empty with each test's database: models/core/ratelimit.py)."""

from __future__ import annotations

from models.core.base import db
from models.events.models import Event
from models.units.models import District


def district_of(ev: Event) -> District:
    return db.session.scalars(db.select(District).where(District.event_id == ev.id).order_by(District.id)).first()


def other_district(ev: Event, code: str = "cam-lam", tables: int = 2) -> District:
    d = District(
        event_id=ev.id,
        code=code,
        name="Huyện Cam Lâm",
        kind="huyện",
        sort_order=5,
        exhibit_area="Khu F",
        table_count=tables,
    )
    db.session.add(d)
    db.session.commit()
    return d


def form(district: int, /, **over: str) -> dict:
    """A valid registration: two products (4 stars with its decision, potential), two staff."""
    data = {
        "name": "HTX Nông nghiệp Suối Tân",
        "kind": "cooperative",
        "district_id": str(district),
        "address": "Xã Suối Tân, huyện Cam Lâm",
        "contact_name": "Phạm Thị Hoa",
        "phone": "0905 123 456",
        "email": "htx.suoitan@example.vn",
        "needs_power": "1",
        "consent": "1",
        "product-0-name": "Xoài Úc Cam Lâm",
        "product-0-group": "thuc_pham",
        "product-0-rating": "4",
        "product-0-decision_no": "1234/QĐ-UBND",
        "product-0-decision_date": "2024-06-10",
        "product-1-name": "Mật ong hoa cà phê",
        "product-1-group": "thuc_pham",
        "product-1-rating": "potential",
        "product-1-decision_no": "",
        "product-1-decision_date": "",
        "product-2-name": "",
        "product-2-group": "thuc_pham",
        "product-2-rating": "",
        "staff-0-honorific": "Bà",
        "staff-0-name": "Nguyễn Thị Lan",
        "staff-0-position": "Nhân viên",
        "staff-0-phone": "0914 000 111",
        "staff-1-honorific": "Ông",
        "staff-1-name": "Trần Văn Bình",
        "staff-1-position": "",
        "staff-1-phone": "",
        "website": "",
    }
    data.update(over)
    return data
