"""Do failed logins from many addresses slow the check-ins down? (issue 22 item 5)

    python scripts/bench_login_flood.py [--addresses 200] [--seconds 15] [--rate 100]
        [--flooders 32] [--login-rate 0] [--workers 1]

Starts `flask --app app serve` on a temporary SQLite database with delegates for both phases
and an admin, then runs check-ins at a steady ``--rate`` from 4 kiosk-like clients (lean keep-alive
sockets, bench_checkin.client) for ``--seconds``: first alone, then while ``--flooders``
connections send wrong passwords for `bench-admin` from ``--addresses`` loopback addresses
(127.0.1.x, 127.0.2.x, ...: the whole 127/8 is this machine), each a real browser-like login
(GET /login for the CSRF token, then POST). During the flood the admin logs in twice: from a
browser with a device cookie (an earlier login), and from a new browser at their own address.
Prints check-in p50/p99/max for both phases, the flood's answers (200 wrong password, 429
refused, 503 busy), the server's CPU, and the admin's two logins.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_checkin import _cpu_seconds, client, populate  # noqa: E402

ADMIN, PASSWORD = "bench-admin", "bench-password-1"


class Browser:
    """A browser-like login client on one connection from ``source`` (cookies by hand)."""

    def __init__(self, port: int, source: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        for value in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return r.status, text

    def login(self, username: str, password: str) -> int:
        from urllib.parse import urlencode

        _status, html = self._send("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        status, _ = self._send(
            "POST", "/login", urlencode({"username": username, "password": password, "csrf_token": token})
        )
        return status


def address(i: int) -> str:
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


def flood(port: int, addresses: int, flooders: int, rate: float, stop, out) -> None:
    """``flooders`` threads, each walking its share of the addresses round and round, one wrong
    password per visit, until ``stop``; ``rate``: attempts per second in all (0: as fast as
    they can). Puts {status: count} and the attempts' latencies."""
    counts: dict[int, int] = {}
    lat: list[float] = []
    lock = threading.Lock()

    def one(k: int) -> None:
        mine = [address(i) for i in range(k, addresses, flooders)]
        browsers = dict.fromkeys(mine)
        n, start, every = 0, time.perf_counter(), (flooders / rate if rate else 0.0)
        while not stop.is_set():
            if every and stop.wait(max(0.0, start + n * every - time.perf_counter())):
                break
            a = mine[n % len(mine)]
            n += 1
            try:
                b = browsers[a] = browsers[a] or Browser(port, a)
                t = time.perf_counter()
                status = b.login(ADMIN, f"guess-{n}")
                dt = time.perf_counter() - t
            except (OSError, http.client.HTTPException, AttributeError):
                browsers[a] = None
                status, dt = 0, 0.0
            with lock:
                counts[status] = counts.get(status, 0) + 1
                lat.append(dt)

    threads = [threading.Thread(target=one, args=(k,), daemon=True) for k in range(flooders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((counts, lat))


def checkins(port: int, token: str, work: list[str], rate: float, tag: str) -> dict:
    chunks = [work[i::4] for i in range(4)]
    with mp.Pool(4) as pool:
        res = pool.map(client, [(port, token, ch, f"{tag}{i}", rate / 4) for i, ch in enumerate(chunks)])
    lat = sorted(dt for r in res for dt, _ in r)
    q = statistics.quantiles(lat, n=100)
    errors = sum(1 for r in res for _, o in r if o.startswith("http"))
    return {
        "checkins": len(lat),
        "p50_ms": round(q[49] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "max_ms": round(lat[-1] * 1000, 1),
        "errors": errors,
    }


def admin_logins(port: int, device_browser: Browser) -> dict:
    """The admin during the flood: with the device cookie, and from a new browser at their own
    address (asked again after a 503, as a person would, 2 s later)."""
    out = {}
    t = time.perf_counter()
    out["device_cookie_status"] = device_browser.login(ADMIN, PASSWORD)
    out["device_cookie_s"] = round(time.perf_counter() - t, 2)
    t, tries = time.perf_counter(), 0
    while True:
        tries += 1
        status = Browser(port, "127.0.0.200").login(ADMIN, PASSWORD)
        if status != 503 or tries >= 10:
            break
        time.sleep(2)
    out.update(new_browser_status=status, new_browser_s=round(time.perf_counter() - t, 2), new_browser_tries=tries)
    return out


def start_server(env: dict, port: int, workers: int, log) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/login")
            c.getresponse().read()
            return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--addresses", type=int, default=200)
    ap.add_argument("--flooders", type=int, default=32)
    ap.add_argument("--login-rate", type=float, default=0, help="failed logins per second in all (0: flat out)")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--rate", type=float, default=100, help="check-ins per second in all")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--port", type=int, default=8767)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ek-flood-"))
    env = dict(
        os.environ,
        EVENT_KIOSK_INSTANCE=str(tmp / "instance"),
        SIGNING_KEY_FILE=str(tmp / "keys" / "signing_key"),
        SECRET_KEY="bench-only",
        DATABASE_URL=f"sqlite:///{tmp / 'instance' / 'flood.db'}",
    )
    os.environ.update(env)
    n = int(args.rate * args.seconds)
    codes, token = populate(2 * n + 100)
    from app import create_app
    from models.accounts.models import User
    from models.core.base import db

    with create_app().app_context():
        u = User(username=ADMIN, role="admin")
        u.set_password(PASSWORD)
        db.session.add(u)
        db.session.commit()
    log = open(tmp / "server.log", "w+b")
    server = start_server(env, args.port, args.workers, log)
    try:
        device = Browser(args.port, "127.0.0.100")
        assert device.login(ADMIN, PASSWORD) == 302  # an earlier login: a device cookie
        client((args.port, token, [codes[-1]] * 20, "warm"))
        cpu = _cpu_seconds(server.pid)
        alone = checkins(args.port, token, codes[:n], args.rate, "a")
        cpu_alone, cpu = _cpu_seconds(server.pid) - cpu, _cpu_seconds(server.pid)
        stop, out = mp.Event(), mp.Queue()
        proc = mp.Process(target=flood, args=(args.port, args.addresses, args.flooders, args.login_rate, stop, out))
        proc.start()
        time.sleep(2)  # the flood under way
        admin: dict = {}
        who = threading.Thread(
            target=lambda: (time.sleep(args.seconds / 3), admin.update(admin_logins(args.port, device)))
        )
        who.start()
        t = time.perf_counter()
        flooded = checkins(args.port, token, codes[n : 2 * n], args.rate, "b")
        wall = time.perf_counter() - t
        who.join(120)
        stop.set()
        counts, lat = out.get(timeout=120)
        proc.join(30)
        cpu_flood = _cpu_seconds(server.pid) - cpu
    finally:
        server.terminate()
        server.wait(10)
    attempts = sum(counts.values())
    summary = {
        "rate_per_s": args.rate,
        "checkins_alone": alone,
        "checkins_during_flood": flooded,
        "server_cpu_s": {"alone": round(cpu_alone, 1), "flood": round(cpu_flood, 1)},
        "flood": {
            "login_rate": args.login_rate or "flat out",
            "addresses": args.addresses,
            "connections": args.flooders,
            "attempts": attempts,
            "wrong_password_200": counts.get(200, 0),
            "refused_429": counts.get(429, 0),
            "busy_503": counts.get(503, 0),
            "errors": counts.get(0, 0),
            "checked_per_s": round(counts.get(200, 0) / (wall + 2), 1),
            "attempt_p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        },
        "admin_during_flood": admin,
    }
    print(
        f"check-ins at {args.rate:g}/s: alone p50 {alone['p50_ms']} ms, p99 {alone['p99_ms']} ms; during a flood "
        f"of {attempts} failed logins from {args.addresses} addresses: p50 {flooded['p50_ms']} ms, "
        f"p99 {flooded['p99_ms']} ms, max {flooded['max_ms']} ms; admin: {admin}"
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
