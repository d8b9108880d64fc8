"""The exhibitor workflow: registration, edits through the status link, approval or rejection,
tables, set-up (by the organiser or by a staff badge at the exhibition entrance), removal.

registered -> approved | rejected -> assigned (table) -> set_up -> removed.
A rejected registration that the exhibitor edits goes back to "registered".

Staff who man a booth are attendees of the event's exhibitor-staff group (Group.is_exhibitor_staff):
"nominated" (not on the guest list, no badge) while the registration waits, "invited" with a badge
once it is approved, "returned" (badges revoked) when it is rejected.

Every change is audited (models.accounts.models.audit) and committed by the function that makes it.
Errors are ExhibitorError(code, message): "locked" (no edits after approval), "bad_status" (the
step does not apply to the current status), "reason_required", "bad_table" (not a table of the
exhibitor's district), "table_full" (capacity reached).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from models.accounts.models import audit
from models.core.base import db
from models.core.database import write_transaction
from models.core.links import LinkError, read_link, sign_link  # noqa: F401 (LinkError: API)
from models.core.timeutil import utcnow
from models.events.models import Event, Group
from models.events.notice import stamp_consent
from models.exhibition.models import Exhibitor, ExhibitorStaff, ExhibitTable, Product
from models.guests.badges import issue_badge, revoke_badges
from models.guests.models import Attendee
from models.units.models import District

EDITABLE = ("registered", "rejected")
#: what the lists, cards and exports read of each exhibitor, loaded in a few queries
LOAD_ALL = (
    selectinload(Exhibitor.products),
    joinedload(Exhibitor.district),
    joinedload(Exhibitor.table),
    selectinload(Exhibitor.staff).selectinload(ExhibitorStaff.attendee),
)
#: statuses that hold (or may hold) a place at a table
ACTIVE = ("approved", "assigned", "set_up")
LINK_SALT = "exhibitor-status-link"
#: a status link stays valid this long (seconds): one season of events
LINK_MAX_AGE = 180 * 24 * 3600


class ExhibitorError(Exception):
    def __init__(self, code: str, message: object):
        super().__init__(str(message))
        self.code, self.message = code, message


# --- status links --------------------------------------------------------------------------


def status_token(ex: Exhibitor, secret: str) -> str:
    """The signed token of the exhibitor's private status link (makes a nonce if it has none)."""
    if not ex.link_nonce:
        ex.link_nonce = secrets.token_urlsafe(16)
        db.session.commit()
    return sign_link(secret, LINK_SALT, ex.id, ex.link_nonce)


def exhibitor_from_token(token: str, secret: str, max_age: int = LINK_MAX_AGE) -> Exhibitor:
    """The exhibitor a status link names. Raises LinkError("expired") or LinkError("invalid")."""
    ex_id, nonce = read_link(token, secret, LINK_SALT, max_age)
    ex = db.session.get(Exhibitor, ex_id)
    if ex is None or not nonce or not secrets.compare_digest(str(ex.link_nonce), str(nonce)):
        raise LinkError("invalid")
    return ex


def reissue_link(ex: Exhibitor, *, actor: str = "", user_id: int | None = None) -> None:
    """A new nonce: every earlier status link of this exhibitor stops working."""
    ex.link_nonce = secrets.token_urlsafe(16)
    audit("reissue_exhibitor_link", "exhibitor", ex.id, actor=actor, user_id=user_id)
    db.session.commit()


# --- registration and edits ----------------------------------------------------------------


def staff_group(ev: Event) -> Group:
    """The event's exhibitor-staff group (made when the event has none)."""
    group = db.session.scalar(select(Group).where(Group.event_id == ev.id, Group.is_exhibitor_staff.is_(True)).limit(1))
    if group is None:
        group = Group(
            event_id=ev.id,
            code="exhibitor-staff",
            name="Nhân viên gian hàng trưng bày",
            name_en="Exhibition staff",
            color="#9e9d24",
            priority=90,
            is_exhibitor_staff=True,
        )
        db.session.add(group)
        db.session.flush()
    return group


