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
models.exhibition.scan.booth_scan: a staff badge marks its booth set up (logged with method
"exhibition"), any other badge gets "unknown" with a clear message; no hall arrival is recorded.
Every scan is at a checkpoint (models.checkin.checkpoints: the device's, the desk's choice, else
the event's entrance "Cổng hội trường"). Rules 6-7 above are the entrance's (kind "entrance", rule
"once"): nothing about the arrival changed. At any other checkpoint rules 1-5 apply, then the
checkpoint's rule (once, daily, every, inout: checkpoints.pass_through) in one ORM write
transaction (_checkpoint_scan); Attendee.checked_in_at is never set there (a backstage scan is not
an arrival; the answer notes when the person has not arrived in the hall). The scan is logged in
the checkin table as every scan is (method unchanged, CheckIn.checkpoint_id), so a retried
scan_id answers the first answer (_checkpoint_replay, from the pass). Every answer names its
checkpoint (CheckInResult.checkpoint; ``direction`` at an inout one).

Hall scans (every kiosk scan at the entrance, and the desk) run on the driver's own connection
(_hall_scan); exhibition scans keep one ORM transaction (_exhibition_scan). Both apply the same
rules through _decide and answer through _message. The hall statements are SQLAlchemy Core
(_HALL, _insert_scan), compiled once per dialect and run on the driver's cursor (_Prepared):
through Connection.execute the same statements cost 39 / 43 / 24 us each instead of 11 / 13 / 4
(SQLite; PostgreSQL 124 / 133 / 84 instead of 27 / 30 / 20: the cache key, parameter and result
objects of every execution), +15 % (SQLite) to +40 % (PostgreSQL) of a check-in's server CPU.
Against the SQL strings this replaced, scripts/bench_checkin.py (workers 2, A/B interleaved on a
busy 2-core machine, 3 runs each, medians): SQLite 964 -> 1,009 check-ins/s, p99 57 -> 51 ms,
0.64 -> 0.68 ms server CPU per check-in; PostgreSQL (--requests 3000) 82 -> 89/s, p99 370 ->
279 ms, 1.35 -> 1.40 ms.
On PostgreSQL the hall scan is 2 round trips (issue 25): the read, and one statement that records
the arrival and logs the scan (_HALL_WRITE_PG) on an autocommit connection
(models.core.database.autocommit_connection); before, 8 (11 for "already": pre-ping, BEGIN,
ROLLBACK, COMMIT around them). With 8 check-in lanes per process (webserver.lanes_for),
scripts/bench_checkin.py --both (workers 2, 3 alternated runs, medians): 153 -> 741 check-ins/s,
17 % -> 75 % of SQLite's in the same run, 1.54 -> 0.94 ms server CPU per check-in.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import codes
from models.accounts.models import audit
from models.checkin import checkpoints, signals
from models.checkin.models import CheckIn
from models.core import caches
from models.core.base import db
from models.core.database import SQLITE_WRITER, autocommit_connection, write_transaction
from models.core.timeutil import local, utcnow
from models.events.models import Event, Group
from models.events.service import keyring
from models.guests.attendee_json import attendee_summary
from models.guests.models import Attendee, Badge
from models.hall.models import Block, Seat, block_group

Clock = Callable[[], datetime]

#: a scan_id, the whole text: ``\A...\Z`` (``$`` would also match before a final newline, so
#: "abc\n" would pass); the API (admin.api.schemas.CheckinRequest, its fast path too) and the
#: desk's scanner form (admin.core.forms.ScanForm) check it with this
SCAN_ID_PATTERN = r"\A[A-Za-z0-9._:\-]{1,64}\Z"

MESSAGES = {
    "ok": "Xin chào {name}! Mời quý đại biểu ngồi {seat_text} ({seat}).",
    "ok_noseat": "Xin chào {name}! Chúc quý đại biểu một hội nghị thành công.",
    # a seatless person who needs a hall seat (the hall was full): welcome, and a seat at the desk
    "ok_desk": "Xin chào {name}! Xin mời quý đại biểu đến bàn đón tiếp để nhận chỗ ngồi.",
    "already": "{name} đã điểm danh lúc {time} tại {station}.",
    "invalid": "Mã không hợp lệ. Xin mời quý đại biểu đến bàn đón tiếp.",
    "revoked": "Thẻ này đã được thay thế hoặc đã bị hủy. Xin mời đến bàn đón tiếp.",
    "unknown": "Không tìm thấy đại biểu trong danh sách. Xin mời đến bàn đón tiếp.",
    "wrong_event": "Thẻ của sự kiện khác. Xin mời quý đại biểu đến bàn đón tiếp.",
}

log = logging.getLogger("event_kiosk.checkin")

_a = Attendee.__table__
_b = Badge.__table__
_c = CheckIn.__table__
_g = Group.__table__
_s = Seat.__table__
_k = Block.__table__
_e = Event.__table__

#: the seat's parts for the spelled-out seat ("Khu giữa · Hàng 8 · Ghế 6": models.hall.seats.phrase)
_SEAT_PARTS = (
    _k.c.name.label("block_name"),
    _k.c.code.label("block_code"),
    _s.c.row.label("seat_row"),
    _s.c.number.label("seat_number"),
)

#: a seatless person of this group would need a hall seat (models.seating.assignment.needs_seat; the raw
#: SQL below spells it models.seating.assignment.SEAT_NEEDED_SQL)
_SEAT_NEEDED = (
    _g.c.id.is_(None)
    | _g.c.is_exhibitor_staff.is_(False)
    | (_g.c.seats_reserved > 0)
    | _g.c.id.in_(select(block_group.c.group_id))
).label("seat_needed")

_SCAN_COLUMNS = (
    "event_id",
    "scan_id",
    "code",
    "attendee_id",
    "badge_id",
    "station",
    "device_id",
    "user_id",
    "method",
    "outcome",
    "scanned_at",
    "received_at",
    "reason",
    "undoes_id",
    "checkpoint_id",
)


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
    #: where the scan was: {id, name, rule, kind} (models.checkin.checkpoints)
    checkpoint: dict | None = None
    #: "in" / "out" at an inout checkpoint
    direction: str | None = None

    def as_json(self) -> dict:
        answer = {
            "result": self.outcome,
            "message": self.message,
            "attendee": self.attendee,
            "first_checkin": self.first_checkin,
            "checkpoint": self.checkpoint,
        }
        if self.checkpoint and self.checkpoint.get("rule") == "inout":
            answer["direction"] = self.direction
        return answer


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
            _a.c.id,
            _a.c.honorific,
            _a.c.full_name,
            _a.c.position,
            _a.c.organisation,
            _g.c.name.label("group"),
            _s.c.label.label("seat"),
            *_SEAT_PARTS,
            _SEAT_NEEDED,
        )
        .select_from(
            _a.outerjoin(_g, _g.c.id == _a.c.group_id)
            .outerjoin(_s, _s.c.id == _a.c.seat_id)
            .outerjoin(_k, _k.c.id == _s.c.block_id)
        )
        .where(_a.c.id == attendee_id)
    ).first()
    return attendee_summary(row) if row is not None else None


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
        return MESSAGES[key].format(
            name=name, seat=attendee["seat"] or "", seat_text=attendee.get("seat_text") or attendee["seat"] or ""
        )
    time_text = first["at"][11:16] if first else "?"
    station = first["station"] if first else "?"
    return MESSAGES["already"].format(name=name, time=time_text, station=station)


