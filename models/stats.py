"""Attendance figures and the kiosk snapshot (read-only queries)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import case, func, select

from models.base import db
from models.event import District, Event, Group
from models.events import public_keys
from models.hall import Seat
from models.people import Attendee, Badge
from models.timeutil import iso_utc, utcnow


def in_hall():
    """Attendees expected in the hall: on the guest list, and not booth staff (whose scans at
    the exhibition entrance mark a booth set up, not a hall arrival)."""
    staff_groups = select(Group.id).where(Group.is_exhibitor_staff.is_(True))
    return (Attendee.status == "invited") & (
        Attendee.group_id.is_(None) | Attendee.group_id.not_in(staff_groups)
    )


def attendance(ev: Event) -> dict:
    """{"planned_seats", "invited", "checked_in", "by_group": {name: {invited, checked_in}},
    "by_district": {name: {invited, checked_in}}} for the attendees on the guest list."""
    arrived = func.sum(case((Attendee.checked_in_at.is_not(None), 1), else_=0))
    base = select(func.count(Attendee.id), arrived).where(Attendee.event_id == ev.id, in_hall())
    invited, checked_in = db.session.execute(base).one()
    by_group = {}
    for name, n, m in db.session.execute(
        select(Group.name, func.count(Attendee.id), arrived)
        .join(Attendee, Attendee.group_id == Group.id)
        .where(Attendee.event_id == ev.id, in_hall())
        .group_by(Group.id, Group.name, Group.priority)
        .order_by(Group.priority)
    ):
        by_group[name] = {"invited": n, "checked_in": int(m or 0)}
    by_district = {}
    for name, n, m in db.session.execute(
        select(District.name, func.count(Attendee.id), arrived)
        .join(Attendee, Attendee.district_id == District.id)
        .where(Attendee.event_id == ev.id, in_hall())
        .group_by(District.id, District.name, District.sort_order)
        .order_by(District.sort_order)
    ):
        by_district[name] = {"invited": n, "checked_in": int(m or 0)}
    return {
        "planned_seats": ev.planned_seats,
        "invited": int(invited or 0),
        "checked_in": int(checked_in or 0),
        "by_group": by_group,
        "by_district": by_district,
    }


def kiosk_snapshot(ev: Event, station: dict | None = None) -> dict:
    """What a kiosk needs to decide offline: the event, every valid public key, the revoked
    codes, and a minimal roster (no phone numbers, no organisations). An exhibition-kind
    station (``station["kind"] == "exhibition"``) gets only the booth staff in its roster: it
    decides nothing about the hall (least data). ``version`` is a hash of the content: equal
    versions mean equal data."""
    who = [Attendee.event_id == ev.id, Attendee.status == "invited"]
    if (station or {}).get("kind") == "exhibition":
        who.append(Group.is_exhibitor_staff.is_(True))
    roster = [
        {"id": r.id, "honorific": r.honorific, "name": r.full_name, "seat": r.label, "group": r.gname}
        for r in db.session.execute(
            select(
                Attendee.id, Attendee.honorific, Attendee.full_name, Seat.label,
                Group.name.label("gname"),
            )
            .outerjoin(Seat, Seat.id == Attendee.seat_id)
            .outerjoin(Group, Group.id == Attendee.group_id)
            .where(*who)
            .order_by(Attendee.id)
        )
    ]
    revoked = list(
        db.session.scalars(
            select(Badge.code)
            .where(Badge.event_id == ev.id, Badge.revoked_at.is_not(None))
            .order_by(Badge.id)
        )
    )
    body = {
        "event": {
            "id": ev.id,
            "tag": ev.tag,
            "name": ev.name,
            "date": ev.date.isoformat(),
            "venue": ev.venue,
            "timezone": ev.timezone,
        },
        "keys": public_keys(),
        "revoked": revoked,
        "roster": roster,
        "station": station or {},
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return {"version": digest[:20], "generated_at": iso_utc(utcnow()), **body}
