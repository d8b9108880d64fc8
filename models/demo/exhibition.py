"""Demo data for the exhibition: staff for the demo's approved exhibitors, and their tables.

The lead's models/demo/load.py calls ``prepare_demo_exhibition(ev)`` at the end of load_demo (or run
`flask --app app exhibitor-demo` on a loaded demo). Idempotent: exhibitors that already have staff
or a table are left alone.
"""

from __future__ import annotations

import random

from sqlalchemy import select

from models.core.base import db
from models.demo import data as D
from models.events.models import Event
from models.exhibition.models import Exhibitor, ExhibitorStaff
from models.exhibition.workflow import ACTIVE, ensure_tables, staff_group, table_load
from models.guests.badges import issue_badge
from models.guests.models import Attendee
from models.units.models import District


def add_demo_staff(ev: Event, seed: int = 2025) -> int:
    """1-2 staff (attendees of the exhibitor-staff group, with badges) per approved demo
    exhibitor without staff. Returns how many people were added."""
    rng = random.Random(seed)
    used = set(db.session.scalars(select(Attendee.full_name).where(Attendee.event_id == ev.id)))
    group = staff_group(ev)
    made = 0
    for ex in db.session.scalars(
        select(Exhibitor).where(Exhibitor.event_id == ev.id, Exhibitor.status.in_(ACTIVE)).order_by(Exhibitor.id)
    ):
        if ex.staff:
            continue
        for i in range(1 + (ex.id % 2)):
            while True:
                female = rng.random() < 0.55
                name = " ".join(
                    [
                        rng.choice(D.FAMILY),
                        rng.choice(D.MIDDLE_F if female else D.MIDDLE_M),
                        rng.choice(D.GIVEN_F if female else D.GIVEN_M),
                    ]
                )
                if name not in used:
                    used.add(name)
                    break
            a = Attendee(
                event_id=ev.id,
                honorific="Bà" if female else "Ông",
                group_id=group.id,
                position="Nhân viên bán hàng" if i else "Phụ trách gian hàng",
                organisation=ex.name,
                district_id=ex.district_id,
                status="invited",
                source="exhibitor",
                phone="09" + "".join(str(rng.randrange(10)) for _ in range(8)),
                external_key=f"demo-staff-{ex.id}-{i + 1}",
            )
            a.set_name(name)
            db.session.add(a)
            db.session.flush()
            ex.staff.append(ExhibitorStaff(attendee_id=a.id))
            issue_badge(a, ev)
            made += 1
    db.session.commit()
    return made


def assign_demo_tables(ev: Event) -> int:
    """Put each approved demo exhibitor without a table at the first free table of its district.
    Returns how many were placed."""
    placed = 0
    for d in db.session.scalars(select(District).where(District.event_id == ev.id).order_by(District.sort_order)):
        tables = ensure_tables(d)
        for ex in db.session.scalars(
            select(Exhibitor)
            .where(Exhibitor.district_id == d.id, Exhibitor.status == "approved", Exhibitor.table_id.is_(None))
            .order_by(Exhibitor.id)
        ):
            free = next((t for t in tables if table_load(t.id) < t.capacity), None)
            if free is None:
                break
            ex.table_id, ex.status = free.id, "assigned"
            db.session.flush()
            placed += 1
    db.session.commit()
    return placed


def prepare_demo_exhibition(ev: Event, seed: int = 2025) -> tuple[int, int]:
    """Tables for the approved demo exhibitors, then their staff. Returns (placed, staff)."""
    return assign_demo_tables(ev), add_demo_staff(ev, seed)