class ScanIdConflict(Exception):
    """The scan_id was used before with another code: nothing is written or answered for this
    scan (the API's 409 ``scan_id_conflict``)."""

    code = "scan_id_conflict"
    message = (
        "Mã lượt quét (scan_id) này đã được dùng cho một thẻ khác; lượt quét này không "
        "được ghi nhận. Hãy quét lại (mỗi lượt quét cần một scan_id mới)."
    )


def _replay(scan_id: str, tz: str, code: str | None = None, exhibition: bool = False) -> CheckInResult | None:
    """The first answer for ``scan_id`` (None when there is none). Raises ScanIdConflict when
    that scan was of another ``code`` (logged). ``exhibition``: asked by the exhibition kiosk,
    which is told nobody's name but a booth staff member's."""
    row = db.session.execute(
        select(
            _c.c.id,
            _c.c.outcome,
            _c.c.attendee_id,
            _c.c.method,
            _c.c.code,
            _c.c.event_id,
            _c.c.checkpoint_id,
            _c.c.scanned_at,
        ).where(_c.c.scan_id == scan_id)
    ).first()
    if row is None:
        return None
    if code is not None and row.code != _storable(code):
        db.session.rollback()
        log.warning("scan_id %r reused with another code (first: checkin %s); refused", scan_id, row.id)
        raise ScanIdConflict(scan_id)
    cp = checkpoints.info(row.event_id, row.checkpoint_id)
    if (
        row.method != "exhibition"
        and cp["id"] == row.checkpoint_id
        and not checkpoints.is_arrival(cp["kind"], cp["rule"])
    ):
        return _checkpoint_replay(row, cp, tz)
    answer = _replay_row(row, tz, exhibition)
    answer.checkpoint = cp
    return answer


