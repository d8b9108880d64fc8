"""Laying the hall out again (issue 21 item 3): "Xếp lại từ đầu" clears the seats (checked-in
people and locked seats stay) and assigns again, optionally for one group; award recipients
imported after seating go to aisle seats in call order. Every run is previewed first, and the
confirmation is refused when the plan changed in between."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from models.accounts.models import AuditLog
from models.ceremony.models import Award, AwardTier
from models.core.base import db
from models.hall.models import Seat
from models.seating.assignment import SeatingError, assign_seats, build_block, rank_seats, set_seat_disabled
from models.seating.relayout import relayout
from tests.seating.test_seating import hall, person, seat


def _small_hall_first():
    """The first try: only block B (leaders, departments) exists; producers overflow into it.
    Then block A is added for the producers: a plain "Xếp chỗ" keeps them in B for good."""
    ev, g = hall()
    for block in ev_blocks(ev):  # blocks A and C not drawn yet at the first try
        if block.code != "B":
            for s in db.session.scalars(select(Seat).where(Seat.block_id == block.id)):
                db.session.delete(s)
            db.session.delete(block)
    db.session.flush()
    leaders = [person(ev, g["leaders"], f"Lãnh đạo {i}", i) for i in range(1, 3)]
    producers = [person(ev, g["producers"], f"Chủ thể {i:02d}", 50) for i in range(6)]
    assign_seats(ev)
    assert all(p.seat.block.code == "B" for p in producers)  # producers in the leaders' block
    build_block(ev, code="A", name="Trái", rows=3, seats_per_row=4, x=0, aisle="last", groups=[g["producers"]])
    rank_seats(ev)
    assert assign_seats(ev) == 0  # keeps every seat: the producers stay in B
    return ev, g, leaders, producers


def ev_blocks(ev):
    from models.hall.models import Block

    return list(db.session.scalars(select(Block).where(Block.event_id == ev.id)))


def _seats(ev) -> dict[int, int | None]:
    from models.guests.models import Attendee

    return dict(db.session.execute(select(Attendee.id, Attendee.seat_id).where(Attendee.event_id == ev.id)).all())


def test_reset_moves_producers_out_of_the_leaders_block(app):
    ev, g, leaders, producers = _small_hall_first()
    before = _seats(ev)
    plan = relayout(ev, "reset")
    assert _seats(ev) == before  # the preview changes nothing
    assert plan.changes > 0 and plan.token
    moved = {c.attendee_id: c for c in plan.moved}
    in_b = [p for p in producers if p.seat.block.code == "B"]
    assert in_b and all(moved[p.id].new.startswith("A-") for p in in_b)
    assert all(moved[p.id].old.startswith("B-") for p in in_b)
    assert moved[in_b[0].id].name == in_b[0].display_name and moved[in_b[0].id].group == "producers"

    done = relayout(ev, "reset", apply=True, token=plan.token, actor="test")
    db.session.commit()
    assert done.token == plan.token
    assert all(p.seat.block.code == "A" for p in producers)
    assert all(p.seat.block.code == "B" and p.seat.row == 1 for p in leaders)
    rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "reset_seats")).all()
    assert len(rows) == 1 and rows[0].detail["moved"] == len(plan.moved) and rows[0].actor == "test"
    moves = db.session.scalars(select(AuditLog).where(AuditLog.action == "move_seat")).all()
    assert {r.entity_id for r in moves} == {c.attendee_id for c in plan.moved + plan.lost + plan.gained}
    assert all(r.detail["reason"] == "reset" for r in moves)
    # laying out again at once moves nobody
    assert relayout(ev, "reset").changes == 0


def test_checked_in_people_and_locked_seats_stay(app):
    ev, g, leaders, producers = _small_hall_first()
    sitting = next(p for p in producers if p.seat.block.code == "B")
    sitting.checked_in_at = datetime.now(UTC)
    kept = sitting.seat_id
    free_front = db.session.scalar(select(Seat).where(Seat.event_id == ev.id, Seat.label == "A-01-01"))
    set_seat_disabled(free_front, True)
    plan = relayout(ev, "reset")
    assert sitting.id not in {c.attendee_id for c in plan.moved + plan.lost}
    assert plan.kept_checked_in == 1 and plan.locked == 1
    relayout(ev, "reset", apply=True, token=plan.token)
    assert sitting.seat_id == kept
    assert free_front.disabled
    assert free_front.id not in set(_seats(ev).values())


def test_reset_one_group_moves_nobody_else(app):
    ev, g, leaders, producers = _small_hall_first()
    dept = person(ev, g["dept"], "Khách sở", 5)  # seatless: a reset of the producers leaves her so
    others = {p.id: p.seat_id for p in leaders}
    plan = relayout(ev, "reset", "producers")
    assert plan.group == "producers"
    assert {c.attendee_id for c in plan.moved + plan.lost + plan.gained} <= {p.id for p in producers}
    relayout(ev, "reset", "producers", apply=True, token=plan.token)
    assert {p.id: p.seat_id for p in leaders} == others and dept.seat_id is None
    assert all(p.seat.block.code == "A" for p in producers)


def test_unknown_group_and_stale_plan_change_nothing(app):
    ev, g, leaders, producers = _small_hall_first()
    before = _seats(ev)
    with pytest.raises(SeatingError, match='Không có thành phần "nobody"'):
        relayout(ev, "reset", "nobody", apply=True)
    plan = relayout(ev, "reset")
    moving = plan.moved[0]
    sitting = next(p for p in producers if p.id == moving.attendee_id)
    sitting.checked_in_at = datetime.now(UTC)  # arrives between the preview and the confirmation
    db.session.flush()
    with pytest.raises(SeatingError, match="đã thay đổi từ lúc xem trước"):
        relayout(ev, "reset", apply=True, token=plan.token)
    assert _seats(ev) == before
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "reset_seats")) == 0


def _awards_after_seating():
    """Seating ran before the awards existed; then three producers (and a leader) got awards."""
    ev, g = hall()
    leader = person(ev, g["leaders"], "Lãnh đạo", 1)
    producers = [person(ev, g["producers"], f"Chủ thể {i:02d}", 50) for i in range(12)]
    assign_seats(ev)
    assert all(p.seat.block.code == "A" for p in producers)  # block A is full
    tier = AwardTier(event_id=ev.id, code="5", name="5 sao", sort_order=1)
    db.session.add(tier)
    db.session.flush()
    order = [producers[7], producers[0], leader, producers[10]]
    for pos, who in enumerate(order):
        db.session.add(
            Award(
                event_id=ev.id,
                tier_id=tier.id,
                product_name=f"SP{pos}",
                entity_name="X",
                recipient_id=who.id,
                position=pos,
            )
        )
    db.session.flush()
    return ev, leader, producers, order


def test_awards_after_seating_go_to_aisle_seats_in_call_order(app):
    ev, leader, producers, order = _awards_after_seating()
    leader_seat = leader.seat_id
    before = _seats(ev)
    plan = relayout(ev, "awards")
    assert _seats(ev) == before
    relayout(ev, "awards", apply=True, token=plan.token, actor="test")
    recipients = [p for p in order if p is not leader]
    # block A's aisle is its last seat: call order = nearest the stage first
    assert [seat(p) for p in recipients] == ["A-01-04", "A-02-04", "A-03-04"]
    assert leader.seat_id == leader_seat  # a leader keeps the front row
    assert all(p.seat is not None and p.seat.block.code == "A" for p in producers)  # the others stay in A
    moved = {c.attendee_id for c in plan.moved}
    displaced = [p for p in producers if p not in recipients and p.id in moved]
    assert displaced and all(before[p.id] in {s.id for s in ev_aisles(ev)} for p in displaced)
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "award_aisles")) == 1
    assert relayout(ev, "awards").changes == 0  # already in place


def ev_aisles(ev):
    return db.session.scalars(select(Seat).where(Seat.event_id == ev.id, Seat.is_aisle.is_(True))).all()


def test_awards_keep_a_checked_in_recipient(app):
    ev, leader, producers, order = _awards_after_seating()
    order[0].checked_in_at = datetime.now(UTC)
    kept = order[0].seat_id
    plan = relayout(ev, "awards")
    assert order[0].id not in {c.attendee_id for c in plan.moved} and plan.kept_checked_in == 1
    relayout(ev, "awards", apply=True, token=plan.token)
    assert order[0].seat_id == kept
    # the others take the aisle seats in call order, passing over the one the arrived recipient holds
    free_aisles = [a for a in ("A-01-04", "A-02-04", "A-03-04") if a != seat(order[0])]
    assert [seat(order[1]), seat(order[3])] == free_aisles[:2]


def test_cli_reset_dry_run_then_apply(app, runner):
    ev, g, leaders, producers = _small_hall_first()
    db.session.commit()
    before = _seats(ev)
    out = runner.invoke(args=["assign-seats", "--reset", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "Xem trước (chưa thay đổi gì)" in out.output and "người đổi chỗ, 0 mất ghế" in out.output
    lines = [line for line in out.output.splitlines() if "(producers)" in line]
    assert len(lines) == 6 and all(re.search(r"đổi chỗ  B-\d\d-\d\d → A-\d\d-\d\d  Chủ thể", x) for x in lines)
    db.session.expire_all()
    assert _seats(ev) == before

    bad = runner.invoke(args=["assign-seats", "--reset", "--group", "nobody"])
    assert bad.exit_code == 1 and 'Không có thành phần "nobody"' in bad.output
    assert "producers" in bad.output  # the codes there are
    for args in (["--group", "producers"], ["--dry-run"], ["--reset", "--awards"]):
        wrong = runner.invoke(args=["assign-seats", *args])
        assert wrong.exit_code == 1 and "Lỗi:" in wrong.output
    db.session.expire_all()
    assert _seats(ev) == before

    done = runner.invoke(args=["assign-seats", "--reset", "--group", "producers"])
    assert done.exit_code == 0, done.output
    assert "Đã xếp lại, thành phần producers: 6 người đổi chỗ" in done.output
    db.session.expire_all()
    assert all(p.seat.block.code == "A" for p in producers)
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "reset_seats"))
    assert row.actor == "cli" and row.detail["group"] == "producers"


def test_cli_awards(app, runner):
    ev, leader, producers, order = _awards_after_seating()
    db.session.commit()
    dry = runner.invoke(args=["assign-seats", "--awards", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Xem trước" in dry.output
    assert f"→ A-01-04  {order[0].display_name}" in dry.output
    done = runner.invoke(args=["assign-seats", "--awards"])
    assert done.exit_code == 0 and "Đã xếp lại" in done.output
    db.session.expire_all()
    assert seat(order[0]) == "A-01-04" and seat(order[1]) == "A-02-04"
