"""The hall and seat assignment.

Rules of assign_seats (in order):
  1. seats already given are kept (re-running never moves anyone);
  2. leaders (groups marked is_leader) first, by precedence, in the front rows of their blocks;
  3. award recipients next, in award order, on aisle seats nearest the stage;
  4. then everyone else by group priority, precedence and Vietnamese name order;
  each person goes to the nearest free seat of a block reserved for their group; when those are
  full (or there are none), to the nearest free seat not reserved for another group; then to
  any free seat. Cancelled and nominated (not accepted) people get no seat.
"""

from __future__ import annotations

from sqlalchemy import select

from models.base import db
from models.event import Event, Group
from models.hall import Block, Seat
from models.people import Attendee


def seat_label(block: str, row: int, number: int) -> str:
    return f"{block}-{row:02d}-{number:02d}"


def build_block(ev: Event, *, code: str, name: str, rows: int, seats_per_row: int, x: int,
                y: int = 2, side: str = "centre", aisle: str = "both",
                groups: list[Group] | None = None) -> Block:
    """Add a block and its seats. Stage rank: nearer rows first, then nearer the hall's centre."""
    block = Block(event_id=ev.id, code=code, name=name, rows=rows, seats_per_row=seats_per_row,
                  x=x, y=y, side=side, aisle=aisle)
    block.groups = list(groups or [])
    db.session.add(block)
    db.session.flush()
    for r in range(1, rows + 1):
        for n in range(1, seats_per_row + 1):
            aisle_seat = (aisle in ("first", "both") and n == 1) or (
                aisle in ("last", "both") and n == seats_per_row
            )
            sx, sy = x + n - 1, y + r - 1
            db.session.add(Seat(
                event_id=ev.id, block_id=block.id, row=r, number=n,
                label=seat_label(code, r, n), is_aisle=aisle_seat, x=sx, y=sy,
                stage_rank=0,
            ))
    db.session.flush()
    return block


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


def assign_seats(ev: Event, award_order: list[int] | None = None) -> int:
    """Give every seatless attendee on the guest list a seat (see the module rules).
    ``award_order``: attendee ids of award recipients in call order. Returns seats given."""
    seats = db.session.scalars(
        select(Seat).where(Seat.event_id == ev.id, Seat.disabled.is_(False))
        .order_by(Seat.stage_rank, Seat.id)
    ).all()
    taken = set(db.session.scalars(
        select(Attendee.seat_id).where(Attendee.event_id == ev.id, Attendee.seat_id.is_not(None))
    ))
    free = [s for s in seats if s.id not in taken]
    blocks = db.session.scalars(select(Block).where(Block.event_id == ev.id)).all()
    reserved_for: dict[int, set[int]] = {}  # block id -> group ids
    for b in blocks:
        reserved_for[b.id] = {g.id for g in b.groups}
    people = db.session.scalars(
        select(Attendee).where(
            Attendee.event_id == ev.id, Attendee.status == "invited", Attendee.seat_id.is_(None)
        )
    ).all()
    groups = {g.id: g for g in db.session.scalars(select(Group).where(Group.event_id == ev.id))}
    award_rank = {aid: i for i, aid in enumerate(award_order or [])}

    def order(a: Attendee) -> tuple:
        g = groups.get(a.group_id)
        if g is not None and g.is_leader:
            return (0, a.precedence, 0, a.sort_key)
        if a.id in award_rank:
            return (1, award_rank[a.id], 0, "")
        return (2, g.priority if g else 9999, a.precedence, a.sort_key)

    given = 0
    for person in sorted(people, key=order):
        seat = _pick(person, free, reserved_for, person.id in award_rank)
        if seat is None:
            break
        free.remove(seat)
        person.seat_id = seat.id
        given += 1
    db.session.flush()
    return given


def _pick(person: Attendee, free: list[Seat], reserved_for: dict[int, set[int]],
          wants_aisle: bool) -> Seat | None:
    mine = [s for s in free if person.group_id in reserved_for.get(s.block_id, set())]
    open_ = [s for s in free if not reserved_for.get(s.block_id)]
    for pool in (mine, open_, free):
        if not pool:
            continue
        if wants_aisle:
            aisle = [s for s in pool if s.is_aisle]
            if aisle:
                return aisle[0]
        return pool[0]
    return None


def walk_in_seat(ev: Event, person: Attendee) -> Seat | None:
    """A free seat for a walk-in: in their group's block, else the nearest free one."""
    assign_seats_for([person], ev)
    return person.seat


def assign_seats_for(people: list[Attendee], ev: Event) -> None:
    seats = db.session.scalars(
        select(Seat).where(Seat.event_id == ev.id, Seat.disabled.is_(False))
        .order_by(Seat.stage_rank, Seat.id)
    ).all()
    taken = set(db.session.scalars(
        select(Attendee.seat_id).where(Attendee.event_id == ev.id, Attendee.seat_id.is_not(None))
    ))
    free = [s for s in seats if s.id not in taken]
    reserved_for = {b.id: {g.id for g in b.groups}
                    for b in db.session.scalars(select(Block).where(Block.event_id == ev.id))}
    for p in people:
        if p.seat_id is None:
            seat = _pick(p, free, reserved_for, False)
            if seat is not None:
                free.remove(seat)
                p.seat_id = seat.id
    db.session.flush()
