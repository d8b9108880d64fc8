"""Issuing, reissuing and revoking badges."""

from __future__ import annotations

from sqlalchemy import func, select

from models import codes
from models.accounts.models import audit
from models.core.base import db
from models.core.timeutil import utcnow
from models.events.models import Event
from models.events.service import private_bytes, signing_key
from models.guests.models import Attendee, Badge


def issue_badge(attendee: Attendee, ev: Event | None = None) -> Badge:
    """The attendee's current badge, or a new one if they have none. Idempotent."""
    badge = attendee.current_badge
    if badge is not None:
        return badge
    return _new_badge(attendee, ev or db.session.get(Event, attendee.event_id))


def reissue_badge(attendee: Attendee, *, reason: str = "", actor: str = "") -> Badge:
    """A new code for a lost or damaged badge; the old code is revoked (scans say "revoked")."""
    ev = db.session.get(Event, attendee.event_id)
    now = utcnow()
    for old in attendee.badges:
        if old.revoked_at is None:
            old.revoked_at = now
            old.revoke_reason = reason or "reissued"
    badge = _new_badge(attendee, ev)
    audit("reissue_badge", "attendee", attendee.id, actor=actor, reason=reason, serial=badge.serial)
    return badge


def revoke_badges(attendee: Attendee, *, reason: str, actor: str = "") -> int:
    """Revoke every live badge of an attendee (cancelled delegate). Returns how many."""
    n = 0
    for old in attendee.badges:
        if old.revoked_at is None:
            old.revoked_at = utcnow()
            old.revoke_reason = reason
            n += 1
    if n:
        audit("revoke_badge", "attendee", attendee.id, actor=actor, reason=reason)
    return n


def _new_badge(attendee: Attendee, ev: Event) -> Badge:
    if attendee.id is None:
        db.session.flush()
    key = signing_key(ev)
    serial = (db.session.scalar(select(func.max(Badge.serial)).where(Badge.attendee_id == attendee.id)) or 0) + 1
    code = codes.make_code(
        private_bytes(key),
        event_tag=ev.tag,
        key_no=key.key_no,
        attendee_id=attendee.id,
        serial=serial,
    )
    badge = Badge(event_id=ev.id, attendee_id=attendee.id, serial=serial, key_no=key.key_no, code=code)
    db.session.add(badge)
    attendee.badges.append(badge)
    db.session.flush()
    return badge


def issue_missing_badges(ev: Event) -> int:
    """Give every invited attendee without a live badge one. Returns how many were made."""
    live = select(Badge.attendee_id).where(Badge.revoked_at.is_(None))
    people = db.session.scalars(
        select(Attendee).where(Attendee.event_id == ev.id, Attendee.status == "invited", Attendee.id.not_in(live))
    ).all()
    for a in people:
        _new_badge(a, ev)
    return len(people)


def revoked_badge_owner(event_id: int, code: str) -> dict | None:
    """Whose revoked badge this is and why, for the desk (staff may see the name; the kiosk is
    told only "revoked"). ``kind``: "merged" (the record was merged into ``kept``), "cancelled"
    (the person was cancelled; ``reason``), or "replaced" (a newer badge was issued; ``serial``
    of this card and ``current_serial``). None when the code names no badge of this event."""
    badge = db.session.scalar(select(Badge).where(Badge.code == code, Badge.event_id == event_id))
    if badge is None or badge.attendee is None:
        return None
    person = badge.attendee
    info = {"name": person.display_name, "attendee_id": person.id, "serial": badge.serial}
    if person.merged_into_id is not None:
        kept = db.session.get(Attendee, person.merged_into_id)
        return {**info, "kind": "merged", "kept": kept.display_name if kept else "", "kept_id": person.merged_into_id}
    if person.status == "cancelled":
        return {**info, "kind": "cancelled", "reason": person.cancel_reason or ""}
    current = db.session.scalar(select(func.max(Badge.serial)).where(Badge.attendee_id == person.id))
    return {**info, "kind": "replaced", "current_serial": int(current or badge.serial)}
