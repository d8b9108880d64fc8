"""Exports of personal data are accounted for (Law 91/2025/QH15; issue 23 item 6).

Every download and every command that writes a file with people's data (the guest list, badges,
letters, reports, the MC script, seat map, exhibitor lists, one person's data, backups) calls
log_export() once: an audit row "export_personal_data" saying who, when, what and how many people.
/admin/audit lists them (admin only); tests/privacy/test_exports.py requests every download of the
web and runs every ``--out`` command, so a new export that does not log fails the tests.

log_export(what, people, actor=, user_id=, event_id=, **detail) -> the AuditLog row (committed).
count_people(ev, what) -> how many people's data an export of ``what`` carries (by query).
cli_actor() -> "cli:<operating-system user>" (the command line's "who").
EXPORT_KINDS: what -> (Vietnamese, English) label, for the audit page.
recent_exports(limit=, what=, actor=, since=, until=) -> the newest export rows first.
"""

from __future__ import annotations

import getpass
from datetime import datetime

from sqlalchemy import func, or_, select

from models.accounts.models import AuditLog, User, audit
from models.ceremony.models import Award
from models.checkin.stats import in_hall
from models.core.base import db
from models.events.models import Event
from models.exhibition.models import Exhibitor, ExhibitorStaff
from models.guests.models import Attendee

ACTION = "export_personal_data"

#: every kind of export that carries personal data: (Vietnamese, English)
EXPORT_KINDS: dict[str, tuple[str, str]] = {
    "guest_list": ("Danh sách đại biểu (.xlsx)", "Guest list (.xlsx)"),
    "shred_record": ("Hồ sơ sự kiện trước khi hủy dữ liệu (.zip)", "The event's record before shredding (.zip)"),
    "no_shows": ("Danh sách đại biểu vắng mặt (.xlsx)", "No-shows (.xlsx)"),
    "badges": ("Thẻ đại biểu (PDF)", "Badges (PDF)"),
    "codes": ("Mã thẻ cho nhà in (CSV)", "Badge codes for the print shop (CSV)"),
    "walkin_badge": ("Thẻ khách vãng lai (PDF)", "Walk-in badge (PDF)"),
    "letters": ("Giấy mời (PDF)", "Invitation letters (PDF)"),
    "report": ("Báo cáo điểm danh (.xlsx)", "Attendance report (.xlsx)"),
    "mc_script": ("Kịch bản MC (PDF)", "MC script (PDF)"),
    "seat_map": ("Sơ đồ chỗ ngồi (PDF)", "Seat map (PDF)"),
    "exhibitors": ("Danh sách gian hàng (.xlsx)", "Exhibitors (.xlsx)"),
    "table_cards": ("Thẻ bàn trưng bày (PDF)", "Booth table cards (PDF)"),
    "catalogue": ("Danh mục sản phẩm trưng bày (PDF)", "Exhibition catalogue (PDF)"),
    "results": ("Kết quả khen thưởng (.xlsx)", "Award results (.xlsx)"),
    "person_data": ("Dữ liệu của một người (JSON)", "One person's data (JSON)"),
    "backup": ("Bản sao lưu cơ sở dữ liệu", "Database backup"),
}


def cli_actor() -> str:
    """Who runs a command: "cli:<operating-system user>"."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


def log_export(
    what: str,
    people: int,
    *,
    actor: str = "",
    user_id: int | None = None,
    event_id: int | None = None,
    commit: bool = True,
    **detail: object,
) -> AuditLog:
    """Account for one export: who (``actor``, ``user_id``), when (now), what (a key of
    EXPORT_KINDS), how many people (``people``), and any detail (file name, filters). Commits:
    the file leaves the server whatever the caller does next."""
    if what not in EXPORT_KINDS:
        raise KeyError(what)
    row = audit(
        ACTION,
        "event",
        event_id,
        actor=actor or cli_actor(),
        user_id=user_id,
        what=what,
        people=max(0, int(people)),
        **detail,
    )
    if commit:  # (shred-event commits the record's export together with the erasure it precedes)
        db.session.commit()
    return row


def _count(stmt) -> int:
    return int(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def count_people(ev: Event | None, what: str) -> int:
    """How many people's data an export of ``what`` of event ``ev`` carries (the same rows the
    export writes). ``backup``: everyone in the database (every event, exhibitor contacts, staff
    accounts)."""
    if what == "backup":
        return (
            _count(select(Attendee.id))
            + _count(select(Exhibitor.id).where(Exhibitor.contact_name != ""))
            + _count(select(User.id))
        )
    if ev is None:
        return 0
    mine = Attendee.event_id == ev.id
    if what == "guest_list":
        return _count(select(Attendee.id).where(mine, Attendee.status.in_(("invited", "cancelled"))))
    if what == "no_shows":
        return _count(select(Attendee.id).where(mine, Attendee.status == "invited", Attendee.checked_in_at.is_(None)))
    if what == "report":
        return _count(select(Attendee.id).where(mine, in_hall()))
    if what == "seat_map":
        return _count(select(Attendee.id).where(mine, Attendee.seat_id.is_not(None), Attendee.status == "invited"))
    if what == "mc_script":
        ids = select(Attendee.id).where(
            mine,
            or_(
                Attendee.id.in_(select(Award.recipient_id).where(Award.event_id == ev.id)),
                Attendee.id.in_(select(Award.substitute_id).where(Award.event_id == ev.id)),
            ),
        )
        return _count(ids)
    if what in ("exhibitors", "table_cards", "catalogue", "results"):
        contacts = _count(select(Exhibitor.id).where(Exhibitor.event_id == ev.id))
        if what != "exhibitors":
            return contacts
        staff = select(ExhibitorStaff.id).join(Exhibitor).where(Exhibitor.event_id == ev.id)
        return contacts + _count(staff)
    raise KeyError(what)


def recent_exports(
    *,
    limit: int = 200,
    what: str = "",
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditLog]:
    """The newest export rows first, optionally of one kind, by an actor (a part of the name),
    between two times (UTC)."""
    stmt = select(AuditLog).where(AuditLog.action == ACTION)
    if what:  # JSON ->> on PostgreSQL, json_extract on SQLite
        stmt = stmt.where(AuditLog.detail["what"].as_string() == what)
    stmt = _filtered(stmt, actor=actor, since=since, until=until)
    return list(db.session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit)).all())


def _filtered(stmt, *, actor: str = "", since: datetime | None = None, until: datetime | None = None):
    if actor:
        stmt = stmt.where(func.lower(AuditLog.actor).contains(actor.lower(), autoescape=True))
    if since is not None:
        stmt = stmt.where(AuditLog.at >= since)
    if until is not None:
        stmt = stmt.where(AuditLog.at < until)
    return stmt


def recent_audit(
    *,
    limit: int = 200,
    action: str = "",
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditLog]:
    """The newest audit entries first (any action, or one), with the same filters."""
    stmt = select(AuditLog)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    stmt = _filtered(stmt, actor=actor, since=since, until=until)
    return list(db.session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit)).all())


def audit_actions() -> list[str]:
    """Every action name in the log (for the filter)."""
    return list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)).all())
