"""District delegations: seat quotas, nominations and the organiser's review.

Links (models.districts.links, re-exported here): district_token, link_from_token, new_link,
  revoke_link, set_deadline, is_open, current_link.
Quotas
  set_quota(district, group, n); quota_rows(district) -> list[QuotaRow] (quota, used, over).
Nominations (the officer)
  save_nomination(link, form, attendee_id=None, now=None) -> Attendee. Raises NominationError
  (a Vietnamese message, nothing written) when: the link is past its deadline ("closed"), the
  row is not this district's or is already accepted ("not_yours"/"locked"), a field is bad (the
  guest list's row validation, models.guests.imports), the group is not offered to the district, the
  district has too many nominations ("too_many"), or the same person (folded name + phone or
  organisation) is on the guest list or nominated by this or another district ("duplicate").
  withdraw_nomination(link, attendee_id, now=None) deletes a nomination not yet accepted.
  form["fix_caps"] = "1": an ALL-CAPS position or organisation is rewritten (caps_offers).
Review (the organiser)
  caps_offers(district, attendee_or_dict) -> {field: rewritten}: what fix_caps offers, as the
  guest import offers it.
  accept(attendee, fix_caps=False) -> Attendee: status "invited", a seat by the seating rules, a
  badge; fix_caps: the offers applied first (audited as "fixed_caps").
  accept_within_quota(district, fix_caps=False) -> int: accepts the pending nominations that are
  not over quota.
  return_nomination(attendee, comment): status "returned" with the comment.
  Both raise NominationError("state") for a row that is not a pending nomination.
  over_quota_ids(district) -> ids of nominations beyond their group's quota (flagged, kept).
Every change is audited (actor "district:<id>" for the officer).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from models.accounts.models import audit
from models.core.base import db
from models.core.names import clean, fix_caps, fold
from models.core.numbers import int_or_none
from models.districts.links import (  # noqa: F401  (re-exported: one import for the views)
    LINK_MAX_AGE,
    LinkError,
    current_link,
    district_token,
    is_open,
    link_from_token,
    new_link,
    revoke_link,
    set_deadline,
)
from models.districts.models import DistrictLink, DistrictQuota
from models.events.models import Event, Group
from models.guests.badges import issue_badge
from models.guests.imports import ImportRow, check_row, unit_names
from models.guests.models import Attendee
from models.seating.assignment import assign_seats_for
from models.units.models import District

#: a district can never hold more nominations than this (flood guard, whatever the quota)
MAX_NOMINATIONS = 500
PENDING = ("nominated", "returned")
FIELDS = ("honorific", "full_name", "position", "organisation", "group", "phone", "email", "notes")


class NominationError(ValueError):
    """``message`` is Vietnamese; ``code`` says which rule; ``fields`` maps form field -> problem."""

    def __init__(self, code: str, message: object, fields: dict[str, object] | None = None):
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields or {}


# --- quotas ----------------------------------------------------------------------------------


@dataclass
class QuotaRow:
    group: Group
    quota: int
    used: int

    @property
    def over(self) -> int:
        return max(0, self.used - self.quota)

    @property
    def left(self) -> int:
        return max(0, self.quota - self.used)


def set_quota(district: District, group: Group, quota: int, *, actor: str = "", user_id: int | None = None) -> None:
    """Set the district's seat quota for a group (0..10000). Raises NominationError("quota")."""
    quota = int_or_none(quota, 0, 10_000)
    if group.event_id != district.event_id or quota is None:
        raise NominationError("quota", _l("Chỉ tiêu phải là số từ 0 đến 10000."))
    row = db.session.scalar(
        select(DistrictQuota).where(DistrictQuota.district_id == district.id, DistrictQuota.group_id == group.id)
    )
    if row is None:
        row = DistrictQuota(district_id=district.id, group_id=group.id, quota=0)
        db.session.add(row)
    if row.quota != quota:
        audit(
            "district_quota",
            "district",
            district.id,
            actor=actor,
            user_id=user_id,
            group=group.code,
            old=row.quota,
            new=quota,
        )
        row.quota = quota
    db.session.flush()


def _counted(district: District):
    """Nominations that take a place: pending or accepted, not returned/cancelled."""
    return select(Attendee).where(
        Attendee.nominated_by_id == district.id, Attendee.status.in_(("nominated", "invited"))
    )


