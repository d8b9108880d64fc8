"""Changing a delegate after the import: edit, cancel, restore, merge two records of one person.

edit_attendee(person, values, ...) -> dict of changed fields {field: (before, after)}
    Every field of the guest list, checked as the import checks a row (models.guests.imports.check_delegate),
    the phone through models.core.phones.normalize_phone, the name through models.core.names.title_case.
    Raises ChangeError (Vietnamese messages, nothing changed): missing name, too long a value,
    bad e-mail, bad phone, precedence not a number, a group or district not of the event.
    An empty precedence: the rank the position and organisation give by the event's protocol
    table (models/events/protocol.py), re-derived when the title or the table changes.
cancel_attendee(person, reason, ...) -> the revoked badges' count
    Status "cancelled" with cancelled_at and cancel_reason; the seat is freed and every live
    badge revoked (kiosks and the API answer "revoked"; the kiosk snapshot lists the code).
    Raises ChangeError: no reason, already cancelled, not on the guest list.
restore_attendee(person, ...) -> the new Badge
    Status "invited" again with a NEW badge (the revoked one stays revoked). The seat is not
    given back: assign seats again or move the person by hand. Raises ChangeError: not
    cancelled, or merged into another record.
merge_attendees(keep, other, ...) -> dict of what moved
    Keeps ``keep`` (and its badge): check-ins (and the arrival when only ``other`` had arrived),
    the district nomination, awards (recipient, substitute, presenter of a batch), exhibitor
    staff links and the seat (when ``keep`` has none) move to it; empty fields of ``keep`` are
    filled from ``other``; ``other`` is cancelled (or, cancelled before, marked) with
    merged_into_id and reason "gộp vào #ID".
    Raises ChangeError: the same record, another event, ``keep`` not invited, ``other``
    already merged.
Every change writes an audit row; nothing here commits (the caller does).
"""

from __future__ import annotations

from sqlalchemy import select, update

from models.accounts.models import audit
from models.ceremony.models import Award, AwardBatch
from models.checkin.models import CheckIn
from models.core.base import db
from models.core.names import clean, title_case
from models.core.numbers import int_or_none, parse_int
from models.core.phones import PhoneError, normalize_phone
from models.core.timeutil import utcnow
from models.events.models import Event, Group
from models.events.protocol import Ranker
from models.exhibition.models import ExhibitorStaff
from models.guests.badges import issue_badge, revoke_badges
from models.guests.imports import check_delegate
from models.guests.models import Attendee, Badge
from models.units.models import District

#: the fields edit_attendee writes, in the order of the form
FIELDS = (
    "honorific",
    "full_name",
    "position",
    "organisation",
    "group_id",
    "district_id",
    "phone",
    "email",
    "precedence",
    "notes",
)
#: filled on the kept record from the other when empty there (merge)
_FILLABLE = ("honorific", "position", "organisation", "phone", "email", "group_id", "district_id")


class ChangeError(ValueError):
    """A change that cannot be made. ``str(exc)`` is a Vietnamese message (several joined by "; ");
    ``problems`` lists them."""

    def __init__(self, *problems: str):
        self.problems = list(problems)
        super().__init__("; ".join(problems))


def _event_ids(model, event_id: int) -> set[int]:
    return set(db.session.scalars(select(model.id).where(model.event_id == event_id)))


def edit_attendee(
    person: Attendee, values: dict[str, object], *, actor: str = "", user_id: int | None = None
) -> dict[str, tuple[object, object]]:
    """See the module docstring. ``values``: text of each field in FIELDS (group_id and
    district_id: an id or None). Returns the changed fields; audits them (before, after)."""
    text = {
        f: clean(values.get(f) or "")
        for f in ("honorific", "full_name", "position", "organisation", "email", "precedence", "notes")
    }
    data, problems = check_delegate(text)
    new: dict[str, object] = {f: data.get(f, "") for f in ("honorific", "position", "organisation", "email", "notes")}
    new["full_name"] = title_case(data.get("full_name", ""))
    try:
        new["phone"] = normalize_phone(values.get("phone") or "")
    except PhoneError as exc:
        problems.append(str(exc))
    # a typed precedence wins; an empty one: the rank the (new) title gives by the protocol table
    new["precedence_typed"] = bool(data.get("precedence"))
    new["precedence"] = (
        parse_int(data["precedence"], 0, 1_000_000)
        if data.get("precedence")
        else Ranker.of(db.session.get(Event, person.event_id)).rank(new["position"], new["organisation"])
    )
    for field, model in (("group_id", Group), ("district_id", District)):
        value = values.get(field)
        if value in (None, ""):
            new[field] = None
        elif int_or_none(value) in _event_ids(model, person.event_id):
            new[field] = int_or_none(value)
        else:
            problems.append("Thành phần không hợp lệ." if model is Group else "Địa phương không hợp lệ.")
    if problems:
        raise ChangeError(*problems)
    changed = {f: (getattr(person, f), new[f]) for f in (*FIELDS, "precedence_typed") if getattr(person, f) != new[f]}
    if changed:
        for f, (_old, value) in changed.items():
            setattr(person, f, value)
        person.refresh_keys()
        audit(
            "edit_attendee",
            "attendee",
            person.id,
            actor=actor,
            user_id=user_id,
            changes={f: [old, value] for f, (old, value) in changed.items()},
        )
    return changed


