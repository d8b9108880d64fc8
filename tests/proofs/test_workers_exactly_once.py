"""Exactly one `ok` per attendee over HTTP against the real `flask serve --workers 2` on SQLite:
two forked server processes share the port and the database file; each badge is fired by
several clients at once (fresh connections, so both processes take part)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.request
import uuid
from collections import Counter

from tests.conftest import free_port
from tests.proofs.helpers import ROOT
from tests.waiting import group_gone, wait_until

sys.path.insert(0, str(ROOT / "scripts"))


def _post(url: str, token: str, code: str) -> str:
    body = json.dumps({"code": code, "station": "Cổng thử", "scan_id": uuid.uuid4().hex}).encode()
    req = urllib.request.Request(
        url + "/api/v1/checkins",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Connection": "close"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())["result"]


def test_serve_workers_2_gives_one_ok_per_attendee(tmp_path):
    from chaos_kill import Server, populate

    db_file = tmp_path / "w.db"
    db_url = f"sqlite:///{db_file}"
    people, token = populate(db_url, 24, tmp_path / "instance")
    port = free_port()
    server = Server(db_url, tmp_path / "instance", port, "NORMAL", tmp_path / "server.log")
    server.env["WORKERS"] = "2"
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        # both worker processes are up: two children of the serving process
        children = subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 2, children
        results: dict[int, list[str]] = {aid: [] for aid, _ in people}
        errors: list[BaseException] = []
        lock = threading.Lock()
        barrier = threading.Barrier(6, timeout=30)

        def fire(aid: int, code: str) -> None:
            try:
                barrier.wait()
                got = _post(url, token, code)
                with lock:
                    results[aid].append(got)
            except BaseException as exc:  # reported below, never swallowed
                errors.append(exc)

        for aid, code in people:
            threads = [threading.Thread(target=fire, args=(aid, code)) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            assert not any(t.is_alive() for t in threads)
        assert not errors, errors[:3]
        for aid, answers in results.items():
            assert Counter(answers) == Counter({"ok": 1, "already": 5}), (aid, answers)
    finally:
        if server.proc is not None and server.proc.poll() is None:
            os.killpg(server.proc.pid, signal.SIGTERM)
            try:
                server.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill9()
        if server.proc is not None:
            wait_until(lambda: group_gone(server.proc.pid), 30, what="the server's workers gone")
    con = sqlite3.connect(db_file)
    try:
        arrived = con.execute("select count(*) from attendee where checked_in_at is not null").fetchone()[0]
        oks = con.execute("select count(*) from checkin where outcome = 'ok'").fetchone()[0]
        rows = con.execute("select count(*) from checkin").fetchone()[0]
    finally:
        con.close()
    assert arrived == oks == len(people)
    assert rows == 6 * len(people)