def quota_rows(district: District) -> list[QuotaRow]:
    """Per group with a quota (or with nominations): quota, places used (pending + accepted)."""
    quotas = {
        q.group_id: q.quota
        for q in db.session.scalars(select(DistrictQuota).where(DistrictQuota.district_id == district.id))
    }
    used = dict(
        db.session.execute(
            select(Attendee.group_id, func.count())
            .where(Attendee.nominated_by_id == district.id, Attendee.status.in_(("nominated", "invited")))
            .group_by(Attendee.group_id)
        ).all()
    )
    groups = db.session.scalars(
        select(Group).where(Group.event_id == district.event_id).order_by(Group.priority, Group.id)
    ).all()
    return [QuotaRow(g, quotas.get(g.id, 0), used.get(g.id, 0)) for g in groups if g.id in quotas or used.get(g.id)]


def offered_groups(district: District) -> list[Group]:
    """The groups the officer may nominate into: those with a quota row, else every group."""
    ids = set(db.session.scalars(select(DistrictQuota.group_id).where(DistrictQuota.district_id == district.id)))
    groups = db.session.scalars(
        select(Group).where(Group.event_id == district.event_id).order_by(Group.priority, Group.id)
    ).all()
    return [g for g in groups if g.id in ids] if ids else list(groups)


def over_quota_ids(district: District) -> set[int]:
    """Nominations beyond their group's quota, counting accepted ones first, then by entry order."""
    quotas = {
        q.group_id: q.quota
        for q in db.session.scalars(select(DistrictQuota).where(DistrictQuota.district_id == district.id))
    }
    people = db.session.scalars(_counted(district)).unique().all()
    people = sorted(people, key=lambda a: (a.status != "invited", a.id))
    seen: dict[int | None, int] = {}
    out: set[int] = set()
    for a in people:
        seen[a.group_id] = seen.get(a.group_id, 0) + 1
        if seen[a.group_id] > quotas.get(a.group_id, 0):
            out.add(a.id)
    return out


def nominations(district: District) -> list[Attendee]:
    """Everyone the district nominated (any status), group by group, in Vietnamese name order."""
    return list(
        db.session.scalars(
            select(Attendee)
            .where(Attendee.nominated_by_id == district.id)
            .order_by(Attendee.group_id, Attendee.sort_key, Attendee.id)
        ).unique()
    )


# --- nominations -----------------------------------------------------------------------------

_DIGITS = re.compile(r"[\s.\-()]")


def _phone_key(phone: str) -> str:
    digits = _DIGITS.sub("", phone or "")
    return "0" + digits[3:] if digits.startswith("+84") else ("0" + digits[2:] if digits.startswith("84") else digits)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_duplicate(
    ev_id: int, full_name: str, phone: str, organisation: str, exclude_id: int | None = None
) -> Attendee | None:
    """Someone of the event (not cancelled or returned) with the same folded name and the same
    phone number or the same folded organisation."""
    key = fold(full_name)
    stmt = select(Attendee).where(
        Attendee.event_id == ev_id,
        Attendee.status.in_(("invited", "nominated")),
        Attendee.name_key.like(_escape_like(key) + " |%", escape="\\"),
    )
    if exclude_id is not None:
        stmt = stmt.where(Attendee.id != exclude_id)
    phone_k, org_k = _phone_key(phone), fold(organisation)
    for other in db.session.scalars(stmt).unique():
        if fold(other.full_name) != key:
            continue
        if (phone_k and _phone_key(other.phone) == phone_k) or (org_k and fold(other.organisation) == org_k):
            return other
    return None


def _validate(district: District, form: dict[str, str]) -> tuple[dict, Group]:
    data = {f: clean(form.get(f, ""))[:5000] for f in FIELDS}
    row = ImportRow(line=0, data=dict(data))
    groups = {str(g.id): g for g in offered_groups(district)}
    group = groups.get(data["group"])
    row.data["group"] = ""  # checked below by id (the guest list checks group names)
    check_row(row, {}, {})
    fields: dict[str, object] = {}
    for problem in row.problems:
        for f, words in (
            ("full_name", "họ tên"),
            ("phone", "điện thoại"),
            ("email", "Email"),
            ("honorific", "honorific"),
            ("position", "position"),
            ("organisation", "organisation"),
            ("notes", "notes"),
        ):
            if words in problem or problem.startswith(f):
                fields.setdefault(f, problem)
                break
        else:
            fields.setdefault("full_name", problem)
    if group is None:
        fields["group"] = _l("Vui lòng chọn thành phần trong danh sách.")
    if fields:
        raise NominationError("invalid", _l("Vui lòng sửa các ô được đánh dấu."), fields)
    return row.data, group  # check_row wrote the name title-cased ("nguyễn văn a" -> "Nguyễn Văn A")


#: the fields whose ALL-CAPS text is offered a rewrite (as the guest import offers it)
CAPS_FIELDS = ("position", "organisation")


