"""Item 5 (part): every change to delegates' arrivals, seats, badges and awards made through the
web pages leaves an audit row naming who did it, in the same transaction as the change; a
refused change (bad input) writes neither."""

from __future__ import annotations

from sqlalchemy import func, select

from models.accounts.models import AuditLog, User
from models.ceremony.models import Award
from models.core.base import db
from models.guests.models import Attendee, Badge
from tests.ceremony.helpers import ceremony_event


def _audits(action: str) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def _user_id(role: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == f"{role}-user"))


def test_undo_checkin_is_audited_with_who_and_why(client, auth, event):
    auth.as_role("desk")
    person = db.session.scalars(select(Attendee).where(Attendee.event_id == event.id)).first()
    assert client.post(f"/desk/checkin/{person.id}").status_code == 302
    # no reason: refused, nothing written
    client.post(f"/desk/undo/{person.id}", data={"reason": ""})
    assert _audits("undo_checkin") == []
    assert db.session.get(Attendee, person.id).checked_in_at is not None
    client.post(f"/desk/undo/{person.id}", data={"reason": "Quét nhầm người"})
    rows = _audits("undo_checkin")
    assert len(rows) == 1
    assert (rows[0].entity, rows[0].entity_id, rows[0].user_id) == ("attendee", person.id, _user_id("desk"))
    assert rows[0].actor == "user:desk-user" and rows[0].detail["reason"] == "Quét nhầm người"
    assert db.session.get(Attendee, person.id).checked_in_at is None


def test_seat_move_is_audited_and_a_bad_seat_writes_nothing(client, auth, event):
    auth.as_role("admin")
    people = list(db.session.scalars(select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.id)))
    person, before = people[1], people[1].seat_id
    client.post(f"/admin/attendees/{person.id}/seat", data={"seat": "Z-99-99"})
    assert _audits("move_seat") == [] and db.session.get(Attendee, person.id).seat_id == before
    free = "A-02-10"  # the test hall has 20 seats for 6 people
    client.post(f"/admin/attendees/{person.id}/seat", data={"seat": free})
    rows = _audits("move_seat")
    assert [r.entity_id for r in rows] == [person.id]
    assert rows[0].user_id == _user_id("admin")
    assert db.session.get(Attendee, person.id).seat.label == free


def test_badge_reissue_is_audited(client, auth, event):
    auth.as_role("desk")
    person = db.session.scalars(select(Attendee).where(Attendee.event_id == event.id)).first()
    client.post(f"/desk/badge/{person.id}/reissue", data={"reason": ""})
    assert _audits("reissue_badge") == []
    client.post(f"/desk/badge/{person.id}/reissue", data={"reason": "Mất thẻ"})
    rows = _audits("reissue_badge")
    assert [(r.entity_id, r.actor) for r in rows] == [(person.id, "user:desk-user")]
    assert (
        db.session.scalar(
            select(func.count()).select_from(Badge).where(Badge.attendee_id == person.id, Badge.revoked_at.is_not(None))
        )
        == 1
    )


def test_award_order_change_is_audited(client, auth, app):
    from models.ceremony.sequence import award_batches

    ev = ceremony_event(three_star=4)
    award_batches(ev, 10)
    db.session.commit()
    auth.as_role("admin")
    awards = db.session.scalars(select(Award).where(Award.event_id == ev.id).order_by(Award.position)).all()
    award = awards[-2]  # a 3-star award that can go one place down
    position = award.position
    before = _audits("move_award")
    resp = client.post(f"/admin/awards/{award.id}/move", data={"direction": "down"})
    assert resp.status_code in (200, 302)
    rows = _audits("move_award")
    assert len(rows) == len(before) + 1
    assert rows[-1].entity_id == award.id and rows[-1].actor == "user:admin-user"
    assert db.session.get(Award, award.id).position == position + 1
