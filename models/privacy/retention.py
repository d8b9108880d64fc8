"""Storage limit: an event keeps its people's personal data for ``retention_days`` after its
date (default 90), then it is shredded: the full record goes to a file the organiser keeps,
and every person's personal data of the event is erased; the figures stay.

due_events(today=) -> [DueEvent]: the events due and not shredded (the dashboard's reminder).
retention(ev, today=) -> Retention: when the data will be shredded, whether it is due, whether
    it was shredded already (the dashboard and /admin/events say it, and remind once due).
shred_event(ev, out, actor=, user_id=, today=, early=False, imports_dir=) -> ShredReport:
    writes ``out`` (a .zip: the attendance report .xlsx and its PDF summary, the guest list, the
    award results, the audit entries about the event's people, awards and exhibitors as JSON, a
    README.txt), then erases every person of the event (models.privacy.person) and the exhibitors'
    contacts. ShredError (Vietnamese, nothing written, no file left) before the event has taken
    place, when already shredded, and before the retention period ends unless ``early`` (the
    caller asks for confirmation). Not committed: the caller commits, then purges the bytes.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import or_, select

from models.accounts.models import AuditLog, audit
from models.ceremony.models import Award
from models.core.base import db
from models.core.timeutil import local, utcnow
from models.core.vndate import numeric_date, time_and_date
from models.events.models import Event
from models.exhibition.models import Exhibitor
from models.guests.models import Attendee
from models.privacy.exports import log_export
from models.privacy.person import ERASED, erase_people

#: what a new event keeps, in days after its date (Event.retention_days)
DEFAULT_RETENTION_DAYS = 90


class ShredError(ValueError):
    """A shredding that cannot be done; ``str(exc)`` is Vietnamese. Nothing was written."""


class ShredNeedsConfirmation(ShredError):
    """Before the retention period ends: asked to confirm (``early``) rather than refused."""


@dataclass
class Retention:
    shred_on: date
    due: bool
    days_left: int
    shredded_at: object


def today_in(ev: Event) -> date:
    return local(utcnow(), ev.timezone).date()


def retention(ev: Event, today: date | None = None) -> Retention:
    today = today or today_in(ev)
    shred_on = ev.date + timedelta(days=ev.retention_days or 0)
    return Retention(
        shred_on=shred_on,
        due=ev.shredded_at is None and today >= shred_on,
        days_left=(shred_on - today).days,
        shredded_at=ev.shredded_at,
    )


@dataclass
class DueEvent:
    id: int
    slug: str
    name: str
    shred_on: date


def due_events(today: date | None = None) -> list[DueEvent]:
    """Events whose personal data is due for shredding and not shredded (the reminder). The demo
    event is left out: its people are invented."""
    out = []
    live = select(Event).where(Event.shredded_at.is_(None), Event.is_demo.is_(False)).order_by(Event.date)
    for ev in db.session.scalars(live):
        state = retention(ev, today)
        if state.due:
            out.append(DueEvent(ev.id, ev.slug, ev.name, state.shred_on))
    return out


@dataclass
class ShredReport:
    people: int
    exhibitors: int
    out: Path
    bytes: int


def _event_audit(ev: Event) -> list[dict]:
    people = select(Attendee.id).where(Attendee.event_id == ev.id)
    awards = select(Award.id).where(Award.event_id == ev.id)
    exhibitors = select(Exhibitor.id).where(Exhibitor.event_id == ev.id)
    about = or_(
        (AuditLog.entity == "attendee") & AuditLog.entity_id.in_(people),
        (AuditLog.entity == "award") & AuditLog.entity_id.in_(awards),
        (AuditLog.entity == "exhibitor") & AuditLog.entity_id.in_(exhibitors),
        (AuditLog.entity == "event") & (AuditLog.entity_id == ev.id),
    )
    rows = db.session.scalars(select(AuditLog).where(about).order_by(AuditLog.at, AuditLog.id))
    return [
        {"at": r.at.isoformat(), "actor": r.actor, "action": r.action, "entity": r.entity, "id": r.entity_id}
        | {"detail": r.detail}
        for r in rows
    ]


def _record_zip(ev: Event) -> bytes:
    """The full record of the event, before its people's data is erased."""
    from models.ceremony.results import results_xlsx
    from models.dashboard.reports import attendance_workbook, summary_pdf
    from models.guests.exports import delegates_xlsx

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bao-cao-diem-danh.xlsx", attendance_workbook(ev).getvalue())
        z.writestr("bao-cao-tom-tat.pdf", summary_pdf(ev).getvalue())
        z.writestr("danh-sach-dai-bieu.xlsx", delegates_xlsx(ev))
        z.writestr("ket-qua-ocop.xlsx", results_xlsx(ev))
        z.writestr("nhat-ky.json", json.dumps(_event_audit(ev), ensure_ascii=False, indent=1, default=str))
        z.writestr(
            "README.txt",
            f"Hồ sơ đầy đủ của sự kiện {ev.name} ({numeric_date(ev.date)}), xuất trước khi hủy dữ liệu cá nhân "
            f"lúc {time_and_date(local(utcnow(), ev.timezone))}.\n"
            "Tệp này chứa dữ liệu cá nhân: lưu ở nơi được bảo vệ, chỉ người có trách nhiệm được mở, "
            "hủy khi hết thời hạn lưu trữ hồ sơ theo quy định.\n",
        )
    return buf.getvalue()


