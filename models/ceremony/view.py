"""What the MC tablet and the stage screen show, as plain JSON-ready dicts.

mc_snapshot(event): programme (planned vs actual, running late), the current and the next item,
the batch on stage (honorific, name, entity, product, presence: arrived? seat?), its presenter,
the next batch (the ushers' call-up list), and every recipient who has not arrived yet.
stage_snapshot(event): the event title and the names and products on stage now; nothing else.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models.ceremony.live import presence_tag, show_steps, step_index
from models.ceremony.models import Award, AwardBatch, AwardTier
from models.ceremony.sequence import call_key, calls_in, ceremony_state
from models.core.base import db
from models.core.timeutil import local, to_naive_utc, utcnow
from models.events.models import Event, ProgrammeItem
from models.guests.attendee_json import PERSON_FIELDS, attendee_summary
from models.guests.models import Attendee


def planned_utc(event: Event, item: ProgrammeItem) -> datetime | None:
    """The planned start of an item as naive UTC (the plan is in the event's time zone)."""
    if item.planned_start is None:
        return None
    aware = datetime.combine(event.date, item.planned_start, tzinfo=ZoneInfo(event.timezone))
    return to_naive_utc(aware)


def _hm(value: datetime | None, tz: str) -> str | None:
    return local(value, tz).strftime("%H:%M") if value else None


def _ms(value: datetime | None) -> int | None:
    return int(value.replace(tzinfo=UTC).timestamp() * 1000) if value else None


def person_json(a: Attendee | None, tz: str) -> dict | None:
    """A person the ceremony names, with their presence: ``arrived`` (checked in at the hall:
    Attendee.checked_in_at), ``seat``, ``cancelled`` (taken off the guest list)."""
    if a is None:
        return None
    return {
        **attendee_summary(a, PERSON_FIELDS),
        "arrived": a.checked_in_at is not None,
        "arrived_at": _hm(a.checked_in_at, tz),
        "cancelled": a.status == "cancelled",
    }


_person = person_json


def _award(a: Award) -> dict:
    return {
        "id": a.id,
        "position": a.position,
        "product": a.product_name,
        "entity": a.entity_name,
        "district": a.district.name if a.district is not None else "",
        "status": a.status,
    }


def _unique(values) -> list:
    out: list = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return out


def _call(awards: list[Award], tz: str) -> dict:
    """One person on stage with every product they receive in the batch (models.ceremony.sequence.calls_in)."""
    first = awards[0]
    statuses = {a.status for a in awards}
    return {
        "key": call_key(first),
        "award_id": first.id,
        "award_ids": [a.id for a in awards],
        # the call's status: absent only when every award is; else the first award's
        "status": "absent"
        if statuses == {"absent"}
        else next((a.status for a in awards if a.status != "absent"), first.status),
        "recipient": _person(first.recipient, tz),
        "recipients": _unique(a.recipient.display_name for a in awards if a.recipient),
        "substitute": _person(next((a.substitute for a in awards if a.substitute), None), tz),
        "entity": " · ".join(_unique(a.entity_name for a in awards)),
        "district": " · ".join(_unique(a.district.name for a in awards if a.district)),
        "awards": [_award(a) for a in awards],
    }


def _batch(b: AwardBatch | None, total: int, tz: str, lang: str = "vi") -> dict | None:
    if b is None:
        return None
    calls = [_call(c, tz) for c in calls_in(b.awards)]
    return {
        "id": b.id,
        "number": b.number,
        "of": total,
        "tier": b.tier.label(lang),
        "tier_vi": b.tier.name,
        "tier_en": b.tier.name_en,
        "kind": b.tier.kind,
        "presenter": _person(b.presenter, tz),
        "people": len(calls),
        "award_count": len(b.awards),
        "calls": calls,
    }


def _missing(batches: list[AwardBatch]) -> list[dict]:
    """Every person still to come on stage who has not arrived, once, with all their awards
    still to hand out (and the batches they are in)."""
    out: dict[str, dict] = {}
    for b in batches:
        for a in sorted(b.awards, key=lambda x: (x.position, x.id)):
            if a.status in ("done", "absent"):
                continue
            who = a.substitute or a.recipient
            if who is not None and who.checked_in_at is not None:
                continue
            key = call_key(a)
            m = out.get(key)
            if m is None:
                m = out[key] = {
                    "key": key,
                    "award_id": a.id,
                    "award_ids": [],
                    "batch": b.number,
                    "batches": [],
                    "attendee_id": who.id if who else None,
                    "name": who.display_name if who else "",
                    "no_recipient": who is None,
                    "entity": "",
                    "products": [],
                }
            m["award_ids"].append(a.id)
            if b.number not in m["batches"]:
                m["batches"].append(b.number)
            m["products"].append(a.product_name)
            m["entity"] = " · ".join(_unique([*m["entity"].split(" · "), a.entity_name]))
    return list(out.values())


def _item(ev: Event, it: ProgrammeItem, now: datetime) -> dict:
    planned = planned_utc(ev, it)
    late = None
    # only on the day itself (a rehearsal on another day is not "late")
    if planned is not None and it.actual_start is not None and local(it.actual_start, ev.timezone).date() == ev.date:
        late = round((it.actual_start - planned).total_seconds() / 60)
    return {
        "id": it.id,
        "position": it.position,
        "title": it.title,
        "title_en": it.title_en,
        "speaker": it.speaker,
        "kind": it.kind,
        "planned": it.planned_start.strftime("%H:%M") if it.planned_start else None,
        "planned_minutes": it.planned_minutes,
        "actual_start": _hm(it.actual_start, ev.timezone),
        "actual_end": _hm(it.actual_end, ev.timezone),
        "late_minutes": late,
        # the time this item should end, counted from its actual start (overrun after it)
        "due_ms": _ms(it.actual_start + timedelta(minutes=it.planned_minutes)) if it.actual_start else None,
    }


def mc_snapshot(event: Event, *, now: datetime | None = None, lang: str = "vi") -> dict:
    """Everything the MC page shows (see the module docstring). ``version`` is the state's
    version; ``tag`` also changes with the presence of the people named. Counts are in
    people with the awards beside them: ``recipients`` people hold ``award_count`` awards;
    ``missing`` lists each person not arrived once (``missing_awards`` their awards). Tier
    names in ``lang`` ("vi" or "en")."""
    now = now or utcnow()
    tz = event.timezone
    state = ceremony_state(event.id)
    steps = show_steps(event.id)
    i = step_index(steps, state)
    items = list(
        db.session.scalars(
            select(ProgrammeItem)
            .where(ProgrammeItem.event_id == event.id)
            .order_by(ProgrammeItem.position, ProgrammeItem.id)
        )
    )
    batches = _mc_batches(event.id)
    current_batch, next_batch = _current_and_next_batch(batches, steps, i, state.batch_id)
    prog, next_p = _mc_programme(event, items, state.programme_item_id, i, now)

    missing = _missing(batches)
    recipients = {a.recipient_id: a.recipient for b in batches for a in b.awards if a.recipient}
    cur = next((p for p in prog if p["current"]), None)
    snapshot = {
        "version": state.version,
        "tag": f"{state.version}-{presence_tag(event.id)}",
        "event": {"name": event.name, "short_name": event.short_name or event.name},
        "phase": "before" if i < 0 else ("finished" if i >= len(steps) else "running"),
        "locked": state.locked,
        "step": i,
        "steps": len(steps),
        "programme": prog,
        "current_item": cur,
        "next_item": next_p,
        "late_minutes": cur["late_minutes"] if cur else None,
        "batch": _batch(current_batch, len(batches), tz, lang),
        "next_batch": _batch(next_batch, len(batches), tz, lang),
        "missing": missing,
        "missing_awards": sum(len(m["award_ids"]) for m in missing),
        "recipients": len(recipients),
        "award_count": sum(len(b.awards) for b in batches),
        "arrived": sum(1 for r in recipients.values() if r.checked_in_at is not None),
        "can": {
            "start": i < 0 or (i < len(steps) and any(s[1] for s in steps) and not state.locked),
            "next": i < len(steps),
            "back": i >= 0,
        },
    }
    _mark_backstage(snapshot, event, recipients)
    return snapshot


def _mark_backstage(snapshot: dict, event: Event, recipients: dict) -> None:
    """Who has passed a backstage checkpoint (models.checkin.checkpoints.backstage_times): every
    recipient, substitute and presenter of the batch on stage and of the next one (the ushers'
    call-up list) gets ``backstage_at`` ("HH:MM", or None: not yet); ``backstage`` says whether
    the event has a backstage checkpoint at all (``enabled``) and how many recipients passed it."""
    from models.checkin.checkpoints import Checkpoint, backstage_times

    enabled = (
        db.session.scalar(
            select(Checkpoint.id).where(Checkpoint.event_id == event.id, Checkpoint.kind == "backstage").limit(1)
        )
        is not None
    )
    times = backstage_times(event.id) if enabled else {}
    for batch in (snapshot["batch"], snapshot["next_batch"]):
        if batch is None:
            continue
        people = [batch["presenter"]] + [p for c in batch["calls"] for p in (c["recipient"], c["substitute"])]
        for person in people:
            if person is not None:
                person["backstage_at"] = _hm(times.get(person["id"]), event.timezone)
    snapshot["backstage"] = {"enabled": enabled, "count": sum(1 for rid in recipients if rid in times)}


def _mc_batches(event_id: int) -> list[AwardBatch]:
    """The event's batches in order, with their awards, recipients, substitutes and presenter."""
    return list(
        db.session.scalars(
            select(AwardBatch)
            .where(AwardBatch.event_id == event_id)
            .order_by(AwardBatch.number)
            .options(
                selectinload(AwardBatch.awards).selectinload(Award.recipient),
                selectinload(AwardBatch.awards).selectinload(Award.substitute),
                selectinload(AwardBatch.presenter),
            )
        )
    )


def _current_and_next_batch(
    batches: list[AwardBatch], steps: list, i: int, batch_id: int | None
) -> tuple[AwardBatch | None, AwardBatch | None]:
    """The batch on stage (``batch_id``) and the one after it; before the segment (step ``i``
    of ``steps``) no current one and the first batch still to come."""
    by_id = {b.id: b for b in batches}
    current_batch = by_id.get(batch_id)
    next_batch = None
    if current_batch is not None:
        next_batch = next((b for b in batches if b.number > current_batch.number), None)
    elif i < len(steps):
        # before the segment: the first batch still to come is what the ushers prepare
        upcoming = [s[1] for s in steps[max(i, 0) :] if s[1] is not None]
        next_batch = by_id.get(upcoming[0]) if upcoming else None
    return current_batch, next_batch


def _mc_programme(
    event: Event, items: list[ProgrammeItem], item_id: int | None, i: int, now: datetime
) -> tuple[list[dict], dict | None]:
    """The programme as dicts (``current``, ``done`` marked; ``item_id`` is running) and the
    next item's dict (before the show starts, the first item)."""
    current_item = next((it for it in items if it.id == item_id), None)
    next_item = None
    if current_item is not None:
        next_item = next((it for it in items if it.position > current_item.position), None)
    elif i < 0 and items:
        next_item = items[0]
    prog = [_item(event, it, now) for it in items]
    for p in prog:
        p["current"] = current_item is not None and p["id"] == current_item.id
        p["done"] = p["actual_end"] is not None and not p["current"]
    return prog, next((p for p in prog if next_item is not None and p["id"] == next_item.id), None)


def stage_snapshot(event: Event, lang: str = "vi") -> dict:
    """The projector: event title, the tier (in ``lang``), and who receives what on stage now:
    one entry per person (a recipient with two products comes up once, with both). Absent
    recipients without a substitute are left out; a substitute is named as such."""
    state = ceremony_state(event.id)
    out: dict = {"version": state.version, "event": event.name, "tier": None, "on_stage": []}
    if state.batch_id is None:
        return out
    batch = db.session.get(AwardBatch, state.batch_id)
    if batch is None:
        return out
    tier = db.session.get(AwardTier, batch.tier_id)
    out["tier"] = tier.label(lang) if tier else None
    for call in calls_in([a for a in batch.awards if not (a.status == "absent" and a.substitute is None)]):
        first = call[0]
        who = first.substitute or first.recipient  # the same person for the whole call
        behalf = _unique(a.recipient.display_name for a in call if a.substitute and a.recipient)
        out["on_stage"].append(
            {
                "name": who.display_name if who else first.entity_name,
                "on_behalf_of": ", ".join(behalf) or None,
                "entity": " · ".join(_unique(a.entity_name for a in call)),
                "products": [a.product_name for a in call],
            }
        )
    return out