def cancel_attendee(
    person: Attendee, reason: str, *, actor: str = "", user_id: int | None = None, merged_into: int | None = None
) -> int:
    """See the module docstring."""
    reason = clean(reason)
    if not reason:
        raise ChangeError("Vui lòng ghi lý do hủy.")
    if len(reason) > 300:
        raise ChangeError("Lý do tối đa 300 ký tự.")
    if person.status == "cancelled":
        raise ChangeError("Đại biểu này đã bị hủy.")
    if person.status != "invited" and merged_into is None:
        raise ChangeError("Đại biểu này chưa có trong danh sách mời (đề cử của địa phương).")
    seat = person.seat.label if person.seat is not None else None
    person.status = "cancelled"
    person.cancelled_at = utcnow()
    person.cancel_reason = reason
    person.seat_id = None
    if merged_into is not None:
        person.merged_into_id = merged_into
    revoked = revoke_badges(person, reason=("merged" if merged_into else "cancelled"), actor=actor)
    audit(
        "cancel_attendee",
        "attendee",
        person.id,
        actor=actor,
        user_id=user_id,
        reason=reason,
        seat=seat,
        badges_revoked=revoked,
        merged_into=merged_into,
    )
    return revoked


def restore_attendee(person: Attendee, *, actor: str = "", user_id: int | None = None) -> Badge:
    """See the module docstring."""
    if person.status != "cancelled":
        raise ChangeError("Đại biểu này không ở trạng thái đã hủy.")
    if person.merged_into_id is not None:
        raise ChangeError(f"Bản ghi này đã được gộp vào #{person.merged_into_id}; không khôi phục được.")
    reason = person.cancel_reason
    person.status = "invited"
    person.cancelled_at = None
    person.cancel_reason = ""
    db.session.flush()
    badge = issue_badge(person)
    audit(
        "restore_attendee",
        "attendee",
        person.id,
        actor=actor,
        user_id=user_id,
        cancel_reason=reason,
        badge_serial=badge.serial,
    )
    return badge


def merge_attendees(
    keep: Attendee, other: Attendee, *, actor: str = "", user_id: int | None = None
) -> dict[str, object]:
    """See the module docstring."""
    _check_mergeable(keep, other)
    moved = _move_records(keep, other)
    _fill_blanks(keep, other, moved)
    seat_id = other.seat_id
    db.session.expire(keep, ["badges"])
    if other.status == "cancelled":  # cancelled before: now marked as merged too
        other.merged_into_id, other.cancel_reason = keep.id, f"gộp vào #{keep.id}"
        revoke_badges(other, reason="merged", actor=actor)
    else:
        cancel_attendee(other, f"gộp vào #{keep.id}", actor=actor, user_id=user_id, merged_into=keep.id)
    if keep.seat_id is None and seat_id is not None:
        db.session.flush()  # the seat is free before it is given (seat_id is unique)
        keep.seat_id = seat_id
        moved["seat"] = seat_id
    db.session.flush()
    audit(
        "merge_attendee",
        "attendee",
        keep.id,
        actor=actor,
        user_id=user_id,
        merged=other.id,
        name=other.full_name,
        **{k: v for k, v in moved.items() if v},
    )
    return moved


def _check_mergeable(keep: Attendee, other: Attendee) -> None:
    """ChangeError unless ``other`` can be merged into ``keep``."""
    if keep.id == other.id:
        raise ChangeError("Hãy chọn hai bản ghi khác nhau.")
    if keep.event_id != other.event_id:
        raise ChangeError("Hai bản ghi thuộc hai sự kiện khác nhau.")
    if keep.status != "invited":
        raise ChangeError("Bản ghi giữ lại phải đang trong danh sách mời (hãy khôi phục trước).")
    if other.merged_into_id is not None:
        raise ChangeError(f"Bản ghi #{other.id} đã được gộp vào #{other.merged_into_id}.")


def _move_records(keep: Attendee, other: Attendee) -> dict[str, object]:
    """Give ``keep`` what points at ``other``: check-ins, the arrival, the nomination, awards,
    presenting, the exhibitor staff place. Returns what moved."""
    moved: dict[str, object] = {}
    n = db.session.execute(update(CheckIn).where(CheckIn.attendee_id == other.id).values(attendee_id=keep.id)).rowcount
    moved["checkins"] = n
    if keep.checked_in_at is None and other.checked_in_at is not None:
        keep.checked_in_at, keep.first_checkin_id = other.checked_in_at, other.first_checkin_id
        moved["arrival"] = True
    other.checked_in_at, other.first_checkin_id = None, None
    if keep.nominated_by_id is None and other.nominated_by_id is not None:
        keep.nominated_by_id, keep.nomination_comment = other.nominated_by_id, other.nomination_comment
        moved["nomination"] = other.nominated_by_id
    for col in (Award.recipient_id, Award.substitute_id):
        moved[col.key] = db.session.execute(update(Award).where(col == other.id).values({col.key: keep.id})).rowcount
    moved["presenter_id"] = db.session.execute(
        update(AwardBatch).where(AwardBatch.presenter_id == other.id).values(presenter_id=keep.id)
    ).rowcount
    staff = db.session.scalar(select(ExhibitorStaff).where(ExhibitorStaff.attendee_id == other.id))
    if staff is not None:
        if db.session.scalar(select(ExhibitorStaff.id).where(ExhibitorStaff.attendee_id == keep.id)):
            db.session.delete(staff)
        else:
            staff.attendee_id = keep.id
        moved["exhibitor_staff"] = staff.exhibitor_id
    return moved


def _fill_blanks(keep: Attendee, other: Attendee, moved: dict[str, object]) -> None:
    """Copy into ``keep`` the fields it leaves empty and ``other`` has."""
    filled = {
        f: getattr(other, f)
        for f in _FILLABLE
        if getattr(keep, f) in (None, "") and getattr(other, f) not in (None, "")
    }
    for f, value in filled.items():
        setattr(keep, f, value)
    if filled:
        keep.refresh_keys()
        moved["filled"] = sorted(filled)
