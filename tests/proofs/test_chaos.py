"""Item 1, quick version of scripts/chaos_kill.py: the real server (`flask serve`, SQLite) is
killed with SIGKILL several times while three kiosk-like clients (the kiosk's own durable queue
and HTTP client) check people in; the clients resend what was not answered, with the same
scan_id. Afterwards: nothing acknowledged is lost, no scan_id twice, one ok per attendee."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import free_port
from tests.proofs.helpers import ROOT


def test_kill_9_loses_no_acknowledged_checkin(tmp_path):
    cmd = [
        sys.executable,
        str(ROOT / "scripts/chaos_kill.py"),
        "--delegates",
        "40",
        "--clients",
        "3",
        "--scans",
        "240",
        "--kills",
        "3",
        "--up-min",
        "0.4",
        "--up-max",
        "0.9",
        "--down-max",
        "0.5",
        "--pace",
        "0.08",
        "--port",
        str(free_port()),
        "--keep",
        str(tmp_path / "chaos"),
        "--json",
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["kills_while_kiosks_worked"] >= 2 and summary["kills"] >= 3  # and one at the end
    assert summary["held_while_down"] > 0  # the kiosks really queued scans while it was down
    assert summary["acknowledged"] == summary["scans"] == summary["rows"] == 240
    assert summary["lost"] == 0
    assert summary["answer_differs"] == 0
    assert summary["duplicate_scan_ids"] == 0
    assert summary["left_in_queues"] == 0
    assert summary["attendees_with_one_ok"] == summary["attendees_scanned"] == summary["arrivals"]
    assert summary["attendees_with_two_oks"] == 0 and summary["arrivals_not_on_ok_row"] == 0
    assert summary["integrity"] == "ok"
    assert summary["passed"] and done.returncode == 0
