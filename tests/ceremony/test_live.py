"""The live run of show: steps, statuses, compare-and-set (one advance for concurrent "next"),
presence following check-ins, absent and substitute, running late."""

import threading
from datetime import datetime

from models.ceremony.live import mc_action, state_tag
from models.ceremony.models import Award, CeremonyState
from models.ceremony.sequence import award_batches, batches_of, ceremony_state, ensure_batches
from models.ceremony.view import mc_snapshot, stage_snapshot
from models.checkin.checkin import check_in, undo_check_in
from models.core.base import db
from models.events.models import Event, ProgrammeItem
from models.guests.models import Attendee
from tests.ceremony.helpers import ceremony_event


def _version(ev) -> int:
    """The version an MC page would see (the page builds missing batches when it opens)."""
    ensure_batches(ev)
    ceremony_state(ev.id)
    db.session.commit()
    db.session.expire_all()
    return db.session.scalar(db.select(CeremonyState.version).where(CeremonyState.event_id == ev.id))


def _press(ev, action, **kw):
    return mc_action(ev, action, _version(ev), **kw)


def test_steps_through_programme_and_batches(app):
    ev = ceremony_event(three_star=12, capacity=10)
    award_batches(ev)
    db.session.commit()
    b = batches_of(ev.id)
    assert mc_snapshot(ev)["phase"] == "before"
    assert _press(ev, "back").outcome == "invalid"
    assert _press(ev, "start").outcome == "ok"
    s = mc_snapshot(ev)
    assert s["current_item"]["title"] == "Khai mạc" and s["next_item"]["title"] == "Trao thưởng"
    assert s["batch"] is None and s["next_batch"]["number"] == 1  # the ushers prepare batch 1
    assert not s["locked"]
    assert _press(ev, "next").outcome == "ok"
    s = mc_snapshot(ev)
    assert s["locked"] and s["batch"]["number"] == 1 and s["next_batch"]["number"] == 2
    assert {c["status"] for c in s["batch"]["calls"]} == {"on_stage"}
    assert s["batch"]["presenter"]["id"] == b[0].presenter_id
    _press(ev, "next")
    _press(ev, "next")
    s = mc_snapshot(ev)
    assert s["batch"]["number"] == 3
    db.session.expire_all()
    assert {a.status for a in b[0].awards} == {"done"}
    assert _press(ev, "back").outcome == "ok"
    s = mc_snapshot(ev)
    assert s["batch"]["number"] == 2
    db.session.expire_all()
    assert {a.status for a in b[2].awards} == {"pending"}
    assert {a.status for a in b[1].awards} == {"on_stage"}
    assert _press(ev, "start").outcome == "invalid"  # the hand-out runs already
    while mc_snapshot(ev)["phase"] != "finished":
        assert _press(ev, "next").outcome == "ok"
    assert _press(ev, "next").outcome == "invalid"
    items = db.session.scalars(db.select(ProgrammeItem).where(ProgrammeItem.event_id == ev.id)).all()
    assert all(i.actual_start and i.actual_end for i in items)
    assert {a.status for a in db.session.scalars(db.select(Award))} == {"done"}


def test_stale_version_is_refused_and_changes_nothing(app):
    ev = ceremony_event()
    v = _version(ev)
    assert mc_action(ev, "start", v).outcome == "ok"
    r = mc_action(ev, "next", v)
    assert r.outcome == "conflict"
    assert _version(ev) == v + 1
    assert mc_snapshot(ev)["current_item"]["title"] == "Khai mạc"


def test_concurrent_next_advances_exactly_one_step(app):
    ev = ceremony_event(three_star=12)
    award_batches(ev)
    db.session.commit()
    _press(ev, "start")
    _press(ev, "next")
    seen = _version(ev)
    step_before = mc_snapshot(ev)["step"]
    event_id = ev.id
    real_app = app
    barrier = threading.Barrier(6, timeout=30)
    results = []

    def tablet():
        with real_app.app_context():
            e = db.session.get(Event, event_id)
            barrier.wait()
            results.append(mc_action(e, "next", seen).outcome)
            db.session.remove()

    threads = [threading.Thread(target=tablet) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["conflict"] * 5 + ["ok"]
    assert _version(ev) == seen + 1
    assert mc_snapshot(ev)["step"] == step_before + 1


def test_presence_follows_check_ins(app):
    ev = ceremony_event()
    award_batches(ev)
    db.session.commit()
    first = db.session.scalars(db.select(Award).order_by(Award.position)).first()
    tag = state_tag(ev.id)
    s = mc_snapshot(ev)
    assert first.id in {m["award_id"] for m in s["missing"]}
    assert s["arrived"] == 0
    r = check_in(event_id=ev.id, attendee_id=first.recipient_id, scan_id="t-1", station="test", method="manual")
    assert r.outcome == "ok"
    tag2 = state_tag(ev.id)
    assert tag2 != tag
    s = mc_snapshot(ev)
    assert first.id not in {m["award_id"] for m in s["missing"]} and s["arrived"] == 1
    _press(ev, "start")
    _press(ev, "next")
    rec = mc_snapshot(ev)["batch"]["calls"][0]["recipient"]
    assert rec["arrived"] is True
    assert rec["seat"] == db.session.get(Attendee, first.recipient_id).seat.label
    tag3 = state_tag(ev.id)
    undo_check_in(attendee_id=first.recipient_id, reason="nhầm")
    assert state_tag(ev.id) != tag3
    assert mc_snapshot(ev)["batch"]["calls"][0]["recipient"]["arrived"] is False


def test_absent_and_substitute(app):
    ev = ceremony_event()
    award_batches(ev)
    db.session.commit()
    _press(ev, "start")
    _press(ev, "next")
    award = db.session.scalars(db.select(Award).order_by(Award.position)).first()
    assert _press(ev, "absent", award_id=award.id).outcome == "ok"
    db.session.expire_all()
    assert award.status == "absent"
    assert stage_snapshot(ev)["on_stage"] == []
    someone = db.session.scalars(
        db.select(Attendee).where(Attendee.event_id == ev.id, Attendee.id != award.recipient_id)
    ).first()
    r = _press(ev, "substitute", award_id=award.id, attendee_id=someone.id)
    assert r.outcome == "invalid" and "chưa có mặt" in r.message  # not in the hall
    check_in(event_id=ev.id, attendee_id=someone.id, scan_id="t-2", station="test", method="manual")
    assert _press(ev, "substitute", award_id=award.id, attendee_id=someone.id).outcome == "ok"
    db.session.expire_all()
    assert award.substitute_id == someone.id and award.status == "on_stage"
    on_stage = stage_snapshot(ev)["on_stage"]
    assert on_stage[0]["name"] == someone.display_name
    assert on_stage[0]["on_behalf_of"] == award.recipient.display_name
    assert _press(ev, "absent", award_id=999999).outcome == "invalid"


def test_running_late_is_computed_against_the_plan(app):
    ev = ceremony_event()
    # 08:07 in Nha Trang on the event's day = 01:07 UTC: 7 minutes late for the 08:00 opening
    mc_action(ev, "start", _version(ev), now=lambda: datetime(2025, 5, 22, 1, 7))
    s = mc_snapshot(ev)
    assert s["late_minutes"] == 7
    assert s["current_item"]["actual_start"] == "08:07"
    mc_action(ev, "next", _version(ev), now=lambda: datetime(2025, 5, 22, 1, 10))
    s = mc_snapshot(ev)
    assert s["current_item"]["late_minutes"] == -3 + 3  # 08:10 planned, 08:10 actual
    assert s["programme"][0]["actual_end"] == "08:10"
