"""Laying the hall out again, with a preview of who moves (issue 21 item 3).

Two operations, each previewed first and then applied only if the plan is still the one
previewed (``Plan.token``, a hash of every change; the confirmation sends it back):

reset ("Xếp lại từ đầu", ``assign-seats --reset [--group CODE]``)
    Clear the seats and assign again by the rules of assign_seats. Kept: the seats of people
    already checked in (a protocol officer never moves someone sitting in the hall) and locked
    seats (they stay locked and empty). With a group, only that group's people are cleared and
    seated again; nobody else moves (except seats freed by assign_seats' own rule: people off
    the guest list, booth staff when the hall is short).

awards ("Người nhận khen thưởng ra ghế lối đi", ``assign-seats --awards``)
    Awards imported after seating find their recipients on ordinary seats (assign_seats keeps
    seats given earlier). This puts them on aisle seats nearest the stage in call order
    (Award.position), by rule 3 of assign_seats: their seats are cleared and given again; people
    (not leaders, not checked in) sitting on the aisle seats the recipients should have are moved
    to the nearest free seats of their group. Recipients who are leaders (front rows) or already
    checked in keep their seats.

Both run the real assign_seats inside a SAVEPOINT and compare the seats before and after: the
preview rolls it back, the confirmation keeps it when the token matches (SeatingError otherwise,
nothing changed). Applying is audited: one "reset_seats" / "award_aisles" row with the counts
and one "move_seat" row (reason) per person whose seat changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from models.accounts.models import audit
from models.core.base import db
from models.events.models import Event, Group
from models.guests.models import Attendee
from models.hall.models import Seat
from models.seating.assignment import (
    SeatingError,
    assign_seats,
    groups_needing_seats,
    needs_seat,
    recipients_in_award_order,
)

KINDS = ("reset", "awards")


@dataclass
class Change:
    """One person whose seat changes: ``old`` / ``new`` are seat labels, None for no seat."""

    attendee_id: int
    name: str
    group: str
    old: str | None
    new: str | None


@dataclass
class Plan:
    """What a reset / awards run does (or did): who moves, loses, gains a seat, and counts."""

    kind: str
    #: the group code of a reset limited to one group ("" for everyone)
    group: str
    #: that group's name ("" for everyone)
    group_name: str = ""
    moved: list[Change] = field(default_factory=list)
    lost: list[Change] = field(default_factory=list)
    gained: list[Change] = field(default_factory=list)
    #: people whose seat stays the same (checked-in people included)
    same: int = 0
    #: people checked in whose seats are kept (not moved)
    kept_checked_in: int = 0
    #: locked seats (they stay locked, nobody is given one)
    locked: int = 0
    #: people who need a seat and have none after the plan
    lacking: int = 0
    #: hash of every change: the confirmation must send it back
    token: str = ""

    @property
    def changes(self) -> int:
        return len(self.moved) + len(self.lost) + len(self.gained)


def find_group(ev: Event, code: str) -> Group:
    """The event's group with this code (or name). SeatingError (Vietnamese) when there is none."""
    code = (code or "").strip()
    group = db.session.scalar(select(Group).where(Group.event_id == ev.id, Group.code == code))
    if group is None:
        group = db.session.scalar(select(Group).where(Group.event_id == ev.id, Group.name == code))
    if group is None:
        codes = ", ".join(db.session.scalars(select(Group.code).where(Group.event_id == ev.id).order_by(Group.code)))
        raise SeatingError(f'Không có thành phần "{code}". Các mã thành phần: {codes}.')
    return group


def _seats_now(ev: Event) -> dict[int, int | None]:
    return dict(db.session.execute(select(Attendee.id, Attendee.seat_id).where(Attendee.event_id == ev.id)).all())


def _clear(people: list[Attendee]) -> None:
    for a in people:
        a.seat_id, a.seat = None, None
    db.session.flush()


def _reset(ev: Event, group: Group | None, actor: str) -> None:
    """Clear the seats (not of people checked in) and assign again (the group's people only)."""
    q = select(Attendee).where(Attendee.event_id == ev.id, Attendee.checked_in_at.is_(None))
    if group is not None:
        q = q.where(Attendee.group_id == group.id)
    people = list(db.session.scalars(q).unique())
    _clear([a for a in people if a.seat_id is not None])
    assign_seats(ev, actor=actor, only=None if group is None else {a.id for a in people})


def movable_recipients(ev: Event) -> list[Attendee]:
    """Award recipients in call order whom the awards run may move: on the guest list, needing a
    hall seat, not leaders (they sit in front), not checked in."""
    needing = groups_needing_seats(ev)
    leaders = set(db.session.scalars(select(Group.id).where(Group.event_id == ev.id, Group.is_leader.is_(True))))
    out = []
    for aid in recipients_in_award_order(ev):
        a = db.session.get(Attendee, aid)
        if a is None or a.status != "invited" or a.checked_in_at is not None:
            continue
        if a.group_id is not None and (a.group_id not in needing or a.group_id in leaders):
            continue
        out.append(a)
    return out


def _movable_on_aisles(ev: Event, exclude: set[int]) -> list[Attendee]:
    """People on aisle seats who could give theirs up: not leaders, not checked in, not ``exclude``."""
    leaders = select(Group.id).where(Group.event_id == ev.id, Group.is_leader.is_(True))
    q = (
        select(Attendee)
        .join(Seat, Seat.id == Attendee.seat_id)
        .where(
            Attendee.event_id == ev.id,
            Seat.is_aisle.is_(True),
            Attendee.checked_in_at.is_(None),
            Attendee.group_id.is_(None) | Attendee.group_id.not_in(leaders),
        )
    )
    return [a for a in db.session.scalars(q).unique() if a.id not in exclude]


