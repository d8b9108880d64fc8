"""Attendance figures and the kiosk snapshot (read-only queries)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import case, func, select

from models.core.base import db
from models.core.timeutil import iso_utc, utcnow
from models.events.models import Event, Group
from models.events.service import public_keys
from models.guests.attendee_json import ROSTER_FIELDS, attendee_summary
from models.guests.models import Attendee, Badge
from models.hall.models import Block, Seat
from models.seating.assignment import group_needs_seats
from models.units.models import District


def in_hall():
    """THE definition of a delegate, used by every attendance figure (the dashboard's cards,
    tables and chart, /admin/districts, the desk's counter, /api/v1/stats, the reports): on
    the guest list (status "invited": not cancelled, not a pending or returned nomination), and
    not booth staff (whose scans at the exhibition entrance mark a booth set up, not a hall
    arrival; they are a figure of their own, booth_staff)."""
    staff_groups = select(Group.id).where(Group.is_exhibitor_staff.is_(True))
    return (Attendee.status == "invited") & (Attendee.group_id.is_(None) | Attendee.group_id.not_in(staff_groups))


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


def attendance_figures(ev: Event) -> dict:
    """THE attendance computation, read by the dashboard (cards, tables), /admin/districts (its
    district rows), the desk's counter and /api/v1/stats (attendance) and the reports: {"stats":
    totals, "groups": group figures, "districts": district figures}, delegates as in_hall defines
    them, booth staff a figure of their own. Two queries: per group, per district."""
    groups, stats = _by_group(ev)
    return {"stats": stats, "groups": groups, "districts": district_figures(ev)}


def _by_group(ev: Event) -> tuple[list[dict], dict]:
    """One query over the guest list, per group and delegate-or-booth-staff: (the group figures,
    the totals)."""
    delegate = case((in_hall(), 1), else_=0).label("delegate")
    rows = db.session.execute(
        select(
            Group.id,
            Group.name,
            Group.color,
            Group.priority,
            delegate,
            func.count(Attendee.id),
            arrived(),
            Group.name_en,
        )
        .select_from(Attendee)
        .outerjoin(Group, Group.id == Attendee.group_id)
        .where(Attendee.event_id == ev.id, Attendee.status == "invited")
        .group_by(Group.id, Group.name, Group.color, Group.priority, delegate, Group.name_en)
    ).all()
    invited = checked_in = staff = staff_arrived = 0
    for *_, is_delegate, n, here, _name_en in rows:
        if is_delegate:
            invited, checked_in = invited + n, checked_in + int(here or 0)
        else:  # on the guest list and not a delegate: booth staff
            staff, staff_arrived = staff + n, staff_arrived + int(here or 0)
    groups = [
        {
            "id": gid,
            "name": name,
            "name_en": name_en or "",
            "color": color,
            "invited": n,
            "arrived": int(here or 0),
            "pct": percent(int(here or 0), n),
        }
        for gid, name, color, _prio, is_delegate, n, here, name_en in sorted(
            (r for r in rows if r[0] is not None and r[4]), key=lambda r: (r[3], r[0])
        )
    ]
    return groups, {
        "planned_seats": ev.planned_seats,
        "invited": invited,
        "checked_in": checked_in,
        "percent": percent(checked_in, invited),
        "booth_staff": staff,
        "booth_staff_arrived": staff_arrived,
    }


def totals(ev: Event) -> dict:
    """{"planned_seats", "invited" (delegates), "checked_in" (delegates arrived), "percent" (of
    the delegates), "booth_staff", "booth_staff_arrived"} (attendance_figures' "stats")."""
    return _by_group(ev)[1]


def group_figures(ev: Event) -> list[dict]:
    """Delegates per group (booth staff groups left out), groups with nobody left out:
    [{"id", "name", "color", "invited", "arrived", "pct"}] in priority order (attendance_figures'
    "groups")."""
    return _by_group(ev)[0]


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
    return [
        {
            "id": r[0],
            "code": r[1],
            "name": r[2],
            "invited": r[3],
            "arrived": int(r[4] or 0),
            "pct": percent(int(r[4] or 0), r[3]),
            "nominated": int(r[5] or 0),
        }
        for r in rows
    ]


def attendance(ev: Event) -> dict:
    """{"planned_seats", "invited", "checked_in", "percent", "booth_staff",
    "booth_staff_arrived", "by_group": {name: {invited, checked_in}}, "by_district": {name:
    {invited, checked_in, nominated}}, "checkpoints": [models.checkin.checkpoints.figures]}:
    attendance_figures reshaped for the desk and the API,
    the same numbers as the dashboard's."""
    from models.checkin.checkpoints import figures

    f = attendance_figures(ev)
    return {
        **f["stats"],
        "checkpoints": figures(ev, f["stats"]),
        "by_group": {g["name"]: {"invited": g["invited"], "checked_in": g["arrived"]} for g in f["groups"]},
        "by_district": {
            d["name"]: {"invited": d["invited"], "checked_in": d["arrived"], "nominated": d["nominated"]}
            for d in f["districts"]
            if d["invited"]
        },
    }


def kiosk_snapshot(ev: Event, station: dict | None = None, device_id: int | None = None) -> dict:
    """What a kiosk needs to decide offline: the event, every valid public key, the revoked
    codes, and a minimal roster (no phone numbers, no organisations; the seat as its label,
    ``seat``, and spelled out, ``seat_text``). An exhibition-kind
    station (``station["kind"] == "exhibition"``) gets only the booth staff in its roster: it
    decides nothing about the hall (least data). A station gets its ``checkpoint`` ({id, name,
    rule, kind}: the device's, ``device_id``, else the event's entrance): the kiosk follows its
    rule offline (kiosk.decision). ``version`` is a hash of the content: equal
    versions mean equal data."""
    who = [Attendee.event_id == ev.id, Attendee.status == "invited"]
    if (station or {}).get("kind") == "exhibition":
        who.append(Group.is_exhibitor_staff.is_(True))
    roster = [
        attendee_summary(r, ROSTER_FIELDS)
        for r in db.session.execute(
            select(
                Attendee.id,
                Attendee.honorific,
                Attendee.full_name,
                Seat.label.label("seat"),
                Seat.row.label("seat_row"),
                Seat.number.label("seat_number"),
                Block.name.label("block_name"),
                Block.code.label("block_code"),
                Group.name.label("group"),
                (Group.id.is_(None) | group_needs_seats()).label("seat_needed"),
            )
            .outerjoin(Seat, Seat.id == Attendee.seat_id)
            .outerjoin(Block, Block.id == Seat.block_id)
            .outerjoin(Group, Group.id == Attendee.group_id)
            .where(*who)
            .order_by(Attendee.id)
        )
    ]
    if station is not None:
        from models.checkin.checkpoints import device_checkpoint, info

        station = {**station, "checkpoint": info(ev.id, device_checkpoint(device_id))}
    revoked = list(
        db.session.scalars(
            select(Badge.code).where(Badge.event_id == ev.id, Badge.revoked_at.is_not(None)).order_by(Badge.id)
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
