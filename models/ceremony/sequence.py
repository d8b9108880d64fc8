"""The award hand-out sequence: the order of the awards, the batches on stage and their presenters.

Rules of award_batches (in order):
  1. tiers in hand-out order (AwardTier.sort_order, set with set_tier_order), e.g. 5-star
     certificates, then 4-star certificates, then 3-star flowers;
  2. within a tier, recipients by district (District.sort_order; no district last), then by
     name in Vietnamese order (Attendee.sort_key: given name first); an award without a
     recipient sorts by its entity's name; ties by award id. With ``reorder=False`` the
     current positions are kept (after a manual reordering with move_award);
  3. each tier is cut into batches of at most the stage capacity (Event.stage_capacity,
     default 10) PEOPLE (a recipient with two awards counts once), as even as possible
     (25 people, capacity 10: 9, 8, 8), never mixing tiers; batches are numbered 1, 2, 3...
     across all tiers;
  4. a presenter per batch: leaders (groups marked is_leader, on the guest list, not
     themselves recipients) by precedence (typed, else the rank the title gives by the event's
     protocol table, re-derived first: models/events/protocol.py), those who have arrived before
     those who have not, taken in turn (the highest-ranked leader present presents the first
     batch, i.e. the highest tier); a presenter set by hand is kept when only the order changes.
Everything here raises SequenceLocked once the award hand-out has started (CeremonyState.locked).
Every change bumps the ceremony version, so open MC pages refresh.
"""

from __future__ import annotations

import math

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from models.accounts.models import audit
from models.ceremony.models import Award, AwardBatch, AwardTier, CeremonyState
from models.core.base import db
from models.core.names import sort_key
from models.core.timeutil import utcnow
from models.events.models import Event, Group
from models.guests.models import Attendee
from models.guests.precedence import refresh_precedence
from models.seating.signals import award_order
from models.units.models import District


class SequenceLocked(Exception):
    """The award order is locked: the hand-out has started."""


class SequenceError(ValueError):
    """Bad input to a sequencing function (message in Vietnamese)."""


def ceremony_state(event_id: int) -> CeremonyState:
    """The event's ceremony state row, created on first use (flushed, not committed)."""
    state = db.session.scalar(select(CeremonyState).where(CeremonyState.event_id == event_id))
    if state is None:
        try:
            with db.session.begin_nested():
                state = CeremonyState(event_id=event_id, version=1)
                db.session.add(state)
        except IntegrityError:  # made by another request meanwhile
            state = db.session.scalar(select(CeremonyState).where(CeremonyState.event_id == event_id))
    return state


def bump_version(event_id: int) -> None:
    """Tell every open MC page and stage screen that something changed (not committed)."""
    ceremony_state(event_id)
    db.session.execute(
        update(CeremonyState)
        .where(CeremonyState.event_id == event_id)
        .values(version=CeremonyState.version + 1, updated_at=utcnow())
    )


def check_unlocked(event_id: int) -> None:
    """Raise SequenceLocked once the ceremony has started: its order (batches, awards) is
    then fixed."""
    if ceremony_state(event_id).locked:
        raise SequenceLocked("Lễ trao thưởng đã bắt đầu: không thể thay đổi thứ tự.")


def tiers_in_order(event_id: int) -> list[AwardTier]:
    return list(
        db.session.scalars(
            select(AwardTier).where(AwardTier.event_id == event_id).order_by(AwardTier.sort_order, AwardTier.id)
        )
    )


def set_tier_order(event: Event, codes: list[str], *, actor: str = "") -> None:
    """Hand-out order of the tiers, by tier code (all tiers, each once).
    Raises SequenceLocked, SequenceError (unknown or missing code). Re-batches (keeping the
    order within each tier)."""
    check_unlocked(event.id)
    tiers = {t.code: t for t in tiers_in_order(event.id)}
    if sorted(codes) != sorted(tiers):
        raise SequenceError("Danh sách hạng không khớp với các hạng của sự kiện.")
    for i, code in enumerate(codes):
        tiers[code].sort_order = i + 1
    audit("tier_order", "event", event.id, actor=actor, order=codes)
    db.session.flush()
    award_batches(event, reorder=False, actor=actor)


def _rule_key(a: Award, tier_rank: dict[int, int], district_rank: dict[int, int], names: dict[int, str]) -> tuple:
    name = names.get(a.recipient_id) if a.recipient_id else None
    return (
        tier_rank.get(a.tier_id, 9999),
        district_rank.get(a.district_id, 9999) if a.district_id else 9999,
        name if name is not None else sort_key(a.entity_name),
        a.id,
    )