def _awards(ev: Event, group: Group | None, actor: str) -> None:
    """Recipients to the aisle seats in call order; those sitting there move (module docstring)."""
    recipients = movable_recipients(ev)
    ids = {a.id for a in recipients}
    if not recipients:
        return
    trial = db.session.begin_nested()  # where would they sit with every movable aisle seat free?
    try:
        _clear(recipients + _movable_on_aisles(ev, ids))
        assign_seats(ev, actor=actor, only=ids)
        targets = {a.seat_id for a in recipients if a.seat_id is not None}
    finally:
        trial.rollback()
    displaced = [a for a in _movable_on_aisles(ev, ids) if a.seat_id in targets]
    _clear(recipients + displaced)
    assign_seats(ev, actor=actor, only=ids | {a.id for a in displaced})


def _diff(ev: Event, kind: str, group: Group | None, before: dict, after: dict) -> Plan:
    plan = Plan(kind=kind, group=group.code if group else "", group_name=group.name if group else "")
    labels = dict(db.session.execute(select(Seat.id, Seat.label).where(Seat.event_id == ev.id)).all())
    plan.locked = db.session.scalar(select(func.count(Seat.id)).where(Seat.event_id == ev.id, Seat.disabled.is_(True)))
    changed = sorted(aid for aid in after if before.get(aid) != after[aid])
    people = {a.id: a for a in db.session.scalars(select(Attendee).where(Attendee.id.in_(changed))).unique()}
    groups = dict(db.session.execute(select(Group.id, Group.name).where(Group.event_id == ev.id)).all())
    for aid in changed:
        a, old, new = people[aid], before.get(aid), after[aid]
        c = Change(aid, a.display_name, groups.get(a.group_id, ""), labels.get(old), labels.get(new))
        (plan.moved if old and new else plan.lost if old else plan.gained).append(c)
    for lst in (plan.moved, plan.lost, plan.gained):
        lst.sort(key=lambda c: (c.new or c.old or "", c.name))
    raw = json.dumps([ev.id, kind, plan.group, [(aid, before.get(aid), after[aid]) for aid in changed]])
    plan.token = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return plan


def _counts(ev: Event, plan: Plan, group: Group | None, before: dict, after: dict) -> None:
    checked = select(Attendee.id).where(Attendee.event_id == ev.id, Attendee.checked_in_at.is_not(None))
    if group is not None:
        checked = checked.where(Attendee.group_id == group.id)
    scope = set(recipients_in_award_order(ev)) if plan.kind == "awards" else None
    plan.kept_checked_in = sum(
        1 for aid in db.session.scalars(checked) if after.get(aid) is not None and (scope is None or aid in scope)
    )
    seatless = select(func.count(Attendee.id)).where(
        Attendee.event_id == ev.id, needs_seat(), Attendee.seat_id.is_(None)
    )
    plan.lacking = db.session.scalar(seatless) or 0
    plan.same = sum(1 for aid, s in after.items() if s is not None and before.get(aid) == s)


RUNS: dict[str, Callable[[Event, Group | None, str], None]] = {"reset": _reset, "awards": _awards}


def relayout(
    ev: Event,
    kind: str,
    group_code: str | None = None,
    *,
    apply: bool = False,
    token: str | None = None,
    actor: str = "",
    user_id: int | None = None,
) -> Plan:
    """Preview (``apply=False``: nothing changes) or apply a reset / awards run (module docstring).
    Applying with a ``token`` that is not the plan's any more changes nothing and raises
    SeatingError. Errors (SeatingError): an unknown group code; a group with ``awards``."""
    if kind not in RUNS:
        raise SeatingError(f"Không rõ thao tác xếp chỗ: {kind}.")
    group = find_group(ev, group_code) if group_code else None
    if group is not None and kind != "reset":
        raise SeatingError("Chỉ xếp lại từ đầu mới giới hạn được theo thành phần.")
    db.session.flush()
    before = _seats_now(ev)
    sp = db.session.begin_nested()
    try:
        RUNS[kind](ev, group, actor)
        after = _seats_now(ev)
        plan = _diff(ev, kind, group, before, after)
        _counts(ev, plan, group, before, after)
    except BaseException:
        sp.rollback()
        raise
    if not apply or (token is not None and token != plan.token):
        sp.rollback()
        if apply:
            raise SeatingError(
                "Sơ đồ chỗ ngồi đã thay đổi từ lúc xem trước (có người điểm danh, đổi ghế hoặc khu ghế "
                "đổi). Hãy xem lại danh sách người đổi chỗ rồi xác nhận lần nữa."
            )
        return plan
    _audit(plan, actor, user_id, ev)
    sp.commit()
    return plan


def _audit(plan: Plan, actor: str, user_id: int | None, ev: Event) -> None:
    reason = "reset" if plan.kind == "reset" else "award recipients to aisle seats"
    for c in plan.moved + plan.lost + plan.gained:
        audit("move_seat", "attendee", c.attendee_id, actor=actor, user_id=user_id, old=c.old, new=c.new, reason=reason)
    audit(
        "reset_seats" if plan.kind == "reset" else "award_aisles",
        "event",
        ev.id,
        actor=actor,
        user_id=user_id,
        group=plan.group or None,
        moved=len(plan.moved),
        lost=len(plan.lost),
        gained=len(plan.gained),
        same=plan.same,
        kept_checked_in=plan.kept_checked_in,
        locked=plan.locked,
        lacking=plan.lacking,
    )
    db.session.flush()