def _checked(ev: Event, today: date, early: bool) -> None:
    if ev.shredded_at is not None:
        when = local(ev.shredded_at, ev.timezone)
        raise ShredError(f"Dữ liệu cá nhân của sự kiện này đã được hủy lúc {time_and_date(when)}.")
    if today <= ev.date:
        raise ShredError(
            f"Sự kiện diễn ra ngày {numeric_date(ev.date)}, chưa qua: chưa thể hủy dữ liệu cá nhân của sự kiện này."
        )
    state = retention(ev, today)
    if state.days_left > 0 and not early:
        raise ShredNeedsConfirmation(
            f"Thời hạn lưu trữ ({ev.retention_days} ngày sau ngày hội nghị) đến ngày {numeric_date(state.shred_on)} "
            f"mới hết (còn {state.days_left} ngày). Xác nhận nếu vẫn muốn hủy sớm."
        )


def shred_event(
    ev: Event,
    out: Path,
    *,
    actor: str = "",
    user_id: int | None = None,
    today: date | None = None,
    early: bool = False,
    imports_dir: Path | None = None,
) -> ShredReport:
    """See the module docstring."""
    _checked(ev, today or today_in(ev), early)
    data = _record_zip(ev)
    tmp = out.with_name(out.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, out)
    ids = list(db.session.scalars(select(Attendee.id).where(Attendee.event_id == ev.id, Attendee.erased_at.is_(None))))
    log_export("shred_record", len(ids), actor=actor, user_id=user_id, event_id=ev.id, commit=False, file=out.name)
    why = f"hủy dữ liệu của sự kiện {ev.slug}"
    erase_people(ids, reason=why, actor=actor, user_id=user_id, imports_dir=imports_dir)
    exhibitors = list(db.session.scalars(select(Exhibitor).where(Exhibitor.event_id == ev.id)))
    for x in exhibitors:
        x.contact_name, x.phone, x.email = ERASED if x.contact_name else "", "", ""
    ev.shredded_at = utcnow()
    audit(
        "shred_event",
        "event",
        ev.id,
        actor=actor,
        user_id=user_id,
        people=len(ids),
        exhibitors=len(exhibitors),
        export=out.name,
        early=bool(early),
    )
    db.session.flush()
    return ShredReport(people=len(ids), exhibitors=len(exhibitors), out=out, bytes=len(data))