def _replay_row(row, tz: str, exhibition: bool) -> CheckInResult:
    """The first answer of a logged hall (or exhibition) scan."""
    if row.method == "exhibition":
        booth = signals.ask(signals.booth_answer, attendee_id=row.attendee_id, outcome=row.outcome, tz=tz)
        info = _attendee_info(row.attendee_id) if row.attendee_id and booth.staff else None
        return CheckInResult(booth.outcome, booth.message, info, booth.first, row.id, True)
    attendee = _attendee_info(row.attendee_id) if row.attendee_id and not exhibition else None
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
    checkpoint_id: int | None = None,
) -> CheckInResult:
    """Check a badge (``code``) or, at the desk, a person (``attendee_id``) in.

    Outcomes: "ok", "already", "invalid", "revoked", "unknown", "wrong_event" (see the module
    docstring for the rules). Runs in its own transaction: anything pending in the session is
    committed first. A retried ``scan_id`` returns the first answer and writes nothing; the
    same ``scan_id`` with another ``code`` raises ScanIdConflict (nothing written, logged).
    ``scanned_at`` (naive UTC) is when the device saw the badge; it defaults to ``now()`` and a
    time in the future is clamped to ``now()``.
    ``exhibition``: the scan is at the exhibition entrance (see the module docstring).
    ``checkpoint_id``: where the scan is (models.checkin.checkpoints); None: the device's
    (Device.checkpoint_id), else the event's default entrance. The answer names it
    (``checkpoint``); only the entrance's scans are arrivals.
    """
    session, tag, tz, seen, received = _scan_start(event_id, scanned_at, now)
    if checkpoint_id is None and device_id is not None:
        checkpoint_id = checkpoints.device_checkpoint(device_id)
    cp = checkpoints.info(event_id, checkpoint_id)
    scan = {
        "event_id": event_id,
        "tag": tag,
        "tz": tz,
        "scan_id": scan_id,
        "station": station,
        "code": code,
        "attendee_id": attendee_id,
        "seen": seen,
        "received": received,
        "device_id": device_id,
        "user_id": user_id,
        "method": method,
        "checkpoint_id": cp["id"],
    }
    if exhibition:
        result = _exhibition_scan(**scan)
    elif checkpoints.is_arrival(cp["kind"], cp["rule"]):
        ring = keyring()
        session.rollback()  # end any read snapshot of this session (the caches above read)
        result = _hall_scan(ring, **scan)
    else:
        result = _checkpoint_scan(cp, **scan)
    if result.checkpoint is None:
        result.checkpoint = cp
    return result


def _scan_start(event_id: int, scanned_at: datetime | None, now: Clock) -> tuple[Session, int, str, datetime, datetime]:
    """Commit anything pending; (the session, the event's code tag, its time zone, when the badge
    was seen (clamped to now), when the scan was received)."""
    session = db.session()
    if session.in_transaction():
        session.commit()
    tag, tz = _event_info(event_id)
    received = now()
    seen = received if scanned_at is None or scanned_at > received else scanned_at
    return session, tag, tz, seen, received


def _exhibition_scan(
    *, event_id, tag, tz, scan_id, station, code, attendee_id, seen, received, device_id, user_id, method, checkpoint_id
) -> CheckInResult:
    """A scan at the exhibition entrance, in one ORM transaction (models.exhibition.scan)."""
    session = db.session()
    attendee_id, outcome = _exhibition_code(code, tag, attendee_id)
    session.rollback()  # end any read snapshot; the write transaction starts below

    try:
        with write_transaction():
            person, badge, outcome, booth = _exhibition_decide(
                session, outcome, event_id, attendee_id, code, seen, station, tz
            )
            if booth is not None:
                method = "exhibition"
            values = _scan_row(
                person,
                badge,
                code,
                seen,
                received,
                outcome or "ok",
                event_id=event_id,
                scan_id=scan_id,
                station=station,
                device_id=device_id,
                user_id=user_id,
                method=method,
                checkpoint_id=checkpoint_id,
            )
            row_id = session.execute(_insert_scan(db.engine.dialect.name), values).scalar()
            if row_id is None:  # this scan_id was seen before: answer as the first time
                session.rollback()
                earlier = _replay(scan_id, tz, code, exhibition=True)
                session.rollback()
                return earlier
            session.commit()
    except IntegrityError:
        # two requests with the same new scan_id raced past ON CONFLICT (PostgreSQL READ
        # COMMITTED): the loser reads the winner's answer
        session.rollback()
        earlier = _replay(scan_id, tz, code, exhibition=True)
        session.rollback()
        if earlier is None:
            raise
        return earlier
    except BaseException:
        session.rollback()
        raise
    # the exhibition kiosk is told who a booth's staff member is, nobody else (least data)
    info = attendee_summary(person) if person is not None and booth is not None and booth.staff else None
    if booth is not None:
        return CheckInResult(outcome, booth.message, info, booth.first, row_id)
    return CheckInResult(outcome, _message(outcome, None, None), None, None, row_id)