def caps_offers(district: District, values: object) -> dict[str, str]:
    """{field: rewritten} for an ALL-CAPS position or organisation of ``values`` (a dict or an
    Attendee): models.core.names.fix_caps with the event's units as proper names, as the guest
    import offers it ("CHỦ TỊCH UBND XÃ CAM HẢI TÂY" -> "Chủ tịch UBND xã Cam Hải Tây")."""
    out = {}
    for f in CAPS_FIELDS:
        value = values.get(f, "") if isinstance(values, dict) else getattr(values, f, "")
        if value and value.isupper():
            fixed = fix_caps(value, unit_names(district.event))
            if fixed != value:
                out[f] = fixed
    return out


def save_nomination(
    link: DistrictLink,
    form: dict[str, str],
    attendee_id: int | None = None,
    now: datetime | None = None,
) -> Attendee:
    """Add (attendee_id None) or edit a nomination of the link's district. See the module docstring.
    ``form["fix_caps"]`` ("1"): an ALL-CAPS position or organisation is rewritten (caps_offers)."""
    district = link.district
    if not is_open(link, now):
        raise NominationError("closed", _l("Đã quá hạn gửi danh sách; trang này chỉ còn để xem."))
    person = _editable_nomination(district, attendee_id) if attendee_id is not None else None
    data, group = _validate(district, form)
    if form.get("fix_caps") in ("1", "on", "y"):
        data.update(caps_offers(district, data))
    _check_room_and_duplicate(district, data, person)
    created = person is None
    if created:
        person = Attendee(
            event_id=district.event_id,
            status="nominated",
            source="district",
            nominated_by_id=district.id,
            district_id=district.id,
            external_key="district:" + secrets.token_hex(10),
        )
        db.session.add(person)
    _write_nomination(person, district, data, group, created)
    return person


def _editable_nomination(district: District, attendee_id: int) -> Attendee:
    """The district's own nomination ``attendee_id``, still open to edits (else NominationError)."""
    person = db.session.get(Attendee, attendee_id)
    if person is None or person.nominated_by_id != district.id:
        raise NominationError("not_yours", _l("Không tìm thấy đại biểu này trong danh sách của đơn vị."))
    if person.status not in PENDING:
        raise NominationError(
            "locked", _l("Đại biểu đã được ban tổ chức chấp nhận; không thể sửa. Vui lòng liên hệ ban tổ chức.")
        )
    return person


def _check_room_and_duplicate(district: District, data: dict, person: Attendee | None) -> None:
    """Under the event's row lock: a new nomination within MAX_NOMINATIONS, and nobody nominated twice."""
    # one nomination at a time per event, so two districts sending the same person at the same
    # moment cannot both pass the duplicate check (PostgreSQL row lock; SQLite web requests
    # already hold the write lock, BEGIN IMMEDIATE)
    db.session.execute(select(Event.id).where(Event.id == district.event_id).with_for_update())
    if person is None:
        count = (
            db.session.scalar(select(func.count()).select_from(Attendee).where(Attendee.nominated_by_id == district.id))
            or 0
        )
        if count >= MAX_NOMINATIONS:
            raise NominationError(
                "too_many", _l("Đơn vị đã gửi quá %(n)s đề cử. Vui lòng liên hệ ban tổ chức.", n=MAX_NOMINATIONS)
            )
    other = find_duplicate(
        district.event_id,
        data["full_name"],
        data["phone"],
        data["organisation"],
        exclude_id=person.id if person else None,
    )
    if other is not None:
        raise NominationError("duplicate", _duplicate_message(other, district), {"full_name": _l("Trùng người")})


def _write_nomination(person: Attendee, district: District, data: dict, group: Group, created: bool) -> None:
    """Copy the checked form onto ``person`` and audit it (with the changed fields of an edit)."""
    before = (
        {
            f: getattr(person, f)
            for f in ("honorific", "full_name", "position", "organisation", "phone", "email", "group_id")
        }
        if not created
        else {}
    )
    person.honorific, person.full_name = data["honorific"], data["full_name"]
    person.position, person.organisation = data["position"], data["organisation"]
    person.phone, person.email, person.notes = data["phone"], data["email"], data["notes"]
    person.group_id = group.id
    person.refresh_keys()
    if person.status == "returned":
        person.status = "nominated"
    db.session.flush()
    changed = {k: [v, getattr(person, k)] for k, v in before.items() if v != getattr(person, k)}
    audit(
        "nominate" if created else "edit_nomination",
        "attendee",
        person.id,
        actor=f"district:{district.id}",
        name=person.full_name,
        group=group.code,
        **({"changed": changed} if changed else {}),
    )