def _leaders(event_id: int, exclude: set[int]) -> list[int]:
    rows = db.session.execute(
        select(Attendee.id)
        .join(Group, Group.id == Attendee.group_id)
        .where(Attendee.event_id == event_id, Group.is_leader.is_(True), Attendee.status == "invited")
        .order_by(Attendee.checked_in_at.is_(None), Attendee.precedence, Attendee.sort_key, Attendee.id)
    ).scalars()
    return [i for i in rows if i not in exclude]


def _chunks(units: list[list[Award]], capacity: int) -> list[list[Award]]:
    """Cut people (units) into as-even-as-possible batches of at most ``capacity`` people."""
    if not units:
        return []
    n = math.ceil(len(units) / capacity)
    base, extra = divmod(len(units), n)
    out, i = [], 0
    for k in range(n):
        size = base + (1 if k < extra else 0)
        out.append([a for u in units[i : i + size] for a in u])
        i += size
    return out


def award_batches(
    event: Event, capacity: int | None = None, *, reorder: bool = True, actor: str = ""
) -> list[AwardBatch]:
    """(Re)build the hand-out sequence of ``event`` (see the module rules) and return the batches
    in order. ``capacity`` overrides and stores Event.stage_capacity. ``reorder=False`` keeps
    the current positions (manual order). Raises SequenceLocked once the hand-out has started,
    SequenceError for a capacity below 1. Flushes, does not commit."""
    check_unlocked(event.id)
    refresh_precedence(event)
    cap = _stage_capacity(event, capacity)
    tiers = tiers_in_order(event.id)
    awards = _awards_in_order(event.id, tiers, reorder)
    old = _clear_batches(event.id)
    manual = {} if reorder else old

    recipients = {a.recipient_id for a in awards if a.recipient_id}
    leaders = _leaders(event.id, recipients)
    batches: list[AwardBatch] = []
    position = 0
    for tier in tiers:
        for chunk in _chunks(_tier_units(awards, tier), cap):
            batch = _new_batch(event.id, tier, len(batches) + 1, manual, leaders)
            for a in chunk:
                a.position = position
                a.batch_id = batch.id
                if a.status == "on_stage":
                    a.status = "pending"
                position += 1
            batches.append(batch)
    audit(
        "award_batches",
        "event",
        event.id,
        actor=actor,
        capacity=cap,
        reorder=reorder,
        batches=len(batches),
        awards=len(awards),
    )
    bump_version(event.id)
    db.session.flush()
    return batches


def _stage_capacity(event: Event, capacity: int | None) -> int:
    """People per batch: ``capacity`` checked and stored, else the event's (default 10)."""
    if capacity is not None:
        if not isinstance(capacity, int) or capacity < 1 or capacity > 200:
            raise SequenceError("Số người trên sân khấu phải từ 1 đến 200.")
        event.stage_capacity = capacity
    return max(1, event.stage_capacity or 10)


def _awards_in_order(event_id: int, tiers: list[AwardTier], reorder: bool) -> list[Award]:
    """The event's awards by the rules (``reorder``), else tier by tier in their current order."""
    tier_rank = {t.id: i for i, t in enumerate(tiers)}
    district_rank = {
        d.id: d.sort_order for d in db.session.scalars(select(District).where(District.event_id == event_id))
    }
    awards = list(db.session.scalars(select(Award).where(Award.event_id == event_id)))
    names = dict(
        db.session.execute(
            select(Attendee.id, Attendee.sort_key).where(
                Attendee.id.in_({a.recipient_id for a in awards if a.recipient_id})
            )
        ).all()
    )
    if reorder:
        awards.sort(key=lambda a: _rule_key(a, tier_rank, district_rank, names))
    else:
        awards.sort(key=lambda a: (tier_rank.get(a.tier_id, 9999), a.position, a.id))
    return awards


def _clear_batches(event_id: int) -> dict[int, int | None]:
    """Delete the event's batches (awards unlinked); returns their presenters by number."""
    old = {
        b.number: b.presenter_id for b in db.session.scalars(select(AwardBatch).where(AwardBatch.event_id == event_id))
    }
    db.session.execute(update(Award).where(Award.event_id == event_id).values(batch_id=None))
    db.session.execute(delete(AwardBatch).where(AwardBatch.event_id == event_id))
    db.session.flush()
    return old


def _tier_units(awards: list[Award], tier: AwardTier) -> list[list[Award]]:
    """The tier's awards in order, one unit per person (a recipient's awards together)."""
    units: list[list[Award]] = []
    by_person: dict[int, list[Award]] = {}
    for a in awards:
        if a.tier_id != tier.id:
            continue
        if a.recipient_id and a.recipient_id in by_person:
            by_person[a.recipient_id].append(a)
            continue
        unit = [a]
        units.append(unit)
        if a.recipient_id:
            by_person[a.recipient_id] = unit
    return units


