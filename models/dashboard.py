"""The organiser's live dashboard: figures, lists and the change version (read-only).

dashboard_version(ev) is cheap (a few max() lookups on indexed columns): the page polls it.
dashboard_data(ev) computes the figures and lists (not the seat map: seat_states, drawn less
often); the web layer computes it at most twice a second however many dashboards are open.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import Integer, case, cast, func, select

from models.awards import Award
from models.base import db
from models.entities import Device
from models.event import District, Event, Group
from models.exhibition import Exhibitor
from models.hall import Block, Seat
from models.people import Attendee, CheckIn
from models.stats import in_hall
from models.timeutil import local, utcnow

#: a kiosk is online when it called the server within this many seconds
ONLINE_SECONDS = 30
BUCKET_MINUTES = 5
#: the version changes at least this often (kiosks going offline, seat moves)
VERSION_TICK_SECONDS = ONLINE_SECONDS

_cache_lock = threading.Lock()
_cache: dict[tuple[int, str], dict] = {}


def dashboard_version(ev: Event | int) -> str:
    """Changes whenever something the dashboard shows changes: a scan or an undo (the check-in
    log's newest id), a booth, a kiosk's heartbeat (10 s steps), and every 30 s anyway (kiosk
    "online" states, seat moves). ``ev``: the event or its id."""
    event_id = ev if isinstance(ev, int) else ev.id
    row = db.session.execute(
        select(
            select(func.max(CheckIn.id)).where(CheckIn.event_id == event_id).scalar_subquery(),
            select(func.max(Exhibitor.updated_at)).where(Exhibitor.event_id == event_id)
            .scalar_subquery(),
            select(func.max(Device.last_seen_at)).scalar_subquery(),
        )
    ).one()
    tick = int(utcnow().timestamp() // VERSION_TICK_SECONDS)
    seen = row[2].replace(second=row[2].second // 10 * 10, microsecond=0) if row[2] else None
    return "-".join(str(x) for x in (event_id, row[0] or 0, _stamp(row[1]), _stamp(seen), tick))


_version_lock = threading.Lock()
_versions: dict[int, tuple[float, str]] = {}


def recent_version(event_id: int, max_age: float) -> str:
    """dashboard_version, asked of the database at most every ``max_age`` seconds per process
    however many dashboards poll (one thread asks; the others take its answer)."""
    import time

    hit = _versions.get(event_id)
    if hit is not None and time.monotonic() - hit[0] < max_age:
        return hit[1]
    with _version_lock:
        hit = _versions.get(event_id)
        if hit is not None and time.monotonic() - hit[0] < max_age:
            return hit[1]
        version = dashboard_version(event_id)
        _versions[event_id] = (time.monotonic(), version)
    return version


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y%m%d%H%M%S%f") if value else "0"


def cached_dashboard(ev: Event, version: str) -> dict:
    key = (ev.id, version)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    data = dashboard_data(ev)
    with _cache_lock:
        _cache.clear()
        _cache[key] = data
    return data


def dashboard_data(ev: Event, *, now: datetime | None = None) -> dict:
    """Everything the dashboard shows, as plain values."""
    now = now or utcnow()
    stats = _totals(ev)
    groups = _by_group(ev)
    districts = _by_district(ev)
    return {
        "stats": stats,
        "groups": groups,
        "districts": districts,
        "timeline": arrivals_timeline(ev),
        "leaders_missing": _leaders_missing(ev),
        "recipients_missing": _recipients_missing(ev),
        "exhibitors_missing": _exhibitors_missing(ev),
        "kiosks": _kiosks(ev, now),
        "generated_at": now,
        "tz": ev.timezone,
    }


def _totals(ev: Event) -> dict:
    """Planned seats, invited and arrived in the hall (one query; models.stats.attendance also
    counts per group and district, which the dashboard does itself)."""
    invited, arrived = db.session.execute(
        select(func.count(Attendee.id), _arrived()).where(Attendee.event_id == ev.id, in_hall())
    ).one()
    return {"planned_seats": ev.planned_seats, "invited": int(invited or 0),
            "checked_in": int(arrived or 0)}


def _arrived():
    return func.sum(case((Attendee.checked_in_at.is_not(None), 1), else_=0))


def _by_group(ev: Event) -> list[dict]:
    rows = db.session.execute(
        select(Group.id, Group.name, Group.color, func.count(Attendee.id), _arrived())
        .outerjoin(Attendee, (Attendee.group_id == Group.id) & (Attendee.status == "invited"))
        .where(Group.event_id == ev.id, Group.is_exhibitor_staff.is_(False))
        .group_by(Group.id, Group.name, Group.color, Group.priority)
        .order_by(Group.priority)
    ).all()
    return [{"id": r[0], "name": r[1], "color": r[2], "invited": r[3], "arrived": int(r[4] or 0),
             "pct": _pct(int(r[4] or 0), r[3])} for r in rows if r[3]]


def _by_district(ev: Event) -> list[dict]:
    rows = db.session.execute(
        select(District.id, District.name, func.count(Attendee.id), _arrived())
        .outerjoin(Attendee, (Attendee.district_id == District.id) & in_hall())
        .where(District.event_id == ev.id)
        .group_by(District.id, District.name, District.sort_order)
        .order_by(District.sort_order)
    ).all()
    return [{"id": r[0], "name": r[1], "invited": r[2], "arrived": int(r[3] or 0),
             "pct": _pct(int(r[3] or 0), r[2])} for r in rows]


def _pct(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def arrivals_timeline(ev: Event, minutes: int = BUCKET_MINUTES) -> list[dict]:
    """Arrivals per ``minutes`` bucket, local time: [{"start": datetime, "count": n}], from the
    first arrival's bucket to the last, empty buckets included. Counted by the database."""
    step = minutes * 60
    if db.session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", Attendee.checked_in_at)
    else:  # SQLite
        seconds = func.strftime("%s", Attendee.checked_in_at)
    bucket = (cast(seconds, Integer) // step).label("b")  # floor division in SQL
    counts = {int(b): n for b, n in db.session.execute(
        select(bucket, func.count()).where(
            Attendee.event_id == ev.id, Attendee.checked_in_at.is_not(None)
        ).group_by(bucket)
    )}
    if not counts:
        return []
    first, last = min(counts), max(counts)
    if last - first > 24 * 60 // minutes:  # at most a day of buckets
        first = last - 24 * 60 // minutes
    epoch = datetime(1970, 1, 1)
    return [{"start": local(epoch + timedelta(seconds=b * step), ev.timezone),
             "count": counts.get(b, 0)} for b in range(first, last + 1)]


def _leaders_missing(ev: Event, limit: int = 30) -> list[dict]:
    rows = db.session.execute(
        select(Attendee.honorific, Attendee.full_name, Attendee.position, Attendee.organisation,
               Attendee.phone, Seat.label)
        .join(Group, Group.id == Attendee.group_id)
        .outerjoin(Seat, Seat.id == Attendee.seat_id)
        .where(Attendee.event_id == ev.id, Attendee.status == "invited",
               Attendee.checked_in_at.is_(None), Group.is_leader.is_(True))
        .order_by(Attendee.precedence, Attendee.sort_key)
        .limit(limit)
    ).all()
    return [dict(r._mapping) for r in rows]


def _recipients_missing(ev: Event) -> list[dict]:
    rows = db.session.execute(
        select(Attendee.id, Attendee.honorific, Attendee.full_name, Attendee.organisation,
               Attendee.phone, Seat.label, func.min(Award.position).label("first_position"),
               func.count(Award.id).label("awards"))
        .join(Award, Award.recipient_id == Attendee.id)
        .outerjoin(Seat, Seat.id == Attendee.seat_id)
        .where(Award.event_id == ev.id, Attendee.status == "invited",
               Attendee.checked_in_at.is_(None), Award.substitute_id.is_(None))
        .group_by(Attendee.id, Attendee.honorific, Attendee.full_name, Attendee.organisation,
                  Attendee.phone, Seat.label)
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


def _kiosks(ev: Event, now: datetime) -> list[dict]:
    devices = db.session.scalars(select(Device).where(Device.revoked_at.is_(None))
                                 .order_by(Device.name)).all()
    scans = {r[0]: r for r in db.session.execute(
        select(CheckIn.device_id, func.count(CheckIn.id),
               func.sum(case((CheckIn.outcome == "invalid", 1), else_=0)),
               func.max(CheckIn.received_at))
        .where(CheckIn.event_id == ev.id, CheckIn.device_id.is_not(None))
        .group_by(CheckIn.device_id)
    )}
    out = []
    for d in devices:
        _, total, invalid, last = scans.get(d.id, (d.id, 0, 0, None))
        status = d.last_status or {}
        out.append({
            "name": d.name, "kind": d.kind,
            "online": bool(d.last_seen_at and (now - d.last_seen_at).total_seconds() < ONLINE_SECONDS),
            "last_seen": local(d.last_seen_at, ev.timezone),
            "last_scan": local(last, ev.timezone),
            "scans": int(total or 0),
            "invalid_share": _pct(int(invalid or 0), int(total or 0)),
            "queued": status.get("queue_length"),
        })
    return out


def seat_states(ev: Event) -> dict:
    """Seats for the seat map: blocks and seats with the occupant's group colour and arrival."""
    seats = db.session.execute(
        select(Seat.x, Seat.y, Seat.label, Seat.disabled, Group.color,
               Attendee.checked_in_at, Attendee.id)
        .outerjoin(Attendee, (Attendee.seat_id == Seat.id) & (Attendee.status == "invited"))
        .outerjoin(Group, Group.id == Attendee.group_id)
        .where(Seat.event_id == ev.id)
    ).all()
    blocks = db.session.execute(
        select(Block.code, Block.x, Block.y).where(Block.event_id == ev.id)
    ).all()
    keys = ("x", "y", "label", "disabled", "color", "arrived", "taken")
    return {
        "seats": [dict(zip(keys, (x, y, label, disabled, color, at is not None, aid is not None),
                           strict=True))
                  for x, y, label, disabled, color, at, aid in seats],
        "blocks": [dict(b._mapping) for b in blocks],
    }
