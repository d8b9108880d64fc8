"""What SQLite's durability settings cost: check-in throughput with PRAGMA synchronous NORMAL
(the default, models/core/database.py) against FULL, both in WAL mode.

    .venv/bin/python scripts/bench_sync.py [--delegates 3100] [--requests 1500] [--clients 4]

For each setting: a fresh database (real migrations) on the project's disk (not /tmp, which may
be a RAM disk), then
  1. in-process: check_in() called back to back from one thread (the cost of one commit),
  2. the real server (`flask --app app serve`, waitress) driven over HTTP by --clients
     processes with keep-alive connections (the figure a kiosk sees).
Prints one JSON line per setting and a comparison.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_checkin import client  # noqa: E402
from chaos_kill import Server, populate  # noqa: E402


def in_process(db_url: str, codes: list[str], synchronous: str) -> dict:
    """check_in() back to back in this process (a child, so the setting applies cleanly)."""
    code = (
        "import json, sys, time\n"
        "from app import create_app\nfrom models.core.base import db\nfrom models.checkin.checkin import check_in\n"
        "from models.events.service import current_event_id\n"
        "app = create_app({'SQLALCHEMY_DATABASE_URI': sys.argv[2]})\ncodes = json.load(sys.stdin)\n"
        "with app.app_context():\n"
        "    ev = current_event_id(); mode = db.session.execute(db.text('PRAGMA synchronous')).scalar()\n"
        "    lat = []\n"
        "    for i, c in enumerate(codes):\n"
        "        t = time.perf_counter(); check_in(event_id=ev, code=c, station='bench', scan_id=f'p{i}')\n"
        "        lat.append(time.perf_counter() - t)\n"
        "print(json.dumps({'mode': mode, 'lat': lat}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, synchronous, db_url],
        cwd=ROOT,
        env=dict(os.environ, SQLITE_SYNCHRONOUS=synchronous),
        input=json.dumps(codes),
        capture_output=True,
        text=True,
        check=True,
    )
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    lat = sorted(doc["lat"])
    assert doc["mode"] == {"NORMAL": 1, "FULL": 2}[synchronous], doc["mode"]
    return {
        "per_s": round(len(lat) / sum(lat), 1),
        "p50_ms": round(statistics.median(lat) * 1000, 2),
        "p95_ms": round(lat[int(len(lat) * 0.95)] * 1000, 2),
    }


def over_http(server_port: int, token: str, codes: list[str], clients: int) -> dict:
    chunks = [codes[i::clients] for i in range(clients)]
    t = time.perf_counter()
    with mp.Pool(clients) as pool:
        results = pool.map(client, [(server_port, token, ch, 100 + i) for i, ch in enumerate(chunks)])
    wall = time.perf_counter() - t
    lat = sorted(dt for r in results for dt, _ in r)
    q = statistics.quantiles(lat, n=100)
    return {
        "per_s": round(len(lat) / wall, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p95_ms": round(q[94] * 1000, 2),
        "ok": sum(1 for r in results for _, o in r if o == "ok"),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--delegates", type=int, default=3100)
    ap.add_argument("--requests", type=int, default=1500, help="check-ins per measurement")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--port", type=int, default=8799)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="ek-sync-", dir=ROOT / "instance"))
    results = {}
    try:
        for mode in ("NORMAL", "FULL"):
            work = base / mode
            work.mkdir()
            url = f"sqlite:///{work / 'bench.db'}"
            people, token = populate(url, args.delegates, work / "instance")
            codes = [c for _, c in people]
            n = args.requests
            proc = in_process(url, codes[:n], mode)
            server = Server(url, work / "instance", args.port, mode, work / "server.log")
            server.start()
            try:
                client((args.port, token, codes[2 * n : 2 * n + 20], 99))  # warm up (not measured)
                http = over_http(args.port, token, codes[n : 2 * n], args.clients)
            finally:
                server.kill9()
            results[mode] = {"synchronous": mode, "in_process": proc, "http": http}
            print(json.dumps(results[mode]))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    n, f = results["NORMAL"], results["FULL"]
    print(
        f"one check-in (in process): NORMAL {n['in_process']['p50_ms']} ms, FULL {f['in_process']['p50_ms']} ms "
        f"(p50); {n['in_process']['per_s']} vs {f['in_process']['per_s']} per second"
    )
    print(
        f"over HTTP, {args.clients} clients: NORMAL {n['http']['per_s']}/s p95 {n['http']['p95_ms']} ms, "
        f"FULL {f['http']['per_s']}/s p95 {f['http']['p95_ms']} ms"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SECRET_KEY", "bench-only")
    sys.exit(main())
