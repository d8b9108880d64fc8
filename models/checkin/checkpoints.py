"""Checkpoints: the named places of an event where badges are scanned, each with a rule
(issue 24 item 5).

Every event has the default checkpoint "Cổng hội trường" (kind "entrance", rule "once"),
made with the event (models.events.service.create_event, so new events, copies, templates
and the demo) and by the migration for older events. A scan at a checkpoint of kind
"entrance" with rule "once" is the hall arrival, exactly as before (models.checkin.checkin:
Attendee.checked_in_at, outcome ok / already). A scan anywhere else passes rules 1-5 of
check_in and then this checkpoint's rule (``pass_through``), recorded in ``checkpoint_pass``:

  once   ok the first time; "already" (the first pass's time and checkpoint) after that;
  daily  the same per local day of the event's time zone;
  every  ok each time, numbered ("Lượt thứ N");
  inout  ok each time, alternately "in" and "out" (odd passes in, even out): who is inside now.

Exactly once per rule: one pass table with UNIQUE (checkpoint_id, attendee_id, slot), where the
slot says what the rule allows once: "once" for once, the local date for daily (the unique
(checkpoint, attendee, day) of the rule), "#N" for the N-th pass of every and inout. A pass is
INSERT ... ON CONFLICT DO NOTHING inside the check-in's write transaction: for every / inout N
is read as max + 1 and a conflict (another device's pass of the same person committed first)
reads again, so N never repeats and in / out strictly alternate under any concurrency (SQLite:
BEGIN IMMEDIATE serialises the writers; PostgreSQL READ COMMITTED: ON CONFLICT waits for the
other transaction, and the next read sees it).

A checkpoint scan never sets Attendee.checked_in_at: a backstage or documents-desk scan is not an
arrival in the hall (the answer adds a note when the person has not arrived). Each scan is still
logged in the checkin table (CheckIn.checkpoint_id: where it was scanned; null on rows from before
checkpoints, which were all at the entrance).

Backstage: a pass at a checkpoint of kind "backstage" is what marks an award recipient "đã vào hậu
trường" (``backstage_times``: the MC tablet, the ushers' list); nothing else is written.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, bindparam, case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from models.core import caches
from models.core.base import db
from models.core.timeutil import local, utcnow
from models.events.signals import event_created

KINDS = ("entrance", "exhibition", "backstage", "desk", "other")
RULES = ("once", "daily", "every", "inout")
DEFAULT_NAME = "Cổng hội trường"
#: the demo's checkpoints besides the entrance: (name, kind, rule)
DEMO = (
    ("Khu trưng bày", "exhibition", "every"),
    ("Hậu trường trao giải", "backstage", "once"),
    ("Bàn nhận tài liệu", "desk", "once"),
)
KIND_LABELS = {
    "entrance": "Lối vào",
    "exhibition": "Khu trưng bày",
    "backstage": "Hậu trường",
    "desk": "Bàn phục vụ",
    "other": "Khác",
}
RULE_LABELS = {
    "once": "Một lần (điểm danh)",
    "daily": "Một lần mỗi ngày",
    "every": "Đếm mọi lượt",
    "inout": "Vào / ra (ai đang ở trong)",
}


class Checkpoint(db.Model):
    """A named place where badges are scanned, with its rule (see the module docstring)."""

    __tablename__ = "checkpoint"
    __table_args__ = (UniqueConstraint("event_id", "name", name="uq_checkpoint_event_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    #: one of KINDS
    kind: Mapped[str] = mapped_column(String(20), default="other")
    #: one of RULES
    rule: Mapped[str] = mapped_column(String(10), default="once")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_arrival(self) -> bool:
        return is_arrival(self.kind, self.rule)

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "rule": self.rule, "kind": self.kind}


class CheckpointPass(db.Model):
    """One accepted pass of a person at a checkpoint that is not the hall arrival."""

    __tablename__ = "checkpoint_pass"
    __table_args__ = (UniqueConstraint("checkpoint_id", "attendee_id", "slot", name="uq_checkpoint_pass_slot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoint.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendee.id", ondelete="CASCADE"), index=True)
    #: the logged scan (CheckIn) this pass came from: one pass per scan
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkin.id", ondelete="CASCADE"), unique=True)
    #: "once", the local date (daily) or "#N" (every, inout): what the rule allows once
    slot: Mapped[str] = mapped_column(String(20))
    #: the person's N-th pass here (every, inout); 0 for once and daily
    seq: Mapped[int] = mapped_column(default=0)
    #: "in" / "out" (inout), else null
    direction: Mapped[str | None] = mapped_column(String(3))
    #: the local day of the pass (the event's time zone)
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime]
    #: inout: how many were inside right after this pass (a retried scan answers the same)
    inside: Mapped[int | None]


def is_arrival(kind: str, rule: str) -> bool:
    """A scan here is the hall arrival (models.checkin.checkin's rules 6-7)."""
    return kind == "entrance" and rule == "once"


def add_default(event_id: int) -> Checkpoint:
    """The event's "Cổng hội trường" (entrance, once), made when missing. Does not commit."""
    found = db.session.scalar(
        select(Checkpoint).where(Checkpoint.event_id == event_id, Checkpoint.kind == "entrance").order_by(Checkpoint.id)
    )
    if found is not None:
        return found
    cp = Checkpoint(event_id=event_id, name=DEFAULT_NAME, kind="entrance", rule="once", position=0)
    db.session.add(cp)
    db.session.flush()
    return cp


@event_created.connect
def _hall_entrance(ev, **_kw) -> None:
    """Every new event gets its hall entrance (models.events.service.create_event's signal)."""
    add_default(ev.id)


def add_demo(event_id: int) -> None:
    """The demo's other checkpoints (exhibition, backstage, documents desk). Does not commit."""
    add_default(event_id)
    for position, (name, kind, rule) in enumerate(DEMO, start=1):
        db.session.add(Checkpoint(event_id=event_id, name=name, kind=kind, rule=rule, position=position))
    db.session.flush()


def listed(event_id: int) -> list[Checkpoint]:
    return list(
        db.session.scalars(
            select(Checkpoint).where(Checkpoint.event_id == event_id).order_by(Checkpoint.position, Checkpoint.id)
        )
    )


def _info(row) -> dict:
    return {"id": row.id, "name": row.name, "rule": row.rule, "kind": row.kind}


def default_info(event_id: int) -> dict:
    """{id, name, rule, kind} of the event's default checkpoint (its first entrance), cached
    (caches.checkpoints); a stand-in without id when the event has none."""
    key = ("default", event_id)
    hit = caches.get(caches.checkpoints, key)
    if hit is None:
        t = Checkpoint.__table__
        row = db.session.execute(
            select(t.c.id, t.c.name, t.c.rule, t.c.kind)
            .where(t.c.event_id == event_id, t.c.kind == "entrance")
            .order_by(t.c.rule != "once", t.c.id)
            .limit(1)
        ).first()
        hit = _info(row) if row else {"id": None, "name": DEFAULT_NAME, "rule": "once", "kind": "entrance"}
        caches.put(caches.checkpoints, key, hit)
    return hit


def info(event_id: int, checkpoint_id: int | None) -> dict:
    """{id, name, rule, kind} of ``checkpoint_id`` when it is one of this event's, else the
    event's default (cached caches.checkpoints; a change here clears the cache)."""
    if checkpoint_id is None:
        return default_info(event_id)
    key = ("id", checkpoint_id)
    hit = caches.get(caches.checkpoints, key)
    if hit is None:
        t = Checkpoint.__table__
        row = db.session.execute(
            select(t.c.id, t.c.name, t.c.rule, t.c.kind, t.c.event_id).where(t.c.id == checkpoint_id)
        ).first()
        hit = (row.event_id, _info(row)) if row else (None, None)
        caches.put(caches.checkpoints, key, hit)
    owner, found = hit
    return found if owner == event_id else default_info(event_id)


def device_checkpoint(device_id: int | None) -> int | None:
    """Device.checkpoint_id of a device (cached with the checkpoints)."""
    if device_id is None:
        return None
    key = ("device", device_id)
    hit = caches.get(caches.checkpoints, key)
    if hit is None:
        from models.accounts.models import Device

        hit = (db.session.scalar(select(Device.checkpoint_id).where(Device.id == device_id)),)
        caches.put(caches.checkpoints, key, hit)
    return hit[0]


def changed() -> None:
    """A checkpoint or a device's checkpoint changed: forget this process's copies."""
    caches.clear(caches.checkpoints)


# --- a pass (inside the check-in's write transaction) ---------------------------------------

_p = CheckpointPass.__table__
_PASS_COLUMNS = ("checkpoint_id", "attendee_id", "checkin_id", "slot", "seq", "direction", "day", "at", "inside")


@functools.cache
def _insert_pass(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(_p)
        .values({name: bindparam(name) for name in _PASS_COLUMNS})
        .on_conflict_do_nothing(index_elements=[_p.c.checkpoint_id, _p.c.attendee_id, _p.c.slot])
        .returning(_p.c.id)
    )


@dataclass
class Passed:
    """What a pass decided: "ok" or "already"; seq (every, inout), direction (inout), inside
    (inout: people inside after it), first (already: {"at", "station", "checkpoint"})."""

    outcome: str
    seq: int = 0
    direction: str | None = None
    inside: int | None = None
    first: dict | None = None


def inside_now(checkpoint_id: int) -> int:
    """People inside an inout checkpoint now: whose last pass was an odd one (in)."""
    last = (
        select(func.max(_p.c.seq).label("seq"))
        .where(_p.c.checkpoint_id == checkpoint_id)
        .group_by(_p.c.attendee_id)
        .subquery()
    )
    return int(db.session.scalar(select(func.count()).select_from(last).where(last.c.seq % 2 == 1)) or 0)


def pass_through(cp: dict, attendee_id: int, checkin_id: int, seen: datetime, tz: str, station: str) -> Passed:
    """Apply ``cp``'s rule to this scan of ``attendee_id`` (logged as ``checkin_id``). Call inside
    the check-in's write transaction; the caller commits."""
    session = db.session()
    dialect = db.engine.dialect.name
    day = local(seen, tz).date()
    row = {"checkpoint_id": cp["id"], "attendee_id": attendee_id, "checkin_id": checkin_id, "day": day, "at": seen}
    if cp["rule"] in ("once", "daily"):
        slot = "once" if cp["rule"] == "once" else day.isoformat()
        values = {**row, "slot": slot, "seq": 0, "direction": None, "inside": None}
        if session.execute(_insert_pass(dialect), values).scalar() is not None:
            return Passed("ok")
        return Passed("already", first=first_pass(cp, attendee_id, slot, tz))
    for _attempt in range(20):
        seq = 1 + int(
            session.scalar(
                select(func.coalesce(func.max(_p.c.seq), 0)).where(
                    _p.c.checkpoint_id == cp["id"], _p.c.attendee_id == attendee_id
                )
            )
        )
        direction = ("in" if seq % 2 else "out") if cp["rule"] == "inout" else None
        values = {**row, "slot": f"#{seq}", "seq": seq, "direction": direction, "inside": None}
        got = session.execute(_insert_pass(dialect), values).scalar()
        if got is not None:
            inside = None
            if direction is not None:
                inside = inside_now(cp["id"])
                session.execute(_p.update().where(_p.c.id == got).values(inside=inside))
            return Passed("ok", seq, direction, inside)
    raise RuntimeError("checkpoint pass: too many concurrent passes of one person")


def first_pass(cp: dict, attendee_id: int, slot: str, tz: str) -> dict | None:
    """{"at", "station", "checkpoint"} of the pass holding ``slot`` (the "already" answer)."""
    from models.checkin.models import CheckIn

    c = CheckIn.__table__
    row = db.session.execute(
        select(_p.c.at, c.c.station)
        .select_from(_p.join(c, c.c.id == _p.c.checkin_id))
        .where(_p.c.checkpoint_id == cp["id"], _p.c.attendee_id == attendee_id, _p.c.slot == slot)
    ).first()
    if row is None:
        return None
    return {"at": local(row.at, tz).isoformat(timespec="seconds"), "station": row.station, "checkpoint": cp["name"]}


def pass_of_scan(checkin_id: int):
    """The pass a logged scan made (a retried scan_id answers from it), or None."""
    return db.session.execute(
        select(_p.c.seq, _p.c.direction, _p.c.inside, _p.c.slot).where(_p.c.checkin_id == checkin_id)
    ).first()


def has_passes(checkpoint_id: int) -> bool:
    from models.checkin.models import CheckIn

    if db.session.scalar(select(_p.c.id).where(_p.c.checkpoint_id == checkpoint_id).limit(1)) is not None:
        return True
    c = CheckIn.__table__
    return db.session.scalar(select(c.c.id).where(c.c.checkpoint_id == checkpoint_id).limit(1)) is not None


def backstage_times(event_id: int) -> dict[int, datetime]:
    """attendee id -> the first pass (naive UTC) at any backstage checkpoint of the event."""
    rows = db.session.execute(
        select(_p.c.attendee_id, func.min(_p.c.at))
        .join(Checkpoint, Checkpoint.id == _p.c.checkpoint_id)
        .where(Checkpoint.event_id == event_id, Checkpoint.kind == "backstage")
        .group_by(_p.c.attendee_id)
    ).all()
    return dict(rows)


# --- the figures (the dashboard's panel, /api/v1/stats, the reports) -------------------------


def figures(ev, totals: dict, now: datetime | None = None) -> list[dict]:
    """THE checkpoint figures, read by the dashboard's "Điểm kiểm soát" panel, /api/v1/stats
    ``checkpoints`` and the reports: per checkpoint {"id", "name", "rule", "kind", "people",
    "invited", "passes_today", "passes_total", "inside"}. ``totals``: the attendance totals
    (models.checkin.stats.totals): the entrance's people are the delegates arrived, exactly the
    dashboard's figure; elsewhere "people" is who passed (once), who passed today (daily),
    "inside" who is inside now (inout); "passes_*" count accepted passes (the every rule's
    figure), today in the event's time zone. Two queries whatever the number of checkpoints."""
    today = local(now or utcnow(), ev.timezone).date()
    rows = listed(ev.id)
    counts = {
        cid: (people, people_today, total, today_n)
        for cid, people, people_today, total, today_n in db.session.execute(
            select(
                _p.c.checkpoint_id,
                func.count(func.distinct(_p.c.attendee_id)),
                func.count(func.distinct(case((_p.c.day == today, _p.c.attendee_id)))),
                func.count(_p.c.id),
                func.sum(case((_p.c.day == today, 1), else_=0)),
            )
            .join(Checkpoint, Checkpoint.id == _p.c.checkpoint_id)
            .where(Checkpoint.event_id == ev.id)
            .group_by(_p.c.checkpoint_id)
        )
    }
    inside = _inside_by_checkpoint(ev.id)
    out = []
    for cp in rows:
        people, people_today, total, today_n = counts.get(cp.id, (0, 0, 0, 0))
        if cp.is_arrival:
            people = people_today = total = today_n = int(totals.get("checked_in") or 0)
        out.append(
            {
                **cp.as_json(),
                "people": int(people_today if cp.rule == "daily" else people),
                "invited": int(totals.get("invited") or 0),
                "passes_today": int(today_n or 0),
                "passes_total": int(total or 0),
                "inside": inside.get(cp.id, 0) if cp.rule == "inout" else None,
            }
        )
    return out


def _inside_by_checkpoint(event_id: int) -> dict[int, int]:
    last = (
        select(_p.c.checkpoint_id, func.max(_p.c.seq).label("seq"))
        .join(Checkpoint, Checkpoint.id == _p.c.checkpoint_id)
        .where(Checkpoint.event_id == event_id, Checkpoint.rule == "inout")
        .group_by(_p.c.checkpoint_id, _p.c.attendee_id)
        .subquery()
    )
    return dict(
        db.session.execute(
            select(last.c.checkpoint_id, func.count()).where(last.c.seq % 2 == 1).group_by(last.c.checkpoint_id)
        ).all()
    )
