"""Kill -9 the server while kiosks check people in; prove nothing acknowledged is lost.

    .venv/bin/python scripts/chaos_kill.py [--delegates 2500] [--clients 4] [--scans 3000]
        [--kills 6] [--synchronous NORMAL|FULL] [--json]

1. Creates a temporary SQLite database with the real migrations (`flask --app app init-db`)
   and an event of --delegates people with signed badges.
2. Starts the real server (`flask --app app serve`, waitress) in its own process group.
3. --clients kiosk-like threads use the kiosk's own durable queue (kiosk/queue.py, one SQLite
   file each) and HTTP client (kiosk/client.py): every scan is queued first, then the queue is
   flushed; a scan is "acknowledged" when the server's answer came back (queue state done).
   Unanswered scans stay queued and are resent with the same scan_id. Work: random badges,
   a share of them shown again (at the same or another kiosk), so "ok" and "already" both occur
   and two kiosks race for the same person.
4. Meanwhile the main thread sends SIGKILL to the server --kills times at random moments
   (mid-transaction, mid-response), waits, and restarts it. After the last client finishes,
   the server is killed once more and the database is read straight from the file.
5. Checks: every acknowledged scan is in the database with the answer the kiosk got; no
   scan_id twice; every queued scan arrived (no queue left); exactly one "ok" per attendee
   scanned, and each arrival points at its "ok" row; PRAGMA integrity_check is ok.

Prints the figures (scans, kills, acknowledged, resent, lost = 0, ...) and exits 1 when a check
fails. --synchronous FULL runs the same server with PRAGMA synchronous=FULL (to compare).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def populate(db_url: str, n: int, instance: Path) -> tuple[list[tuple[int, str]], str]:
    """Real migrations, then an event with n delegates and badges; (attendee id, code) list and
    a kiosk token."""
    env = dict(os.environ, DATABASE_URL=db_url, EVENT_KIOSK_INSTANCE=str(instance), SECRET_KEY="chaos-only")
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    from bulk_event import bulk_event

    from app import create_app
    from models.core.base import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "TESTING": False})
    with app.app_context():
        people, token = bulk_event(
            n, slug="chaos", name="Hội nghị thử sập máy", device="chaos", person="Trần Thị Thử", honorific="Bà"
        )
        db.engine.dispose()
    return people, token


class Server:
    """The real server in its own process group, killed with SIGKILL and restarted."""

    def __init__(self, db_url: str, instance: Path, port: int, synchronous: str, log: Path):
        self.port, self.synchronous, self.log = port, synchronous, log
        self.env = dict(os.environ, DATABASE_URL=db_url, EVENT_KIOSK_INSTANCE=str(instance), SECRET_KEY="chaos-only")
        self.proc: subprocess.Popen | None = None
        self.kills = 0

    def start(self) -> float:
        args = ["--app", "app", "serve", "--port", str(self.port), "--threads", "8"]
        cmd = [sys.executable, "-m", "flask", *args]  # PRAGMA synchronous: SQLITE_SYNCHRONOUS (config.py)
        t0 = time.perf_counter()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=dict(self.env, SQLITE_SYNCHRONOUS=self.synchronous),
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        import http.client

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: see {self.log}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                c.request("GET", "/login")
                c.getresponse().read()
                c.close()
                return time.perf_counter() - t0
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start in 30 s")

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.kills += 1
        self.proc = None


def kiosk_client(n: int, state: Path, url: str, token: str, work: list[str], pace_s: float, stats: dict) -> None:
    """One kiosk: queue each scan durably, then flush the queue (resending what is unanswered).
    One scan per ``pace_s`` at most, online or not (people walk up at their own pace)."""
    from datetime import UTC, datetime

    from kiosk.client import ApiClient, ServerUnavailable
    from kiosk.decision import now_iso
    from kiosk.queue import ScanQueue, flush

    cut: dict[str, str] = {}  # scan_id -> when a request for it died after it was sent (UTC)

    class Client(ApiClient):
        def post_checkin(self, code, station, scan_id, scanned_at=None, **kw):
            try:
                return super().post_checkin(code, station, scan_id, scanned_at, **kw)
            except ServerUnavailable as exc:
                if "refused" not in str(exc):  # sent, then the connection died or timed out
                    cut.setdefault(scan_id, datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" "))
                raise

    queue = ScanQueue(state / f"kiosk-{n}" / "queue.sqlite3")
    client = Client(url, token, timeout=2.0)
    failed_flushes = held = 0
    for code in work:
        t = time.perf_counter()
        queue.add(code, f"Cổng {n}", now_iso())
        report = flush(queue, client, include_held=True)
        failed_flushes += 1 if report.failed else 0
        held += 1 if queue.pending_count() else 0  # flush goes oldest first: this one waits
        rest = pace_s - (time.perf_counter() - t)
        if rest > 0:
            time.sleep(rest)
    while queue.pending_count():  # the server may be down right now: keep trying
        report = flush(queue, client, include_held=True)
        if report.failed:
            failed_flushes += 1
            time.sleep(0.1)
    stats[n] = {"failed_flushes": failed_flushes, "held": held, "cut": cut}
    queue.close()


def acknowledged(state: Path, clients: int) -> tuple[dict[str, str], int, int]:
    """scan_id -> result the kiosk was given; how many scans needed more than one attempt; how
    many are left in the queues (not done)."""
    acked: dict[str, str] = {}
    resent = left = 0
    for n in range(clients):
        with sqlite3.connect(state / f"kiosk-{n}" / "queue.sqlite3") as con:
            for scan_id, st, attempts, answer in con.execute("SELECT scan_id, state, attempts, answer FROM scans"):
                if st == "done":
                    acked[scan_id] = json.loads(answer)["result"]
                else:
                    left += 1
                resent += 1 if attempts else 0
    return acked, resent, left


def verify(db_file: Path, acked: dict[str, str], scanned: set[int], cut: dict[str, str]) -> dict:
    con = sqlite3.connect(db_file)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        rows = {
            s: (o, a)
            for s, o, a in con.execute("SELECT scan_id, outcome, attendee_id FROM checkin WHERE method = 'kiosk'")
        }
        received = dict(con.execute("SELECT scan_id, received_at FROM checkin"))
        dup = con.execute("SELECT count(*) - count(DISTINCT scan_id) FROM checkin").fetchone()[0]
        oks = dict(con.execute("SELECT attendee_id, count(*) FROM checkin WHERE outcome = 'ok' GROUP BY attendee_id"))
        arrivals = dict(
            con.execute(
                "SELECT a.id, c.outcome FROM attendee a LEFT JOIN checkin c ON c.id = a.first_checkin_id "
                "WHERE a.checked_in_at IS NOT NULL"
            )
        )
    finally:
        con.close()
    lost = [s for s in acked if s not in rows]
    changed = [s for s in acked if s in rows and rows[s][0] != acked[s]]
    return {
        "integrity": integrity,
        "rows": len(rows),
        "lost": len(lost),
        "answer_differs": len(changed),
        "duplicate_scan_ids": dup,
        "attendees_scanned": len(scanned),
        "attendees_with_one_ok": sum(1 for a in scanned if oks.get(a) == 1),
        "attendees_with_two_oks": sum(1 for v in oks.values() if v > 1),
        "arrivals_not_on_ok_row": sum(1 for v in arrivals.values() if v != "ok"),
        "arrivals": len(arrivals),
        # the server had committed these before its answer was lost; the resend got the answer
        "committed_but_unanswered": sum(1 for sid, at in cut.items() if received.get(sid, "9") <= at),
    }


def run(args: argparse.Namespace) -> dict:
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="ek-chaos-"))
    tmp.mkdir(parents=True, exist_ok=True)
    db_file = tmp / "chaos.db"
    db_url = f"sqlite:///{db_file}"
    t0 = time.perf_counter()
    people, token = populate(db_url, args.delegates, tmp / "instance")
    rng = random.Random(args.seed)
    n_first = int(args.scans * (1 - args.repeat_share))
    firsts = rng.sample(people, min(n_first, len(people)))  # first showings: distinct people
    firsts += [rng.choice(people) for _ in range(n_first - len(firsts))]
    work = firsts + [rng.choice(firsts) for _ in range(args.scans - n_first)]
    rng.shuffle(work)
    scanned = {a for a, _ in work}
    chunks = [[c for _, c in work[i :: args.clients]] for i in range(args.clients)]

    server = Server(db_url, tmp / "instance", args.port, args.synchronous, tmp / "server.log")
    restarts = [server.start()]
    url = f"http://127.0.0.1:{args.port}"
    stats: dict = {}
    threads = [
        threading.Thread(target=kiosk_client, args=(n, tmp, url, token, ch, args.pace, stats), daemon=True)
        for n, ch in enumerate(chunks)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    down_s = 0.0
    for _ in range(args.kills):
        time.sleep(rng.uniform(args.up_min, args.up_max))
        if not any(t.is_alive() for t in threads):
            break
        killed = time.perf_counter()
        server.kill9()
        time.sleep(rng.uniform(0.1, args.down_max))
        restarts.append(server.start())
        down_s += time.perf_counter() - killed
    for t in threads:
        t.join(timeout=600)
    wall = time.perf_counter() - started
    kills_during_run = server.kills
    server.kill9()  # the last word: a SIGKILL, then read the file as it was left
    acked, resent, left = acknowledged(tmp, args.clients)
    cut = {sid: at for st in stats.values() for sid, at in st["cut"].items()}
    checks = verify(db_file, acked, scanned, cut)
    summary = {
        "synchronous": args.synchronous,
        "delegates": args.delegates,
        "clients": args.clients,
        "scans": len(work),
        "kills": server.kills,
        "kills_while_kiosks_worked": kills_during_run,
        "seconds_down": round(down_s, 1),
        "acknowledged": len(acked),
        "acknowledged_ok": sum(1 for r in acked.values() if r == "ok"),
        "acknowledged_already": sum(1 for r in acked.values() if r == "already"),
        "held_while_down": sum(s["held"] for s in stats.values()),
        "resent": resent,
        "requests_cut_by_a_kill": len(cut),
        "left_in_queues": left,
        **checks,
        "restart_s_median": round(sorted(restarts)[len(restarts) // 2], 2),
        "wall_s": round(wall, 1),
        "total_s": round(time.perf_counter() - t0, 1),
        "workdir": str(tmp),
    }
    summary["passed"] = (
        checks["lost"] == 0
        and checks["answer_differs"] == 0
        and checks["duplicate_scan_ids"] == 0
        and checks["integrity"] == "ok"
        and left == 0
        and len(acked) == len(work)
        and checks["rows"] == len(work)
        and checks["attendees_with_one_ok"] == len(scanned)
        and checks["attendees_with_two_oks"] == 0
        and checks["arrivals_not_on_ok_row"] == 0
        and checks["arrivals"] == len(scanned)
        and kills_during_run >= 1
    )
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--delegates", type=int, default=2500)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--scans", type=int, default=3000)
    ap.add_argument("--repeat-share", type=float, default=0.3)
    ap.add_argument("--kills", type=int, default=6)
    ap.add_argument("--up-min", type=float, default=0.8, help="seconds up before a kill (min)")
    ap.add_argument("--up-max", type=float, default=2.5)
    ap.add_argument("--down-max", type=float, default=1.0, help="seconds down after a kill (max)")
    ap.add_argument("--pace", type=float, default=0.02, help="seconds between two scans of a kiosk (at least)")
    ap.add_argument("--synchronous", choices=["NORMAL", "FULL"], default="NORMAL")
    ap.add_argument("--port", type=int, default=8791)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--keep", default="", help="work directory to keep (default: a temporary one)")
    ap.add_argument("--json", action="store_true", help="print only the JSON summary")
    args = ap.parse_args(argv)
    summary = run(args)
    if summary["passed"] and not args.keep:
        import shutil

        shutil.rmtree(summary.pop("workdir"), ignore_errors=True)  # kept when a check failed
    if not args.json:
        print(
            f"{summary['scans']} scans from {summary['clients']} kiosks, {summary['kills']} kill -9 "
            f"({summary['seconds_down']} s unreachable): acknowledged {summary['acknowledged']} "
            f"(ok {summary['acknowledged_ok']}, already {summary['acknowledged_already']}), "
            f"held in kiosk queues {summary['held_while_down']}, resent {summary['resent']}, "
            f"lost {summary['lost']}, duplicates "
            f"{summary['duplicate_scan_ids']}, attendees with exactly one ok "
            f"{summary['attendees_with_one_ok']}/{summary['attendees_scanned']}, "
            f"integrity {summary['integrity']}: {'PASS' if summary['passed'] else 'FAIL'}"
        )
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
