"""The organiser's live dashboard: figures, lists and the change version (read-only).

dashboard_version(ev) is cheap (a few max() lookups on indexed columns): the page polls it.
dashboard_data(ev) computes the figures and lists (not the seat map: models.seating.seatmap, drawn less
often); the web layer computes it at most twice a second however many dashboards are open.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import Integer, case, cast, func, select

from models.accounts.models import Device
from models.ceremony.models import Award
from models.checkin.checkpoints import figures as checkpoint_figures
from models.checkin.models import CheckIn
from models.checkin.stats import attendance_figures, in_hall, percent
from models.core import caches
from models.core.base import db
from models.core.timeutil import local, utcnow
from models.events.models import Event, Group
from models.exhibition.models import Exhibitor
from models.guests.models import Attendee
from models.hall.models import Seat
from models.seating.assignment import needs_seat, seat_balance
from models.units.models import District

#: a kiosk is online when it called the server within this many seconds
ONLINE_SECONDS = 30
#: a scan the server received this long after the kiosk saw it came from a kiosk's offline queue
LATE_SYNC_SECONDS = 30
#: outcomes a kiosk deciding offline may not have known (a revocation or a person removed after
#: its last snapshot): such a scan may have been let in at the door
_SYNC_REFUSALS = ("revoked", "unknown", "wrong_event")
BUCKET_MINUTES = 5
#: the version changes at least this often (kiosks going offline, seat moves)
VERSION_TICK_SECONDS = ONLINE_SECONDS


def dashboard_version(ev: Event | int) -> str:
    """Changes whenever something the dashboard shows changes: a scan or an undo (the check-in
    log's newest id), a booth, a kiosk's heartbeat (10 s steps), and every 30 s anyway (kiosk
    "online" states, seat moves). ``ev``: the event or its id."""
    event_id = ev if isinstance(ev, int) else ev.id
    row = db.session.execute(
        select(
            select(func.max(CheckIn.id)).where(CheckIn.event_id == event_id).scalar_subquery(),
            select(func.max(Exhibitor.updated_at)).where(Exhibitor.event_id == event_id).scalar_subquery(),
            select(func.max(Device.last_seen_at)).scalar_subquery(),
        )
    ).one()
    tick = int(utcnow().timestamp() // VERSION_TICK_SECONDS)
    seen = row[2].replace(second=row[2].second // 10 * 10, microsecond=0) if row[2] else None
    return "-".join(str(x) for x in (event_id, row[0] or 0, _stamp(row[1]), _stamp(seen), tick))


_version_lock = threading.Lock()


def recent_version(event_id: int, max_age: float) -> str:
    """dashboard_version, asked of the database at most every ``max_age`` seconds per process
    however many dashboards poll (one thread asks; the others take its answer)."""
    hit = caches.get(caches.dashboard_versions, event_id)
    if hit is not None:
        return hit[1]
    with _version_lock:
        hit = caches.get(caches.dashboard_versions, event_id)
        if hit is not None:
            return hit[1]
        version = dashboard_version(event_id)
        caches.put(caches.dashboard_versions, event_id, (max_age, version))
    return version


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y%m%d%H%M%S%f") if value else "0"


def cached_dashboard(ev: Event, version: str) -> dict:
    key = (ev.id, version)
    hit = caches.get(caches.dashboard_data, key)
    if hit is not None:
        return hit
    data = dashboard_data(ev)
    caches.put(caches.dashboard_data, key, data)
    return data


def dashboard_data(ev: Event, *, now: datetime | None = None) -> dict:
    """Everything the dashboard shows, as plain values. Every attendance figure (cards, tables,
    chart) counts the same people: delegates as models.checkin.stats.in_hall defines them, counted once by
    models.checkin.stats.attendance_figures; booth staff are a figure of their own."""
    now = now or utcnow()
    leaders, leaders_count = _leaders_missing(ev)
    seatless, seatless_count = seatless_arrivals(ev)
    figures = attendance_figures(ev)
    return {
        "stats": figures["stats"],
        "seats": asdict(seat_balance(ev)),
        "groups": figures["groups"],
        "districts": figures["districts"],
        "timeline": arrivals_timeline(ev),
        "leaders_missing": leaders,
        "leaders_missing_count": leaders_count,
        "recipients_missing": _recipients_missing(ev),
        "seatless_arrivals": seatless,
        "seatless_arrivals_count": seatless_count,
        "exhibitors_missing": _exhibitors_missing(ev),
        "kiosks": _kiosks(ev, now),
        "sync_refusals": sync_refusals(ev),
        "checkpoints": checkpoint_figures(ev, figures["stats"], now),
        "generated_at": now,
        "tz": ev.timezone,
    }


def arrivals_timeline(ev: Event, minutes: int = BUCKET_MINUTES) -> list[dict]:
    """Delegates' arrivals (the people the cards count: models.checkin.stats.in_hall) per ``minutes``
    bucket, local time: [{"start": datetime, "count": n}], from the first arrival's bucket to
    the last, empty buckets included. Counted by the database."""
    step = minutes * 60
    if db.session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", Attendee.checked_in_at)
    else:  # SQLite
        seconds = func.strftime("%s", Attendee.checked_in_at)
    bucket = (cast(seconds, Integer) // step).label("b")  # floor division in SQL
    counts = {
        int(b): n
        for b, n in db.session.execute(
            select(bucket, func.count())
            .where(Attendee.event_id == ev.id, Attendee.checked_in_at.is_not(None), in_hall())
            .group_by(bucket)
        )
    }
    if not counts:
        return []
    first, last = min(counts), max(counts)
    if last - first > 24 * 60 // minutes:  # at most a day of buckets
        first = last - 24 * 60 // minutes
    epoch = datetime(1970, 1, 1)
    return [
        {"start": local(epoch + timedelta(seconds=b * step), ev.timezone), "count": counts.get(b, 0)}
        for b in range(first, last + 1)
    ]


def _leaders_missing(ev: Event, limit: int = 30) -> tuple[list[dict], int]:
    """The first ``limit`` leaders not yet arrived (precedence order), and how many there are."""
    where = (
        Attendee.event_id == ev.id,
        Attendee.status == "invited",
        Attendee.checked_in_at.is_(None),
        Group.is_leader.is_(True),
    )
    rows = db.session.execute(
        select(
            Attendee.honorific, Attendee.full_name, Attendee.position, Attendee.organisation, Attendee.phone, Seat.label
        )
        .join(Group, Group.id == Attendee.group_id)
        .outerjoin(Seat, Seat.id == Attendee.seat_id)
        .where(*where)
        .order_by(Attendee.precedence, Attendee.sort_key)
        .limit(limit)
    ).all()
    count = db.session.scalar(select(func.count(Attendee.id)).join(Group, Group.id == Attendee.group_id).where(*where))
    return [dict(r._mapping) for r in rows], int(count or 0)


def seatless_arrivals(ev: Event, limit: int = 50) -> tuple[list[dict], int]:
    """People who arrived without a seat though they need one (the hall was full): the desk
    finds them a seat. Latest arrival first; and how many there are."""
    where = (Attendee.event_id == ev.id, needs_seat(), Attendee.seat_id.is_(None), Attendee.checked_in_at.is_not(None))
    rows = db.session.execute(
        select(
            Attendee.id,
            Attendee.honorific,
            Attendee.full_name,
            Attendee.organisation,
            Attendee.phone,
            Attendee.checked_in_at,
            Group.name.label("group"),
        )
        .outerjoin(Group, Group.id == Attendee.group_id)
        .where(*where)
        .order_by(Attendee.checked_in_at.desc(), Attendee.id)
        .limit(limit)
    ).all()
    count = db.session.scalar(select(func.count(Attendee.id)).where(*where))
    return [{**r._mapping, "checked_in_at": local(r.checked_in_at, ev.timezone)} for r in rows], int(count or 0)


def _recipients_missing(ev: Event) -> list[dict]:
    rows = db.session.execute(
        select(
            Attendee.id,
            Attendee.honorific,
            Attendee.full_name,
            Attendee.organisation,
            Attendee.phone,
            Seat.label,
            func.min(Award.position).label("first_position"),
            func.count(Award.id).label("awards"),
        )
        .join(Award, Award.recipient_id == Attendee.id)
        .outerjoin(Seat, Seat.id == Attendee.seat_id)
        .where(
            Award.event_id == ev.id,
            Attendee.status == "invited",
            Attendee.checked_in_at.is_(None),
            Award.substitute_id.is_(None),
        )
        .group_by(
            Attendee.id, Attendee.honorific, Attendee.full_name, Attendee.organisation, Attendee.phone, Seat.label
        )
        .order_by(func.min(Award.position))
    ).all()
    return [dict(r._mapping) for r in rows]


def _exhibitors_missing(ev: Event) -> list[dict]:
    """Approved exhibitors (with or without a table) not yet set up, per district."""
    rows = db.session.execute(
        select(District.name, Exhibitor.name, Exhibitor.phone, Exhibitor.contact_name)
        .join(District, District.id == Exhibitor.district_id)
        .where(Exhibitor.event_id == ev.id, Exhibitor.status.in_(("approved", "assigned")))
        .order_by(District.sort_order, Exhibitor.name)
    ).all()
    out: dict[str, list[dict]] = {}
    for district, name, phone, contact in rows:
        out.setdefault(district, []).append({"name": name, "phone": phone, "contact": contact})
    return [{"district": d, "exhibitors": v} for d, v in out.items()]


def sync_refusals(ev: Event, limit: int = 30) -> list[dict]:
    """Scans that reached the server late from a kiosk's offline queue and were refused there
    (revoked, unknown, wrong_event): the kiosk decided from an older snapshot and may have let
    the person in. Newest first, for the desk to follow up."""
    rows = db.session.execute(
        select(
            CheckIn.id,
            CheckIn.station,
            CheckIn.outcome,
            CheckIn.scanned_at,
            CheckIn.received_at,
            Attendee.honorific,
            Attendee.full_name,
        )
        .outerjoin(Attendee, Attendee.id == CheckIn.attendee_id)
        .where(CheckIn.event_id == ev.id, CheckIn.outcome.in_(_SYNC_REFUSALS))
        .order_by(CheckIn.id.desc())
        .limit(500)
    ).all()
    late = timedelta(seconds=LATE_SYNC_SECONDS)
    out = [
        {
            "id": r.id,
            "station": r.station,
            "outcome": r.outcome,
            "name": f"{r.honorific or ''} {r.full_name or ''}".strip(),
            "scanned_at": local(r.scanned_at, ev.timezone),
            "received_at": local(r.received_at, ev.timezone),
        }
        for r in rows
        if r.received_at - r.scanned_at > late
    ]
    return out[:limit]


def _kiosks(ev: Event, now: datetime) -> list[dict]:
    devices = db.session.scalars(select(Device).where(Device.revoked_at.is_(None)).order_by(Device.name)).all()
    scans = {
        r[0]: r
        for r in db.session.execute(
            select(
                CheckIn.device_id,
                func.count(CheckIn.id),
                func.sum(case((CheckIn.outcome == "invalid", 1), else_=0)),
                func.max(CheckIn.received_at),
            )
            .where(CheckIn.event_id == ev.id, CheckIn.device_id.is_not(None))
            .group_by(CheckIn.device_id)
        )
    }
    out = []
    for d in devices:
        _, total, invalid, last = scans.get(d.id, (d.id, 0, 0, None))
        status = d.last_status or {}
        out.append(
            {
                "name": d.name,
                "kind": d.kind,
                "online": bool(d.last_seen_at and (now - d.last_seen_at).total_seconds() < ONLINE_SECONDS),
                "last_seen": local(d.last_seen_at, ev.timezone),
                "last_scan": local(last, ev.timezone),
                "scans": int(total or 0),
                "invalid_share": percent(int(invalid or 0), int(total or 0)),
                "queued": status.get("queue_length"),
            }
        )
    return out