def _exhibition_code(code: str | None, tag: int, attendee_id: int | None) -> tuple[int | None, str | None]:
    """(attendee id, failed outcome or None): the badge code's signature checked, unless the desk
    named the person."""
    outcome: str | None = None
    if attendee_id is None:
        try:
            attendee_id = codes.verify_code(code if isinstance(code, str) else "", keyring(), event_tag=tag).attendee_id
        except codes.CodeError as exc:
            outcome = exc.code
    return attendee_id, outcome


def _exhibition_decide(session: Session, outcome: str | None, event_id, attendee_id, code, seen, station, tz):
    """(person, badge, outcome, booth answer) of an exhibition scan, inside its write transaction:
    the badge's checks, then (when they pass) the booth's own (models.exhibition.scan)."""
    person, badge, outcome = _badge_checks(session, outcome, event_id, attendee_id, code)
    booth = None
    if outcome is None:
        booth = signals.ask(signals.booth_scan, attendee_id=attendee_id, seen=seen, station=station, tz=tz)
        outcome = booth.outcome
    return person, badge, outcome, booth


def _badge_checks(session: Session, outcome: str | None, event_id, attendee_id, code):
    """(person, badge, outcome) after rules 3-5, inside a write transaction (the exhibition and
    the checkpoints); ``outcome`` None in and out: the badge passed."""
    person = badge = None
    if outcome is None:
        person = session.execute(_PERSON, {"aid": attendee_id}).first()
        if code is not None:
            badge = session.execute(_BADGE, {"code": code.strip()}).first()
        outcome = _decide(person, badge, event_id, attendee_id, code is not None)
        if outcome == "unknown" and (person is None or person.event_id != event_id):
            person = None
    return person, badge, outcome


def _scan_row(person, badge, code, seen, received, outcome: str, **fields) -> dict:
    """The checkin row of a scan (every column of _SCAN_COLUMNS; ``fields`` name the rest): the
    one builder of a scan's row, for the hall, the exhibition and the checkpoints."""
    row = dict.fromkeys(_SCAN_COLUMNS)
    row.update(
        fields,
        code=_storable(code or ""),
        attendee_id=person.id if person is not None else None,
        badge_id=badge.id if badge is not None else None,
        outcome=outcome,
        scanned_at=seen,
        received_at=received,
        reason="",
    )
    return row


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


#: an attendee as the check-in needs it (the fields of _Person, in its order)
_PERSON_COLUMNS = (
    _a.c.id,
    _a.c.event_id,
    _a.c.status,
    _a.c.honorific,
    _a.c.full_name,
    _a.c.position,
    _a.c.organisation,
    _g.c.name.label("group"),
    _s.c.label.label("seat"),
    *_SEAT_PARTS,
    _a.c.checked_in_at.is_not(None).label("arrived"),
    _SEAT_NEEDED,
)


def _with_person(left):
    """``left`` joined to the attendee's group, seat and block (all optional)."""
    return (
        left.outerjoin(_g, _g.c.id == _a.c.group_id)
        .outerjoin(_s, _s.c.id == _a.c.seat_id)
        .outerjoin(_k, _k.c.id == _s.c.block_id)
    )


_PERSON = select(*_PERSON_COLUMNS).select_from(_with_person(_a)).where(_a.c.id == bindparam("aid"))
_BADGE = select(_b.c.id, _b.c.attendee_id, _b.c.revoked_at, _b.c.event_id).where(_b.c.code == bindparam("code"))


