"""Issue 22: the door cannot be stopped. One client's connection flood (idle, or a byte a second)
and oversized bodies (declared, or chunked) against the real waitress server (webserver.py, the
server `serve` runs), on SQLite and PostgreSQL; kiosk check-ins from another loopback address
(127.0.0.2) must be answered meanwhile. Also `serve` replacing a killed worker, and
scripts/probe.py run against a live server.

Bounded: every loop has a count or a deadline; everything on loopback.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.proofs.helpers import ROOT, live_codes
from webserver import GuardedServer, make_server, raise_open_file_limit

sys.path.insert(0, str(ROOT / "scripts"))
import probe  # noqa: E402

MB = 1024 * 1024
FLOOD = 3000
KIOSK_ADDRESS = "127.0.0.2"


@pytest.fixture(autouse=True)
def _descriptors():
    raise_open_file_limit()  # this process holds the flood's client ends too


def target(server, source: str | None = KIOSK_ADDRESS) -> probe.Target:
    return probe.Target("127.0.0.1", server.port, source=source, token=server.token)


def open_from(port: int, n: int, source: str) -> list[socket.socket]:
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
        socks.append(s)
    return socks


def kiosk_checkins(server, codes: list[str]) -> list[tuple[int, str, float]]:
    """Each code checked in on a new connection from 127.0.0.2: (status, result, seconds)."""
    t = target(server)
    out = []
    for code in codes:
        t.code = code
        status, body, seconds = probe.checkin(t, KIOSK_ADDRESS)
        result = json.loads(body).get("result", "") if status == 200 else body[:80].decode("utf-8", "replace")
        out.append((status, result, seconds))
    return out


def guarded(server) -> GuardedServer:
    assert isinstance(server._server, GuardedServer)
    return server._server


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


# ---- connection floods ----


def test_3000_idle_connections_from_one_address_leave_the_door_open(live_server_any):
    server = live_server_any
    socks, failed = probe.open_many(target(server), FLOOD)
    try:
        assert failed == 0
        # the server keeps its cap for 127.0.0.1 and answers the rest 503 at once
        assert wait_for(lambda: len(probe.closed_by_server(socks)) == FLOOD - 100, 10)
        assert guarded(server).held["127.0.0.1"] == 100
        refusal = socks[-1].recv(200)
        assert refusal.startswith(b"HTTP/1.1 503") and "Quá nhiều kết nối".encode() in socks[-1].recv(400) + refusal
        assert server._thread.is_alive()
        answers = kiosk_checkins(server, [code for _, code in live_codes(server)])
        assert [(status, result) for status, result, _ in answers] == [(200, "ok")] * len(answers)
        assert max(seconds for *_, seconds in answers) < 1.0, answers
    finally:
        probe.close_all(socks)
    assert wait_for(lambda: "127.0.0.1" not in guarded(server).held, 10)  # every close gives its place back


def test_3000_connections_from_30_addresses_are_held_with_poll(live_server_any):
    """More descriptors than select() can watch (1,024): waitress's select() loop died here."""
    server = live_server_any
    socks: list[socket.socket] = []
    try:
        for n in range(1, 31):
            socks += open_from(server.port, 100, f"127.0.1.{n}")
        assert wait_for(lambda: len(guarded(server).active_channels) >= FLOOD, 20)
        assert max(s.fileno() for s in socks) > 1024
        assert not probe.closed_by_server(socks)
        assert server._thread.is_alive()
        answers = kiosk_checkins(server, [code for _, code in live_codes(server)])
        assert [status for status, *_ in answers] == [200] * len(answers)
        assert max(seconds for *_, seconds in answers) < 1.0, answers
    finally:
        probe.close_all(socks)


@pytest.fixture
def quick_server(live_server_any):
    """The same app on a second server whose deadlines are short (2 s for headers, checked
    every second), so slow clients are closed within a test's time."""
    port = free_port()
    srv = make_server(live_server_any.app, host="127.0.0.1", port=port, threads=4, header_seconds=2, cleanup_interval=1)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    live_server_any.quick = (srv, port)
    yield live_server_any
    srv.close()
    for channel in list(srv._map.values()):
        channel.close()
    srv.task_dispatcher.shutdown(timeout=2)
    thread.join(timeout=5)