def _fill(ex: Exhibitor, data: dict) -> None:
    for key in (
        "name",
        "kind",
        "district_id",
        "address",
        "contact_name",
        "phone",
        "email",
        "needs_power",
        "needs_cold",
        "extra_table",
    ):
        setattr(ex, key, data[key])
    ex.products.clear()
    for p in data["products"]:
        ex.products.append(
            Product(
                name=p["name"],
                ocop_group=p["ocop_group"],
                stars=p["stars"],
                decision_no=p["decision_no"],
                decision_date=p["decision_date"],
            )
        )


def _sync_staff(ev: Event, ex: Exhibitor, people: Sequence[dict]) -> None:
    group = staff_group(ev)
    current = [s.attendee for s in ex.staff]
    for person, row in zip(current, people, strict=False):
        _fill_person(person, ex, row)
    for link in list(ex.staff)[len(people) :]:
        db.session.delete(link.attendee)
        ex.staff.remove(link)
    for row in people[len(current) :]:
        a = Attendee(event_id=ev.id, group_id=group.id, status="nominated", source="exhibitor")
        _fill_person(a, ex, row)
        db.session.add(a)
        db.session.flush()
        ex.staff.append(ExhibitorStaff(attendee_id=a.id))


def _fill_person(a: Attendee, ex: Exhibitor, row: dict) -> None:
    a.honorific = row["honorific"]
    a.position = row["position"] or "Nhân viên gian hàng"
    a.organisation = ex.name
    a.district_id = ex.district_id
    a.phone = row["phone"]
    a.set_name(row["name"])


def register_exhibitor(ev: Event, data: dict) -> Exhibitor:
    """Store a validated registration (see models.exhibition.form_input.clean_registration)."""
    ex = Exhibitor(event_id=ev.id, status="registered", link_nonce=secrets.token_urlsafe(16))
    _fill(ex, data)
    db.session.add(ex)
    if data.get("consent"):
        stamp_consent(ex, ev)
    db.session.flush()
    _sync_staff(ev, ex, data["staff"])
    audit(
        "register_exhibitor",
        "exhibitor",
        ex.id,
        actor=f"exhibitor:{ex.id}",
        products=len(data["products"]),
        staff=len(data["staff"]),
    )
    db.session.commit()
    return ex


def update_registration(ex: Exhibitor, data: dict, *, actor: str = "") -> Exhibitor:
    """The exhibitor edits its registration: only before approval ("locked" otherwise).
    A rejected registration, once edited, waits for review again."""
    if ex.status not in EDITABLE:
        raise ExhibitorError("locked", _l("Hồ sơ đã được duyệt, không thể sửa. Vui lòng liên hệ ban tổ chức."))
    ev = db.session.get(Event, ex.event_id)
    _fill(ex, data)
    if data.get("consent"):
        stamp_consent(ex, ev)
    _sync_staff(ev, ex, data["staff"])
    if ex.status == "rejected":
        ex.status, ex.reject_reason = "registered", ""
    audit("edit_exhibitor", "exhibitor", ex.id, actor=actor or f"exhibitor:{ex.id}")
    db.session.commit()
    return ex


# --- the organiser's steps -----------------------------------------------------------------


def _need(ex: Exhibitor, allowed: Sequence[str]) -> None:
    if ex.status not in allowed:
        raise ExhibitorError("bad_status", _l("Thao tác không áp dụng cho hồ sơ ở trạng thái này."))


def approve(ex: Exhibitor, *, actor: str = "", user_id: int | None = None) -> None:
    """registered | rejected -> approved; the staff go on the guest list and get badges."""
    _need(ex, EDITABLE)
    ex.status, ex.reject_reason = "approved", ""
    ev = db.session.get(Event, ex.event_id)
    for link in ex.staff:
        link.attendee.status = "invited"
        issue_badge(link.attendee, ev)
    audit("approve_exhibitor", "exhibitor", ex.id, actor=actor, user_id=user_id)
    db.session.commit()


def reject(ex: Exhibitor, reason: str, *, actor: str = "", user_id: int | None = None) -> None:
    """registered | approved | assigned -> rejected with a reason; the table is freed and the
    staff's badges revoked."""
    reason = (reason or "").strip()
    if not reason:
        raise ExhibitorError("reason_required", _l("Vui lòng ghi lý do từ chối."))
    _need(ex, ("registered", "approved", "assigned"))
    ex.status, ex.reject_reason, ex.table_id = "rejected", reason[:500], None
    for link in ex.staff:
        link.attendee.status = "returned"
        revoke_badges(link.attendee, reason="exhibitor rejected", actor=actor)
    audit("reject_exhibitor", "exhibitor", ex.id, actor=actor, user_id=user_id, reason=reason[:500])
    db.session.commit()


