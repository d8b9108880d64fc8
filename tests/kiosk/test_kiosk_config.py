"""Options (command line, kiosk.toml, KIOSK_* environment), sources, and the drawn screen."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from kiosk_testdata import PEOPLE, ROOT

from kiosk import config as cfg
from kiosk import media
from kiosk.__main__ import main
from kiosk.app import Kiosk
from kiosk.sources import LiveSource, open_source
from kiosk.verify import Snapshot
from tests.waiting import wait_until


def test_precedence_cli_over_env_over_toml(tmp_path):
    toml = tmp_path / "kiosk.toml"
    toml.write_text(
        '[kiosk]\nserver = "http://toml:8000"\nstation = "Cổng TOML"\n'
        'width = 640\nheadless = true\nstate-dir = "/tmp/x"\nrepeat = 2.5\n',
        encoding="utf-8",
    )
    env = {
        "KIOSK_STATION": "Cổng ENV",
        "KIOSK_TOKEN": "env-token",
        "KIOSK_HEADLESS": "0",
        "KIOSK_SOURCE": "rtsp://cam/1",
    }
    c = cfg.load({"station": "Cổng CLI", "server": None}, config_path=str(toml), env=env)
    assert c.server == "http://toml:8000"  # only in the file
    assert c.token == "env-token" and c.source == "rtsp://cam/1"
    assert c.station == "Cổng CLI"  # the command line wins
    assert c.headless is False  # env "0" beats the file's true
    assert c.width == 640 and c.state_dir == "/tmp/x" and c.repeat == 2.5
    assert c.timeout == 1.5 and c.hold == 3.0  # defaults


def test_env_config_path_and_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    c = cfg.load({}, env={})
    assert c.state_dir == "instance/kiosk" and c.source == "0" and c.width == 1280
    (tmp_path / "other.toml").write_text('token = "from-file"\n')
    assert cfg.load({}, env={"KIOSK_CONFIG": str(tmp_path / "other.toml")}).token == "from-file"


def test_cli_run_headless_over_an_image_folder(tmp_path, keys, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray kiosk.toml
    folder = tmp_path / "imgs"
    folder.mkdir()
    bg = media.background(480, 360)
    import cv2

    for i, pid in enumerate([1, 1, 2]):
        img = media.compose(media.badge_image(keys.code(pid)), bg, media.Pose(scale=0.8))
        cv2.imwrite(str(folder / f"{i:03d}.jpg"), img)
    state = tmp_path / "state"
    Snapshot.from_json(keys.snapshot_doc()).save(state / "snapshot.json")
    rc = main(["--source", str(folder), "--headless", "--station", "Cổng 3", "--state-dir", str(state)])
    assert rc == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(x["result"], x["name"]) for x in lines] == [("ok", PEOPLE[0]["name"]), ("ok", PEOPLE[1]["name"])]


def test_cli_bad_source_is_a_clear_error(tmp_path, capsys):
    assert main(["--source", str(tmp_path / "nope.mp4"), "--headless", "--state-dir", str(tmp_path)]) == 2
    assert "source not found" in capsys.readouterr().err


def test_help_lists_the_options():
    out = subprocess.run(
        [sys.executable, "-m", "kiosk", "--help"], cwd=ROOT, text=True, capture_output=True, timeout=30
    ).stdout
    for opt in (
        "--server",
        "--token",
        "--station",
        "--source",
        "--headless",
        "--state-dir",
        "--width",
        "--height",
        "--backend",
        "--fourcc",
        "KIOSK_SERVER",
    ):
        assert opt in out
    sync = subprocess.run(
        [sys.executable, "-m", "kiosk", "sync", "--help"], cwd=ROOT, text=True, capture_output=True, timeout=30
    ).stdout
    assert "--server" in sync and "--state-dir" in sync


def test_stream_url_source_is_live_and_decided(tmp_path, keys):
    """A stream URL (here file:// through FFmpeg) is a live source: reopened when it ends."""
    frames = media.badge_sequence([media.badge_image(keys.code(5))], size=(320, 240), hold_s=0.5, gap_s=0.3)
    video = media.write_video(tmp_path / "cam.avi", frames)
    src = open_source(f"file://{video}", reopen_s=0.05)
    assert isinstance(src, LiveSource) and src.live
    state = tmp_path / "state"
    Snapshot.from_json(keys.snapshot_doc()).save(state / "snapshot.json")
    conf = cfg.Config(station="IP cam", headless=True, state_dir=str(state), repeat=0.01)
    out = io.StringIO()
    kiosk = Kiosk(conf, out=out, source=src)
    t = threading.Thread(target=kiosk.run)
    t.start()
    try:
        wait_until(lambda: out.getvalue().count("\n") >= 2, 10, what="two decisions from the stream")
    finally:
        kiosk.stop.set()
    t.join(5)
    results = [json.loads(x)["result"] for x in out.getvalue().splitlines()]
    assert results[:2] == ["ok", "already"]  # the stream came round again: same badge


def test_realtime_file_drops_frames_but_still_decides(tmp_path, keys):
    frames = media.badge_sequence([media.badge_image(keys.code(2))], size=(320, 240), fps=20, hold_s=0.6, gap_s=0.2)
    video = media.write_video(tmp_path / "rt.avi", frames, fps=20)
    state = tmp_path / "state"
    Snapshot.from_json(keys.snapshot_doc()).save(state / "snapshot.json")
    conf = cfg.Config(source=str(video), headless=True, state_dir=str(state), realtime=True)
    out = io.StringIO()
    t0 = time.monotonic()
    assert Kiosk(conf, out=out).run() == 0
    assert time.monotonic() - t0 >= len(frames) / 20 * 0.8  # played at the file's own pace
    assert [json.loads(x)["result"] for x in out.getvalue().splitlines()] == ["ok"]


def test_kiosk_render_draws_station_and_health(tmp_path, keys):
    state = tmp_path / "state"
    Snapshot.from_json(keys.snapshot_doc()).save(state / "snapshot.json")
    video = media.write_video(
        tmp_path / "v.avi", media.badge_sequence([media.badge_image(keys.code(1))], size=(320, 240))
    )
    kiosk = Kiosk(
        cfg.Config(source=str(video), headless=True, state_dir=str(state), screen_width=960, screen_height=540)
    )
    screen = kiosk.render()
    assert screen.shape == (540, 960, 3)
    s = kiosk.screen_state()
    assert s.station == "Cổng chính"  # from the snapshot when --station is not given
    assert s.event_name.startswith("Hội nghị") and s.queue_len == 0


def test_subcommands_need_arguments(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["decode"])
    assert exc.value.code == 2
    assert main(["sync"]) == 2
    assert "--server" in capsys.readouterr().err


def test_missing_camera_is_reported_on_screen(tmp_path):
    src = LiveSource(lambda: None, "camera 7", reopen_s=0.01)
    kiosk = Kiosk(cfg.Config(headless=True, state_dir=str(tmp_path)), source=src)
    for _ in range(5):
        assert src.read() is None
    assert "camera 7" in kiosk.screen_state().problem


@pytest.mark.skipif(any(Path("/dev").glob("video*")), reason="this machine has a camera")
def test_cameras_command_without_any_camera(capsys):
    assert main(["cameras", "--max", "2"]) == 1  # this test machine has no camera
    out, err = capsys.readouterr()
    assert out == "" and "no camera found" in err