def test_slow_and_silent_connections_are_closed_and_the_door_stays_open(quick_server):
    server = quick_server
    srv, port = server.quick
    slow = open_from(port, 50, "127.0.0.3")
    silent = open_from(port, 20, "127.0.0.4")
    browser = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=("127.0.0.5", 0))
    browser.request("GET", "/login")
    assert browser.getresponse().read() and browser.sock is not None
    keep = browser.sock
    for s in slow:
        s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    t0 = time.monotonic()
    closed: dict[int, float] = {}
    try:
        answers = []
        while len(closed) < len(slow) and time.monotonic() - t0 < 15:  # a byte every half second
            for i, s in enumerate(slow):
                if i not in closed:
                    try:
                        s.send(b"a")
                    except OSError:
                        closed[i] = time.monotonic() - t0
            closed.update({i: time.monotonic() - t0 for i in probe.closed_by_server(slow) if i not in closed})
            if not answers:
                t = probe.Target("127.0.0.1", port, token=server.token, code=live_codes(server)[0][1])
                answers = [probe.checkin(t, KIOSK_ADDRESS) for _ in range(5)]
            time.sleep(0.5)
        assert len(closed) == len(slow), f"{len(closed)} of {len(slow)} closed"
        assert max(closed.values()) < 6  # 2 s deadline + 1 s checks, a byte every 0.5 s kept none alive
        assert [a[0] for a in answers] == [200] * 5 and max(a[2] for a in answers) < 1.0
        assert len(probe.closed_by_server(silent)) == len(silent)  # never sent a byte
        assert not probe.closed_by_server([keep])  # idle keep-alive: channel_timeout (60 s), not 2 s
        browser.request("GET", "/login")
        assert browser.getresponse().status == 200 and browser.sock is keep
    finally:
        probe.close_all([*slow, *silent])
        browser.close()


def test_a_slow_body_is_closed_a_steady_one_is_not(quick_server):
    srv, port = quick_server.quick
    path = "/exhibitors/register"
    dribble = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.6", 0))
    steady = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.7", 0))
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {10 * MB}\r\n\r\n".encode()
    dribble.sendall(head)
    steady.sendall(head)
    t0 = time.monotonic()
    try:
        dribble_closed = None
        while time.monotonic() - t0 < 6:  # 10 bytes/s against 100 KB/s, both far under the limit
            if dribble_closed is None:
                try:
                    dribble.send(b"x" * 5)
                except OSError:
                    dribble_closed = time.monotonic() - t0
            steady.sendall(b"x" * 50_000)
            time.sleep(0.5)
        assert dribble_closed is not None or probe.closed_by_server([dribble]) == {0}
        assert not probe.closed_by_server([steady])
    finally:
        probe.close_all([dribble, steady])


# ---- bodies ----


def written_by(thread: threading.Thread) -> int:
    """Bytes the server's main loop thread has written to files (its temporary body files)."""
    text = Path(f"/proc/self/task/{thread.native_id}/io").read_text()
    return int(re.search(r"wchar: (\d+)", text).group(1))


def test_a_declared_oversized_body_is_refused_before_any_byte(live_server_any):
    server = live_server_any
    limit = server.app.config["MAX_CONTENT_LENGTH"]
    before = written_by(server._thread)
    t = target(server)
    for size in (10**9, limit + 1):
        probe.declared_body(t, "/exhibitors/register", size)
    assert [(r["status"], r["verdict"]) for r in t.rows] == [(413, "ok")] * 2, t.rows
    assert "tối đa 20 MB" in _answer_text(server.port, limit + 1)
    assert written_by(server._thread) - before < 64 * 1024  # nothing of the bodies
    # a body within the limit still reaches the app (its form answers, no 413)
    status, _body, _s = probe.request(t, "POST", "/exhibitors/register", b"x" * (2 * MB), source=KIOSK_ADDRESS)
    assert status not in (413, None) and status < 500


def _answer_text(port: int, size: int) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(KIOSK_ADDRESS, 0)) as s:
        s.sendall(f"POST /exhibitors/register HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n".encode())
        data = b""
        while b"MB" not in data and len(data) < 4096:
            part = s.recv(4096)
            if not part:
                break
            data += part
    return data.decode("utf-8", "replace")


def test_a_chunked_1gb_body_stops_at_the_limit_on_disk(live_server_any):
    server = live_server_any
    limit = server.app.config["MAX_CONTENT_LENGTH"]
    before = written_by(server._thread)
    t = target(server)
    probe.chunked_body(t, "/exhibitors/register", 10**9)
    row = t.rows[-1]
    assert row["status"] == 413 and row["verdict"] == "ok", row
    assert row["sent_mb"] * MB < limit + 16 * MB  # the server stopped reading at its limit
    written = written_by(server._thread) - before
    assert written <= limit + MB <= 25 * MB, written
    # the server goes on: a check-in right after
    answers = kiosk_checkins(server, [live_codes(server)[0][1]])
    assert answers[0][0] == 200


# ---- serve keeps its workers ----


