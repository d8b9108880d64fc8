"""One person's data: everything held about them (``person_record``) and its erasure
(``erase_person``), Law 91/2025/QH15 on personal data protection.

person_record(attendee_id) -> dict, JSON-ready: the record itself (every column, the group,
    unit and seat by name), its badges and their state, every scan and undo, the nomination,
    the awards they receive, stand in for or present, the booths they staff, and every audit
    entry about them (also entries about their awards).
erase_people(ids, reason=, ...): the same for many people in one pass (shredding an event).
erase_person(attendee_id, reason=, actor=, user_id=, imports_dir=) -> ErasureReport: the name,
    phone, e-mail, position, organisation, notes and comments are removed from the record and
    from every place they were copied to (audit entries' before / after values, scanned texts,
    award notes, badge codes), uploaded lists waiting for confirmation are deleted; the record
    stays as "Đã xóa #ID" with its group, unit, status, seat and arrival, so every figure of the
    event is unchanged. One audit entry says who erased whom (by id) and why, without the data.
    Not committed: the caller commits, then calls ``purge_freed_bytes``.
purge_freed_bytes(engine) -> str: makes the erased bytes gone from the database files:
    SQLite (secure_delete was on for the erasure's writes): a TRUNCATE checkpoint, so the
    write-ahead log is emptied into the file and cut to zero bytes; PostgreSQL: VACUUM FULL of
    the tables written, which rewrites them into new files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import inspect, or_, select

from models.accounts.models import AuditLog, audit
from models.ceremony.models import Award, AwardBatch
from models.checkin.models import CheckIn
from models.core.base import db
from models.core.timeutil import utcnow
from models.core.vndate import time_and_date
from models.events.models import Event
from models.exhibition.models import ExhibitorStaff
from models.guests.models import Attendee
from models.units.models import District

#: what replaces an erased text inside audit entries and notes
ERASED = "[đã xóa]"
#: the tables an erasure writes (VACUUM FULL on PostgreSQL)
WRITTEN_TABLES = ("attendee", "badge", "checkin", "audit_log", "award")


class PrivacyError(ValueError):
    """A request that cannot be done; ``str(exc)`` is Vietnamese. Nothing was written."""


def _plain(value: object) -> object:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _columns(row) -> dict:
    return {c.key: _plain(getattr(row, c.key)) for c in inspect(row).mapper.column_attrs}


def _person(a: Attendee) -> dict:
    out = _columns(a)
    out.pop("name_key", None)
    out.pop("sort_key", None)
    out["group"] = a.group.name if a.group else None
    out["unit"] = a.district.name if a.district else None
    out["seat"] = a.seat.label if a.seat else None
    return out


def _awards(a: Attendee) -> list[dict]:
    rows = db.session.scalars(
        select(Award).where(or_(Award.recipient_id == a.id, Award.substitute_id == a.id)).order_by(Award.position)
    )
    out = []
    for w in rows:
        role = "recipient" if w.recipient_id == a.id else "substitute"
        out.append(
            {
                "id": w.id,
                "role": role,
                "tier": w.tier.name if w.tier else None,
                "product": w.product_name,
                "producer": w.entity_name,
                "decision_no": w.decision_no,
                "status": w.status,
                "batch": w.batch.number if w.batch else None,
            }
        )
    for b in db.session.scalars(select(AwardBatch).where(AwardBatch.presenter_id == a.id)):
        out.append({"batch": b.number, "role": "presenter", "tier": b.tier.name if b.tier else None})
    return out


def _audit_rows(a: Attendee) -> list[AuditLog]:
    award_ids = list(
        db.session.scalars(select(Award.id).where(or_(Award.recipient_id == a.id, Award.substitute_id == a.id)))
    )
    about = (AuditLog.entity == "attendee") & (AuditLog.entity_id == a.id)
    if award_ids:
        about = about | ((AuditLog.entity == "award") & AuditLog.entity_id.in_(award_ids))
    return list(db.session.scalars(select(AuditLog).where(about).order_by(AuditLog.at, AuditLog.id)))


def _get(attendee_id: int) -> Attendee:
    a = db.session.get(Attendee, attendee_id)
    if a is None:
        raise PrivacyError(f"Không có người nào mang số {attendee_id}.")
    return a


def person_record(attendee_id: int) -> dict:
    """Everything held about one person (see the module docstring). PrivacyError when unknown."""
    a = _get(attendee_id)
    scans = db.session.scalars(select(CheckIn).where(CheckIn.attendee_id == a.id).order_by(CheckIn.received_at))
    staff = db.session.scalars(select(ExhibitorStaff).where(ExhibitorStaff.attendee_id == a.id))
    ev = db.session.get(Event, a.event_id)
    unit = db.session.get(District, a.nominated_by_id) if a.nominated_by_id else None
    return {
        "about": "Dữ liệu cá nhân đang lưu về một người (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15)",
        "exported_at": _plain(utcnow()) + "Z",
        "event": {"id": a.event_id, "slug": ev.slug if ev else None, "name": ev.name if ev else None},
        "person": _person(a),
        "badges": [{k: v for k, v in _columns(b).items() if k not in ("event_id", "attendee_id")} for b in a.badges],
        "checkins": [{k: v for k, v in _columns(c).items() if k not in ("event_id", "attendee_id")} for c in scans],
        "nomination": {
            "nominated_by": unit.name if unit else None,
            "comment": a.nomination_comment,
            "status": a.status,
        },
        "awards": _awards(a),
        "booths": [{"exhibitor_id": s.exhibitor_id, "exhibitor": s.exhibitor.name} for s in staff],
        "audit": [
            {"at": _plain(r.at), "actor": r.actor, "action": r.action, "entity": r.entity, "detail": r.detail}
            for r in _audit_rows(a)
        ],
    }


# --- erasure ----------------------------------------------------------------------------------


@dataclass
class ErasureReport:
    attendee_id: int
    audit_entries: int = 0
    scans: int = 0
    badges: int = 0
    uploads_deleted: int = 0
    notes: list[str] = field(default_factory=list)


def _needles(a: Attendee) -> list[str]:
    """The texts to remove wherever they were copied: name (with and without honorific),
    phone (as typed and its digits), e-mail, position, organisation. Short or common texts
    (under 4 characters) are left: they would match unrelated words."""
    digits = re.sub(r"\D", "", a.phone or "")
    values = [a.display_name, a.full_name, a.phone, digits, a.email, a.position, a.organisation, a.notes]
    return sorted({v.strip() for v in values if v and len(v.strip()) >= 4}, key=len, reverse=True)


def _scrub(value: object, needles: list[str]) -> object:
    """``value`` (JSON: dicts, lists, strings) with every needle replaced by ERASED."""
    if isinstance(value, str):
        for n in needles:
            if n in value:
                value = value.replace(n, ERASED)
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, needles) for v in value]
    return value


def _scrub_audit(people: list[Attendee], needles: list[str]) -> int:
    """Audit entries about the people lose their before / after values; any other entry that
    quotes their data has the quote replaced. Returns how many entries changed."""
    changed = 0
    own = {r.id for a in people for r in _audit_rows(a)}
    for r in db.session.scalars(select(AuditLog).where(AuditLog.detail.is_not(None))):
        new = {"erased": True} if r.id in own else _scrub(r.detail, needles)
        if new != r.detail:
            r.detail = new
            changed += 1
    return changed


def _secure_delete_on() -> None:
    """SQLite: freed space of this connection's writes is overwritten with zeros."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete = ON")


