"""Factories: tests make their own data (no test depends on another's leftovers)."""

from __future__ import annotations

import itertools
from datetime import date

from models.accounts.models import Device, User, hash_token
from models.core.base import db
from models.events.models import Event, Group
from models.events.service import create_event
from models.guests.badges import issue_badge
from models.guests.models import Attendee
from models.seating.assignment import assign_seats, build_block, rank_seats
from models.units.models import District

_n = itertools.count(1)

NAMES = [
    ("Ông", "Nguyễn Văn An", "Giám đốc", "Sở Tài chính"),
    ("Bà", "Đặng Thị Ánh Tuyết", "Phó Giám đốc", "Sở Công Thương"),
    ("Ông", "Huỳnh Đức Dũng", "Chủ nhiệm HTX", "HTX Nông nghiệp Diên An"),
    ("Bà", "Trần Thị Thu Hằng", "Phóng viên", "Báo Khánh Hòa"),
    ("Ông", "Lê Quốc Đạt", "Chủ tịch UBND xã", "UBND xã Suối Tân"),
    ("Bà", "Võ Ngọc Ý", "Giám đốc", "Công ty TNHH Yến sào Hòn Nội Xanh"),
]


def make_event(*, people: int = 6, seats: int = 20, slug: str | None = None) -> Event:
    """An event with two groups, a district, a small hall, ``people`` attendees with seats
    and badges. Committed."""
    n = next(_n)
    ev = create_event(
        slug=slug or f"test-{n}",
        name=f"Hội nghị thử nghiệm {n}",
        date=date(2025, 5, 22),
        venue="Nha Trang",
        planned_seats=seats,
    )
    leaders = Group(event_id=ev.id, code="leaders", name="Lãnh đạo", color="#c62828", priority=1, is_leader=True)
    guests = Group(event_id=ev.id, code="guests", name="Khách mời", color="#1565c0", priority=5)
    district = District(event_id=ev.id, code="nha-trang", name="TP Nha Trang", table_count=3)
    db.session.add_all([leaders, guests, district])
    db.session.flush()
    build_block(ev, code="A", name="Khu A", rows=max(1, seats // 10), seats_per_row=10, x=0, groups=[leaders])
    rank_seats(ev)
    for i in range(people):
        hon, name, pos, org = NAMES[i % len(NAMES)]
        if i >= len(NAMES):
            name = f"{name} {i}"
        a = Attendee(
            event_id=ev.id,
            honorific=hon,
            full_name=name,
            position=pos,
            organisation=org,
            group_id=(leaders if i == 0 else guests).id,
            district_id=district.id,
            precedence=i + 1,
            phone="0905123456",
            external_key=f"t{n}-{i}",
        )
        a.refresh_keys()
        db.session.add(a)
    db.session.flush()
    assign_seats(ev)
    for a in db.session.scalars(db.select(Attendee).where(Attendee.event_id == ev.id)):
        issue_badge(a, ev)
    db.session.commit()
    return ev


def make_user(username: str, role: str, password: str = "secret-pass-123") -> User:
    u = User(username=username, role=role)
    u.set_password(password)
    db.session.add(u)
    db.session.commit()
    return u


def make_device(name: str = "kiosk-1", kind: str = "hall") -> str:
    token = Device.new_token()
    db.session.add(Device(name=name, token_hash=hash_token(token), kind=kind))
    db.session.commit()
    return token


def attendees(ev: Event) -> list[Attendee]:
    return list(db.session.scalars(db.select(Attendee).where(Attendee.event_id == ev.id).order_by(Attendee.id)))
