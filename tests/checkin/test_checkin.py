"""One test per check-in rule, with a frozen clock; idempotency; undo; concurrency."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import codes
from models.accounts.models import AuditLog
from models.checkin.checkin import check_in, undo_check_in
from models.checkin.models import CheckIn
from models.core.base import db
from models.events.service import add_key, private_bytes, retire_key
from models.guests.badges import reissue_badge
from models.guests.models import Attendee
from tests.factories import attendees, make_event

T0 = datetime(2025, 5, 22, 0, 45, 0)  # 07:45 in Nha Trang


def clock(t=T0):
    return lambda: t


def scan(ev, code, scan_id, station="Cổng 1", now=T0, **kw):
    return check_in(event_id=ev.id, code=code, scan_id=scan_id, station=station, now=clock(now), **kw)


def test_ok_first_scan_is_arrival(event):
    a = attendees(event)[0]
    r = scan(event, a.current_badge.code, "s1")
    assert r.outcome == "ok"
    assert r.attendee["name"] == a.full_name and r.attendee["seat"] == a.seat.label
    assert "Xin chào" in r.message and a.seat.label in r.message
    db.session.refresh(a)
    assert a.checked_in_at == T0 and a.first_checkin_id == r.checkin_id


def test_already_reports_first_time_and_station(event):
    a = attendees(event)[1]
    scan(event, a.current_badge.code, "s1", station="Cổng chính")
    r = scan(event, a.current_badge.code, "s2", station="Cổng phụ", now=T0 + timedelta(minutes=5))
    assert r.outcome == "already"
    assert r.first_checkin == {"at": "2025-05-22T07:45:00+07:00", "station": "Cổng chính"}
    assert "07:45" in r.message and "Cổng chính" in r.message


def test_scanned_at_is_the_arrival_time(event):
    a = attendees(event)[0]
    scan(event, a.current_badge.code, "s1", scanned_at=T0 - timedelta(minutes=3))
    db.session.refresh(a)
    assert a.checked_in_at == T0 - timedelta(minutes=3)


def test_future_scanned_at_is_clamped(event):
    a = attendees(event)[0]
    scan(event, a.current_badge.code, "s1", scanned_at=T0 + timedelta(days=3))
    db.session.refresh(a)
    assert a.checked_in_at == T0


@pytest.mark.parametrize(
    "code",
    [
        "",
        "hello",
        "https://example.com",
        "EK1" + "A" * 120,
        "'; DROP TABLE attendee; --",
        "Nguyễn Văn An",
        "\x00\x01",
        "x" * 600,
        "\ud800",
    ],
)
def test_invalid(event, code):
    r = scan(event, code, "bad1")
    assert r.outcome == "invalid" and r.attendee is None
    row = db.session.scalar(select(CheckIn).where(CheckIn.scan_id == "bad1"))
    assert row.outcome == "invalid" and len(row.code) <= 512


def test_tampered_code_is_invalid(event):
    code = attendees(event)[0].current_badge.code
    tampered = code[:50] + ("A" if code[50] != "A" else "B") + code[51:]
    assert scan(event, tampered, "t1").outcome == "invalid"


def test_wrong_event(event):
    other = make_event()
    code = attendees(other)[0].current_badge.code
    r = scan(event, code, "w1")
    assert r.outcome == "wrong_event" and r.attendee is None


def test_unknown_valid_signature_no_attendee(event):
    key = event.keys[0]
    code = codes.make_code(private_bytes(key), event_tag=event.tag, key_no=key.key_no, attendee_id=999999, serial=1)
    r = scan(event, code, "u1")
    assert r.outcome == "unknown"


def test_revoked_after_reissue(event):
    a = attendees(event)[2]
    old = a.current_badge.code
    new = reissue_badge(a, reason="mất thẻ").code
    db.session.commit()
    assert scan(event, old, "r1").outcome == "revoked"
    assert scan(event, new, "r2").outcome == "ok"


def test_cancelled_attendee_is_revoked(event):
    a = attendees(event)[3]
    a.status = "cancelled"
    db.session.commit()
    assert scan(event, a.current_badge.code, "c1").outcome == "revoked"


def test_retired_key_makes_badges_invalid_and_rotation_keeps_old_valid(event):
    a, b = attendees(event)[:2]
    add_key(event)  # rotation: new badges use key 2, key 1 still verifies
    db.session.commit()
    assert scan(event, a.current_badge.code, "k1").outcome == "ok"
    retire_key(event.keys[0])
    db.session.commit()
    assert scan(event, b.current_badge.code, "k2").outcome == "invalid"


def test_same_scan_id_replays_and_writes_nothing(event):
    a = attendees(event)[0]
    first = scan(event, a.current_badge.code, "same")
    before = db.session.scalar(select(func.count(CheckIn.id)))
    again = scan(event, a.current_badge.code, "same", now=T0 + timedelta(minutes=10))
    assert again.outcome == "ok" and again.replay and again.checkin_id == first.checkin_id
    assert db.session.scalar(select(func.count(CheckIn.id))) == before


def test_every_scan_is_logged(event):
    a = attendees(event)[0]
    scan(event, "junk", "l1")
    scan(event, a.current_badge.code, "l2")
    scan(event, a.current_badge.code, "l3")
    outcomes = db.session.scalars(select(CheckIn.outcome).order_by(CheckIn.id)).all()
    assert outcomes == ["invalid", "ok", "already"]


def test_manual_checkin_by_attendee(event):
    a = attendees(event)[4]
    r = check_in(event_id=event.id, attendee_id=a.id, scan_id="m1", station="Bàn", method="manual", now=clock())
    assert r.outcome == "ok"
    r2 = check_in(event_id=event.id, attendee_id=a.id, scan_id="m2", station="Bàn", method="manual", now=clock())
    assert r2.outcome == "already"


def test_undo_needs_reason_is_logged_and_allows_new_arrival(event):
    a = attendees(event)[0]
    scan(event, a.current_badge.code, "u1")
    with pytest.raises(ValueError):
        undo_check_in(attendee_id=a.id, reason="  ")
    assert undo_check_in(attendee_id=a.id, reason="quét nhầm", actor="user:desk")
    db.session.refresh(a)
    assert a.checked_in_at is None
    undo_row = db.session.scalar(select(CheckIn).where(CheckIn.outcome == "undone"))
    assert undo_row.reason == "quét nhầm"
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "undo_checkin"))
    assert log.actor == "user:desk" and log.detail["reason"] == "quét nhầm"
    assert scan(event, a.current_badge.code, "u2").outcome == "ok"
    assert not undo_check_in(attendee_id=attendees(event)[5].id, reason="x")


def test_concurrent_same_badge_exactly_one_ok(app, event):
    a = attendees(event)[0]
    code, ev_id = a.current_badge.code, event.id
    results, errors = [], []
    barrier = threading.Barrier(12, timeout=30)

    def worker(i):
        with app.app_context():
            try:
                barrier.wait()
                r = check_in(event_id=ev_id, code=code, scan_id=f"c{i}", station=f"k{i % 3}")
                results.append(r.outcome)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    db.session.rollback()  # end this thread's read snapshot before counting
    assert sorted(results) == ["already"] * 11 + ["ok"]
    assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.outcome == "ok")) == 1


def test_concurrent_same_scan_id_one_row(app, event):
    a = attendees(event)[1]
    code, ev_id = a.current_badge.code, event.id
    results = []
    barrier = threading.Barrier(8, timeout=30)

    def worker():
        with app.app_context():
            barrier.wait()
            results.append(check_in(event_id=ev_id, code=code, scan_id="dup", station="k").outcome)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == ["ok"] * 8
    db.session.rollback()
    assert db.session.scalar(select(func.count(CheckIn.id))) == 1


def test_arrival_counts(event):
    for i, a in enumerate(attendees(event)[:3]):
        scan(event, a.current_badge.code, f"n{i}")
    n = db.session.scalar(select(func.count(Attendee.id)).where(Attendee.checked_in_at.is_not(None)))
    assert n == 3


def test_failed_write_transaction_releases_the_writer_lock(app, event):
    """An exception in the middle of a write transaction must not leave the (SQLite) writer
    lock held: the next check-in from another thread goes through."""
    from models.core.database import write_transaction

    a = attendees(event)[0]
    code, ev_id = a.current_badge.code, event.id
    with pytest.raises(RuntimeError), write_transaction():
        db.session.execute(db.text("UPDATE attendee SET notes = 'x' WHERE id = :i"), {"i": a.id})
        raise RuntimeError("boom")
    db.session.remove()
    out = []

    def other():
        with app.app_context():
            out.append(check_in(event_id=ev_id, code=code, scan_id="after", station="k").outcome)
            db.session.remove()

    t = threading.Thread(target=other)
    t.start()
    t.join(timeout=10)
    assert out == ["ok"]
    assert db.session.get(Attendee, a.id).notes == ""  # the failed write was rolled back