@functools.cache
def _insert_scan(dialect: str):
    """INSERT INTO checkin ... ON CONFLICT (scan_id) DO NOTHING RETURNING id: the logged scan,
    nothing when its scan_id was seen before (SQLite >= 3.35 and PostgreSQL spell it alike)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(_c)
        .values({name: bindparam(name) for name in _SCAN_COLUMNS})
        .on_conflict_do_nothing(index_elements=[_c.c.scan_id])
        .returning(_c.c.id)
    )


#: the statements of the hall path (_hall_scan), by name
_HALL = {
    # the badge, and its attendee, in one read
    "badge_person": select(_b.c.id, _b.c.attendee_id, _b.c.revoked_at, _b.c.event_id, _b.c.key_no, *_PERSON_COLUMNS)
    .select_from(_with_person(_b.outerjoin(_a, _a.c.id == _b.c.attendee_id)))
    .where(_b.c.code == bindparam("code")),
    "person": _PERSON,
    # the arrival: only the first one changes the row, whoever else tries at the same moment
    "arrive": update(_a)
    .where(_a.c.id == bindparam("aid"), _a.c.checked_in_at.is_(None))
    .values(checked_in_at=bindparam("seen"), first_checkin_id=bindparam("rid"), updated_at=bindparam("now")),
    "set_outcome": update(_c).where(_c.c.id == bindparam("rid")).values(outcome=bindparam("outcome")),
    "first": select(_c.c.scanned_at, _c.c.station)
    .select_from(_a.join(_c, _c.c.id == _a.c.first_checkin_id))
    .where(_a.c.id == bindparam("aid")),
}


def _hall_write_sql() -> str:
    """PostgreSQL's one write statement of a hall scan (_hall_write_pg). The checkin row's id is
    drawn first (``rid``), so that the arrival (``arrived``: the conditional UPDATE ... WHERE
    checked_in_at IS NULL, which alone decides "ok" against "already" under any concurrency: a
    second updater waits for the row lock and finds it set) can point at it, and the logged row
    (``logged``: INSERT ... ON CONFLICT (scan_id) DO NOTHING) carries the outcome the UPDATE
    decided. A scan_id logged before inserts nothing: no row comes back, and an arrival it made
    points at no scan, which the foreign key of first_checkin_id refuses at the statement's end
    (IntegrityError): the whole statement is undone either way. For "already" the first
    arrival's time and station come back too (as of the statement's snapshot; None when the
    arrival is newer: the caller reads it then)."""
    names = ", ".join(_SCAN_COLUMNS)
    values = ", ".join(
        "CASE WHEN NOT %(arrives)s THEN %(outcome)s WHEN EXISTS (SELECT 1 FROM arrived) THEN 'ok' ELSE 'already' END"
        if name == "outcome"
        else f"%({name})s"
        for name in _SCAN_COLUMNS
    )
    return f"""WITH rid AS (SELECT nextval(pg_get_serial_sequence('checkin', 'id')) AS id),
arrived AS (
  UPDATE attendee SET checked_in_at = %(scanned_at)s, first_checkin_id = rid.id, updated_at = %(received_at)s
  FROM rid WHERE attendee.id = %(aid)s AND attendee.checked_in_at IS NULL AND %(arrives)s
  RETURNING attendee.id
),
logged AS (
  INSERT INTO checkin (id, {names}) SELECT rid.id, {values} FROM rid
  ON CONFLICT (scan_id) DO NOTHING RETURNING id, outcome
)
SELECT logged.id, logged.outcome, first.scanned_at, first.station FROM logged
LEFT JOIN attendee ON attendee.id = %(aid)s AND logged.outcome = 'already'
LEFT JOIN checkin AS first ON first.id = attendee.first_checkin_id"""


_HALL_WRITE_PG = _hall_write_sql()


class _Prepared(NamedTuple):
    """A Core statement compiled once for one dialect, run on the driver's own cursor (the
    hall path's measured saving: no per-execution cache key, parameter or result objects)."""

    sql: str
    #: the order of the parameters for a positional driver (sqlite3's ``?``); None: by name
    order: tuple[str, ...] | None
    #: the statement's own constants (``seats_reserved > 0``), then the caller's values
    constants: dict
    #: the dialect's conversions of bound values (SQLite: a datetime as text)
    processors: tuple[tuple[str, Callable], ...]

    def run(self, cur, params: dict):
        values = {**self.constants, **params}
        for name, process in self.processors:
            values[name] = process(values[name])
        cur.execute(self.sql, values if self.order is None else [values[n] for n in self.order])
        return cur


def _prepare(statement, dialect) -> _Prepared:
    compiled = statement.compile(dialect=dialect)
    binds = compiled.bind_names.items()  # (parameter, its name in the SQL)
    processors = tuple(
        (name, process) for bind, name in binds if (process := bind.type.dialect_impl(dialect).bind_processor(dialect))
    )
    return _Prepared(
        compiled.string,
        tuple(compiled.positiontup) if compiled.positional else None,
        {name: bind.effective_value for bind, name in binds if not bind.required},
        processors,
    )


#: the hall statements compiled, per dialect name
_hall_prepared: dict[str, dict[str, _Prepared]] = {}


def _hall_statements(dialect) -> dict[str, _Prepared]:
    prepared = _hall_prepared.get(dialect.name)
    if prepared is None:
        statements = {**_HALL, "insert": _insert_scan(dialect.name)}
        prepared = {name: _prepare(stmt, dialect) for name, stmt in statements.items()}
        _hall_prepared[dialect.name] = prepared
    return prepared


def _fetch(sql: _Prepared, cur, params: dict, shape=None):
    """The first row of ``sql`` (as ``shape``), or None."""
    row = sql.run(cur, params).fetchone()
    return row if row is None or shape is None else shape(*row)