def _duplicate_message(other: Attendee, district: District) -> str:
    name = other.display_name
    if other.nominated_by_id == district.id:
        return _l(
            "%(name)s đã có trong danh sách đề cử của đơn vị (trùng họ tên và số điện thoại hoặc đơn vị).", name=name
        )
    if other.nominated_by_id is not None:
        by = db.session.get(District, other.nominated_by_id)
        return _l(
            "%(name)s đã được %(district)s đề cử (trùng họ tên và số điện thoại hoặc đơn vị). Một người "
            "chỉ được đề cử một lần; vui lòng liên hệ ban tổ chức.",
            name=name,
            district=by.name if by else "—",
        )
    return _l("%(name)s đã có trong danh sách khách mời của ban tổ chức; không cần đề cử lại.", name=name)


def withdraw_nomination(link: DistrictLink, attendee_id: int, now: datetime | None = None) -> None:
    """Delete a nomination not yet accepted. Errors as save_nomination ("closed", "not_yours", "locked")."""
    if not is_open(link, now):
        raise NominationError("closed", _l("Đã quá hạn gửi danh sách; trang này chỉ còn để xem."))
    person = db.session.get(Attendee, attendee_id)
    if person is None or person.nominated_by_id != link.district_id:
        raise NominationError("not_yours", _l("Không tìm thấy đại biểu này trong danh sách của đơn vị."))
    if person.status not in PENDING:
        raise NominationError("locked", _l("Đại biểu đã được ban tổ chức chấp nhận; không thể rút."))
    audit("withdraw_nomination", "attendee", person.id, actor=f"district:{link.district_id}", name=person.full_name)
    db.session.delete(person)
    db.session.flush()


# --- review ----------------------------------------------------------------------------------


def _pending(attendee: Attendee, *states: str) -> None:
    if attendee.nominated_by_id is None or attendee.status not in states:
        raise NominationError("state", _l("Đề cử này không còn ở trạng thái chờ duyệt."))


def accept(attendee: Attendee, *, fix_caps: bool = False, actor: str = "", user_id: int | None = None) -> Attendee:
    """Put a nomination on the guest list: a seat by the seating rules (none when the hall is
    full) and a badge; ``fix_caps``: its ALL-CAPS position and organisation rewritten first."""
    _pending(attendee, "nominated")
    ev = db.session.get(Event, attendee.event_id)
    caps = caps_offers(db.session.get(District, attendee.nominated_by_id), attendee) if fix_caps else {}
    for f, value in caps.items():
        setattr(attendee, f, value)
    attendee.refresh_keys()
    attendee.status = "invited"
    attendee.nomination_comment = ""
    db.session.flush()
    assign_seats_for([attendee], ev)
    badge = issue_badge(attendee, ev)
    audit(
        "accept_nomination",
        "attendee",
        attendee.id,
        actor=actor,
        user_id=user_id,
        seat=attendee.seat.label if attendee.seat else None,
        badge=badge.serial,
        **({"fixed_caps": caps} if caps else {}),
    )
    return attendee


def accept_within_quota(
    district: District, *, fix_caps: bool = False, actor: str = "", user_id: int | None = None
) -> int:
    """Accept every pending nomination of the district that is not over its group's quota.
    Returns how many were accepted; over-quota ones stay pending (flagged) for a decision."""
    over = over_quota_ids(district)
    people = [a for a in nominations(district) if a.status == "nominated" and a.id not in over]
    for a in sorted(people, key=lambda a: a.id):
        accept(a, fix_caps=fix_caps, actor=actor, user_id=user_id)
    return len(people)


def return_nomination(attendee: Attendee, comment: str, *, actor: str = "", user_id: int | None = None) -> None:
    """Send a nomination back to the district with a comment (1..1000 characters)."""
    _pending(attendee, "nominated")
    comment = clean(comment)
    if not comment or len(comment) > 1000:
        raise NominationError("comment", _l("Vui lòng ghi lý do trả lại (tối đa 1000 ký tự)."))
    attendee.status = "returned"
    attendee.nomination_comment = comment
    audit("return_nomination", "attendee", attendee.id, actor=actor, user_id=user_id, comment=comment)
    db.session.flush()


# --- the day ---------------------------------------------------------------------------------


def delegation(district: District) -> list[Attendee]:
    """The district's delegation on the guest list: accepted nominations and invited delegates
    of the district, in Vietnamese name order."""
    return list(
        db.session.scalars(
            select(Attendee)
            .where(
                Attendee.event_id == district.event_id,
                Attendee.status == "invited",
                or_(Attendee.nominated_by_id == district.id, Attendee.district_id == district.id),
            )
            .order_by(Attendee.sort_key, Attendee.id)
        ).unique()
    )
