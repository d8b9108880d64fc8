"""Seat assignment rules: leaders in front by precedence, award recipients on aisle seats nearest
the stage in award order, then groups by priority; re-running keeps seats; manual moves with a
conflict check; walk-ins in their group's block or the nearest; locked seats never given."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models.ceremony.models import Award, AwardTier
from models.core.base import db
from models.events.models import Group
from models.events.service import create_event
from models.guests.models import Attendee
from models.hall.models import Seat
from models.seating.assignment import (
    SeatingError,
    assign_seats,
    build_block,
    move_attendee,
    protocol_order,
    rank_seats,
    set_seat_disabled,
    walk_in_seat,
)


def hall():
    """A 3-block hall: centre block B for leaders, left block A (aisle on its right end) for
    producers, right block C for nobody in particular; press has no block."""
    ev = create_event(slug="seat-test", name="Hội nghị xếp chỗ", date=date(2025, 5, 22))
    g = {}
    for code, prio, leader in (("leaders", 1, True), ("dept", 2, False), ("producers", 5, False), ("press", 8, False)):
        g[code] = Group(event_id=ev.id, code=code, name=code, priority=prio, is_leader=leader)
        db.session.add(g[code])
    db.session.flush()
    build_block(ev, code="A", name="Trái", rows=3, seats_per_row=4, x=0, aisle="last", groups=[g["producers"]])
    build_block(ev, code="B", name="Giữa", rows=3, seats_per_row=5, x=5, groups=[g["leaders"], g["dept"]])
    build_block(ev, code="C", name="Phải", rows=3, seats_per_row=4, x=11, aisle="first")
    rank_seats(ev)
    return ev, g


def person(ev, group, name, precedence=1000):
    a = Attendee(event_id=ev.id, full_name=name, group_id=group.id, precedence=precedence)
    a.refresh_keys()
    db.session.add(a)
    db.session.flush()
    return a


def seat(a):
    return a.seat.label if a.seat else None


def test_leaders_front_by_precedence(app):
    ev, g = hall()
    third = person(ev, g["leaders"], "Lê Văn Ba", 3)
    first = person(ev, g["leaders"], "Nguyễn Văn Một", 1)
    second = person(ev, g["leaders"], "Trần Văn Hai", 2)
    dept = person(ev, g["dept"], "Phạm Văn Sở", 1)
    assign_seats(ev)
    # block B row 1: the centre seat first, then outwards
    assert seat(first) == "B-01-03"
    assert {seat(second), seat(third)} == {"B-01-02", "B-01-04"}
    assert first.seat.stage_rank < second.seat.stage_rank <= third.seat.stage_rank
    assert dept.seat.block.code == "B" and dept.seat.row == 1


def test_award_recipients_on_aisle_seats_in_award_order(app):
    ev, g = hall()
    people = [person(ev, g["producers"], f"Chủ thể {i}") for i in range(4)]
    tier = AwardTier(event_id=ev.id, code="5", name="5 sao", sort_order=1)
    db.session.add(tier)
    db.session.flush()
    # award order is 2, 0, 3 (positions); 1 receives nothing
    for pos, idx in enumerate((2, 0, 3)):
        db.session.add(
            Award(
                event_id=ev.id,
                tier_id=tier.id,
                product_name=f"SP{pos}",
                entity_name="X",
                recipient_id=people[idx].id,
                position=pos,
            )
        )
    db.session.flush()
    assign_seats(ev)
    # block A's aisle is its last seat (4), nearest the stage first
    assert [seat(people[i]) for i in (2, 0, 3)] == ["A-01-04", "A-02-04", "A-03-04"]
    assert people[1].seat.block.code == "A" and not people[1].seat.is_aisle


def test_groups_by_priority_and_overflow_to_nearest_unreserved(app):
    ev, g = hall()
    press = [person(ev, g["press"], f"Phóng viên {i}") for i in range(2)]
    producers = [person(ev, g["producers"], f"Nhà sản xuất {i:02d}") for i in range(14)]
    assign_seats(ev)
    in_a = [p for p in producers if p.seat.block.code == "A"]
    assert len(in_a) == 12  # their block is full ...
    overflow = [p for p in producers if p.seat.block.code != "A"]
    assert {p.seat.block.code for p in overflow} == {"C"}  # ... then the unreserved block, not B
    # press (priority 8) comes after producers (5): no reserved block, so block C after them
    assert all(p.seat.block.code == "C" for p in press)

    # within block C in protocol order: row by row, each row from its centre seat out
    def order(p):
        return (p.seat.row, protocol_order(p.seat.number, 4))

    assert max(order(o) for o in overflow) < min(order(p) for p in press)


def test_rerun_keeps_seats_and_skips_cancelled(app):
    ev, g = hall()
    a = person(ev, g["dept"], "Võ Văn A", 5)
    cancelled = person(ev, g["dept"], "Hồ Văn Hủy", 1)
    cancelled.status = "cancelled"
    assign_seats(ev)
    kept = seat(a)
    vip = person(ev, g["leaders"], "Đồng chí Chủ tịch", 1)
    assert assign_seats(ev) == 1
    assert seat(a) == kept and cancelled.seat is None and vip.seat is not None


def test_manual_move_conflict_and_swap(app):
    ev, g = hall()
    a = person(ev, g["dept"], "Nguyễn A", 1)
    b = person(ev, g["dept"], "Trần B", 2)
    assign_seats(ev)
    sa, sb = seat(a), seat(b)
    with pytest.raises(SeatingError, match="đã có người ngồi"):
        move_attendee(a, sb)
    assert seat(a) == sa
    with pytest.raises(SeatingError, match="Không có ghế"):
        move_attendee(a, "Z-99-99")
    other = move_attendee(a, sb, swap=True, actor="test")
    assert other is b and seat(a) == sb and seat(b) == sa
    move_attendee(a, "c-03-01")
    assert seat(a) == "C-03-01"
    move_attendee(a, "")
    assert a.seat_id is None


def test_locked_seats_are_never_given(app):
    ev, g = hall()
    front = db.session.scalar(select(Seat).where(Seat.event_id == ev.id, Seat.label == "B-01-03"))
    set_seat_disabled(front, True)
    leader = person(ev, g["leaders"], "Lãnh đạo", 1)
    assign_seats(ev)
    assert seat(leader) != "B-01-03" and leader.seat.row == 1
    with pytest.raises(SeatingError, match="khóa"):
        move_attendee(leader, "B-01-03")


def test_walk_in_in_group_block_or_nearest(app):
    ev, g = hall()
    producers = [person(ev, g["producers"], f"P{i:02d}") for i in range(12)]
    assign_seats(ev)
    assert all(p.seat.block.code == "A" for p in producers)
    dept = person(ev, g["dept"], "Khách sở")
    assert walk_in_seat(ev, dept).block.code == "B"
    late = person(ev, g["producers"], "Đến muộn")  # block A is full: the nearest unreserved block
    assert walk_in_seat(ev, late).block.code == "C"


def test_full_hall_stops_without_error(app):
    ev, g = hall()
    for i in range(40):
        person(ev, g["dept"], f"Người {i:02d}", i)
    assert assign_seats(ev) == 39  # every seat of the hall (12 + 15 + 12)
    assert db.session.scalar(select(db.func.count(Attendee.id)).where(Attendee.seat_id.is_(None))) == 1
