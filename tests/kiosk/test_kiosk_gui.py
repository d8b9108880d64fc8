"""The real window (OpenCV highgui) on a virtual X display, when xvfb-run is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from kiosk_testdata import ROOT

from kiosk import media
from kiosk.verify import Snapshot

pytestmark = pytest.mark.skipif(
    shutil.which("xvfb-run") is None, reason="xvfb-run not installed (apt-get install xvfb)"
)


def test_window_mode_runs_a_video_and_exits(tmp_path, keys):
    badges = [media.badge_image(keys.code(1)), media.badge_image(keys.code(2))]
    frames = media.badge_sequence(badges, size=(480, 360), hold_s=0.5, gap_s=0.3)
    video = media.write_video(tmp_path / "v.avi", frames)
    state = tmp_path / "state"
    Snapshot.from_json(keys.snapshot_doc()).save(state / "snapshot.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.pop("DISPLAY", None)
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1280x720x24",
            sys.executable,
            "-m",
            "kiosk",
            "--source",
            str(video),
            "--state-dir",
            str(state),
            "--station",
            "Cổng X",
            "--no-sound",
            "--hold",
            "0.2",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "no display found" not in proc.stderr  # it really opened the window
    assert "decisions 2" in proc.stderr
    assert proc.stdout == ""  # JSON lines only in headless mode
