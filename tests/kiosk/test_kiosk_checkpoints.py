"""The kiosk at a checkpoint that is not the hall entrance (issue 24 item 5): offline it follows
the checkpoint's rule (kiosk.decision); the panel names the checkpoint."""

from __future__ import annotations

import pytest

from kiosk.client import ApiClient
from kiosk.decision import Decider, local_day
from kiosk.display import PanelState, render_panel
from kiosk.queue import ScanQueue
from kiosk.verify import Snapshot


def offline_decider(tmp_path, keys, checkpoint):
    doc = keys.snapshot_doc()
    doc["station"] = {"name": "Điện thoại 3", "kind": "hall", "checkpoint": checkpoint}
    snap = Snapshot.from_json(doc)
    return Decider(ApiClient("", ""), ScanQueue(tmp_path / "q.sqlite3"), "Điện thoại 3", lambda: snap)


def cp(rule, kind="other", name="Điểm thử"):
    return {"id": 7, "name": name, "rule": rule, "kind": kind}


def test_entrance_offline_is_the_arrival_as_before(tmp_path, keys):
    d = offline_decider(tmp_path, keys, cp("once", "entrance", "Cổng hội trường"))
    first, second = d.decide(keys.code(1)), d.decide(keys.code(1))
    assert (first.result, second.result) == ("ok", "already")
    assert not first.at_checkpoint and d.queue.arrival(1) is not None


def test_once_offline(tmp_path, keys):
    d = offline_decider(tmp_path, keys, cp("once", "backstage", "Hậu trường trao giải"))
    first, second = d.decide(keys.code(1)), d.decide(keys.code(1))
    assert (first.result, first.source, second.result) == ("ok", "offline", "already")
    assert "Hậu trường trao giải" in first.message and "Đã qua Hậu trường trao giải" in second.message
    assert second.first_checkin["checkpoint"] == "Hậu trường trao giải"
    assert d.queue.arrival(1) is None  # not an arrival in the hall
    assert d.decide(keys.code(2)).result == "ok"  # somebody else


def test_daily_offline_is_per_local_day(tmp_path, keys):
    d = offline_decider(tmp_path, keys, cp("daily"))
    assert d.decide(keys.code(1)).result == "ok"
    assert d.decide(keys.code(1)).result == "already"
    # a pass remembered from yesterday does not count today
    d.queue._db.execute("UPDATE local_passes SET day='2000-01-01'")
    assert d.decide(keys.code(1)).result == "ok"


def test_every_offline_counts(tmp_path, keys):
    d = offline_decider(tmp_path, keys, cp("every", "exhibition", "Khu trưng bày"))
    answers = [d.decide(keys.code(1)) for _ in range(3)]
    assert [a.result for a in answers] == ["ok"] * 3
    assert [a.message for a in answers] == [f"Khu trưng bày: lượt thứ {n} (ngoại tuyến)." for n in (1, 2, 3)]


def test_inout_offline_alternates(tmp_path, keys):
    d = offline_decider(tmp_path, keys, cp("inout"))
    assert [d.decide(keys.code(1)).direction for _ in range(3)] == ["in", "out", "in"]
    assert d.decide(keys.code(2)).direction == "in"


@pytest.mark.parametrize("rule", ["once", "every"])
def test_bad_codes_offline_are_refused_at_any_checkpoint(tmp_path, keys, rule):
    d = offline_decider(tmp_path, keys, cp(rule))
    assert d.decide(keys.forged_code(1)).result == "invalid"
    assert d.decide(keys.other_event_code(1)).result == "wrong_event"


def test_local_day_uses_the_event_time_zone():
    assert local_day("2025-05-22T18:30:00+00:00", "Asia/Ho_Chi_Minh") == "2025-05-23"
    assert local_day("2025-05-22T16:30:00+00:00", "Asia/Ho_Chi_Minh") == "2025-05-22"


def test_panel_names_the_checkpoint():
    state = PanelState(result="ok", name="Ông Nguyễn Văn An", message="m", checkpoint="Hậu trường trao giải")
    render_panel(state, (800, 480))
    assert state.layout["checkpoint"] == "Hậu trường trao giải"
    idle = PanelState(checkpoint="Khu trưng bày")
    render_panel(idle, (800, 480))
    assert idle.layout["checkpoint"] == "Khu trưng bày" and idle.layout["idle"]
    plain = PanelState(result="ok", name="Ông Nguyễn Văn An", message="m")
    render_panel(plain, (800, 480))
    assert "checkpoint" not in plain.layout


def test_against_the_real_server_then_offline(tmp_path, live_server):
    """A kiosk given the backstage checkpoint: the server answers at that checkpoint (not an
    arrival); the kiosk remembers the pass, so offline the same badge is "already"."""
    from models.accounts.models import Device
    from models.checkin import checkpoints
    from models.checkin.checkpoints import Checkpoint
    from models.core.base import db
    from models.guests.models import Attendee

    with live_server.app.app_context():
        cp = Checkpoint(event_id=live_server.event_id, name="Hậu trường", kind="backstage", rule="once")
        db.session.add(cp)
        db.session.flush()
        db.session.scalar(db.select(Device).where(Device.name == "kiosk-live")).checkpoint_id = cp.id
        people = db.session.scalars(db.select(Attendee).order_by(Attendee.id)).all()
        codes = [p.current_badge.code for p in people[:2]]
        first_id = people[0].id
        db.session.commit()
        checkpoints.changed()
    client = ApiClient(live_server.url, live_server.token)
    snap = Snapshot.from_json(client.get_snapshot())
    assert snap.station["checkpoint"]["name"] == "Hậu trường"
    d = Decider(client, ScanQueue(tmp_path / "q.sqlite3"), "Cửa sau sân khấu", lambda: snap)
    first = d.decide(codes[0])
    assert (first.result, first.source, first.at_checkpoint) == ("ok", "server", True)
    assert first.checkpoint["kind"] == "backstage" and "Hậu trường" in first.message
    assert d.queue.arrival(first_id) is None  # not an arrival in the hall
    with live_server.app.app_context():
        assert db.session.get(Attendee, first_id).checked_in_at is None
    live_server.stop()
    again, other = d.decide(codes[0]), d.decide(codes[1])
    assert (again.result, again.source) == ("already", "offline")
    assert (other.result, other.source) == ("ok", "offline")
