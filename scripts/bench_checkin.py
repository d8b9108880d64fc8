"""Benchmark POST /api/v1/checkins on the real server (waitress) with 10,000 delegates.

    .venv/bin/python scripts/bench_checkin.py [--clients 8] [--requests 12000] [--workers 2]
        [--threads 8] [--db sqlite|postgresql|both] [--both] [--pg-server URL] [--database-url URL]

Starts `flask --app app serve` in a subprocess on a temporary database (SQLite: a file;
PostgreSQL: a database of its own on --pg-server, dropped afterwards; --both runs SQLite, then
PostgreSQL with the same settings, and prints PostgreSQL's share of SQLite's throughput), drives it from
concurrent keep-alive HTTP clients (separate processes), mixing first scans and repeats, and
prints throughput and p50/p95/p99 latency. Afterwards it checks that every attendee who was
scanned has exactly one `ok`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def populate(n: int) -> tuple[list[str], str]:
    """Create an event with n delegates and badges; return (codes, kiosk token)."""
    from bulk_event import bulk_event

    from app import create_app
    from cli import upgrade_database

    app = create_app()
    with app.app_context():
        upgrade_database()
        people, token = bulk_event(n, slug="bench", name="Hội nghị đo tải", device="bench")
    return [code for _, code in people], token


def http_exchange(sock, buf: bytes, request: bytes) -> tuple[int, dict, bytes, bytes]:
    """One request on a keep-alive socket (lean, like wrk): (status, headers, body, what was
    read beyond the answer). Shared with bench_live."""
    sock.sendall(request)
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(buf) < length:
        buf += sock.recv(65536)
    return int(lines[0][9:12]), headers, buf[:length], buf[length:]


def client(args: tuple) -> list[tuple[float, str]]:
    """One kiosk on one keep-alive connection. A lean HTTP/1.1 client on a plain socket (like
    wrk): http.client cost 0.5 ms of CPU per request on this 2-core machine, CPU the server
    under test then did not have."""
    port, token, work, cid = args[:4]
    rate = args[4] if len(args) > 4 else 0  # check-ins per second for this client (0: flat out)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head = (
        f"POST /api/v1/checkins HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
    )
    requests = []
    for i, code in enumerate(work):
        body = json.dumps({"code": code, "station": f"kiosk-{cid}", "scan_id": f"c{cid}-{i}"})
        requests.append(f"{head}Content-Length: {len(body)}\r\n\r\n{body}".encode())
    out = []
    buf = b""
    start = time.perf_counter()
    for i, request in enumerate(requests):
        if rate:
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        t = time.perf_counter()
        status, _headers, data, buf = http_exchange(sock, buf, request)
        dt = time.perf_counter() - t
        out.append((dt, json.loads(data)["result"] if status == 200 else f"http{status}"))
    sock.close()
    return out


def _noop(_: int) -> None:
    return None


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far (Linux /proc)."""
    total = 0.0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _scratch_database(server_url: str) -> tuple[str, Callable[[], None]]:
    """A new PostgreSQL database on the server of ``server_url`` (its database is only used to
    connect): (its URL, a function that drops it). The benchmark's own, like SQLite's temporary
    file: nothing of an existing database is touched."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"ek_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False), drop


def run(args, database_url: str, label: str) -> dict:
    """One benchmark on ``database_url`` (a fresh database): populate, serve, drive, check."""
    tmp = Path(tempfile.mkdtemp(prefix="ek-bench-"))
    env = dict(
        os.environ,
        EVENT_KIOSK_INSTANCE=str(tmp),
        SECRET_KEY="bench-only",
        DATABASE_URL=database_url or f"sqlite:///{tmp / 'bench.db'}",
    )
    os.environ.update(env)
    t0 = time.perf_counter()
    codes, token = _populate_apart(args.delegates)
    print(f"{label}: populated {args.delegates} delegates with badges in {time.perf_counter() - t0:.1f} s")
    summary = _drive(args, env, tmp, codes, token)
    summary["database"] = label
    print(
        f"{label}: {summary['requests']} check-ins from {args.clients} clients in {summary['wall_s']:.2f} s: "
        f"{summary['throughput_per_s']} /s, p50 {summary['p50_ms']} ms, "
        f"p95 {summary['p95_ms']} ms, p99 {summary['p99_ms']} ms"
    )
    print(json.dumps(summary, ensure_ascii=False))
    return summary


def _populate_apart(n: int) -> tuple[list[str], str]:
    """populate() in a child process (each database's app and engine are its own)."""
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(populate, (n,))


def _server_command(args) -> list[str]:
    flask = Path(sys.executable).parent / "flask"  # the venv running this script
    return [
        str(flask if flask.exists() else ROOT / ".venv/bin/flask"),
        "--app",
        "app",
        "serve",
        "--port",
        str(args.port),
        "--threads",
        str(args.threads),
        "--workers",
        str(args.workers),
    ]


def _drive(args, env: dict, tmp: Path, codes: list[str], token: str) -> dict:
    """Serve, drive the clients, stop: the summary."""
    # the server's log goes to a file: a pipe nobody reads fills up (64 KB of waitress
    # "queue depth" warnings) and then blocks the server
    server_log = open(tmp / "server.log", "w+b")
    server = subprocess.Popen(_server_command(args), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=server_log)
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=1)
                c.request("GET", "/login")
                c.getresponse().read()
                break
            except OSError:
                if server.poll() is not None:
                    log = tmp / "server.log"
                    raise RuntimeError(f"the server ended at start (port {args.port} taken?): {log}") from None
                time.sleep(0.1)
        rng = random.Random(1)
        order = codes[:]
        rng.shuffle(order)
        n_first = int(args.requests * (1 - args.repeat_share))
        firsts = order[:n_first]
        work = firsts + [rng.choice(firsts) for _ in range(args.requests - n_first)]
        rng.shuffle(work)
        # warm up (not measured)
        client((args.port, token, [order[-1]] * 20, 99))  # a badge outside the measured set
        chunks = [work[i :: args.clients] for i in range(args.clients)]
        with mp.Pool(args.clients) as pool:
            pool.map(_noop, range(args.clients))  # the client processes exist before timing
            cpu_before = _cpu_seconds(server.pid)  # not the server's start-up and warm-up
            t = time.perf_counter()
            results = pool.map(client, [(args.port, token, ch, i) for i, ch in enumerate(chunks)])
            wall = time.perf_counter() - t
            server_cpu = _cpu_seconds(server.pid) - cpu_before
    finally:
        server.terminate()
        server.wait(10)
        server_log.seek(0)
        err = server_log.read()
        errors = [ln for ln in err.decode(errors="replace").splitlines() if "Error" in ln]
        if errors:
            print("server errors:", *sorted(set(errors))[:10], sep="\n  ")
    return _summary(args, results, wall, server_cpu, expected_ok=len(set(firsts)))