def test_serve_replaces_a_killed_worker(tmp_path):
    from chaos_kill import Server, populate

    db_url = f"sqlite:///{tmp_path / 'w.db'}"
    people, token = populate(db_url, 4, tmp_path / "instance")
    port = free_port()
    server = Server(db_url, tmp_path / "instance", port, "NORMAL", tmp_path / "server.log")
    server.env["WORKERS"] = "2"
    server.start()

    def workers() -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    try:
        assert wait_for(lambda: len(workers()) == 2, 10)
        first = workers()
        limits = Path(f"/proc/{first[0]}/limits").read_text()
        soft, hard = re.search(r"Max open files\s+(\S+)\s+(\S+)", limits).groups()
        assert soft == hard  # serve raised the soft limit to the hard one
        for victim in first:
            os.kill(victim, signal.SIGKILL)
            assert wait_for(lambda v=victim: v not in workers() and len(workers()) == 2, 10)
        assert not set(first) & set(workers())
        t = probe.Target("127.0.0.1", port, token=token, code=people[0][1])
        status, body, _s = probe.checkin(t)
        assert status == 200 and json.loads(body)["result"] == "ok"
        assert "server worker" in (tmp_path / "server.log").read_text()
        # the supervisor killed: its workers follow within seconds (no orphan keeps the port)
        last = workers()
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(timeout=10)
        assert wait_for(lambda: not any(Path(f"/proc/{p}").exists() for p in last), 10)
        port_free = socket.socket()  # as serve binds it: nobody listens there any more
        port_free.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        port_free.bind(("127.0.0.1", port))
        port_free.listen(1)
        port_free.close()
    finally:
        if server.proc.poll() is None:
            os.killpg(server.proc.pid, signal.SIGTERM)
            server.proc.wait(timeout=10)


# ---- the probe script ----


def test_probe_prints_its_table_and_passes_on_this_server(live_server_any, capsys):
    server = live_server_any
    code = live_codes(server)[1][1]
    argv = ["--url", server.url, "--token", server.token, "--code", code, "--flood", "300"]
    argv += ["--checkins", "5", "--body-mb", "200", "--classes", "flood,body,login"]
    assert probe.main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("| class | sent | result | verdict |")
    for cls in ("connection flood (idle)", "check-in latency during the flood", "oversized declared body"):
        assert f"| {cls} |" in out
    assert "oversized chunked body" in out and "login throttling sanity" in out
    assert "FAIL" not in out


def test_probe_finds_no_500_for_odd_digits(live_server_any):
    t = target(live_server_any)
    probe.odd_digits(t)
    assert len(t.rows) == len(probe.ODD_DIGITS)
    assert all(r["verdict"] != "FAIL" for r in t.rows), [r["result"] for r in t.rows]


def test_probe_marks_a_500_as_fail():
    """The verdict logic itself, on a tiny server that answers 500 to everything."""
    import http.server

    class Boom(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Boom)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        t = probe.Target("127.0.0.1", httpd.server_address[1])
        probe.odd_digits(t)
        assert {r["verdict"] for r in t.rows} == {"FAIL"}
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---- the main loop, the systemd unit ----


def test_new_connections_on_reused_descriptors_are_answered_at_once(live_server_any):
    """EpollLoop leaves quiet connections out of its rounds; a new connection that reuses a
    closed one's descriptor number must still be asked at once (not at the next second's sweep):
    60 connections one after the other, each closed before the next, take far less than 60 s."""
    server = live_server_any
    t0 = time.monotonic()
    for _ in range(60):
        status, _body, seconds = probe.request(target(server), "GET", "/login", source=KIOSK_ADDRESS)
        assert status == 200 and seconds < 1.0
    assert time.monotonic() - t0 < 20


def test_the_systemd_unit_restarts_serve_and_gives_it_descriptors(tmp_path):
    import configparser
    import shutil

    unit = ROOT / "docs" / "event-kiosk.service"
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.optionxform = str
    parsed.read_string(unit.read_text(encoding="utf-8"))
    service = parsed["Service"]
    assert service["Restart"] == "always" and service["ExecStart"].endswith("flask --app app serve")
    assert int(service["LimitNOFILE"]) >= 2 * FLOOD
    assert parsed["Unit"]["StartLimitIntervalSec"] == "0"  # never gives up restarting
    assert "event-kiosk.service" in (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    if shutil.which("systemd-analyze"):  # the unit as systemd reads it, with this checkout's paths
        text = unit.read_text(encoding="utf-8").replace("/opt/event-kiosk/.venv", str(Path(sys.executable).parents[1]))
        text = text.replace("WorkingDirectory=/opt/event-kiosk", f"WorkingDirectory={ROOT}")
        (tmp_path / "event-kiosk.service").write_text(text, encoding="utf-8")
        check = subprocess.run(
            ["systemd-analyze", "verify", str(tmp_path / "event-kiosk.service")], capture_output=True, text=True
        )
        assert check.returncode == 0 and not check.stderr.strip(), check.stderr