def ensure_tables(district: District) -> list[ExhibitTable]:
    """The district's tables, numbered 1..table_count (missing ones are made)."""
    tables = list(
        db.session.scalars(
            select(ExhibitTable).where(ExhibitTable.district_id == district.id).order_by(ExhibitTable.number)
        )
    )
    have = {t.number for t in tables}
    for n in range(1, (district.table_count or 0) + 1):
        if n not in have:
            t = ExhibitTable(
                district_id=district.id,
                number=n,
                label=f"{district.exhibit_area}-{n}" if district.exhibit_area else str(n),
            )
            db.session.add(t)
            tables.append(t)
    if len(tables) != len(have):
        db.session.flush()
    return sorted(tables, key=lambda t: t.number)


def table_load(table_id: int, *, excluding: int | None = None) -> int:
    """How many active exhibitors sit at a table."""
    q = select(func.count(Exhibitor.id)).where(Exhibitor.table_id == table_id, Exhibitor.status.in_(ACTIVE))
    if excluding is not None:
        q = q.where(Exhibitor.id != excluding)
    return db.session.scalar(q) or 0


def assign_table(ex: Exhibitor, table_id: int, *, actor: str = "", user_id: int | None = None) -> ExhibitTable:
    """Put an approved exhibitor at a table of its own district, or move it to another one.
    approved -> assigned (assigned and set_up keep their status)."""
    _need(ex, ACTIVE)
    ex_id = ex.id
    if db.session().in_transaction():
        db.session.commit()
    with write_transaction():
        ex = db.session.get(Exhibitor, ex_id)
        table = db.session.scalar(select(ExhibitTable).where(ExhibitTable.id == table_id).with_for_update())
        if table is None or table.district_id != ex.district_id:
            db.session.rollback()
            raise ExhibitorError("bad_table", _l("Bàn này không thuộc khu trưng bày của địa phương này."))
        if table_load(table.id, excluding=ex.id) >= table.capacity:
            db.session.rollback()
            raise ExhibitorError(
                "table_full", _l("Bàn %(n)s đã đủ chỗ (%(c)s gian hàng).", n=table.number, c=table.capacity)
            )
        before = ex.table.number if ex.table else None
        ex.table_id = table.id
        if ex.status == "approved":
            ex.status = "assigned"
        audit("assign_table", "exhibitor", ex.id, actor=actor, user_id=user_id, table=table.number, before=before)
        db.session.commit()
    db.session.refresh(ex)
    return table


def mark_set_up(ex: Exhibitor, *, actor: str = "", user_id: int | None = None) -> None:
    """approved | assigned -> set_up (now)."""
    _need(ex, ("approved", "assigned"))
    ex.status, ex.set_up_at = "set_up", utcnow()
    audit("set_up_exhibitor", "exhibitor", ex.id, actor=actor, user_id=user_id)
    db.session.commit()


def remove(ex: Exhibitor, *, actor: str = "", user_id: int | None = None) -> None:
    """approved | assigned | set_up -> removed (the booth has left; its table is free)."""
    _need(ex, ACTIVE)
    ex.status, ex.table_id = "removed", None
    audit("remove_exhibitor", "exhibitor", ex.id, actor=actor, user_id=user_id)
    db.session.commit()


def find_exhibitors(
    ev: Event, *, district_id: int | None = None, status: str | None = None, stars: str | None = None
) -> list[Exhibitor]:
    """Exhibitors of an event; ``stars`` is "5", "4", "3" (has a product of that rating) or
    "potential" (has a potential product)."""
    q = select(Exhibitor).where(Exhibitor.event_id == ev.id).options(*LOAD_ALL)
    if district_id:
        q = q.where(Exhibitor.district_id == district_id)
    if status:
        q = q.where(Exhibitor.status == status)
    if stars in ("3", "4", "5"):
        q = q.where(Exhibitor.products.any(Product.stars == int(stars)))
    elif stars == "potential":
        q = q.where(Exhibitor.products.any(Product.stars.is_(None)))
    return list(db.session.scalars(q.order_by(Exhibitor.district_id, Exhibitor.name, Exhibitor.id)))
