"""Test data for the award ceremony: an event with leaders, districts, tiers, recipients,
awards and a short programme with one award segment."""

from __future__ import annotations

from datetime import time

from models.ceremony.models import Award, AwardTier
from models.core.base import db
from models.events.models import Event, Group, ProgrammeItem
from models.guests.models import Attendee
from models.seating.assignment import assign_seats
from models.units.models import District
from tests import factories

TIERS = [
    ("5-sao", "Chứng nhận 5 sao", 5, "certificate"),
    ("4-sao", "Chứng nhận 4 sao", 4, "certificate"),
    ("3-sao", "Hoa chúc mừng 3 sao", 3, "flowers"),
]


def person(
    ev: Event,
    name: str,
    *,
    group: Group | None = None,
    district: District | None = None,
    precedence: int = 500,
    honorific: str = "Ông",
    org: str = "",
) -> Attendee:
    a = Attendee(
        event_id=ev.id,
        honorific=honorific,
        full_name=name,
        position="Giám đốc",
        organisation=org or f"HTX {name}",
        group_id=group.id if group else None,
        district_id=district.id if district else None,
        precedence=precedence,
    )
    a.refresh_keys()
    db.session.add(a)
    db.session.flush()
    return a


def ceremony_event(*, three_star: int = 5, capacity: int = 10, leaders: int = 3, programme: bool = True) -> Event:
    """An event with ``leaders`` leaders, two districts (B before A by sort order), the three
    tiers, 1 five-star, 2 four-star and ``three_star`` three-star awards, each to its own
    recipient; programme: opening, awards, closing. Committed."""
    return add_ceremony(
        factories.make_event(people=1), three_star=three_star, capacity=capacity, leaders=leaders, programme=programme
    )


def add_ceremony(
    ev: Event, *, three_star: int = 5, capacity: int = 10, leaders: int = 3, programme: bool = True
) -> Event:
    """Add the ceremony data of ceremony_event to an existing event (from factories.make_event)."""
    ev.stage_capacity = capacity
    lead = db.session.scalar(db.select(Group).where(Group.event_id == ev.id, Group.is_leader))
    producers = Group(event_id=ev.id, code="ocop", name="Chủ thể OCOP", priority=50)
    d_first = District(event_id=ev.id, code="cam-ranh", name="TP Cam Ranh", sort_order=1)
    d_second = District(event_id=ev.id, code="van-ninh", name="Huyện Vạn Ninh", sort_order=2)
    db.session.add_all([producers, d_first, d_second])
    db.session.flush()
    for i in range(1, leaders):
        person(ev, f"Lãnh Đạo Số {i}", group=lead, precedence=10 + i, honorific="Đồng chí")
    tiers = {}
    for i, (code, name, stars, kind) in enumerate(TIERS):
        tiers[stars] = AwardTier(event_id=ev.id, code=code, name=name, stars=stars, kind=kind, sort_order=i + 1)
        db.session.add(tiers[stars])
    db.session.flush()
    given = [
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Đạt",
        "Giang",
        "Hà",
        "Khánh",
        "Lâm",
        "Minh",
        "Nam",
        "Oanh",
        "Phúc",
        "Quang",
        "Sơn",
        "Tâm",
        "Uyên",
        "Vinh",
        "Xuân",
        "Yến",
    ]
    n = 0
    for stars, count in ((5, 1), (4, 2), (3, three_star)):
        for _ in range(count):
            name = f"Trần Văn {given[n % len(given)]}" + (f" {n // len(given)}" if n >= len(given) else "")
            district = d_second if n % 2 == 0 else d_first
            r = person(ev, name, group=producers, district=district)
            db.session.add(
                Award(
                    event_id=ev.id,
                    tier_id=tiers[stars].id,
                    product_name=f"Sản phẩm {n}",
                    entity_name=r.organisation,
                    district_id=district.id,
                    recipient_id=r.id,
                )
            )
            n += 1
    if programme:
        for pos, (start, minutes, title, kind) in enumerate(
            (
                ("08:00", 10, "Khai mạc", "item"),
                ("08:10", 30, "Trao thưởng", "awards"),
                ("08:40", 15, "Bế mạc", "item"),
            ),
            start=1,
        ):
            h, m = map(int, start.split(":"))
            db.session.add(
                ProgrammeItem(
                    event_id=ev.id,
                    position=pos,
                    title=title,
                    planned_start=time(h, m),
                    planned_minutes=minutes,
                    kind=kind,
                )
            )
    db.session.flush()
    assign_seats(ev)
    db.session.commit()
    return ev
