"""The hall scan's database shape (issue 25 item 5): on PostgreSQL one autocommit statement
writes a check-in, on a connection without pre-ping, and the server runs several check-in lanes
per process; SQLite keeps its single writer lane. Both databases (the `backend` fixture)."""

import socket

from sqlalchemy import func, select, text

from models.checkin.checkin import check_in, undo_check_in
from models.checkin.models import CheckIn
from models.core.base import db
from models.guests.models import Attendee
from tests.checkin.test_checkin import T0, clock, scan
from tests.factories import attendees


def test_a_retried_scan_of_an_undone_arrival_replays_and_arrives_nobody(event):
    """The retry finds its scan_id logged: it answers the first answer, and the arrival it would
    make now (the person was undone meanwhile) is undone with it (PostgreSQL: the key of
    first_checkin_id refuses an arrival pointing at a scan that was not logged)."""
    a = attendees(event)[0]
    first = scan(event, a.current_badge.code, "r1")
    assert undo_check_in(attendee_id=a.id, reason="quét nhầm")
    rows = db.session.scalar(select(func.count(CheckIn.id)))
    again = scan(event, a.current_badge.code, "r1")
    assert again.outcome == "ok" and again.replay and again.checkin_id == first.checkin_id
    db.session.rollback()
    assert db.session.get(Attendee, a.id).checked_in_at is None
    assert db.session.scalar(select(func.count(CheckIn.id))) == rows
    assert scan(event, a.current_badge.code, "r2").outcome == "ok"


def test_already_names_the_first_arrival_from_the_write(event):
    a, b = attendees(event)[:2]
    scan(event, a.current_badge.code, "f1", station="Cổng chính")
    r = check_in(event_id=event.id, attendee_id=a.id, scan_id="f2", station="Bàn", method="manual", now=clock())
    assert r.outcome == "already"
    assert r.first_checkin == {"at": "2025-05-22T07:45:00+07:00", "station": "Cổng chính"}
    logged = db.session.scalars(select(CheckIn.outcome).order_by(CheckIn.id)).all()
    assert logged == ["ok", "already"]
    assert scan(event, "junk", "f3").outcome == "invalid"
    assert scan(event, b.current_badge.code, "f4", now=T0).outcome == "ok"


def test_a_connection_the_server_dropped_is_replaced(backend, event):
    """PostgreSQL: the hall's connections have no pre-ping; when the server ends them (a restart,
    an administrator), the next check-in reads again on a fresh connection and is answered."""
    a, b = attendees(event)[:2]
    assert scan(event, a.current_badge.code, "d1").outcome == "ok"
    if backend == "postgresql":
        ended = db.session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        db.session.commit()
        assert ended >= 1  # the hall's own connection among them
    r = scan(event, b.current_badge.code, "d2")
    assert r.outcome == "ok" and r.attendee["name"] == b.full_name


def test_check_in_lanes_follow_the_database(backend, app):
    """One lane thread per process on SQLite (one writer), PG_LANES on PostgreSQL."""
    from webserver import PG_LANES, make_server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server(app, host="127.0.0.1", port=port, threads=2)
    try:
        assert len(server.task_dispatcher.lane.threads) == (1 if backend == "sqlite" else PG_LANES)
    finally:
        server.close()
        server.task_dispatcher.shutdown()


def test_the_hall_connections_end_with_the_engine(backend, event):
    """PostgreSQL: the hall scan's autocommit connections are closed when the app's engine is
    disposed (each test's app, the server before it forks), none left open on the server."""
    a, b = attendees(event)[:2]
    second, event_id = b.current_badge.code, event.id
    assert scan(event, a.current_badge.code, "e1").outcome == "ok"
    db.session.remove()
    db.engine.dispose()
    if backend == "postgresql":
        import psycopg

        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as conn:
            left = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
        assert left == 0
    again = check_in(event_id=event_id, code=second, scan_id="e2", station="Cổng 1", now=clock())
    assert again.outcome == "ok"  # and a fresh connection serves the next