def _hall_scan(
    ring,
    *,
    event_id,
    tag,
    tz,
    scan_id,
    station,
    code,
    attendee_id,
    seen,
    received,
    device_id,
    user_id,
    method,
    checkpoint_id=None,
) -> CheckInResult:
    """A scan at the hall entrance (or the desk), on the driver's own connection: this is the
    path every kiosk scan takes, so it skips the ORM (measured: scripts/bench_checkin.py).

    Reads first, outside any lock (_hall_read). Then one short write transaction: the logged
    scan (INSERT ... ON CONFLICT (scan_id) DO NOTHING) and the arrival, a conditional
    UPDATE ... WHERE checked_in_at IS NULL, which alone decides "ok" against "already". SQLite:
    BEGIN IMMEDIATE behind this process's writer lock (_hall_write). PostgreSQL: one statement
    on an autocommit connection (_hall_write_pg), so the whole check-in is 2 round trips."""
    engine = db.engine
    sql = _hall_statements(engine.dialect)
    fairy, cur, read = _hall_begin(engine, sql, ring, event_id=event_id, tag=tag, code=code, attendee_id=attendee_id)
    try:
        outcome, person, badge, attendee_id = read
        conn = fairy.driver_connection
        guess = outcome or ("already" if person.arrived else "ok")
        row = _scan_row(person, badge, code, seen, received, guess, event_id=event_id, scan_id=scan_id, station=station)
        row.update(device_id=device_id, user_id=user_id, method=method, checkpoint_id=checkpoint_id)
        write = _hall_write if engine.dialect.name == "sqlite" else _hall_write_pg
        row_id, outcome, first = write(sql, engine, conn, cur, row, arrives=outcome is None, attendee_id=attendee_id)
        if row_id is not None and outcome == "already":
            first = _first_dict(first, tz) if first else _first_arrival(sql, engine, conn, cur, attendee_id, tz)
        else:
            first = None
        cur.close()
    finally:
        fairy.close()
    if row_id is None:
        earlier = _replay(scan_id, tz, code)
        db.session.rollback()
        if earlier is None:
            raise RuntimeError(f"scan {scan_id!r} conflicted but cannot be found")
        return earlier
    info = attendee_summary(person) if person is not None else None
    return CheckInResult(outcome, _message(outcome, info, first), info, first, row_id)


def _hall_begin(engine, sql, ring, **keys):
    """(the pool's connection, a cursor, _hall_read's answer). PostgreSQL: an autocommit
    connection (models.core.database.autocommit_connection), which has no pre-ping: when the
    server dropped it, the read runs once more on a fresh one."""
    pg = engine.dialect.name == "postgresql"
    for last in (False, True):
        fairy = autocommit_connection(engine) if pg else engine.raw_connection()
        try:
            cur = fairy.driver_connection.cursor()
            return fairy, cur, _hall_read(sql, cur, ring, **keys)
        except engine.dialect.dbapi.OperationalError:
            if not pg or last:
                fairy.close()
                raise
            fairy.invalidate()  # closed and given back; the loop takes a fresh one
        except BaseException:
            fairy.close()
            raise
    raise AssertionError("unreachable")


def _hall_read(sql, cur, ring, *, event_id, tag, code, attendee_id):
    """(outcome or None, person, badge, attendee id) of a hall scan, read without a lock.

    The badge by its exact code (and its attendee) in one query. A code that is a live badge
    of this event, signed with a key still valid, was signed by this server, so the signature
    is not checked again; anything else is verified in full to tell "invalid" from
    "wrong_event" from "unknown". A None outcome: the person may arrive (ok or already)."""
    outcome: str | None = None
    person: _Person | None = None
    badge: _Badge | None = None
    by_code = code is not None
    if by_code:
        text_code = code.strip() if isinstance(code, str) else ""
        row = None
        if (
            text_code.startswith(codes.PREFIX)
            and len(text_code) <= codes.MAX_CODE_LENGTH
            and text_code.isascii()
            and "\x00" not in text_code
        ):
            row = _fetch(sql["badge_person"], cur, {"code": text_code})
        if row is not None:
            badge = _Badge(*row[:5])
            person = _Person(*row[5:]) if row[5] is not None else None
        if badge is not None and badge.event_id == event_id and (tag, badge.key_no) in ring:
            attendee_id = badge.attendee_id
        else:
            try:
                attendee_id = codes.verify_code(text_code, ring, event_tag=tag).attendee_id
            except codes.CodeError as exc:
                return exc.code, None, None, attendee_id
            if person is None or person.id != attendee_id:
                person = _fetch(sql["person"], cur, {"aid": attendee_id}, _Person)
    else:
        person = _fetch(sql["person"], cur, {"aid": attendee_id}, _Person)
    outcome = _decide(person, badge, event_id, attendee_id, by_code)
    if outcome == "unknown" and (person is None or person.event_id != event_id):
        person = None
    return outcome, person, badge, attendee_id


