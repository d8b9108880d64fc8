"""Attendance figures and the kiosk snapshot (read-only queries)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import case, func, select

from models.core.base import db
from models.core.timeutil import iso_utc, utcnow
from models.events.models import District, Event, Group
from models.events.service import public_keys
from models.guests.attendee_json import ROSTER_FIELDS, attendee_summary
from models.guests.models import Attendee, Badge
from models.seating.assignment import group_needs_seats
from models.seating.models import Block, Seat


def in_hall():
    """THE definition of a delegate, used by every attendance figure (the dashboard's cards,
    tables and chart, /admin/districts, the desk's counter, /api/v1/stats, the reports): on
    the guest list (status "invited": not cancelled, not a pending or returned nomination), and
    not booth staff (whose scans at the exhibition entrance mark a booth set up, not a hall
    arrival; they are a figure of their own, booth_staff)."""
    staff_groups = select(Group.id).where(Group.is_exhibitor_staff.is_(True))
    return (Attendee.status == "invited") & (
        Attendee.group_id.is_(None) | Attendee.group_id.not_in(staff_groups)
    )


def booth_staff():
    """Booth staff on the guest list (a group marked is_exhibitor_staff): never delegates."""
    staff_groups = select(Group.id).where(Group.is_exhibitor_staff.is_(True))
    return (Attendee.status == "invited") & Attendee.group_id.in_(staff_groups)


def arrived():
    """How many of the rows counted have arrived (a first accepted scan, not undone)."""
    return func.sum(case((Attendee.checked_in_at.is_not(None), 1), else_=0))


def percent(part: int, whole: int) -> int:
    """A whole percentage (0 when there is nobody to count)."""
    return round(100 * part / whole) if whole else 0


def totals(ev: Event) -> dict:
    """One query: {"planned_seats", "invited" (delegates), "checked_in" (delegates arrived),
    "percent" (of the delegates), "booth_staff", "booth_staff_arrived"}."""
    here = Attendee.checked_in_at.is_not(None)
    one = lambda cond: func.coalesce(func.sum(case((cond, 1), else_=0)), 0)  # noqa: E731
    invited, checked_in, staff, staff_arrived = db.session.execute(
        select(one(in_hall()), one(in_hall() & here), one(booth_staff()), one(booth_staff() & here))
        .where(Attendee.event_id == ev.id, Attendee.status == "invited")
    ).one()
    invited, checked_in = int(invited or 0), int(checked_in or 0)
    return {"planned_seats": ev.planned_seats, "invited": invited, "checked_in": checked_in,
            "percent": percent(checked_in, invited), "booth_staff": int(staff or 0),
            "booth_staff_arrived": int(staff_arrived or 0)}


def group_figures(ev: Event) -> list[dict]:
    """Delegates per group (booth staff groups left out), groups with nobody left out:
    [{"id", "name", "color", "invited", "arrived", "pct"}] in priority order."""
    rows = db.session.execute(
        select(Group.id, Group.name, Group.color, func.count(Attendee.id), arrived())
        .join(Attendee, Attendee.group_id == Group.id)
        .where(Group.event_id == ev.id, Attendee.event_id == ev.id, in_hall())
        .group_by(Group.id, Group.name, Group.color, Group.priority)
        .order_by(Group.priority, Group.id)
    ).all()
    return [{"id": r[0], "name": r[1], "color": r[2], "invited": r[3], "arrived": int(r[4] or 0),
             "pct": percent(int(r[4] or 0), r[3])} for r in rows]


def district_figures(ev: Event) -> list[dict]:
    """Per delegation unit (district), every unit listed: "invited" / "arrived": the delegates
    of the unit (Attendee.district_id, whoever put them on the list); "nominated": of them, the
    ones the unit nominated through its link and the organiser accepted. The same figures on
    the dashboard and on /admin/districts. [{"id", "code", "name", "invited", "arrived", "pct",
    "nominated"}] in the units' order."""
    nominated = func.sum(case((Attendee.nominated_by_id == District.id, 1), else_=0))
    rows = db.session.execute(
        select(District.id, District.code, District.name, func.count(Attendee.id), arrived(), nominated)
        .outerjoin(Attendee, (Attendee.district_id == District.id) & in_hall())
        .where(District.event_id == ev.id)
        .group_by(District.id, District.code, District.name, District.sort_order)
        .order_by(District.sort_order, District.id)
    ).all()
    return [{"id": r[0], "code": r[1], "name": r[2], "invited": r[3], "arrived": int(r[4] or 0),
             "pct": percent(int(r[4] or 0), r[3]), "nominated": int(r[5] or 0)} for r in rows]


def attendance(ev: Event) -> dict:
    """{"planned_seats", "invited", "checked_in", "percent", "booth_staff",
    "booth_staff_arrived", "by_group": {name: {invited, checked_in}}, "by_district": {name:
    {invited, checked_in, nominated}}}: delegates only (in_hall), booth staff apart. The
    dashboard shows the same numbers (totals, group_figures, district_figures)."""
    return {
        **totals(ev),
        "by_group": {g["name"]: {"invited": g["invited"], "checked_in": g["arrived"]}
                     for g in group_figures(ev)},
        "by_district": {d["name"]: {"invited": d["invited"], "checked_in": d["arrived"],
                                    "nominated": d["nominated"]}
                        for d in district_figures(ev) if d["invited"]},
    }


def kiosk_snapshot(ev: Event, station: dict | None = None) -> dict:
    """What a kiosk needs to decide offline: the event, every valid public key, the revoked
    codes, and a minimal roster (no phone numbers, no organisations; the seat as its label,
    ``seat``, and spelled out, ``seat_text``). An exhibition-kind
    station (``station["kind"] == "exhibition"``) gets only the booth staff in its roster: it
    decides nothing about the hall (least data). ``version`` is a hash of the content: equal
    versions mean equal data."""
    who = [Attendee.event_id == ev.id, Attendee.status == "invited"]
    if (station or {}).get("kind") == "exhibition":
        who.append(Group.is_exhibitor_staff.is_(True))
    roster = [
        attendee_summary(r, ROSTER_FIELDS)
        for r in db.session.execute(
            select(
                Attendee.id, Attendee.honorific, Attendee.full_name, Seat.label.label("seat"),
                Seat.row.label("seat_row"), Seat.number.label("seat_number"), Block.name.label("block_name"),
                Block.code.label("block_code"), Group.name.label("group"),
                (Group.id.is_(None) | group_needs_seats()).label("seat_needed"),
            )
            .outerjoin(Seat, Seat.id == Attendee.seat_id)
            .outerjoin(Block, Block.id == Seat.block_id)
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
