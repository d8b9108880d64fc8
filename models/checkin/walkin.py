"""The desk's walk-in flow: look the person up, then register -> seat -> badge -> checked in.

walk_in_matches(ev, full_name=, organisation=, phone=) -> list[Match]
    Before anyone is created: the delegates already on the list the typed walk-in may be. The
    same name, accents, case and spacing ignored (found with models.guests.search, folded by
    models.core.names.fold), those of the same organisation first; a name given in part with the
    same organisation; the same phone in any format (models.core.phones.normalize_phone).
    Only people on the guest list (status "invited"). The desk offers each one ("Đã có trong
    danh sách: … — Đón người này"); a new person is created only by an explicit choice.
welcome_existing(ev, attendee_id, ...) -> CheckInResult
    "Đón người này": checks the existing delegate in through check_in (method "manual"): no new
    row, no second seat, no second arrival ("already" with the time of the first one).
register_walk_in(ev, ...) -> WalkIn
    Creates the delegate (source "desk", is_walk_in), gives a free seat in their group's block or
    the nearest (models.seating.assignment.walk_in_seat; no seat when the hall is full), issues the badge,
    commits, then checks them in through models.checkin.checkin.check_in with method="manual".
    The name is title-cased, the position and organisation cleaned the same way (spaces
    collapsed, ALL CAPS written in ordinary capitals: models.core.names.fix_caps), the unit
    (xã / phường, or huyện: District) stored.
    Errors (WalkInError, a Vietnamese message, nothing written): missing or too long name,
    a group or unit that is not the event's, a bad phone number.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select

from models.accounts.models import audit
from models.checkin.checkin import CheckInResult, check_in
from models.core.base import db
from models.core.names import clean, fix_caps, fold, title_case
from models.core.phones import PhoneError, normalize_phone
from models.events.models import Event, Group
from models.guests.badges import issue_badge
from models.guests.imports import DISTRICT_PREFIX
from models.guests.models import Attendee, Badge
from models.guests.search import search_attendees
from models.seating.assignment import walk_in_seat
from models.units.models import District

MAX_MATCHES = 10


class WalkInError(ValueError):
    """The walk-in form cannot be accepted; ``str(exc)`` is a Vietnamese message."""


@dataclass
class Match:
    """A delegate on the list the walk-in may be, and why: "name", "organisation", "phone"."""

    attendee: Attendee
    reasons: list[str] = field(default_factory=list)


def _same_org(a: Attendee, org: str) -> bool:
    mine = fold(a.organisation)
    return bool(org and mine) and (org in mine or mine in org)


def walk_in_matches(ev: Event, *, full_name: str, organisation: str = "", phone: str = "") -> list[Match]:
    """See the module docstring. At most MAX_MATCHES, the likeliest first."""
    name, org = fold(full_name), fold(organisation)
    found: dict[int, Match] = {}
    if name:
        words = name.split(" ")
        for a in search_attendees(ev.id, name, limit=200):
            mine = fold(a.full_name)
            reasons = (["name"] if mine == name else []) + (["organisation"] if _same_org(a, org) else [])
            # the whole name, or a part of it (every typed word in the name) with the same organisation
            if a.status == "invited" and ("name" in reasons or (reasons and all(w in mine for w in words))):
                found[a.id] = Match(a, reasons)
    try:
        digits = normalize_phone(phone)
    except PhoneError:
        digits = ""
    if digits:
        for a in db.session.scalars(
            select(Attendee).where(Attendee.event_id == ev.id, Attendee.phone == digits, Attendee.status == "invited")
        ):
            found.setdefault(a.id, Match(a)).reasons.append("phone")
    weight = {"phone": 4, "name": 2, "organisation": 1}
    ranked = sorted(found.values(), key=lambda m: (-sum(weight[r] for r in m.reasons), m.attendee.sort_key))
    return ranked[:MAX_MATCHES]


def welcome_existing(
    ev: Event, attendee_id: int, *, station: str = "Bàn đón tiếp", user_id: int | None = None, actor: str = ""
) -> tuple[Attendee, CheckInResult]:
    """See the module docstring. WalkInError when the person is not on this event's list."""
    person = db.session.get(Attendee, attendee_id)
    if person is None or person.event_id != ev.id or person.status != "invited":
        raise WalkInError("Đại biểu này không có trong danh sách.")
    audit("walk_in_matched", "attendee", person.id, actor=actor, user_id=user_id, name=person.full_name)
    return person, _arrive(ev, person, station, user_id)


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
    district_id: int | None = None,
    phone: str = "",
    station: str = "Bàn đón tiếp",
    user_id: int | None = None,
    actor: str = "",
) -> WalkIn:
    """See the module docstring."""
    name, group, digits = _checked_form(ev, full_name, honorific, position, organisation, group_id, phone)
    district = _checked_unit(ev, district_id)
    units = _unit_names(ev)
    person = Attendee(
        event_id=ev.id,
        honorific=clean(honorific),
        full_name=name,
        position=_tidy(position, units),
        organisation=_tidy(organisation, units),
        group_id=group.id if group else None,
        district_id=district.id if district else None,
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
    return WalkIn(attendee=person, badge=badge, checkin=_arrive(ev, person, station, user_id))


def _checked_unit(ev: Event, district_id: int | None) -> District | None:
    """The walk-in's unit (xã / phường, or huyện), or WalkInError when it is not the event's."""
    if district_id is None:
        return None
    district = db.session.get(District, district_id)
    if district is None or district.event_id != ev.id:
        raise WalkInError("Đơn vị hành chính không hợp lệ.")
    return district


def _tidy(text: str, units: list[str]) -> str:
    """A position or organisation cleaned like a name: spaces collapsed, ALL CAPS in ordinary
    capitals (fix_caps), the first letter a capital ("phó  giám đốc" -> "Phó giám đốc")."""
    value = fix_caps(text, units)
    return value[:1].upper() + value[1:]


def _unit_names(ev: Event) -> list[str]:
    """The event's unit names without their prefix: fix_caps keeps them capitalised."""
    names = db.session.scalars(select(District.name).where(District.event_id == ev.id))
    return [n for n in (DISTRICT_PREFIX.sub("", clean(d).lower()) for d in names) if n]


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


def _arrive(ev, person, station: str, user_id: int | None):
    """Commit what the walk-in wrote, then check the person in at the desk (the one check_in)."""
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
    return result
