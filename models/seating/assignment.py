"""The hall and seat assignment.

Rules of assign_seats (in order):
  1. seats already given are kept (re-running never moves anyone);
  2. leaders (groups marked is_leader) first, by precedence, in the front rows of their blocks;
  3. award recipients next, in award order (Award.position), on aisle seats nearest the stage
     (in their group's blocks when those have aisle seats, else any aisle seat not reserved for
     another group, else any aisle seat);
  4. then everyone else by group priority, precedence and Vietnamese name order;
  each person goes to the nearest free seat of a block reserved for their group; when those are
  full (or there are none), to a free seat of an unreserved block, nearest to their group's block;
  then to the nearest free seat of any block. Disabled seats are never given.
  Within a block, protocol (lễ tân): row by row from the stage, and in a row from its centre
  seat out on alternating sides (protocol_order): the first (highest-ranked) person of a block
  sits at the centre of its front row, the second on their right (as they sit facing the
  stage: the next seat number), the third on their left, and so on. With an even number of
  seats the centre seat is the left one of the middle two, so the first two straddle the centre.
Precedence: the typed one, else the rank the title gives by the event's protocol table
(models/events/protocol.py); assign_seats re-derives it first (refresh_precedence).
Who needs a hall seat (needs_seat / groups_needing_seats): people on the guest list (status
"invited"), except booth staff (a group marked is_exhibitor_staff) whose group has no seats
reserved (Group.seats_reserved = 0 and no block reserved for it): they work at the exhibition.
Cancelled, nominated and returned people never get a seat; a seat such a person still holds is
freed by the next assign_seats. When the people who need a seat outnumber the free seats,
seats held by booth staff who need none are freed for them first.
seat_balance(ev) counts the hall against the people who need a seat: the one count the hall
editor, the flash after "Xếp chỗ" and the dashboard show.
Free seats are indexed per block (sorted by stage rank, with a moving cursor), so a run is
O(people x blocks + seats), not O(people x seats).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from models.accounts.models import audit
from models.core.base import db
from models.events.models import Event, Group
from models.guests.models import Attendee
from models.guests.precedence import refresh_precedence
from models.hall.models import Block, Seat, block_group
from models.seating.signals import recipients_in_award_order


def group_needs_seats():
    """SQL over Group: its members need hall seats (see the module docstring)."""
    return (
        Group.is_exhibitor_staff.is_(False) | (Group.seats_reserved > 0) | Group.id.in_(select(block_group.c.group_id))
    )


def needs_seat():
    """SQL over Attendee: on the guest list and needing a hall seat (see the module docstring)."""
    return (Attendee.status == "invited") & (
        Attendee.group_id.is_(None) | Attendee.group_id.in_(select(Group.id).where(group_needs_seats()))
    )


def groups_needing_seats(ev: Event) -> set[int]:
    """Ids of the event's groups whose members need a hall seat."""
    return set(db.session.scalars(select(Group.id).where(Group.event_id == ev.id, group_needs_seats())))


@dataclass
class SeatBalance:
    """The hall against the people who need a seat (seat_balance)."""

    #: seats in the hall plan
    capacity: int
    #: of them, not locked
    usable: int
    #: the event's planned seats (a figure typed in the event's settings)
    planned: int
    #: people on the guest list who need a hall seat
    needing: int
    #: of them, with a seat
    seated: int
    #: of them, without a seat
    lacking: int
    #: [(group name, how many lack a seat)], most first ("" for people without a group)
    lacking_by_group: list[tuple[str, int]]
    #: usable seats nobody holds
    free: int
    #: people on the guest list who need no hall seat (booth staff without reserved seats)
    not_needing: int
    #: of them, holding a seat anyway (freed for delegates when the hall is short)
    not_needing_seated: int

    @property
    def short(self) -> int:
        """Seats missing for everyone who needs one to sit (0 when the hall is big enough)."""
        return max(0, self.needing - self.usable)


