"""check_in(...): the ONE function every entry point calls (API, desk scanner, desk by name,
offline sync). And undo_check_in(...).

Rules, in order (the outcome names are the API's):
  1. the same scan_id seen before -> the original outcome again; nothing is written (with
     another code: ScanIdConflict, logged: the API's 409);
  2. not a genuine code of an event we know (malformed, over 512 characters, bad signature,
     unknown or retired key) -> "invalid";
  3. a genuine badge of another event -> "wrong_event";
  4. no badge with this code, or its attendee is gone or not on the guest list -> "unknown";
  5. the badge was reissued or cancelled -> "revoked";
  6. the attendee has arrived already -> "already" (with the first check-in's time and station);
  7. otherwise -> "ok": this scan is the arrival.
Exactly one "ok" per attendee under any concurrency: the arrival is a conditional
UPDATE ... WHERE checked_in_at IS NULL inside one transaction (SQLite: BEGIN IMMEDIATE;
PostgreSQL: the row lock of the UPDATE), never a read-then-write.
Every scan is logged in the append-only checkin table, failed ones too.
At the exhibition entrance (``exhibition=True``) rules 6-7 are replaced by
models.exhibitor_scan.booth_scan: a staff badge marks its booth set up (logged with method
"exhibition"), any other badge gets "unknown" with a clear message; no hall arrival is recorded.

Hall scans (every kiosk scan at the entrance, and the desk) run on the driver's own connection
with plain SQL (_hall_scan: measured 5.5 -> 2.6 ms of server CPU per check-in with the WSGI
fast path); exhibition scans keep one ORM transaction (_exhibition_scan). Both apply the same
rules through _decide and answer through _message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.exc import IntegrityError

from models import caches, codes
from models.base import db
from models.database import _SQLITE_WRITER, write_transaction
from models.entities import audit
from models.event import Event, Group
from models.events import keyring
from models.hall import Block, Seat, block_group
from models.people import Attendee, Badge, CheckIn
from models.seating import SEAT_NEEDED_SQL, phrase
from models.timeutil import local, utcnow

Clock = Callable[[], datetime]

MESSAGES = {
    "ok": "Xin chào {name}! Mời quý đại biểu ngồi {seat_text} ({seat}).",
    "ok_noseat": "Xin chào {name}! Chúc quý đại biểu một hội nghị thành công.",
    # a seatless person who needs a hall seat (the hall was full): welcome, and a seat at the desk
    "ok_desk": "Xin chào {name}! Xin mời quý đại biểu đến bàn đón tiếp để nhận chỗ ngồi.",
    "already": "{name} đã điểm danh lúc {time} tại {station}.",
    "invalid": "Mã không hợp lệ. Xin mời quý đại biểu đến bàn hướng dẫn.",
    "revoked": "Thẻ này đã được thay thế hoặc đã bị hủy. Xin mời đến bàn hướng dẫn.",
    "unknown": "Không tìm thấy đại biểu trong danh sách. Xin mời đến bàn hướng dẫn.",
    "wrong_event": "Thẻ của sự kiện khác. Xin mời quý đại biểu đến bàn hướng dẫn.",
}

log = logging.getLogger("event_kiosk.checkin")

_a = Attendee.__table__
_b = Badge.__table__
_c = CheckIn.__table__
_g = Group.__table__
_s = Seat.__table__
_k = Block.__table__
_e = Event.__table__

#: the seat's parts for the spelled-out seat ("Khu giữa · Hàng 8 · Ghế 6": models.seating.phrase)
_SEAT_PARTS = (_k.c.name.label("block_name"), _k.c.code.label("block_code"), _s.c.row.label("seat_row"),
               _s.c.number.label("seat_number"))

#: a seatless person of this group would need a hall seat (models.seating.needs_seat; the raw
#: SQL below spells it models.seating.SEAT_NEEDED_SQL)
_SEAT_NEEDED = (_g.c.id.is_(None) | _g.c.is_exhibitor_staff.is_(False) | (_g.c.seats_reserved > 0)
                | _g.c.id.in_(select(block_group.c.group_id))).label("seat_needed")

_SCAN_COLUMNS = ("event_id", "scan_id", "code", "attendee_id", "badge_id", "station", "device_id",
                 "user_id", "method", "outcome", "scanned_at", "received_at", "reason", "undoes_id")


@dataclass
class CheckInResult:
    outcome: str
    message: str
    attendee: dict | None = None
    first_checkin: dict | None = None
    checkin_id: int | None = None
    #: True when this answer repeats an earlier one for the same scan_id
    replay: bool = False
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "result": self.outcome,
            "message": self.message,
            "attendee": self.attendee,
            "first_checkin": self.first_checkin,
        }


def _event_info(event_id: int) -> tuple[int, str]:
    info = caches.get(caches.event_info, event_id)
    if info is None:
        row = db.session.execute(select(_e.c.tag, _e.c.timezone).where(_e.c.id == event_id)).one()
        info = (row.tag, row.timezone)
        caches.put(caches.event_info, event_id, info)
    return info


def _storable(code: object) -> str:
    text = code if isinstance(code, str) else repr(code)
    # PostgreSQL text cannot hold NUL; lone surrogates cannot be encoded.
    text = text[:512].replace("\x00", "\ufffd")
    return text.encode("utf-8", "replace").decode("utf-8")


def _attendee_info(attendee_id: int) -> dict | None:
    row = db.session.execute(
        select(
            _a.c.id, _a.c.honorific, _a.c.full_name, _a.c.position, _a.c.organisation,
            _g.c.name.label("group"), _s.c.label.label("seat"), *_SEAT_PARTS, _SEAT_NEEDED,
        )
        .select_from(_a.outerjoin(_g, _g.c.id == _a.c.group_id).outerjoin(_s, _s.c.id == _a.c.seat_id)
                     .outerjoin(_k, _k.c.id == _s.c.block_id))
        .where(_a.c.id == attendee_id)
    ).first()
    if row is None:
        return None
    return {
        "id": row.id,
        "honorific": row.honorific,
        "name": row.full_name,
        "position": row.position,
        "organisation": row.organisation,
        "group": row.group,
        "seat": row.seat,
        "seat_text": phrase(row.block_name, row.block_code, row.seat_row, row.seat_number),
        "seat_needed": bool(row.seat_needed),
    }


def _first_checkin(attendee_id: int, tz: str) -> dict | None:
    row = db.session.execute(
        select(_c.c.scanned_at, _c.c.station)
        .select_from(_a.join(_c, _c.c.id == _a.c.first_checkin_id))
        .where(_a.c.id == attendee_id)
    ).first()
    if row is None:
        return None
    return {"at": local(row.scanned_at, tz).isoformat(timespec="seconds"), "station": row.station}


def _message(outcome: str, attendee: dict | None, first: dict | None) -> str:
    if attendee is None or outcome not in ("ok", "already"):
        return MESSAGES[outcome]
    name = f"{attendee['honorific']} {attendee['name']}".strip()
    if outcome == "ok":
        key = "ok" if attendee["seat"] else ("ok_desk" if attendee.get("seat_needed", True) else "ok_noseat")
        return MESSAGES[key].format(name=name, seat=attendee["seat"] or "",
                                    seat_text=attendee.get("seat_text") or attendee["seat"] or "")
    time_text = first["at"][11:16] if first else "?"
    station = first["station"] if first else "?"
    return MESSAGES["already"].format(name=name, time=time_text, station=station)


class ScanIdConflict(Exception):
    """The scan_id was used before with another code: nothing is written or answered for this
    scan (the API's 409 ``scan_id_conflict``)."""

    code = "scan_id_conflict"
    message = ("Mã lượt quét (scan_id) này đã được dùng cho một thẻ khác; lượt quét này không "
               "được ghi nhận. Hãy quét lại (mỗi lượt quét cần một scan_id mới).")


def _replay(scan_id: str, tz: str, code: str | None = None) -> CheckInResult | None:
    """The first answer for ``scan_id`` (None when there is none). Raises ScanIdConflict when
    that scan was of another ``code`` (logged)."""
    row = db.session.execute(
        select(_c.c.id, _c.c.outcome, _c.c.attendee_id, _c.c.method, _c.c.code)
        .where(_c.c.scan_id == scan_id)
    ).first()
    if row is None:
        return None
    if code is not None and row.code != _storable(code):
        db.session.rollback()
        log.warning("scan_id %r reused with another code (first: checkin %s); refused",
                    scan_id, row.id)
        raise ScanIdConflict(scan_id)
    if row.method == "exhibition":
        from models.exhibitor_scan import booth_answer

        booth = booth_answer(row.attendee_id, row.outcome, tz)
        info = _attendee_info(row.attendee_id) if row.attendee_id else None
        return CheckInResult(booth.outcome, booth.message, info, booth.first, row.id, True)
    attendee = _attendee_info(row.attendee_id) if row.attendee_id else None
    first = _first_checkin(row.attendee_id, tz) if row.attendee_id and row.outcome == "already" else None
    if row.outcome == "ok" and attendee is not None:
        first = None
    outcome = row.outcome if row.outcome in MESSAGES else "invalid"
    return CheckInResult(outcome, _message(outcome, attendee, first), attendee, first, row.id, True)


def check_in(
    *,
    event_id: int,
    scan_id: str,
    station: str,
    code: str | None = None,
    attendee_id: int | None = None,
    scanned_at: datetime | None = None,
    device_id: int | None = None,
    user_id: int | None = None,
    method: str = "kiosk",
    now: Clock = utcnow,
    exhibition: bool = False,
) -> CheckInResult:
    """Check a badge (``code``) or, at the desk, a person (``attendee_id``) in.

    Outcomes: "ok", "already", "invalid", "revoked", "unknown", "wrong_event" (see the module
    docstring for the rules). Runs in its own transaction: anything pending in the session is
    committed first. A retried ``scan_id`` returns the first answer and writes nothing; the
    same ``scan_id`` with another ``code`` raises ScanIdConflict (nothing written, logged).
    ``scanned_at`` (naive UTC) is when the device saw the badge; it defaults to ``now()`` and a
    time in the future is clamped to ``now()``.
    ``exhibition``: the scan is at the exhibition entrance (see the module docstring).
    """
    session = db.session()
    if session.in_transaction():
        session.commit()
    tag, tz = _event_info(event_id)
    received = now()
    seen = received if scanned_at is None or scanned_at > received else scanned_at
    if not exhibition:
        ring = keyring()
        session.rollback()  # end any read snapshot of this session (the two caches above read)
        return _hall_scan(ring, event_id=event_id, tag=tag, tz=tz, scan_id=scan_id, station=station,
                          code=code, attendee_id=attendee_id, seen=seen, received=received,
                          device_id=device_id, user_id=user_id, method=method)
    return _exhibition_scan(event_id=event_id, tag=tag, tz=tz, scan_id=scan_id, station=station,
                            code=code, attendee_id=attendee_id, seen=seen, received=received,
                            device_id=device_id, user_id=user_id, method=method)


def _exhibition_scan(*, event_id, tag, tz, scan_id, station, code, attendee_id, seen, received,
                     device_id, user_id, method) -> CheckInResult:
    """A scan at the exhibition entrance, in one ORM transaction (models.exhibitor_scan)."""
    session = db.session()
    outcome: str | None = None
    if attendee_id is None:
        try:
            attendee_id = codes.verify_code(code if isinstance(code, str) else "", keyring(),
                                            event_tag=tag).attendee_id
        except codes.CodeError as exc:
            outcome = exc.code
    session.rollback()  # end any read snapshot; the write transaction starts below

    try:
        with write_transaction():
            person = badge = None
            if outcome is None:
                person = session.execute(_PERSON, {"aid": attendee_id}).first()
                if code is not None:
                    badge = session.execute(_BADGE, {"code": code.strip()}).first()
                outcome = _decide(person, badge, event_id, attendee_id, code is not None)
                if outcome == "unknown" and (person is None or person.event_id != event_id):
                    person = None
            booth = None
            if outcome is None:
                from models.exhibitor_scan import booth_scan

                booth = booth_scan(attendee_id, seen, station, tz)
                outcome, method = booth.outcome, "exhibition"
            row_id = session.execute(_INSERT_SCAN, {
                "event_id": event_id, "scan_id": scan_id, "code": _storable(code or ""),
                "attendee_id": person.id if person is not None else None,
                "badge_id": badge.id if badge is not None else None, "station": station,
                "device_id": device_id, "user_id": user_id, "method": method,
                "outcome": outcome or "ok", "scanned_at": seen, "received_at": received,
                "reason": "", "undoes_id": None,
            }).scalar()
            if row_id is None:  # this scan_id was seen before: answer as the first time
                session.rollback()
                earlier = _replay(scan_id, tz, code)
                session.rollback()
                return earlier
            session.commit()
    except IntegrityError:
        # two requests with the same new scan_id raced past ON CONFLICT (PostgreSQL READ
        # COMMITTED): the loser reads the winner's answer
        session.rollback()
        earlier = _replay(scan_id, tz, code)
        session.rollback()
        if earlier is None:
            raise
        return earlier
    except BaseException:
        session.rollback()
        raise
    info = _info_from(person) if person is not None else None
    if booth is not None:
        return CheckInResult(outcome, booth.message, info, booth.first, row_id)
    return CheckInResult(outcome, _message(outcome, info, None), info, None, row_id)


class _Person(NamedTuple):
    id: int
    event_id: int
    status: str
    honorific: str
    full_name: str
    position: str
    organisation: str
    group: str | None
    seat: str | None
    block_name: str | None
    block_code: str | None
    seat_row: int | None
    seat_number: int | None
    arrived: bool
    seat_needed: bool


class _Badge(NamedTuple):
    id: int
    attendee_id: int
    revoked_at: object
    event_id: int
    key_no: int


_PERSON_COLUMNS = (
    "a.id, a.event_id, a.status, a.honorific, a.full_name, a.position, a.organisation, "
    "g.name, s.label, k.name, k.code, s.row, s.number, a.checked_in_at IS NOT NULL, " + SEAT_NEEDED_SQL
)
_PERSON_FROM = (
    "attendee a LEFT OUTER JOIN attendee_group g ON g.id = a.group_id "
    "LEFT OUTER JOIN seat s ON s.id = a.seat_id LEFT OUTER JOIN block k ON k.id = s.block_id"
)
#: the raw SQL of the hall path, written once with :name parameters (sqlite3's style) and
#: translated to psycopg's %(name)s on PostgreSQL
_RAW_SQL = {
    # the badge, and its attendee, in one read
    "badge_person": (
        "SELECT b.id, b.attendee_id, b.revoked_at, b.event_id, b.key_no, " + _PERSON_COLUMNS +
        " FROM badge b LEFT OUTER JOIN attendee a ON a.id = b.attendee_id"
        " LEFT OUTER JOIN attendee_group g ON g.id = a.group_id"
        " LEFT OUTER JOIN seat s ON s.id = a.seat_id"
        " LEFT OUTER JOIN block k ON k.id = s.block_id WHERE b.code = :code"
    ),
    "person": f"SELECT {_PERSON_COLUMNS} FROM {_PERSON_FROM} WHERE a.id = :aid",
    "insert": (
        f"INSERT INTO checkin ({', '.join(_SCAN_COLUMNS)}) "
        f"VALUES ({', '.join(':' + c for c in _SCAN_COLUMNS)}) "
        "ON CONFLICT (scan_id) DO NOTHING RETURNING id"
    ),
    "arrive": (
        "UPDATE attendee SET checked_in_at = :seen, first_checkin_id = :rid "
        "WHERE id = :aid AND checked_in_at IS NULL"
    ),
    "set_outcome": "UPDATE checkin SET outcome = :outcome WHERE id = :rid",
    "first": (
        "SELECT c.scanned_at, c.station FROM attendee a JOIN checkin c "
        "ON c.id = a.first_checkin_id WHERE a.id = :aid"
    ),
}
_PG_SQL = {k: re.sub(r":(\w+)", r"%(\1)s", v) for k, v in _RAW_SQL.items()}


def _sqlite_time(value: datetime) -> str:
    """A naive UTC time as SQLAlchemy stores it in SQLite (so the ORM reads it back)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _hall_scan(ring, *, event_id, tag, tz, scan_id, station, code, attendee_id, seen, received,
               device_id, user_id, method) -> CheckInResult:
    """A scan at the hall entrance (or the desk), on the driver's own connection: this is the
    path every kiosk scan takes, so it skips the ORM (measured: scripts/bench_checkin.py).

    Reads first, outside any lock: the badge by its exact code (and its attendee) in one query.
    A code that is a live badge of this event, signed with a key still valid, was signed by
    this server, so the signature is not checked again; anything else is verified in full to
    tell "invalid" from "wrong_event" from "unknown". Then one short write transaction
    (SQLite: BEGIN IMMEDIATE behind this process's writer lock): the logged scan
    (INSERT ... ON CONFLICT (scan_id) DO NOTHING) and the arrival, a conditional
    UPDATE ... WHERE checked_in_at IS NULL, which alone decides "ok" against "already"."""
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    sql = _RAW_SQL if sqlite else _PG_SQL
    fairy = engine.raw_connection()
    try:
        conn = fairy.driver_connection
        cur = conn.cursor()
        outcome: str | None = None
        person: _Person | None = None
        badge: _Badge | None = None
        by_code = code is not None
        if by_code:
            text_code = code.strip() if isinstance(code, str) else ""
            row = None
            if (text_code.startswith(codes.PREFIX) and len(text_code) <= codes.MAX_CODE_LENGTH
                    and text_code.isascii() and "\x00" not in text_code):
                cur.execute(sql["badge_person"], {"code": text_code})
                row = cur.fetchone()
            if row is not None:
                badge = _Badge(*row[:5])
                person = _Person(*row[5:]) if row[5] is not None else None
            if badge is not None and badge.event_id == event_id and (tag, badge.key_no) in ring:
                attendee_id = badge.attendee_id
            else:
                try:
                    attendee_id = codes.verify_code(text_code, ring, event_tag=tag).attendee_id
                except codes.CodeError as exc:
                    outcome = exc.code
                    person = badge = None
                if outcome is None and (person is None or person.id != attendee_id):
                    person = None
                    cur.execute(sql["person"], {"aid": attendee_id})
                    got = cur.fetchone()
                    person = _Person(*got) if got is not None else None
        else:
            cur.execute(sql["person"], {"aid": attendee_id})
            got = cur.fetchone()
            person = _Person(*got) if got is not None else None
        if outcome is None:
            outcome = _decide(person, badge, event_id, attendee_id, by_code)
            if outcome == "unknown" and (person is None or person.event_id != event_id):
                person = None
        if not sqlite:
            conn.rollback()  # end the read transaction psycopg opened
        guess = outcome or ("already" if person.arrived else "ok")
        params = {
            "event_id": event_id, "scan_id": scan_id, "code": _storable(code or ""),
            "attendee_id": person.id if person is not None else None,
            "badge_id": badge.id if badge is not None else None, "station": station,
            "device_id": device_id, "user_id": user_id, "method": method,
            "outcome": guess, "scanned_at": _sqlite_time(seen) if sqlite else seen,
            "received_at": _sqlite_time(received) if sqlite else received,
            "reason": "", "undoes_id": None,
        }
        locked = False
        try:
            if sqlite:
                _SQLITE_WRITER.acquire(engine.url.database)
                locked = True
                cur.execute("BEGIN IMMEDIATE")
            cur.execute(sql["insert"], params)
            got = cur.fetchone()
            if got is None:  # this scan_id was seen before: answer as the first time
                conn.rollback()
                row_id = None
            else:
                row_id = got[0]
                if outcome is None:
                    cur.execute(sql["arrive"], {"seen": params["scanned_at"], "rid": row_id,
                                                "aid": attendee_id})
                    outcome = "ok" if cur.rowcount == 1 else "already"
                    if outcome != guess:  # somebody else arrived (or was undone) meanwhile
                        cur.execute(sql["set_outcome"], {"outcome": outcome, "rid": row_id})
                conn.commit()
        except engine.dialect.dbapi.IntegrityError:
            # two requests with the same new scan_id raced past ON CONFLICT (PostgreSQL READ
            # COMMITTED): the loser reads the winner's answer
            conn.rollback()
            row_id = None
        except BaseException:
            conn.rollback()
            raise
        finally:
            if locked:
                _SQLITE_WRITER.release()
        first = None
        if row_id is not None and outcome == "already":
            cur.execute(sql["first"], {"aid": attendee_id})
            got = cur.fetchone()
            if not sqlite:
                conn.rollback()
            if got is not None:
                at = datetime.fromisoformat(got[0]) if isinstance(got[0], str) else got[0]
                first = {"at": local(at, tz).isoformat(timespec="seconds"), "station": got[1]}
        cur.close()
    finally:
        fairy.close()
    if row_id is None:
        earlier = _replay(scan_id, tz, code)
        db.session.rollback()
        if earlier is None:
            raise RuntimeError(f"scan {scan_id!r} conflicted but cannot be found")
        return earlier
    info = _info_from(person) if person is not None else None
    return CheckInResult(outcome, _message(outcome, info, first), info, first, row_id)


_PERSON = (
    select(
        _a.c.id, _a.c.event_id, _a.c.status, _a.c.honorific, _a.c.full_name, _a.c.position,
        _a.c.organisation, _g.c.name.label("group"), _s.c.label.label("seat"), *_SEAT_PARTS, _SEAT_NEEDED,
    )
    .select_from(_a.outerjoin(_g, _g.c.id == _a.c.group_id).outerjoin(_s, _s.c.id == _a.c.seat_id)
                 .outerjoin(_k, _k.c.id == _s.c.block_id))
    .where(_a.c.id == bindparam("aid"))
)
_BADGE = select(_b.c.id, _b.c.attendee_id, _b.c.revoked_at, _b.c.event_id).where(
    _b.c.code == bindparam("code")
)


def _decide(person, badge, event_id: int, attendee_id: int, by_code: bool) -> str | None:
    """The rules after the signature: None means "may arrive" (ok or already)."""
    if by_code and (badge is None or badge.event_id != event_id or badge.attendee_id != attendee_id):
        return "unknown"
    if person is None or person.event_id != event_id:
        return "unknown"
    if by_code and badge.revoked_at is not None:
        return "revoked"
    if person.status == "cancelled":
        return "revoked"
    if person.status != "invited":
        return "unknown"
    return None


def _info_from(row) -> dict:
    return {
        "id": row.id, "honorific": row.honorific, "name": row.full_name, "position": row.position,
        "organisation": row.organisation, "group": row.group, "seat": row.seat,
        "seat_text": phrase(row.block_name, row.block_code, row.seat_row, row.seat_number),
        "seat_needed": bool(row.seat_needed),
    }


#: the hall path's INSERT ... ON CONFLICT (scan_id) DO NOTHING RETURNING id, for the ORM session
#: (the same SQL on SQLite >= 3.35 and PostgreSQL; text() so it is compiled once)
_INSERT_SCAN = text(_RAW_SQL["insert"])


def undo_check_in(
    *,
    attendee_id: int,
    reason: str,
    user_id: int | None = None,
    actor: str = "",
    station: str = "desk",
    now: Clock = utcnow,
) -> bool:
    """Undo a mistaken arrival. Returns False when the attendee had not arrived.
    Logs an "undone" row in the check-in log and an audit entry (who and why).
    Raises ValueError when no reason is given."""
    import secrets

    reason = (reason or "").strip()
    if not reason:
        raise ValueError("reason required")
    session = db.session()
    if session.in_transaction():
        session.commit()
    with write_transaction():
        row = session.execute(
            select(_a.c.event_id, _a.c.first_checkin_id, _a.c.checked_in_at).where(
                _a.c.id == attendee_id
            )
        ).first()
        if row is None or row.checked_in_at is None:
            session.rollback()
            return False
        session.execute(
            update(_a)
            .where(_a.c.id == attendee_id)
            .values(checked_in_at=None, first_checkin_id=None)
        )
        at = now()
        session.execute(
            _c.insert().values(
                event_id=row.event_id,
                scan_id="undo-" + secrets.token_hex(12),
                code="",
                attendee_id=attendee_id,
                station=station,
                user_id=user_id,
                method="undo",
                outcome="undone",
                scanned_at=at,
                received_at=at,
                undoes_id=row.first_checkin_id,
                reason=reason[:300],
            )
        )
        audit("undo_checkin", "attendee", attendee_id, actor=actor, user_id=user_id, reason=reason)
        session.commit()
    return True