def _checked_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise PrivacyError("Vui lòng ghi lý do xóa (ví dụ: theo yêu cầu của người này ngày …).")
    if len(reason) > 300:
        raise PrivacyError("Lý do tối đa 300 ký tự.")
    return reason


def erase_person(
    attendee_id: int, *, reason: str, actor: str = "", user_id: int | None = None, imports_dir: Path | None = None
) -> ErasureReport:
    """Erase one person's personal data everywhere (see the module docstring). PrivacyError
    (nothing written) for an unknown person, one already erased, or no reason."""
    reason = _checked_reason(reason)
    a = _get(attendee_id)
    if a.erased_at is not None:
        raise PrivacyError(f"Dữ liệu của người số {a.id} đã được xóa lúc {time_and_date(a.erased_at)}.")
    needles = _needles(a)
    report = erase_people([a.id], reason=reason, actor=actor, user_id=user_id, imports_dir=imports_dir)
    audit("erase_person", "attendee", a.id, actor=actor, user_id=user_id, reason=_scrub(reason, needles))
    db.session.flush()
    return report


def erase_people(
    ids: list[int], *, reason: str, actor: str = "", user_id: int | None = None, imports_dir: Path | None = None
) -> ErasureReport:
    """Erase the personal data of the people ``ids`` (not yet erased) in one pass over the audit
    log: what ``erase_person`` does for one, and what shredding an event does for all. The caller
    audits the whole. Returns the counts (``attendee_id`` is the first id, 0 for none)."""
    _checked_reason(reason)
    _secure_delete_on()
    people = [_get(i) for i in ids]
    needles = sorted({n for a in people for n in _needles(a)}, key=len, reverse=True)
    report = ErasureReport(attendee_id=ids[0] if ids else 0)
    report.audit_entries = _scrub_audit(people, needles)
    now = utcnow()
    for a in people:
        for b in a.badges:
            b.code = f"erased-{b.id}"
            b.revoke_reason = "erased" if b.revoked_at is None else b.revoke_reason
            b.revoked_at = b.revoked_at or now
            report.badges += 1
        for c in db.session.scalars(select(CheckIn).where(CheckIn.attendee_id == a.id)):
            c.code, c.reason = "", _scrub(c.reason, needles)
            report.scans += 1
    if needles:
        for w in db.session.scalars(select(Award).where(Award.notes != "")):
            w.notes = _scrub(w.notes, needles)
    for a in people:
        _blank(a, now)
    if imports_dir is not None and imports_dir.is_dir():
        for upload in imports_dir.glob("*.bin"):  # previews not confirmed yet: any may name them
            upload.unlink(missing_ok=True)
            report.uploads_deleted += 1
    db.session.flush()
    return report