def _hall_write(sql, engine, conn, cur, row: dict, *, arrives: bool, attendee_id):
    """SQLite: log the scan ``row`` and, when the person ``arrives``, record the arrival, in one
    transaction (BEGIN IMMEDIATE behind the writer lock). (checkin id, outcome, None); the id is
    None when this scan_id was logged before (the caller answers as the first time)."""
    outcome = row["outcome"]
    sqlite = engine.dialect.name == "sqlite"
    locked = False
    try:
        if sqlite:
            SQLITE_WRITER.acquire(engine.url.database)
            locked = True
            cur.execute("BEGIN IMMEDIATE")
        got = _fetch(sql["insert"], cur, row)
        if got is None:  # this scan_id was seen before
            conn.rollback()
            return None, outcome, None
        row_id = got[0]
        if arrives:
            sql["arrive"].run(
                cur, {"seen": row["scanned_at"], "now": row["received_at"], "rid": row_id, "aid": attendee_id}
            )
            outcome = "ok" if cur.rowcount == 1 else "already"
            if outcome != row["outcome"]:  # somebody else arrived (or was undone) meanwhile
                sql["set_outcome"].run(cur, {"outcome": outcome, "rid": row_id})
        conn.commit()
        return row_id, outcome, None
    except engine.dialect.dbapi.IntegrityError:
        # two requests with the same new scan_id raced past ON CONFLICT: the loser reads the
        # winner's answer
        conn.rollback()
        return None, outcome, None
    except BaseException:
        conn.rollback()
        raise
    finally:
        if locked:
            SQLITE_WRITER.release()


def _hall_write_pg(sql, engine, conn, cur, row: dict, *, arrives: bool, attendee_id):
    """PostgreSQL: the scan logged and the arrival recorded by one statement (_HALL_WRITE_PG) on
    an autocommit connection: one round trip, one transaction, committed when it returns.
    (checkin id, outcome, the first arrival or None); the id is None when this scan_id was
    logged before (the caller answers as the first time)."""
    try:
        cur.execute(_HALL_WRITE_PG, {**row, "aid": attendee_id, "arrives": arrives})
        got = cur.fetchone()
    except engine.dialect.dbapi.IntegrityError:
        # the same new scan_id raced past ON CONFLICT, or was logged before while this one's
        # arrival pointed at the scan it did not log (the key of first_checkin_id): the whole
        # statement undone, the caller reads the first answer
        return None, row["outcome"], None
    if got is None:  # this scan_id was seen before
        return None, row["outcome"], None
    row_id, outcome, first_at, first_station = got
    return row_id, outcome, (first_at, first_station) if first_at is not None else None


def _first_arrival(sql, engine, conn, cur, attendee_id: int, tz: str) -> dict | None:
    """When and where the attendee arrived ("already")."""
    got = _fetch(sql["first"], cur, {"aid": attendee_id})
    if engine.dialect.name != "sqlite":
        conn.rollback()  # nothing to end in autocommit (PostgreSQL's hall connection)
    return None if got is None else _first_dict(got, tz)


def _first_dict(got, tz: str) -> dict:
    """(scanned_at, station) of the first arrival as the answer's ``first_checkin``."""
    at = datetime.fromisoformat(got[0]) if isinstance(got[0], str) else got[0]
    return {"at": local(at, tz).isoformat(timespec="seconds"), "station": got[1]}


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
            select(_a.c.event_id, _a.c.first_checkin_id, _a.c.checked_in_at).where(_a.c.id == attendee_id)
        ).first()
        if row is None or row.checked_in_at is None:
            session.rollback()
            return False
        session.execute(update(_a).where(_a.c.id == attendee_id).values(checked_in_at=None, first_checkin_id=None))
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


#: the answers at a checkpoint that is not the hall entrance (models.checkin.checkpoints)
CHECKPOINT_MESSAGES = {
    "ok": "Xin chào {name}! Đã ghi nhận tại {checkpoint}.",
    "already": "{name} đã qua {checkpoint} lúc {time}.",
    "already_daily": "{name} đã qua {checkpoint} hôm nay lúc {time}.",
    "every": "Xin chào {name}! {checkpoint}: lượt thứ {n}.",
    "in": "Mời vào, {name}! {checkpoint}: {inside} người đang ở trong.",
    "out": "Tạm biệt {name}! {checkpoint}: còn {inside} người ở trong.",
    "not_arrived": " Lưu ý: đại biểu chưa điểm danh tại cổng hội trường.",
}


