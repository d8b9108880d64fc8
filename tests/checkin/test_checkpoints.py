"""Checkpoints (issue 24 item 5): each rule on both databases, exactly once under concurrency,
retries by scan_id, the hall entrance unchanged, the answer's checkpoint."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from models.checkin import checkpoints
from models.checkin.checkin import ScanIdConflict, check_in
from models.checkin.checkpoints import Checkpoint, CheckpointPass
from models.checkin.models import CheckIn
from models.core.base import db
from models.guests.models import Attendee
from tests.factories import attendees

T0 = datetime(2025, 5, 22, 0, 45, 0)  # 07:45 in Nha Trang


def add(ev, name, kind, rule) -> int:
    cp = Checkpoint(event_id=ev.id, name=name, kind=kind, rule=rule, position=5)
    db.session.add(cp)
    db.session.commit()
    checkpoints.changed()
    return cp.id


def scan(ev, code, scan_id, cp=None, now=T0, station="Điện thoại 1", **kw):
    return check_in(
        event_id=ev.id, code=code, scan_id=scan_id, station=station, now=lambda: now, checkpoint_id=cp, **kw
    )


def test_every_event_has_its_entrance(event):
    rows = checkpoints.listed(event.id)
    assert [(c.name, c.kind, c.rule) for c in rows] == [("Cổng hội trường", "entrance", "once")]


def test_the_entrance_is_the_arrival_as_before(event):
    a = attendees(event)[0]
    r = scan(event, a.current_badge.code, "e1")
    entrance = checkpoints.listed(event.id)[0]
    assert r.outcome == "ok" and r.checkpoint == entrance.as_json()
    assert r.as_json()["checkpoint"] == {
        "id": entrance.id,
        "name": "Cổng hội trường",
        "rule": "once",
        "kind": "entrance",
    }
    assert "direction" not in r.as_json()
    db.session.refresh(a)
    assert a.checked_in_at == T0
    assert db.session.scalar(select(CheckIn.checkpoint_id).where(CheckIn.id == r.checkin_id)) == entrance.id
    assert db.session.scalar(select(func.count(CheckpointPass.id))) == 0


def test_once_backstage_is_not_an_arrival(event):
    cp = add(event, "Hậu trường trao giải", "backstage", "once")
    a = attendees(event)[0]
    r1 = scan(event, a.current_badge.code, "b1", cp)
    assert r1.outcome == "ok" and r1.checkpoint["name"] == "Hậu trường trao giải"
    assert "Hậu trường trao giải" in r1.message and "chưa điểm danh tại cổng hội trường" in r1.message
    db.session.refresh(a)
    assert a.checked_in_at is None
    r2 = scan(event, a.current_badge.code, "b2", cp, now=T0 + timedelta(minutes=7), station="Điện thoại 2")
    assert r2.outcome == "already"
    assert r2.first_checkin == {
        "at": "2025-05-22T07:45:00+07:00",
        "station": "Điện thoại 1",
        "checkpoint": "Hậu trường trao giải",
    }
    assert "07:45" in r2.message
    # the arrival in the hall afterwards is still the first arrival: no note any more
    assert scan(event, a.current_badge.code, "h1").outcome == "ok"
    r3 = scan(event, a.current_badge.code, "b3", cp)
    assert r3.outcome == "already" and "chưa điểm danh" not in r3.message


def test_daily_once_per_local_day(event):
    cp = add(event, "Bàn nhận tài liệu", "desk", "daily")
    code = attendees(event)[0].current_badge.code
    assert scan(event, code, "d1", cp).outcome == "ok"
    assert scan(event, code, "d2", cp, now=T0 + timedelta(hours=10)).outcome == "already"  # 17:45 local
    # 00:45 local the next day (17:45 UTC): a new day in Nha Trang
    assert scan(event, code, "d3", cp, now=T0 + timedelta(hours=17)).outcome == "ok"
    days = db.session.scalars(select(CheckpointPass.day).order_by(CheckpointPass.id)).all()
    assert [d.isoformat() for d in days] == ["2025-05-22", "2025-05-23"]


def test_every_pass_is_counted(event):
    cp = add(event, "Khu trưng bày", "exhibition", "every")
    code = attendees(event)[0].current_badge.code
    answers = [scan(event, code, f"x{i}", cp, now=T0 + timedelta(minutes=i)) for i in range(3)]
    assert [r.outcome for r in answers] == ["ok"] * 3
    assert [("lượt thứ " + str(i + 1)) in r.message for i, r in enumerate(answers)] == [True] * 3


def test_inout_alternates_and_counts_who_is_inside(event):
    cp = add(event, "Phòng VIP", "other", "inout")
    people = attendees(event)
    r = scan(event, people[0].current_badge.code, "i1", cp)
    assert (r.outcome, r.direction, r.as_json()["direction"]) == ("ok", "in", "in")
    assert r.message.startswith("Mời vào") and "1 người đang ở trong" in r.message
    assert scan(event, people[1].current_badge.code, "i2", cp).direction == "in"
    out = scan(event, people[0].current_badge.code, "i3", cp)
    assert out.direction == "out" and out.message.startswith("Tạm biệt") and "còn 1 người" in out.message
    assert checkpoints.inside_now(cp) == 1
    assert scan(event, people[0].current_badge.code, "i4", cp).direction == "in"
    assert checkpoints.inside_now(cp) == 2


def test_rules_1_to_5_still_apply_at_a_checkpoint(event):
    cp = add(event, "Hậu trường", "backstage", "once")
    a = attendees(event)[0]
    assert scan(event, "EK1.garbage", "r1", cp).outcome == "invalid"
    a.status = "cancelled"
    db.session.commit()
    r = scan(event, a.current_badge.code, "r2", cp)
    assert r.outcome == "revoked" and r.checkpoint["id"] == cp
    assert db.session.scalar(select(func.count(CheckpointPass.id))) == 0


@pytest.mark.parametrize("rule", ["once", "daily", "every", "inout"])
def test_retry_by_scan_id_answers_the_first_time(event, rule):
    cp = add(event, "Điểm " + rule, "other", rule)
    code = attendees(event)[0].current_badge.code
    first = scan(event, code, "same", cp)
    scan(event, code, "other", cp)
    again = scan(event, code, "same", cp, now=T0 + timedelta(minutes=3))
    assert again.replay and again.as_json() == first.as_json()
    with pytest.raises(ScanIdConflict):
        scan(event, attendees(event)[1].current_badge.code, "same", cp)
    assert db.session.scalar(select(func.count(CheckIn.id))) == 2


def test_a_device_scans_at_its_checkpoint(event):
    from models.accounts.models import Device
    from tests.factories import make_device

    make_device("phone-backstage")
    cp = add(event, "Hậu trường", "backstage", "once")
    device = db.session.scalar(select(Device).where(Device.name == "phone-backstage"))
    device.checkpoint_id = cp
    db.session.commit()
    checkpoints.changed()
    r = scan(event, attendees(event)[0].current_badge.code, "dv1", device_id=device.id)
    assert r.checkpoint["id"] == cp and r.outcome == "ok"
    assert db.session.scalar(select(Attendee.checked_in_at).where(Attendee.id == attendees(event)[0].id)) is None


@pytest.mark.parametrize("rule", ["once", "daily", "every", "inout"])
def test_concurrent_passes_exactly_once_per_rule(app, event, rule):
    cp = add(event, "Song song " + rule, "other", rule)
    code, ev_id = attendees(event)[0].current_badge.code, event.id
    results, errors = [], []
    barrier = threading.Barrier(8, timeout=30)

    def worker(i):
        with app.app_context():
            try:
                barrier.wait()
                r = check_in(event_id=ev_id, code=code, scan_id=f"c{i}", station=f"p{i}", checkpoint_id=cp)
                results.append((r.outcome, r.direction))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    db.session.rollback()
    outcomes = sorted(o for o, _ in results)
    seqs = db.session.scalars(select(CheckpointPass.seq).order_by(CheckpointPass.seq)).all()
    if rule in ("once", "daily"):
        assert outcomes == ["already"] * 7 + ["ok"] and len(seqs) == 1
    else:
        assert outcomes == ["ok"] * 8 and seqs == list(range(1, 9))
    if rule == "inout":
        assert sorted(d for _, d in results) == ["in"] * 4 + ["out"] * 4
        assert checkpoints.inside_now(cp) == 0


def test_copies_templates_and_the_demo_have_their_checkpoints(event):
    from datetime import date

    from models.demo.load import load_demo
    from models.services.event_setup import new_event

    add(event, "Khu trưng bày", "exhibition", "every")
    copy = new_event(name="Hội nghị năm sau", date=date(2030, 5, 22), venue="Nha Trang", from_event=event.slug)
    db.session.commit()
    assert [(c.name, c.rule) for c in checkpoints.listed(copy.id)] == [
        ("Cổng hội trường", "once"),
        ("Khu trưng bày", "every"),
    ]
    tpl = new_event(name="Theo mẫu", date=date(2030, 6, 1), venue="Nha Trang", template="ocop-review")
    db.session.commit()
    assert [c.name for c in checkpoints.listed(tpl.id)] == ["Cổng hội trường"]
    demo, _ = load_demo(with_users=False)
    db.session.commit()
    assert [(c.name, c.kind, c.rule) for c in checkpoints.listed(demo.id)] == [
        ("Cổng hội trường", "entrance", "once"),
        ("Khu trưng bày", "exhibition", "every"),
        ("Hậu trường trao giải", "backstage", "once"),
        ("Bàn nhận tài liệu", "desk", "once"),
    ]
