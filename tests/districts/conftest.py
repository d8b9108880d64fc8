"""Helpers for the district delegation tests: two districts with quotas, their links, a valid
nomination form (the rate limits start empty with each test's database: models/core/ratelimit.py)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from models.core.base import db
from models.districts import delegations as ds
from models.events.models import Event, Group
from models.units.models import District


@dataclass
class Setup:
    ev: Event
    a: District
    b: District
    guests: Group
    leaders: Group
    link_a: object
    link_b: object
    token_a: str
    token_b: str


def setup_districts(ev: Event, quota: int = 2, deadline=None) -> Setup:
    """District A (the event's TP Nha Trang) and B (Huyện Cam Lâm), each with ``quota`` places
    in the "guests" group and a link."""
    a = db.session.scalars(db.select(District).where(District.event_id == ev.id)).first()
    b = District(event_id=ev.id, code="cam-lam", name="Huyện Cam Lâm", kind="huyện", sort_order=5)
    db.session.add(b)
    db.session.flush()
    groups = {g.code: g for g in db.session.scalars(db.select(Group).where(Group.event_id == ev.id))}
    for d in (a, b):
        ds.set_quota(d, groups["guests"], quota)
    la, lb = ds.new_link(a, deadline), ds.new_link(b, deadline)
    db.session.commit()
    secret = current_app.secret_key
    return Setup(
        ev,
        a,
        b,
        groups["guests"],
        groups["leaders"],
        la,
        lb,
        ds.district_token(la, secret),
        ds.district_token(lb, secret),
    )


def nomination(group_id: int, /, **over: str) -> dict:
    data = {
        "honorific": "Bà",
        "full_name": "Phạm Thị Hồng Nhung",
        "position": "Chủ tịch UBND xã",
        "organisation": "UBND xã Cam Hải Tây",
        "group": str(group_id),
        "phone": "0912 345 678",
        "email": "",
        "notes": "",
        "consent": "1",
    }
    data.update(over)
    return data