def _checkpoint_message(cp: dict, outcome: str, attendee: dict | None, passed, arrived: bool) -> str:
    if attendee is None or outcome not in ("ok", "already"):
        return MESSAGES[outcome]
    name = f"{attendee['honorific']} {attendee['name']}".strip()
    values = {"name": name, "checkpoint": cp["name"]}
    if outcome == "already":
        first = passed.first if passed is not None else None
        key = "already_daily" if cp["rule"] == "daily" else "already"
        text = CHECKPOINT_MESSAGES[key].format(time=(first or {}).get("at", "?")[11:16] or "?", **values)
    elif cp["rule"] == "every":
        text = CHECKPOINT_MESSAGES["every"].format(n=passed.seq, **values)
    elif cp["rule"] == "inout":
        text = CHECKPOINT_MESSAGES[passed.direction or "in"].format(inside=passed.inside or 0, **values)
    else:
        text = CHECKPOINT_MESSAGES["ok"].format(**values)
    return text if arrived else text + CHECKPOINT_MESSAGES["not_arrived"]


def _checkpoint_scan(
    cp: dict,
    *,
    event_id,
    tag,
    tz,
    scan_id,
    station,
    code,
    attendee_id,
    seen,
    received,
    device_id,
    user_id,
    method,
    checkpoint_id,
) -> CheckInResult:
    """A scan at a checkpoint that is not the hall entrance: rules 1-5, then the checkpoint's
    rule (models.checkin.checkpoints.pass_through) in one ORM write transaction. Never an
    arrival: Attendee.checked_in_at is not touched."""
    session = db.session()
    attendee_id, outcome = _exhibition_code(code, tag, attendee_id)
    session.rollback()  # end any read snapshot; the write transaction starts below
    passed = None
    try:
        with write_transaction():
            person, badge, outcome = _badge_checks(session, outcome, event_id, attendee_id, code)
            values = _scan_row(
                person,
                badge,
                code,
                seen,
                received,
                outcome or "ok",
                event_id=event_id,
                scan_id=scan_id,
                station=station,
                device_id=device_id,
                user_id=user_id,
                method=method,
                checkpoint_id=checkpoint_id,
            )
            row_id = session.execute(_insert_scan(db.engine.dialect.name), values).scalar()
            if row_id is None:  # this scan_id was seen before: answer as the first time
                session.rollback()
                return _checkpoint_earlier(scan_id, tz, code)
            if outcome is None:
                passed = checkpoints.pass_through(cp, person.id, row_id, seen, tz, station)
                outcome = passed.outcome
                if outcome != "ok":
                    session.execute(update(_c).where(_c.c.id == row_id).values(outcome=outcome))
            session.commit()
    except IntegrityError:
        # two requests with the same new scan_id raced past ON CONFLICT: the loser reads the winner's answer
        session.rollback()
        return _checkpoint_earlier(scan_id, tz, code)
    except BaseException:
        session.rollback()
        raise
    info = attendee_summary(person) if person is not None else None
    return _checkpoint_result(cp, outcome, info, passed, bool(person is not None and person.arrived), row_id)


def _checkpoint_earlier(scan_id: str, tz: str, code) -> CheckInResult:
    earlier = _replay(scan_id, tz, code)
    db.session.rollback()
    if earlier is None:
        raise RuntimeError(f"scan {scan_id!r} conflicted but cannot be found")
    return earlier


def _checkpoint_result(cp: dict, outcome: str, info, passed, arrived: bool, row_id, replay=False) -> CheckInResult:
    first = passed.first if passed is not None and outcome == "already" else None
    message = _checkpoint_message(cp, outcome, info, passed, arrived)
    direction = passed.direction if passed is not None else None
    return CheckInResult(outcome, message, info, first, row_id, replay, checkpoint=cp, direction=direction)


def _checkpoint_replay(row, cp: dict, tz: str) -> CheckInResult:
    """The first answer of a logged checkpoint scan (a retried scan_id), rebuilt from its pass."""
    outcome = row.outcome if row.outcome in MESSAGES else "invalid"
    info = _attendee_info(row.attendee_id) if row.attendee_id else None
    passed = None
    if info is not None and outcome == "ok":
        got = checkpoints.pass_of_scan(row.id)
        passed = checkpoints.Passed("ok", got.seq, got.direction, got.inside) if got else None
    elif info is not None and outcome == "already":
        slot = "once" if cp["rule"] != "daily" else local(row.scanned_at, tz).date().isoformat()
        passed = checkpoints.Passed("already", first=checkpoints.first_pass(cp, row.attendee_id, slot, tz))
    arrived = info is not None and db.session.scalar(
        select(_a.c.checked_in_at.is_not(None)).where(_a.c.id == row.attendee_id)
    )
    return _checkpoint_result(cp, outcome, info, passed, bool(arrived), row.id, replay=True)
