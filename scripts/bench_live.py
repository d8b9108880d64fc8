"""Does the live dashboard slow check-ins down? And how long does its data take at scale?

    .venv/bin/python scripts/bench_live.py [--viewers 50] [--requests 3000]

1. A temporary database with 10,000 delegates in a 10,000-seat hall, 8,000 already checked in:
   time dashboard_data() (median of 5) and one /admin/live render.
2. The real server (waitress, `flask serve`); check-ins from 8 keep-alive clients with no
   dashboard open, then again while 50 logged-in dashboards poll /admin/live every second.
   Prints check-in p50/p99 for both, and the viewers' poll latency.
"""

from __future__ import annotations

import argparse
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

from bench_checkin import client, http_exchange, populate  # noqa: E402


def prepare(n_checked: int) -> None:
    """A hall for everyone and n_checked arrivals (bulk, as if scanned earlier)."""
    from datetime import datetime, timedelta

    from sqlalchemy import insert, select, update

    from app import create_app
    from models.accounts.models import User
    from models.checkin.models import CheckIn
    from models.core.base import db
    from models.events.models import Event
    from models.guests.models import Attendee
    from models.hall.models import Seat
    from models.seating.assignment import build_block, rank_seats

    app = create_app()
    with app.app_context():
        ev = db.session.scalar(select(Event))
        for i in range(10):
            build_block(
                ev,
                code=chr(65 + i),
                name=f"Khu {chr(65 + i)}",
                rows=40,
                seats_per_row=25,
                x=(i % 5) * 27,
                y=2 + (i // 5) * 42,
            )
        rank_seats(ev)
        seat_ids = db.session.scalars(select(Seat.id).order_by(Seat.stage_rank)).all()
        ids = db.session.scalars(select(Attendee.id).order_by(Attendee.id)).all()
        db.session.execute(update(Attendee), [{"id": a, "seat_id": s} for a, s in zip(ids, seat_ids, strict=False)])
        t0 = datetime(2025, 5, 22, 0, 0)
        rows = [
            {
                "event_id": ev.id,
                "scan_id": f"pre-{a}",
                "code": "",
                "attendee_id": a,
                "station": "pre",
                "method": "kiosk",
                "outcome": "ok",
                "reason": "",
                "scanned_at": t0 + timedelta(seconds=a // 3),
                "received_at": t0,
            }
            for a in ids[:n_checked]
        ]
        db.session.execute(insert(CheckIn), rows)
        first = dict(db.session.execute(select(CheckIn.attendee_id, CheckIn.id)).all())
        db.session.execute(
            update(Attendee),
            [
                {"id": a, "checked_in_at": t0 + timedelta(seconds=a // 3), "first_checkin_id": first[a]}
                for a in ids[:n_checked]
            ],
        )
        u = User(username="bench-admin", role="admin")
        u.set_password("bench-password")
        db.session.add(u)
        db.session.commit()


def time_dashboard() -> dict:
    from app import create_app
    from models.dashboard.live import dashboard_data, dashboard_version
    from models.events.service import current_event

    # rendered here, to time the render itself (the server draws it in its renderer process)
    app = create_app({"WTF_CSRF_ENABLED": False, "DASHBOARD_RENDER_PROCESS": False})
    with app.app_context():
        ev = current_event()
        times = []
        for _ in range(5):
            t = time.perf_counter()
            d = dashboard_data(ev)
            times.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        for _ in range(20):
            dashboard_version(ev)
        version_ms = (time.perf_counter() - t) * 1000 / 20
        client_ = app.test_client()
        client_.post("/login", data={"username": "bench-admin", "password": "bench-password"})
        t = time.perf_counter()
        r = client_.get("/admin/live")
        render_ms = (time.perf_counter() - t) * 1000
        assert r.status_code == 200, r.status_code
        return {
            "dashboard_data_ms_median": round(statistics.median(times), 1),
            "dashboard_version_ms": round(version_ms, 2),
            "live_fragment_first_render_ms": round(render_ms, 1),
            "live_fragment_bytes": len(r.data),
            "checked_in": d["stats"]["checked_in"],
            "invited": d["stats"]["invited"],
        }


def admin_cookie(port: int) -> str:
    """Log the bench admin in; the Cookie header value of that session."""
    import requests

    s = requests.Session()
    html = s.get(f"http://127.0.0.1:{port}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    s.post(
        f"http://127.0.0.1:{port}/login",
        data={"username": "bench-admin", "password": "bench-password", "csrf_token": token},
    )
    assert s.get(f"http://127.0.0.1:{port}/admin/live", allow_redirects=False).status_code == 200
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def viewers(port: int, n: int, interval: float, stop: mp.Event, out: mp.Queue) -> None:
    """n dashboards, each logged in as an admin and polling /admin/live?v= every ``interval``
    seconds as static/js/dashboard.js does (lean sockets: the browsers would be elsewhere)."""
    import random
    import socket

    lat: list[float] = []
    lock = threading.Lock()

    # one login for all (the login form allows 20 attempts per address per 10 minutes)
    cookie = admin_cookie(port)

    def one() -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        buf, v = b"", ""
        time.sleep(random.random() * interval)  # dashboards opened at different moments
        while not stop.is_set():
            request = (
                f"GET /admin/live?v={v} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Cookie: {cookie}\r\nAccept: text/html\r\n\r\n"
            ).encode()
            t = time.perf_counter()
            status, headers, _body, buf = http_exchange(sock, buf, request)
            with lock:
                lat.append(time.perf_counter() - t)
            assert status in (200, 204), status
            v = headers.get("x-version", v)
            stop.wait(max(0.0, interval - (time.perf_counter() - t)))

    threads = [threading.Thread(target=one, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
        time.sleep(0.02)
    for t in threads:
        t.join()
    out.put(lat)


def freshness(port: int, token: str, probe_codes: list[str], interval: float) -> list[float]:
    """Seconds from a check-in's answer to the first poll (every ``interval`` s, from a random
    moment, as a dashboard opened at any time) whose fragment counts it."""
    import random
    import socket

    import requests

    cookie = admin_cookie(port)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    buf, v, out = b"", "", []

    def poll() -> tuple[int, bytes]:
        nonlocal buf, v
        request = (f"GET /admin/live?v={v} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n").encode()
        status, headers, body, buf = http_exchange(sock, buf, request)
        v = headers.get("x-version", v)
        return status, body

    def arrived(body: bytes) -> int:
        return int(re.search(rb'data-stat="checked_in">(\d+)<', body).group(1))

    time.sleep(1.5)
    status, body = poll()  # the full fragment (v is empty)
    count = arrived(body)
    for i, code in enumerate(probe_codes):
        time.sleep(random.random() * interval)
        r = requests.post(
            f"http://127.0.0.1:{port}/api/v1/checkins",
            timeout=10,
            headers={"Authorization": f"Bearer {token}"},
            json={"code": code, "station": "probe", "scan_id": f"probe-{i}"},
        )
        assert r.json()["result"] == "ok", r.text
        done = time.perf_counter()
        count += 1
        phase = random.random() * interval  # where in its poll cycle the dashboard is
        time.sleep(phase)
        while True:
            status, body = poll()
            if status == 200 and arrived(body) >= count:
                out.append(time.perf_counter() - done)
                break
            time.sleep(interval)
    return out


def run_checkins(port: int, token: str, work: list[str], clients: int, tag: str, rate: float = 0) -> dict:
    chunks = [work[i::clients] for i in range(clients)]
    t = time.perf_counter()
    with mp.Pool(clients) as pool:
        res = pool.map(client, [(port, token, ch, f"{tag}{i}", rate / clients) for i, ch in enumerate(chunks)])
    wall = time.perf_counter() - t
    lat = sorted(dt for r in res for dt, _ in r)
    errors = sum(1 for r in res for _, o in r if o.startswith("http"))
    q = statistics.quantiles(lat, n=100)
    return {
        "requests": len(lat),
        "per_s": round(len(lat) / wall, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "errors": errors,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--viewers", type=int, default=50)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--probes", type=int, default=20, help="check-ins timed until a dashboard shows them")
    ap.add_argument(
        "--poll", type=float, default=0.5, help="seconds between one dashboard's polls (static/js/dashboard.js)"
    )
    ap.add_argument("--rate", type=float, default=0, help="check-ins per second in all (0: as fast as the clients can)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ek-live-"))
    env = dict(
        os.environ, EVENT_KIOSK_INSTANCE=str(tmp), SECRET_KEY="bench-only", DATABASE_URL=f"sqlite:///{tmp / 'live.db'}"
    )
    os.environ.update(env)
    codes, token = populate(10_000)
    prepare(8_000)
    scale = time_dashboard()
    print("at 10,000 delegates / 8,000 check-ins:", json.dumps(scale))

    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/flask"),
            "--app",
            "app",
            "serve",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import requests

        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{args.port}/login", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        rest = codes[8000:]  # not yet checked in: first scans, then repeats
        probes, rest = rest[-args.probes :], rest[: -args.probes]
        half = args.requests // 2
        base = run_checkins(
            args.port, token, (rest[:half] + codes[: args.requests - half]), args.clients, "a", args.rate
        )
        stop, out = mp.Event(), mp.Queue()
        proc = mp.Process(target=viewers, args=(args.port, args.viewers, args.poll, stop, out))
        proc.start()
        time.sleep(3)  # all viewers logged in and polling
        loaded = run_checkins(
            args.port, token, rest[half : 2 * half] + codes[: args.requests - half], args.clients, "b", args.rate
        )
        # how long until a check-in shows on a dashboard that polls like the page does
        fresh = freshness(args.port, token, probes, args.poll)
        stop.set()
        polls = sorted(out.get(timeout=60))
        proc.join(10)
    finally:
        server.terminate()
        server.wait(10)
    q = statistics.quantiles(polls, n=100)
    summary = {
        "rate_per_s": args.rate or "max",
        "scale": scale,
        "checkins_0_viewers": base,
        f"checkins_{args.viewers}_viewers": loaded,
        "viewer_polls": len(polls),
        "poll_p50_ms": round(q[49] * 1000, 2),
        "poll_p99_ms": round(q[98] * 1000, 2),
        "poll_interval_s": args.poll,
        "shown_after_s": {
            "median": round(statistics.median(fresh), 2),
            "max": round(max(fresh), 2),
            "within_1s": f"{sum(1 for x in fresh if x <= 1.0)}/{len(fresh)}",
        },
    }
    print(
        f"check-in p99 with 0 viewers: {base['p99_ms']} ms ({base['per_s']}/s); "
        f"with {args.viewers} viewers: {loaded['p99_ms']} ms ({loaded['per_s']}/s); "
        f"dashboard poll p50 {summary['poll_p50_ms']} ms, p99 {summary['poll_p99_ms']} ms; "
        f"a check-in shown after {summary['shown_after_s']}"
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
