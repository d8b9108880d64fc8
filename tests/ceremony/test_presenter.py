"""Presenter from the tablet (issue 15 item 2): the choice of leaders with their presence
(/mc/presenters.json), the "presenter" action (compare-and-set, audit log, refused for someone
who is not a leader), and a presenter's presence shown truthfully."""

from __future__ import annotations

from models.accounts.models import AuditLog
from models.ceremony.models import AwardBatch
from models.ceremony.sequence import award_batches, batches_of
from models.checkin.checkin import check_in
from models.core.base import db
from models.events.models import Group
from models.guests.models import Attendee
from tests.ceremony.helpers import ceremony_event


def _leaders(ev) -> list[Attendee]:
    return list(
        db.session.scalars(
            db.select(Attendee)
            .join(Group, Group.id == Attendee.group_id)
            .where(Attendee.event_id == ev.id, Group.is_leader.is_(True))
            .order_by(Attendee.precedence)
        )
    )


def test_candidates_are_leaders_with_their_presence(client, auth, app):
    ev = ceremony_event(leaders=3)
    award_batches(ev)
    db.session.commit()
    leaders = _leaders(ev)
    assert len(leaders) == 3
    # someone who is not a leader presents batch 2 (set on /admin/awards): offered too
    outsider = db.session.scalars(
        db.select(Attendee).where(Attendee.event_id == ev.id, Attendee.full_name.like("Trần Văn%"))
    ).first()
    b2 = batches_of(ev.id)[1]
    b2.presenter_id = outsider.id
    db.session.commit()
    check_in(event_id=ev.id, attendee_id=leaders[1].id, scan_id="pr-1", station="t", method="manual")
    auth.as_role("mc")
    people = client.get("/mc/presenters.json").json
    assert [p["id"] for p in people] == [leaders[0].id, leaders[1].id, leaders[2].id, outsider.id]
    by_id = {p["id"]: p for p in people}
    assert by_id[leaders[1].id]["arrived"] is True
    assert by_id[leaders[1].id]["seat"] == db.session.get(Attendee, leaders[1].id).seat.label
    assert by_id[leaders[0].id]["arrived"] is False
    assert by_id[outsider.id]["batches"] == [2]
    auth.as_role("desk")
    assert client.get("/mc/presenters.json").status_code == 403


def test_presenter_action_bumps_the_version_and_is_logged(client, auth, app):
    ev = ceremony_event(leaders=3, three_star=12)
    award_batches(ev)
    db.session.commit()
    leaders = _leaders(ev)
    b1 = batches_of(ev.id)[0]
    new = next(p for p in leaders if p.id != b1.presenter_id)
    auth.as_role("mc")
    s = client.get("/mc/state.json").json
    v = s["version"]
    r = client.post("/mc/action", json={"action": "presenter", "version": v, "batch_id": b1.id, "attendee_id": new.id})
    assert r.status_code == 200 and r.json["outcome"] == "ok" and r.json["version"] == v + 1
    assert r.json["next_batch"]["presenter"]["id"] == new.id  # batch 1 is what comes next
    db.session.expire_all()
    assert db.session.get(AwardBatch, b1.id).presenter_id == new.id
    log = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "mc_presenter")).one()
    assert log.entity_id == b1.id and log.detail["new"] == new.id and log.actor == "user:mc-user"
    # a stale version: 409, nothing changed
    r = client.post(
        "/mc/action", json={"action": "presenter", "version": v, "batch_id": b1.id, "attendee_id": leaders[0].id}
    )
    assert r.status_code == 409
    # not a leader, unknown batch, nobody: 400 with a Vietnamese message, nothing written
    recipient = db.session.scalars(db.select(Attendee).where(Attendee.full_name.like("Trần Văn%"))).first()
    for body, words in (
        ({"batch_id": b1.id, "attendee_id": recipient.id}, "lãnh đạo"),
        ({"batch_id": 999999, "attendee_id": new.id}, "đợt trao"),
        ({"batch_id": b1.id}, "lãnh đạo"),
        ({"batch_id": "x", "attendee_id": new.id}, "đợt trao"),
    ):
        r = client.post("/mc/action", json={"action": "presenter", "version": v + 1, **body})
        assert r.status_code == 400 and words in r.json["message"], (body, r.json)
    db.session.expire_all()
    assert db.session.get(AwardBatch, b1.id).presenter_id == new.id
    assert r.json["version"] == v + 1


def test_presenter_can_change_after_the_order_is_locked(client, auth, app):
    ev = ceremony_event(leaders=3)
    award_batches(ev)
    db.session.commit()
    auth.as_role("mc")
    s = client.get("/mc/state.json").json
    s = client.post("/mc/action", json={"action": "start", "version": s["version"]}).json
    s = client.post("/mc/action", json={"action": "next", "version": s["version"]}).json
    assert s["locked"] and s["batch"]["number"] == 1
    other = next(p for p in _leaders(ev) if p.id != s["batch"]["presenter"]["id"])
    check_in(event_id=ev.id, attendee_id=other.id, scan_id="pr-2", station="t", method="manual")
    r = client.post(
        "/mc/action",
        json={"action": "presenter", "version": s["version"], "batch_id": s["batch"]["id"], "attendee_id": other.id},
    )
    assert r.status_code == 200
    presenter = r.json["batch"]["presenter"]
    # an arrived presenter is shown as arrived, with the seat (not CHƯA ĐẾN)
    assert presenter["id"] == other.id and presenter["arrived"] is True and presenter["seat"]


def test_a_cancelled_presenter_is_not_offered_as_a_choice(client, auth, app):
    ev = ceremony_event(leaders=3)
    award_batches(ev)
    db.session.commit()
    b1 = batches_of(ev.id)[0]
    gone = db.session.get(Attendee, b1.presenter_id)
    gone.status = "cancelled"
    db.session.commit()
    auth.as_role("mc")
    people = {p["id"]: p for p in client.get("/mc/presenters.json").json}
    assert people[gone.id]["cancelled"] is True  # still listed: presenting batch 1
    s = client.get("/mc/state.json").json
    r = client.post(
        "/mc/action", json={"action": "presenter", "version": s["version"], "batch_id": b1.id, "attendee_id": gone.id}
    )
    assert r.status_code == 400