def seat_balance(ev: Event) -> SeatBalance:
    """Count the seats against the people who need one (see SeatBalance)."""
    capacity, locked, taken = db.session.execute(
        select(
            func.count(Seat.id),
            func.coalesce(func.sum(case((Seat.disabled.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case(((Seat.disabled.is_(False)) & Attendee.id.is_not(None), 1), else_=0)), 0),
        )
        .outerjoin(Attendee, Attendee.seat_id == Seat.id)
        .where(Seat.event_id == ev.id)
    ).one()
    need_groups = groups_needing_seats(ev)
    has_seat = Attendee.seat_id.is_not(None)
    rows = db.session.execute(
        select(Attendee.group_id, Group.name, has_seat, func.count(Attendee.id))
        .outerjoin(Group, Group.id == Attendee.group_id)
        .where(Attendee.event_id == ev.id, Attendee.status == "invited")
        .group_by(Attendee.group_id, Group.name, has_seat)
    ).all()
    needing = seated = not_needing = not_needing_seated = 0
    lacking: dict[str, int] = {}
    for group_id, name, seat_held, n in rows:
        if group_id is None or group_id in need_groups:
            needing += n
            if seat_held:
                seated += n
            else:
                lacking[name or ""] = lacking.get(name or "", 0) + n
        else:
            not_needing += n
            not_needing_seated += n if seat_held else 0
    usable = int(capacity or 0) - int(locked or 0)
    return SeatBalance(
        capacity=int(capacity or 0),
        usable=usable,
        planned=ev.planned_seats,
        needing=needing,
        seated=seated,
        lacking=needing - seated,
        lacking_by_group=sorted(lacking.items(), key=lambda kv: (-kv[1], kv[0])),
        free=max(0, usable - int(taken or 0)),
        not_needing=not_needing,
        not_needing_seated=not_needing_seated,
    )


class SeatingError(ValueError):
    """A manual seat change that cannot be made. ``str(exc)`` is a Vietnamese message."""


def seat_label(block: str, row: int, number: int) -> str:
    return f"{block}-{row:02d}-{number:02d}"


def protocol_order(number: int, per_row: int) -> int:
    """A seat's place in its row by protocol: 0 for the centre seat ((per_row + 1) // 2), then
    1 on its right (number + 1), 2 on its left, 3 two to the right… (see the module rules)."""
    d = number - (per_row + 1) // 2
    return 2 * d - 1 if d > 0 else -2 * d


def _is_aisle(aisle: str, n: int, per_row: int) -> bool:
    return (aisle in ("first", "both") and n == 1) or (aisle in ("last", "both") and n == per_row)


def build_block(
    ev: Event,
    *,
    code: str,
    name: str,
    rows: int,
    seats_per_row: int,
    x: int,
    y: int = 2,
    side: str = "centre",
    aisle: str = "both",
    groups: list[Group] | None = None,
) -> Block:
    """Add a block and its seats. Call rank_seats(ev) after the hall is complete."""
    block = Block(
        event_id=ev.id, code=code, name=name, rows=rows, seats_per_row=seats_per_row, x=x, y=y, side=side, aisle=aisle
    )
    block.groups = list(groups or [])
    db.session.add(block)
    db.session.flush()
    _add_seats(block, set())
    db.session.flush()
    return block


def _add_seats(block: Block, have: set[tuple[int, int]]) -> None:
    for r in range(1, block.rows + 1):
        for n in range(1, block.seats_per_row + 1):
            if (r, n) in have:
                continue
            db.session.add(
                Seat(
                    event_id=block.event_id,
                    block_id=block.id,
                    row=r,
                    number=n,
                    label=seat_label(block.code, r, n),
                    is_aisle=_is_aisle(block.aisle, n, block.seats_per_row),
                    x=block.x + n - 1,
                    y=block.y + r - 1,
                    stage_rank=0,
                )
            )


def reshape_block(block: Block, *, actor: str = "") -> list[Attendee]:
    """After a block's rows, seats per row, position, code or aisle changed: add the new seats,
    delete the seats outside the block (their people lose the seat and are returned), and
    recompute labels, coordinates, aisles and ranks."""
    seats = db.session.scalars(select(Seat).where(Seat.block_id == block.id)).all()
    have: set[tuple[int, int]] = set()
    unseated: list[Attendee] = []
    for s in seats:
        if s.row > block.rows or s.number > block.seats_per_row:
            for a in db.session.scalars(select(Attendee).where(Attendee.seat_id == s.id)):
                a.seat_id = None
                unseated.append(a)
                audit("unseat", "attendee", a.id, actor=actor, seat=s.label, reason="block reshaped")
            db.session.delete(s)
            continue
        have.add((s.row, s.number))
        s.label = seat_label(block.code, s.row, s.number)
        s.is_aisle = _is_aisle(block.aisle, s.number, block.seats_per_row)
        s.x, s.y = block.x + s.number - 1, block.y + s.row - 1
    db.session.flush()
    _add_seats(block, have)
    db.session.flush()
    rank_seats(db.session.get(Event, block.event_id))
    return unseated


def rank_seats(ev: Event) -> None:
    """Recompute stage_rank for the whole hall: row distance from the stage first, then the
    horizontal distance from the hall's centre line."""
    seats = db.session.scalars(select(Seat).where(Seat.event_id == ev.id)).all()
    if not seats:
        return
    xs = [s.x for s in seats]
    centre = (min(xs) + max(xs)) / 2
    for s in seats:
        s.stage_rank = int(s.y * 1000 + abs(s.x - centre) * 10)
    db.session.flush()


@dataclass
class _Pool:
    """The free seats of one block in protocol order (row by row, each row from its centre out),
    with cursors that only move forward."""

    block: Block
    seats: list[Seat]
    aisle: list[Seat] = field(default_factory=list)
    i: int = 0
    j: int = 0

    def head(self, taken: set[int], aisle: bool = False) -> Seat | None:
        if aisle:
            while self.j < len(self.aisle) and self.aisle[self.j].id in taken:
                self.j += 1
            return self.aisle[self.j] if self.j < len(self.aisle) else None
        while self.i < len(self.seats) and self.seats[self.i].id in taken:
            self.i += 1
        return self.seats[self.i] if self.i < len(self.seats) else None


class Hall:
    """The free seats of an event, indexed per block."""

    def __init__(self, ev: Event):
        self.blocks = list(db.session.scalars(select(Block).where(Block.event_id == ev.id)))
        seats = db.session.scalars(
            select(Seat).where(Seat.event_id == ev.id, Seat.disabled.is_(False)).order_by(Seat.stage_rank, Seat.id)
        ).all()
        self.taken: set[int] = set(
            db.session.scalars(
                select(Attendee.seat_id).where(Attendee.event_id == ev.id, Attendee.seat_id.is_not(None))
            )
        )
        by_block: dict[int, list[Seat]] = {b.id: [] for b in self.blocks}
        for s in seats:
            if s.id not in self.taken:
                by_block.setdefault(s.block_id, []).append(s)
        per_row = {b.id: b.seats_per_row for b in self.blocks}
        for bid, pool in by_block.items():
            pool.sort(key=lambda s: (s.row, protocol_order(s.number, per_row.get(bid, 0)), s.id))
        self.pools = {b.id: _Pool(b, by_block[b.id], [s for s in by_block[b.id] if s.is_aisle]) for b in self.blocks}
        self.reserved = {b.id: {g.id for g in b.groups} for b in self.blocks}
        self.centre = {b.id: (b.x + b.seats_per_row / 2, b.y + b.rows / 2) for b in self.blocks}

    def own(self, group_id: int | None) -> list[int]:
        return [b for b, gs in self.reserved.items() if group_id is not None and group_id in gs]

    def _distance(self, bid: int, own: list[int]) -> float:
        if not own:
            return 0.0
        x, y = self.centre[bid]
        return min(abs(x - self.centre[o][0]) + abs(y - self.centre[o][1]) for o in own)

    def pick(self, group_id: int | None, *, aisle: bool = False) -> Seat | None:
        """The seat the rules give (see the module docstring), without taking it."""
        own = self.own(group_id)
        tiers = [own, [b for b, gs in self.reserved.items() if not gs], list(self.pools)]
        for want_aisle in (True, False) if aisle else (False,):
            for tier in tiers:
                best = None
                for bid in tier:
                    s = self.pools[bid].head(self.taken, want_aisle)
                    if s is None:
                        continue
                    rank = (0 if bid in own else self._distance(bid, own), s.stage_rank, s.id)
                    if best is None or rank < best[0]:
                        best = (rank, s)
                if best is not None:
                    return best[1]
        return None

    def take(self, person: Attendee, seat: Seat) -> None:
        self.taken.add(seat.id)
        person.seat_id = seat.id
        person.seat = seat


def _free_unneeded_seats(ev: Event, lacking: int, actor: str) -> None:
    """Free the seats held by people not on the guest list (cancelled, nominated, returned), and,
    for the ``lacking`` people who need a seat beyond the free ones, seats held by people who need
    none (booth staff without reserved seats), the furthest from the stage first. Audited."""
    for a in db.session.scalars(
        select(Attendee).where(Attendee.event_id == ev.id, Attendee.status != "invited", Attendee.seat_id.is_not(None))
    ):
        audit(
            "unseat",
            "attendee",
            a.id,
            actor=actor,
            seat=a.seat.label if a.seat else None,
            reason="not on the guest list",
        )
        a.seat_id, a.seat = None, None
    db.session.flush()
    if lacking <= 0:
        return
    free = (
        db.session.scalar(
            select(func.count(Seat.id)).where(
                Seat.event_id == ev.id,
                Seat.disabled.is_(False),
                Seat.id.not_in(select(Attendee.seat_id).where(Attendee.seat_id.is_not(None))),
            )
        )
        or 0
    )
    if lacking <= free:
        return
    staff = (
        db.session.scalars(
            select(Attendee)
            .join(Seat, Seat.id == Attendee.seat_id)
            .where(Attendee.event_id == ev.id, Attendee.status == "invited", ~needs_seat())
            .order_by(Seat.stage_rank.desc(), Seat.id.desc())
            .limit(lacking - free)
        )
        .unique()
        .all()
    )
    for a in staff:
        audit(
            "unseat",
            "attendee",
            a.id,
            actor=actor,
            seat=a.seat.label if a.seat else None,
            reason="booth staff need no hall seat; the hall is short",
        )
        a.seat_id, a.seat = None, None
    db.session.flush()


def assign_seats(
    ev: Event, award_order: list[int] | None = None, *, actor: str = "", only: Collection[int] | None = None
) -> int:
    """Give every seatless attendee who needs a hall seat a seat (see the module rules).
    ``award_order``: attendee ids of award recipients in call order (default: from the awards).
    ``only``: seat these attendee ids only (the others stay as they are; models.seating.relayout).
    Returns the number of seats given; people left without one mean the hall is full
    (seat_balance says how many and from which groups)."""
    if award_order is None:
        award_order = recipients_in_award_order(ev)
    refresh_precedence(ev)
    people = (
        db.session.scalars(select(Attendee).where(Attendee.event_id == ev.id, needs_seat(), Attendee.seat_id.is_(None)))
        .unique()
        .all()
    )
    if only is not None:
        people = [p for p in people if p.id in only]
    _free_unneeded_seats(ev, len(people), actor)
    hall = Hall(ev)
    groups = {g.id: g for g in db.session.scalars(select(Group).where(Group.event_id == ev.id))}
    award_rank = {aid: i for i, aid in enumerate(award_order)}

    def order(a: Attendee) -> tuple:
        g = groups.get(a.group_id)
        if g is not None and g.is_leader:
            return (0, a.precedence, 0, a.sort_key)
        if a.id in award_rank:
            return (1, award_rank[a.id], 0, "")
        return (2, g.priority if g else 9999, a.precedence, a.sort_key)

    given = 0
    for person in sorted(people, key=order):
        g = groups.get(person.group_id)
        seat = hall.pick(person.group_id, aisle=person.id in award_rank and not (g and g.is_leader))
        if seat is None:
            break
        hall.take(person, seat)
        given += 1
    if given:
        audit("assign_seats", "event", ev.id, actor=actor, given=given)
    db.session.flush()
    return given


def walk_in_seat(ev: Event, person: Attendee) -> Seat | None:
    """A free seat for a walk-in: in their group's block, else the nearest free one. None when
    the hall is full. Keeps a seat the person already has."""
    assign_seats_for([person], ev)
    return person.seat


def seat_at_desk(ev: Event, person: Attendee, *, actor: str = "", user_id: int | None = None) -> Seat | None:
    """The desk finds a free seat for someone who arrived without one (the hall was full; a seat
    may have been freed since): the walk-in rule (their group's block, else the nearest free
    seat). Returns the seat, or None when the hall is still full. Audited.
    Errors (SeatingError): the person is not on the guest list, has a seat, or needs none."""
    if person.event_id != ev.id or person.status != "invited":
        raise SeatingError("Người này không có trong danh sách khách mời.")
    if person.seat_id is not None:
        label = person.seat.label if person.seat else ""
        raise SeatingError(f"{person.display_name} đã có ghế {label}.")
    if person.group_id is not None and person.group_id not in groups_needing_seats(ev):
        raise SeatingError(f"{person.display_name} là nhân viên gian hàng, không cần ghế trong hội trường.")
    assign_seats_for([person], ev)
    if person.seat_id is not None:
        audit("desk_seat", "attendee", person.id, actor=actor, user_id=user_id, seat=person.seat.label)
    return person.seat


def assign_seats_for(people: list[Attendee], ev: Event) -> None:
    """Seat these people only (walk-ins, accepted nominations), by the same rules as
    assign_seats: booth staff without reserved seats get none."""
    hall = Hall(ev)
    needing = groups_needing_seats(ev)
    for p in people:
        if p.seat_id is None and (p.group_id is None or p.group_id in needing):
            seat = hall.pick(p.group_id)
            if seat is not None:
                hall.take(p, seat)
    db.session.flush()


def move_attendee(
    person: Attendee, label: str | None, *, swap: bool = False, actor: str = "", user_id: int | None = None
) -> Attendee | None:
    """Move a delegate to the seat ``label`` ("B-03-07"), or take their seat away (label empty).
    Errors (SeatingError): no such seat, a disabled seat, a seat held by someone else (unless
    ``swap``: then the two exchange seats; the other person is returned). Audited."""
    label = (label or "").strip().upper()
    old = person.seat
    if not label:
        person.seat_id = None
        person.seat = None
        audit(
            "move_seat", "attendee", person.id, actor=actor, user_id=user_id, old=old.label if old else None, new=None
        )
        db.session.flush()
        return None
    seat = db.session.scalar(select(Seat).where(Seat.event_id == person.event_id, Seat.label == label))
    if seat is None:
        raise SeatingError(f'Không có ghế "{label}".')
    if seat.disabled:
        raise SeatingError(f"Ghế {label} đang bị khóa (không dùng được).")
    other = db.session.scalar(select(Attendee).where(Attendee.seat_id == seat.id))
    if other is not None and other.id == person.id:
        return None
    if other is not None and not swap:
        raise SeatingError(f"Ghế {label} đã có người ngồi: {other.display_name}. Chọn ghế khác hoặc chọn đổi chỗ.")
    if other is not None:
        other.seat_id = None
        db.session.flush()
    person.seat_id = seat.id
    person.seat = seat
    db.session.flush()
    if other is not None:
        other.seat_id = old.id if old else None
        other.seat = old
        audit(
            "move_seat",
            "attendee",
            other.id,
            actor=actor,
            user_id=user_id,
            old=label,
            new=old.label if old else None,
            swap=True,
        )
    audit("move_seat", "attendee", person.id, actor=actor, user_id=user_id, old=old.label if old else None, new=label)
    db.session.flush()
    return other


def set_seat_disabled(seat: Seat, disabled: bool, *, actor: str = "") -> Attendee | None:
    """Lock or unlock a seat. Locking an occupied seat unseats its person (returned)."""
    seat.disabled = disabled
    person = None
    if disabled:
        person = db.session.scalar(select(Attendee).where(Attendee.seat_id == seat.id))
        if person is not None:
            person.seat_id = None
            audit("unseat", "attendee", person.id, actor=actor, seat=seat.label, reason="seat disabled")
    audit("disable_seat" if disabled else "enable_seat", "seat", seat.id, actor=actor, seat=seat.label)
    db.session.flush()
    return person
