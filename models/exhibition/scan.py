"""A badge scanned at the exhibition entrance (a kiosk whose Device.kind is "exhibition").

models.checkin.checkin.check_in(..., exhibition=True) calls ``booth_scan`` (through the signal
models.checkin.signals.booth_scan) inside its write transaction,
for a genuine, live badge of an invited attendee, instead of recording a hall arrival:

  - staff of a booth that is approved or has its table -> "ok": the booth is set up now
    (Exhibitor.status "set_up", set_up_at = the scan time). Exactly one "ok" per booth, whatever
    the concurrency: a conditional UPDATE ... WHERE set_up_at IS NULL;
  - staff of a booth set up already -> "already" (with the time and station of the first set-up);
  - staff of a booth that is not (or no longer) approved -> "unknown", with the reason;
  - anybody else -> "unknown": "not exhibitor staff; please use the hall entrance", without the
    person's name, seat or anything else (``BoothAnswer.staff`` False: the check-in answer's
    ``attendee`` is null), as for a badge that fails its checks there.
Attendee.checked_in_at is never touched here: the exhibition is not the hall.
``booth_answer`` rebuilds the same answer for a retried scan_id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from models.accounts.models import audit
from models.checkin import signals
from models.checkin.models import CheckIn
from models.core.base import db
from models.core.timeutil import local
from models.exhibition.models import Exhibitor, ExhibitorStaff, ExhibitTable
from models.guests.models import Attendee

MESSAGES = {
    "ok": "Gian hàng {booth}{table} đã bày xong. Cảm ơn {name}!",
    "already": "Gian hàng {booth} đã được ghi nhận bày xong lúc {time}.",
    # no name: the exhibition kiosk is not told who a hall delegate is (least data)
    "not_staff": "Thẻ này không phải của nhân viên gian hàng. Cổng này chỉ dành cho nhân viên "
    "gian hàng trưng bày; mời đại biểu vào cổng hội trường.",
    "not_approved": "Gian hàng {booth} chưa được duyệt hoặc đã rút. Xin mời đến bàn ban tổ chức.",
}

_x = Exhibitor.__table__
_st = ExhibitorStaff.__table__
_t = ExhibitTable.__table__
_c = CheckIn.__table__
_a = Attendee.__table__


@dataclass
class BoothAnswer:
    outcome: str
    message: str
    first: dict | None = None
    exhibitor_id: int | None = None

    @property
    def staff(self) -> bool:
        """The badge is a booth staff member's: the kiosk may be told who it is."""
        return self.exhibitor_id is not None


def _booth(attendee_id: int):
    return db.session.execute(
        select(_x.c.id, _x.c.name, _x.c.status, _x.c.set_up_at, _t.c.number)
        .select_from(_st.join(_x, _x.c.id == _st.c.exhibitor_id).outerjoin(_t, _t.c.id == _x.c.table_id))
        .where(_st.c.attendee_id == attendee_id)
    ).first()


def _name(attendee_id: int) -> str:
    row = db.session.execute(select(_a.c.honorific, _a.c.full_name).where(_a.c.id == attendee_id)).first()
    return f"{row.honorific} {row.full_name}".strip() if row else ""


def _first_set_up(exhibitor_id: int, set_up_at: datetime | None, tz: str) -> dict:
    row = db.session.execute(
        select(_c.c.scanned_at, _c.c.station)
        .select_from(_c.join(_st, _st.c.attendee_id == _c.c.attendee_id))
        .where(_st.c.exhibitor_id == exhibitor_id, _c.c.method == "exhibition", _c.c.outcome == "ok")
        .order_by(_c.c.id)
        .limit(1)
    ).first()
    at, station = (row.scanned_at, row.station) if row else (set_up_at, "Ban tổ chức")
    return {"at": local(at, tz).isoformat(timespec="seconds") if at else None, "station": station}


def _answer(outcome: str, attendee_id: int, booth, tz: str) -> BoothAnswer:
    if booth is None:
        return BoothAnswer("unknown", MESSAGES["not_staff"])
    name = _name(attendee_id)
    if outcome == "ok":
        table = f" (bàn {booth.number})" if booth.number else ""
        return BoothAnswer("ok", MESSAGES["ok"].format(booth=booth.name, table=table, name=name), None, booth.id)
    if outcome == "already":
        first = _first_set_up(booth.id, booth.set_up_at, tz)
        return BoothAnswer(
            "already", MESSAGES["already"].format(booth=booth.name, time=(first["at"] or "?")[11:16]), first, booth.id
        )
    return BoothAnswer("unknown", MESSAGES["not_approved"].format(booth=booth.name), None, booth.id)


@signals.booth_scan.connect
def _on_booth_scan(_sender, *, attendee_id: int, seen: datetime, station: str, tz: str) -> BoothAnswer:
    return booth_scan(attendee_id, seen, station, tz)


@signals.booth_answer.connect
def _on_booth_answer(_sender, *, attendee_id: int | None, outcome: str, tz: str) -> BoothAnswer:
    return booth_answer(attendee_id, outcome, tz)


def booth_scan(attendee_id: int, seen: datetime, station: str, tz: str) -> BoothAnswer:
    """Mark the booth of a staff member set up (see the module docstring). Call inside the
    check-in write transaction; the caller commits."""
    booth = _booth(attendee_id)
    if booth is None:
        return _answer("unknown", attendee_id, None, tz)
    if booth.status in ("approved", "assigned"):
        won = db.session.execute(
            update(_x)
            .where(_x.c.id == booth.id, _x.c.set_up_at.is_(None), _x.c.status.in_(("approved", "assigned")))
            .values(status="set_up", set_up_at=seen)
        ).rowcount
        if won == 1:
            audit("set_up_exhibitor", "exhibitor", booth.id, actor=f"station:{station}"[:120], attendee_id=attendee_id)
            return _answer("ok", attendee_id, booth, tz)
        booth = _booth(attendee_id)
    if booth.status == "set_up":
        return _answer("already", attendee_id, booth, tz)
    return _answer("not_approved", attendee_id, booth, tz)


def booth_answer(attendee_id: int | None, outcome: str, tz: str) -> BoothAnswer:
    """The answer of an earlier exhibition scan with this outcome (for a retried scan_id)."""
    if attendee_id is None:
        return BoothAnswer(outcome, "")
    booth = _booth(attendee_id)
    if booth is None:
        return _answer("unknown", attendee_id, None, tz)
    if outcome == "ok":
        return _answer("ok", attendee_id, booth, tz)
    if outcome == "already":
        return _answer("already", attendee_id, booth, tz)
    return _answer("not_approved", attendee_id, booth, tz)