def _summary(args, results, wall: float, server_cpu: float, expected_ok: int) -> dict:
    lat = sorted(dt for r in results for dt, _ in r)
    outcomes: dict[str, int] = {}
    for r in results:
        for _, o in r:
            outcomes[o] = outcomes.get(o, 0) + 1
    q = statistics.quantiles(lat, n=100)
    return {
        "delegates": args.delegates,
        "clients": args.clients,
        "workers": args.workers,
        "threads": args.threads,
        "requests": len(lat),
        "wall_s": round(wall, 2),
        "throughput_per_s": round(len(lat) / wall, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p95_ms": round(q[94] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "max_ms": round(lat[-1] * 1000, 2),
        "outcomes": outcomes,
        "server_cpu_ms_per_checkin": round(server_cpu * 1000 / len(lat), 3),
        # exactly one ok per scanned attendee
        "one_ok_per_attendee": outcomes.get("ok", 0) == expected_ok,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--delegates", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=12_000)
    ap.add_argument("--repeat-share", type=float, default=0.3)
    ap.add_argument("--threads", type=int, default=8, help="waitress threads per worker")
    ap.add_argument(
        "--workers", type=int, default=2, help="server processes (serve --workers; 2 = both cores of this machine)"
    )
    ap.add_argument(
        "--db",
        choices=("sqlite", "postgresql", "both"),
        default="sqlite",
        help="sqlite: a temporary file; postgresql: a temporary database on --pg-server (dropped after); "
        "both: SQLite, then PostgreSQL with the same settings, and the ratio",
    )
    ap.add_argument("--both", action="store_const", const="both", dest="db", help="the same as --db both")
    ap.add_argument(
        "--pg-server",
        default=os.environ.get("BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="the PostgreSQL server of --db postgresql/both (BENCH_PG_SERVER)",
    )
    ap.add_argument("--database-url", default="", help="an existing database to use as it is (instead of --db)")
    ap.add_argument("--port", type=int, default=0, help="0: a free port (another server may hold any fixed one)")
    args = ap.parse_args()
    if not args.port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]

    if args.database_url:
        label = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
        return 0 if run(args, args.database_url, label)["one_ok_per_attendee"] else 1
    summaries = {}
    for label in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        if label == "sqlite":
            summaries[label] = run(args, "", label)
            continue
        url, drop = _scratch_database(args.pg_server)
        try:
            summaries[label] = run(args, url, label)
        finally:
            drop()
    if len(summaries) == 2:
        ratio = summaries["postgresql"]["throughput_per_s"] / summaries["sqlite"]["throughput_per_s"]
        print(
            f"PostgreSQL {summaries['postgresql']['throughput_per_s']} /s against SQLite "
            f"{summaries['sqlite']['throughput_per_s']} /s: {ratio:.0%}"
        )
        print(json.dumps({"postgresql_to_sqlite": round(ratio, 3)}))
    return 0 if all(s["one_ok_per_attendee"] for s in summaries.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