def _blank(a: Attendee, now) -> None:
    a.honorific, a.position, a.organisation = "", "", ""
    a.phone, a.email, a.notes = "", "", ""
    a.nomination_comment, a.external_key = "", None
    if a.cancel_reason and not a.cancel_reason.startswith("gộp vào #"):
        a.cancel_reason = ERASED
    a.set_name(f"Đã xóa #{a.id}")
    a.erased_at = now


_OLDER_SNAPSHOTS = (
    "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_xmin IS NOT NULL "
    "AND age(backend_xmin) >= age(%s::text::xid)"
)


def purge_freed_bytes(engine, *, wait: float = 10.0) -> tuple[bool, str]:
    """After the erasure is committed: make its old bytes gone from the database files (see the
    module docstring). Returns (done, what was done). PostgreSQL keeps an old row version while
    any open transaction (of any database on the server) may still see it: this waits up to
    ``wait`` seconds for those to end, then runs VACUUM FULL; ``done`` is False (and the text
    says to run `erase-person` again, which only purges) when some were still open."""
    if engine.dialect.name == "sqlite":
        from sqlalchemy.exc import OperationalError

        try:
            with engine.connect() as conn:
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except OperationalError:  # locked by a transaction of this process
            busy = (1,)
        if busy and busy[0]:
            return False, "SQLite: một kết nối khác đang đọc; chạy lại erase-person khi máy chủ rảnh"
        return True, "SQLite: secure_delete + wal_checkpoint(TRUNCATE)"
    import time

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        xid = conn.exec_driver_sql("SELECT txid_current() %% 4294967296").scalar()
        deadline = time.monotonic() + wait
        while (older := conn.exec_driver_sql(_OLDER_SNAPSHOTS, (str(xid),)).scalar()) and time.monotonic() < deadline:
            time.sleep(0.2)
        for table in WRITTEN_TABLES:
            conn.exec_driver_sql(f'VACUUM FULL "{table}"')
    if older:
        return False, (
            f"PostgreSQL: VACUUM FULL đã chạy nhưng {older} giao dịch khác còn mở có thể còn thấy bản cũ; "
            "chạy lại `erase-person ID --purge` khi chúng kết thúc"
        )
    return True, "PostgreSQL: VACUUM FULL " + ", ".join(WRITTEN_TABLES)
