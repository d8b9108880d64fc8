"""The award sequence: tiers in order, then district, then Vietnamese name order; batches of at
most the stage capacity (people, not awards); presenters from leaders; manual moves; the lock."""

import pytest

from models.ceremony.live import mc_action
from models.ceremony.models import Award, AwardTier
from models.ceremony.sequence import (
    SequenceError,
    SequenceLocked,
    award_batches,
    move_award,
    set_presenter,
    set_tier_order,
)
from models.core.base import db
from models.guests.models import Attendee
from models.units.models import District
from tests.ceremony.helpers import ceremony_event, person


def _awards(ev):
    return list(db.session.scalars(db.select(Award).where(Award.event_id == ev.id).order_by(Award.position)))


def test_order_is_tier_then_district_then_vietnamese_name(app):
    ev = ceremony_event(three_star=0)
    tier3 = db.session.scalar(db.select(AwardTier).where(AwardTier.event_id == ev.id, AwardTier.stars == 3))
    first, second = db.session.scalars(
        db.select(District).where(District.event_id == ev.id, District.sort_order > 0).order_by(District.sort_order)
    ).all()
    # given name first (An < Bình although Võ > Lê), Vietnamese letters (Dũng < Đạt), and the
    # district's sort order beats the alphabet (Cam Ranh before Vạn Ninh)
    for name, d in (
        ("Võ Thị Đạt", first),
        ("Lê Văn Bình", first),
        ("Phan Dũng", first),
        ("Võ Văn An", first),
        ("Nguyễn Thị Anh", second),
        ("Đặng An", second),
    ):
        r = person(ev, name, district=d)
        db.session.add(
            Award(
                event_id=ev.id,
                tier_id=tier3.id,
                product_name=f"SP {name}",
                entity_name=r.organisation,
                district_id=d.id,
                recipient_id=r.id,
            )
        )
    db.session.commit()
    award_batches(ev)
    db.session.commit()
    order = [(a.tier.stars, a.recipient.full_name) for a in _awards(ev)]
    assert [s for s, _n in order] == [5, 4, 4, 3, 3, 3, 3, 3, 3]
    assert [n for s, n in order if s == 3] == [
        "Võ Văn An",
        "Lê Văn Bình",
        "Phan Dũng",
        "Võ Thị Đạt",  # TP Cam Ranh
        "Đặng An",
        "Nguyễn Thị Anh",
    ]  # Huyện Vạn Ninh
    assert [a.position for a in _awards(ev)] == list(range(9))


def test_tier_order_is_configurable(app):
    ev = ceremony_event(three_star=3)
    award_batches(ev)
    set_tier_order(ev, ["3-sao", "4-sao", "5-sao"])
    db.session.commit()
    assert [a.tier.stars for a in _awards(ev)] == [3, 3, 3, 4, 4, 5]
    with pytest.raises(SequenceError):
        set_tier_order(ev, ["3-sao", "4-sao"])


def test_batches_hold_at_most_capacity_and_never_mix_tiers(app):
    ev = ceremony_event(three_star=25, capacity=10)
    batches = award_batches(ev)
    db.session.commit()
    sizes = [(b.tier.stars, len(b.awards)) for b in batches]
    assert sizes == [(5, 1), (4, 2), (3, 9), (3, 8), (3, 8)]
    assert [b.number for b in batches] == [1, 2, 3, 4, 5]
    batches = award_batches(ev, 4)
    assert ev.stage_capacity == 4
    assert max(len(b.awards) for b in batches) <= 4
    assert sum(len(b.awards) for b in batches) == 28
    with pytest.raises(SequenceError):
        award_batches(ev, 0)


def test_capacity_counts_people_not_awards(app):
    ev = ceremony_event(three_star=3, capacity=2)
    a3 = [a for a in _awards(ev) if a.tier.stars == 3]
    # the first 3-star recipient also receives for a second product
    db.session.add(
        Award(
            event_id=ev.id,
            tier_id=a3[0].tier_id,
            product_name="Sản phẩm thứ hai",
            entity_name=a3[0].entity_name,
            district_id=a3[0].district_id,
            recipient_id=a3[0].recipient_id,
        )
    )
    db.session.commit()
    batches = [b for b in award_batches(ev) if b.tier.stars == 3]
    for b in batches:
        assert len({a.recipient_id for a in b.awards}) <= 2
    together = [b for b in batches if a3[0].recipient_id in {a.recipient_id for a in b.awards}]
    assert len(together) == 1 and sum(a.recipient_id == a3[0].recipient_id for a in together[0].awards) == 2


def test_presenters_are_leaders_by_precedence(app):
    ev = ceremony_event(three_star=25, leaders=3)
    leaders = [
        a.id
        for a in db.session.scalars(
            db.select(Attendee)
            .where(Attendee.event_id == ev.id, Attendee.precedence < 100)
            .order_by(Attendee.precedence)
        )
    ]
    assert len(leaders) == 3
    batches = award_batches(ev)
    assert [b.presenter_id for b in batches] == [leaders[0], leaders[1], leaders[2], leaders[0], leaders[1]]
    # a leader who receives an award does not present
    a = _awards(ev)[-1]
    a.recipient_id = leaders[0]
    db.session.commit()
    batches = award_batches(ev)
    assert leaders[0] not in {b.presenter_id for b in batches}


def test_manual_move_keeps_order_and_hand_picked_presenter(app):
    ev = ceremony_event(three_star=12, capacity=10)
    batches = award_batches(ev)
    third = batches[2]
    set_presenter(ev, third.id, batches[0].presenter_id)
    db.session.commit()
    threes = [a for a in _awards(ev) if a.tier.stars == 3]
    last = threes[-1]
    move_award(ev, last.id, to_position=threes[0].position)
    db.session.commit()
    threes_after = [a.id for a in _awards(ev) if a.tier.stars == 3]
    assert threes_after[0] == last.id
    assert threes_after[1:] == [a.id for a in threes[:-1]]
    assert _awards(ev)[0].batch.number == 1
    new_third = [b for b in award_batches(ev, reorder=False) if b.number == 3][0]
    assert new_third.presenter_id == batches[0].presenter_id
    assert last.id in [a.id for a in new_third.awards]
    # across tiers: refused
    with pytest.raises(SequenceError):
        move_award(ev, last.id, to_position=0)


def test_sequence_locks_when_the_hand_out_starts(app):
    ev = ceremony_event(three_star=3)
    award_batches(ev)
    db.session.commit()
    assert mc_action(ev, "start", 2).outcome == "ok"  # the programme starts: not locked yet
    award_batches(ev)
    db.session.commit()
    version = db.session.scalar(db.text("SELECT version FROM ceremony_state"))
    assert mc_action(ev, "start", version).outcome == "ok"  # the award hand-out starts
    before = [(a.id, a.position, a.batch_id) for a in _awards(ev)]
    with pytest.raises(SequenceLocked):
        award_batches(ev)
    db.session.rollback()
    with pytest.raises(SequenceLocked):
        move_award(ev, before[-1][0], to_position=before[-2][1])
    db.session.rollback()
    assert [(a.id, a.position, a.batch_id) for a in _awards(ev)] == before
