"""The decision pipeline end to end: video file -> kiosk (headless) -> API server -> JSON lines.

These run against the fake API server (tests/kiosk/kiosk_testdata.py), which can fail on demand;
test_kiosk_live.py runs the main scenarios against the project's real server.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from kiosk_testdata import PEOPLE, ROOT

from kiosk import media
from kiosk.app import Kiosk
from kiosk.config import Config
from kiosk.decision import PROBLEM_AUTH, RepeatFilter
from kiosk.queue import ScanQueue, flush
from kiosk.sources import EndOfSource, LiveSource, Source, open_source
from kiosk.verify import Snapshot

JSON_KEYS = ["ts", "frame", "code", "result", "name", "seat", "seat_text", "source", "decode_ms", "total_ms"]


def badge(keys, pid: int, serial: int = 1):
    person = next((p for p in PEOPLE if p["id"] == pid), {"name": "Người lạ", "seat": ""})
    return media.badge_image(keys.code(pid, serial), person["name"], person["seat"])


def make_video(path, badges, **kw):
    frames = media.badge_sequence(badges, size=kw.pop("size", (480, 360)), fps=10, **kw)
    return media.write_video(path, frames, fps=10)


def run_kiosk(state_dir, source, server="", token="secret-token", **over):
    conf = Config(
        server=server,
        token=token,
        station="Cổng chính",
        source=str(source),
        headless=True,
        state_dir=str(state_dir),
        **over,
    )
    out = io.StringIO()
    kiosk = Kiosk(conf, out=out, source=source if isinstance(source, Source) else None)
    assert kiosk.run() == 0
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    for line in lines:
        assert list(line) == JSON_KEYS
    return lines, kiosk


class HookedSource(Source):
    """A file source that calls hooks before given frames (e.g. stop the server at frame 20)."""

    def __init__(self, path, hooks: dict):
        self.inner = open_source(str(path))
        self.hooks = dict(hooks)
        self.description = "hooked " + str(path)

    def read(self):
        frame = self.inner.read()
        hook = self.hooks.pop(frame.index, None)
        if hook:
            hook()
        return frame

    def close(self):
        self.inner.close()


def test_video_against_server_every_outcome(tmp_path, keys, fake_api):
    fake_api.revoked.add(keys.code(4, serial=1))
    forged = media.badge_image(keys.forged_code(1), "Giả mạo")
    other = media.badge_image(keys.other_event_code(2), "Sự kiện khác")
    video = make_video(
        tmp_path / "v.avi",
        [
            badge(keys, 1),
            badge(keys, 2),
            badge(keys, 3),
            forged,
            other,
            badge(keys, 4),
            badge(keys, 999),
            badge(keys, 1),
        ],
        gap_s=3.5,
    )
    lines, kiosk = run_kiosk(tmp_path / "state", video, fake_api.url)
    assert [x["result"] for x in lines] == ["ok", "ok", "ok", "invalid", "wrong_event", "revoked", "unknown", "already"]
    assert all(x["source"] == "server" for x in lines)
    assert lines[0]["name"] == "Nguyễn Văn An" and lines[0]["seat"] == "A-01"
    assert lines[2]["name"] == "Huỳnh Thị Ánh Tuyết"
    assert lines[0]["code"] == keys.code(1)
    frames = [x["frame"] for x in lines]
    assert frames == sorted(frames) and len(set(frames)) == len(frames)
    assert all(0 <= x["decode_ms"] <= x["total_ms"] for x in lines)
    assert kiosk.queue.pending_count() == 0
    assert fake_api.ok_count(1) == 1 and len(fake_api.log) == 8
    assert sum(kiosk.decoder_share.values()) == 8


def test_same_code_ignored_while_in_sight_and_for_three_seconds(tmp_path, keys, fake_api):
    b = badge(keys, 1)
    bg = media.background(480, 360)
    # 2 s held, 1 s away, 1 s held again (one decision), 4 s away, held (second: "already")
    seq = ([b] * 20) + ([None] * 10) + ([b] * 10) + ([None] * 40) + ([b] * 5)
    frames = [bg.copy() if x is None else media.compose(x, bg, media.Pose(scale=0.6), i) for i, x in enumerate(seq)]
    video = media.write_video(tmp_path / "hold.avi", frames, fps=10)
    lines, _ = run_kiosk(tmp_path / "state", video, fake_api.url)
    assert [x["result"] for x in lines] == ["ok", "already"]
    assert lines[1]["frame"] >= 80


def test_repeat_filter_window():
    f = RepeatFilter(3.0)
    assert f.should_decide("A", 0.0)
    assert not f.should_decide("A", 2.0)
    assert not f.should_decide("A", 4.5)  # still in sight: the window restarts
    assert f.should_decide("A", 8.0)
    assert f.should_decide("B", 8.1)


def test_server_stopped_mid_video_then_restarted(tmp_path, keys, fake_api):
    ids = [1, 2, 3, 4, 5]
    video = make_video(tmp_path / "v.avi", [badge(keys, i) for i in ids], hold_s=0.8, gap_s=0.8)
    # first a short run online, so the kiosk has the snapshot cached
    run_kiosk(tmp_path / "state", make_video(tmp_path / "warm.avi", []), fake_api.url)
    restarted = threading.Event()

    def restart():
        fake_api.start()
        restarted.set()

    src = HookedSource(video, {12: fake_api.stop, 45: restart})
    lines, kiosk = run_kiosk(tmp_path / "state", src, fake_api.url, retry_interval=0.3)
    assert restarted.is_set()
    assert [x["result"] for x in lines] == ["ok"] * 5
    sources = [x["source"] for x in lines]
    assert "offline" in sources and sources[0] == "server"
    # after the end-of-file sync every badge is checked in exactly once on the server
    assert kiosk.queue.pending_count() == 0
    assert sorted(fake_api.arrivals) == ids
    assert all(fake_api.ok_count(i) == 1 for i in ids)
    assert len(fake_api.answers) == 5  # one recorded scan per decision, retries included


def test_kiosk_restart_keeps_queue_and_sync_command_flushes_it(tmp_path, keys, fake_api):
    state = tmp_path / "state"
    run_kiosk(state, make_video(tmp_path / "warm.avi", []), fake_api.url)  # caches snapshot
    fake_api.stop()
    video = make_video(tmp_path / "v.avi", [badge(keys, 2), badge(keys, 3), badge(keys, 2)], gap_s=3.5)
    lines, _ = run_kiosk(state, video, fake_api.url, sync_timeout=1.0)
    assert [(x["result"], x["source"]) for x in lines] == [("ok", "offline"), ("ok", "offline"), ("already", "offline")]
    # the kiosk "restarts": a new process sees the same queue
    assert ScanQueue(state / "queue.sqlite3").pending_count() == 3
    cmd = [
        sys.executable,
        "-m",
        "kiosk",
        "sync",
        "--server",
        fake_api.url,
        "--token",
        "secret-token",
        "--state-dir",
        str(state),
    ]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    down = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert down.returncode == 1 and json.loads(down.stdout)["pending"] == 3
    fake_api.start()
    up = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout)["sent"] == 3
    assert sorted(fake_api.arrivals) == [2, 3] and fake_api.ok_count(2) == 1
    # syncing again changes nothing
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert again.returncode == 0 and json.loads(again.stdout)["sent"] == 0
    assert len(fake_api.answers) == 3


@pytest.mark.parametrize("mode", ["500", "garbage", "wrongjson"])
def test_broken_server_means_offline_and_nothing_lost(tmp_path, keys, fake_api, mode):
    state = tmp_path / "state"
    run_kiosk(state, make_video(tmp_path / "warm.avi", []), fake_api.url)
    fake_api.mode = mode
    video = make_video(tmp_path / "v.avi", [badge(keys, 1), badge(keys, 5)])
    lines, kiosk = run_kiosk(state, video, fake_api.url, sync_timeout=1.0)
    assert [(x["result"], x["source"]) for x in lines] == [("ok", "offline")] * 2
    assert kiosk.health.online is False and kiosk.health.problem
    assert "ngoại tuyến" in kiosk.screen_state().problem
    assert ScanQueue(state / "queue.sqlite3").pending_count() == 2
    fake_api.mode = "normal"
    from kiosk.client import ApiClient

    q = ScanQueue(state / "queue.sqlite3")
    flush(q, ApiClient(fake_api.url, "secret-token"), include_held=True)
    assert q.pending_count() == 0 and sorted(fake_api.arrivals) == [1, 5]


def test_bad_token_shows_configuration_problem(tmp_path, keys, fake_api):
    state = tmp_path / "state"
    Snapshot.from_json(keys.snapshot_doc()).save(state / "snapshot.json")
    video = make_video(tmp_path / "v.avi", [badge(keys, 1)])
    lines, kiosk = run_kiosk(state, video, fake_api.url, token="wrong", sync_timeout=1.0)
    assert [(x["result"], x["source"]) for x in lines] == [("ok", "offline")]
    assert kiosk.health.problem == PROBLEM_AUTH
    assert "token" in kiosk.screen_state().problem
    assert ScanQueue(state / "queue.sqlite3").pending_count() == 1
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk",
            "sync",
            "--server",
            fake_api.url,
            "--token",
            "wrong",
            "--state-dir",
            str(state),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2 and "token" in json.loads(proc.stdout)["problem"]


def test_slow_server_answer_is_replaced_by_offline_decision(tmp_path, keys, fake_api):
    state = tmp_path / "state"
    run_kiosk(state, make_video(tmp_path / "warm.avi", []), fake_api.url)
    fake_api.mode, fake_api.slow_s = "slow", 2.5
    video = make_video(tmp_path / "v.avi", [badge(keys, 3)])
    lines, kiosk = run_kiosk(state, video, fake_api.url, sync_timeout=0.5)
    assert [(x["result"], x["source"]) for x in lines] == [("ok", "offline")]
    assert 1400 < lines[0]["total_ms"] < 2500
    fake_api.mode = "normal"
    q = ScanQueue(state / "queue.sqlite3")
    from kiosk.client import ApiClient

    flush(q, ApiClient(fake_api.url, "secret-token"), include_held=True)
    time.sleep(1.5)  # let the slow first request finish too
    assert q.pending_count() == 0
    assert len(fake_api.answers) == 1 and fake_api.ok_count(3) == 1  # same scan_id twice


def test_no_server_and_no_snapshot(tmp_path, keys):
    video = make_video(tmp_path / "v.avi", [badge(keys, 1), media.badge_image("WIFI:S:x;;")])
    lines, kiosk = run_kiosk(tmp_path / "state", video, "")
    assert [x["result"] for x in lines] == ["unknown", "invalid"]
    assert kiosk.queue.pending_count() == 2  # kept for when a server is configured
    assert "sync" in kiosk.screen_state().problem


def test_two_badges_in_one_frame_both_decided(tmp_path, keys, fake_api):
    bg = media.background(960, 540)
    f = media.compose(badge(keys, 1), bg, media.Pose(cx=0.3, scale=0.75))
    f = media.compose(badge(keys, 2), f, media.Pose(cx=0.72, scale=0.7))
    poster = media.compose(media.badge_image("https://example.com"), bg, media.Pose(cx=0.8, scale=0.5))
    f2 = media.compose(badge(keys, 3), poster, media.Pose(cx=0.3, scale=0.7))
    video = media.write_video(tmp_path / "two.avi", [bg, f, f, bg] + [bg] * 35 + [f2, f2], fps=10)
    lines, kiosk = run_kiosk(tmp_path / "state", video, fake_api.url)
    # the poster's URL next to a badge is ignored; both badges of the first frame are decided
    assert sorted(x["name"] for x in lines) == sorted(["Nguyễn Văn An", "Đặng Thị Bích Ngọc", "Huỳnh Thị Ánh Tuyết"])
    assert all(x["result"] == "ok" for x in lines)


class FlakyCamera:
    """A fake cv2.VideoCapture: gives frames, then dies (unplugged)."""

    def __init__(self, frames, die_after):
        self.frames, self.die_after, self.n = frames, die_after, 0

    def isOpened(self):  # noqa: N802  (cv2.VideoCapture's name)
        return True

    def read(self):
        self.n += 1
        if self.n > self.die_after:
            return False, None
        time.sleep(0.005)
        return True, self.frames[self.n % len(self.frames)]

    def release(self):
        pass


def test_camera_unplugged_and_back(tmp_path, keys):
    b = badge(keys, 1)
    bg = media.background(320, 240)
    frames = [media.compose(b, bg, media.Pose(scale=0.9))]
    plan = iter([FlakyCamera(frames, 10), None, None, FlakyCamera([bg], 5), FlakyCamera(frames, 10**6)])

    def opener():
        cam = next(plan, None)
        if cam is None:
            raise OSError("no device")
        return cam

    src = LiveSource(opener, "camera 0", reopen_s=0.05, fail_after=3)
    Snapshot.from_json(keys.snapshot_doc()).save(tmp_path / "state" / "snapshot.json")
    conf = Config(station="Cổng", source="0", headless=True, state_dir=str(tmp_path / "state"), repeat=0.05)
    out = io.StringIO()
    kiosk = Kiosk(conf, out=out, source=src)
    runner = threading.Thread(target=kiosk.run)
    runner.start()
    seen_lost = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if src.status == "lost":
            seen_lost = True
            assert "camera" in kiosk.screen_state().problem
        if seen_lost and src.losses >= 2 and out.getvalue().count("\n") >= 2:
            break
        time.sleep(0.005)
    kiosk.stop.set()
    runner.join(5)
    assert not runner.is_alive()
    assert seen_lost and src.losses >= 2
    results = [json.loads(x)["result"] for x in out.getvalue().splitlines()]
    assert results[:2] == ["ok", "already"]  # decided before and after the camera came back


def test_file_source_end_and_bad_sources(tmp_path):
    with pytest.raises(ValueError):
        open_source(str(tmp_path / "missing.avi"))
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "a.png").write_bytes(b"broken")
    import cv2

    cv2.imwrite(str(tmp_path / "imgs" / "b.png"), np.zeros((10, 10, 3), np.uint8))
    src = open_source(str(tmp_path / "imgs"))
    assert src.read().index == 0
    with pytest.raises(EndOfSource):
        src.read()
    assert src.skipped == [str(tmp_path / "imgs" / "a.png")]


def test_station_name_from_token_and_kept_within_api_limits(tmp_path, keys, fake_api):
    video = make_video(tmp_path / "v.avi", [badge(keys, 4)])
    conf = Config(
        server=fake_api.url, token="secret-token", source=str(video), headless=True, state_dir=str(tmp_path / "state")
    )  # no --station
    assert Kiosk(conf, out=io.StringIO()).run() == 0
    assert fake_api.arrivals[4]["station"] == "Cổng chính"  # the snapshot's station name
    from kiosk.client import ApiClient
    from kiosk.decision import Decider

    q = ScanQueue(tmp_path / "q.sqlite3")
    client = ApiClient("", "")
    assert Decider(client, q, "  Cổng \n  Đông  " + "x" * 200, Snapshot).station == ("Cổng Đông " + "x" * 200)[:80]
    assert Decider(client, q, "   ", Snapshot).station == "kiosk"


def test_a_broken_queue_disk_still_gives_answers(tmp_path, keys, fake_api, monkeypatch):
    import sqlite3

    from kiosk.client import ApiClient
    from kiosk.decision import PROBLEM_QUEUE, Decider

    q = ScanQueue(tmp_path / "q.sqlite3")

    def full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")

    for name in ("add", "mark_done", "release", "note_arrival", "arrival"):
        monkeypatch.setattr(q, name, full)
    snap = Snapshot.from_json(keys.snapshot_doc())
    d = Decider(ApiClient(fake_api.url, "secret-token"), q, "Cổng", lambda: snap)
    assert d.decide(keys.code(1)).result == "ok"  # the server still answers
    assert d.health.problem == PROBLEM_QUEUE
    fake_api.stop()
    offline = d.decide(keys.code(2))
    assert (offline.result, offline.source) == ("ok", "offline")