def _new_batch(
    event_id: int, tier: AwardTier, number: int, manual: dict[int, int | None], leaders: list[int]
) -> AwardBatch:
    """Batch ``number`` (added and flushed): its presenter kept (manual order) or the next leader."""
    presenter = manual.get(number)
    if presenter is None and leaders:
        presenter = leaders[(number - 1) % len(leaders)]
    batch = AwardBatch(event_id=event_id, tier_id=tier.id, number=number, presenter_id=presenter)
    db.session.add(batch)
    db.session.flush()
    return batch


def move_award(event: Event, award_id: int, *, to_position: int, actor: str = "") -> None:
    """Manual reordering: put an award at ``to_position`` (0-based, within its tier's range of
    positions) and re-batch keeping the order. Raises SequenceLocked, SequenceError."""
    check_unlocked(event.id)
    award = db.session.get(Award, award_id)
    if award is None or award.event_id != event.id:
        raise SequenceError("Không tìm thấy giải thưởng.")
    same_tier = list(
        db.session.scalars(
            select(Award)
            .where(Award.event_id == event.id, Award.tier_id == award.tier_id)
            .order_by(Award.position, Award.id)
        )
    )
    lo, hi = same_tier[0].position, same_tier[-1].position
    if not isinstance(to_position, int) or not lo <= to_position <= hi:
        raise SequenceError("Chỉ có thể đổi chỗ trong cùng một hạng.")
    old_position = award.position
    same_tier.remove(award)
    same_tier.insert(to_position - lo, award)
    for i, a in enumerate(same_tier):
        a.position = lo + i
    audit("move_award", "award", award.id, actor=actor, old=old_position, new=to_position)
    db.session.flush()
    award_batches(event, reorder=False, actor=actor)


def set_presenter(event: Event, batch_id: int, attendee_id: int | None, *, actor: str = "") -> None:
    """Choose the presenter of a batch (any delegate on the guest list; normally a leader).
    Allowed after the start too (a leader may leave early). Raises SequenceError."""
    batch = db.session.get(AwardBatch, batch_id)
    if batch is None or batch.event_id != event.id:
        raise SequenceError("Không tìm thấy đợt trao.")
    if attendee_id is not None:
        person = db.session.get(Attendee, attendee_id)
        if person is None or person.event_id != event.id or person.status != "invited":
            raise SequenceError("Người trao không có trong danh sách đại biểu.")
    audit("set_presenter", "award_batch", batch.id, actor=actor, old=batch.presenter_id, new=attendee_id)
    batch.presenter_id = attendee_id
    bump_version(event.id)
    db.session.flush()


def call_key(a: Award) -> str:
    """Who comes on stage for an award: the substitute, else the recipient, else the award alone."""
    if a.substitute_id:
        return f"p{a.substitute_id}"
    return f"p{a.recipient_id}" if a.recipient_id else f"a{a.id}"


def calls_in(awards: list[Award]) -> list[list[Award]]:
    """One call per person: the awards of a batch grouped by who comes on stage (call_key), in
    the order of each person's first award. A recipient with two products comes up once with
    both; an award without a recipient is a call of its own."""
    calls: dict[str, list[Award]] = {}
    for a in sorted(awards, key=lambda x: (x.position, x.id)):
        calls.setdefault(call_key(a), []).append(a)
    return list(calls.values())


def batches_of(event_id: int) -> list[AwardBatch]:
    """The batches in hand-out order, with their awards."""
    return list(
        db.session.scalars(select(AwardBatch).where(AwardBatch.event_id == event_id).order_by(AwardBatch.number))
    )


def ensure_batches(event: Event) -> list[AwardBatch]:
    """The batches; built by the rules (and committed) when there are awards but no batch yet
    and the sequence is not locked."""
    batches = batches_of(event.id)
    if batches or ceremony_state(event.id).locked:
        return batches
    if db.session.scalar(select(Award.id).where(Award.event_id == event.id).limit(1)) is None:
        return batches
    batches = award_batches(event, actor="auto")
    db.session.commit()
    return batches


@award_order.connect
def recipients_in_award_order(ev: Event, **_kw) -> list[int]:
    """Attendee ids of award recipients in hand-out order (Award.position), each once (asked by
    seat assignment through models.seating.signals.award_order)."""
    out: list[int] = []
    seen: set[int] = set()
    for rid in db.session.scalars(
        select(Award.recipient_id)
        .where(Award.event_id == ev.id, Award.recipient_id.is_not(None))
        .order_by(Award.position, Award.id)
    ):
        if rid not in seen:
            seen.add(rid)
            out.append(rid)
    return out
