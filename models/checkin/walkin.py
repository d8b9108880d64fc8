"""The desk's walk-in flow: register -> seat -> badge -> checked in, in one call.

register_walk_in(ev, ...) -> WalkIn
    Creates the delegate (source "desk", is_walk_in), gives a free seat in their group's block or
    the nearest (models.seating.assignment.walk_in_seat; no seat when the hall is full), issues the badge,
    commits, then checks them in through models.checkin.checkin.check_in with method="manual".
    Errors (WalkInError, a Vietnamese message, nothing written): missing or too long name,
    a group that is not the event's, a bad phone number.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from models.accounts.models import audit
from models.checkin.checkin import CheckInResult, check_in
from models.core.base import db
from models.core.names import clean, title_case
from models.core.phones import PhoneError, normalize_phone
from models.events.models import Event, Group
from models.guests.badges import issue_badge
from models.guests.models import Attendee, Badge
from models.seating.assignment import walk_in_seat


class WalkInError(ValueError):
    """The walk-in form cannot be accepted; ``str(exc)`` is a Vietnamese message."""


@dataclass
class WalkIn:
    attendee: Attendee
    badge: Badge
    checkin: CheckInResult


def register_walk_in(
    ev: Event,
    *,
    full_name: str,
    honorific: str = "",
    position: str = "",
    organisation: str = "",
    group_id: int | None = None,
    phone: str = "",
    station: str = "Bàn đón tiếp",
    user_id: int | None = None,
    actor: str = "",
) -> WalkIn:
    """See the module docstring."""
    name, group, digits = _checked_form(ev, full_name, honorific, position, organisation, group_id, phone)
    person = Attendee(
        event_id=ev.id,
        honorific=clean(honorific),
        full_name=name,
        position=clean(position),
        organisation=clean(organisation),
        group_id=group.id if group else None,
        phone=digits,
        source="desk",
        is_walk_in=True,
        status="invited",
        external_key="walkin:" + secrets.token_hex(8),
    )
    person.refresh_keys()
    db.session.add(person)
    db.session.flush()
    walk_in_seat(ev, person)
    badge = issue_badge(person, ev)
    audit(
        "walk_in",
        "attendee",
        person.id,
        actor=actor,
        user_id=user_id,
        name=name,
        seat=person.seat.label if person.seat else None,
    )
    db.session.commit()
    result = check_in(
        event_id=ev.id,
        attendee_id=person.id,
        scan_id="walkin-" + secrets.token_hex(12),
        station=station,
        user_id=user_id,
        method="manual",
    )
    db.session.refresh(person)
    return WalkIn(attendee=person, badge=badge, checkin=result)


def _checked_form(
    ev: Event, full_name: str, honorific: str, position: str, organisation: str, group_id: int | None, phone: str
) -> tuple[str, Group | None, str]:
    """(name title-cased, the group, the phone's digits) of a walk-in form, or WalkInError."""
    name = title_case(full_name)  # "nguyễn thị thanh thủy" -> "Nguyễn Thị Thanh Thủy"
    if not name:
        raise WalkInError("Vui lòng nhập họ tên.")
    if len(name) > 200 or len(clean(position)) > 300 or len(clean(organisation)) > 300 or len(clean(honorific)) > 40:
        raise WalkInError("Nội dung quá dài.")
    group = None
    if group_id is not None:
        group = db.session.get(Group, group_id)
        if group is None or group.event_id != ev.id:
            raise WalkInError("Thành phần không hợp lệ.")
    try:
        digits = normalize_phone(phone)
    except PhoneError as exc:
        raise WalkInError(str(exc)) from exc
    return name, group, digits
