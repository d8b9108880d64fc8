"""Benchmark of the MC live sync on the demo event (30 awards, ~250 delegates), SQLite, a real
waitress server in this process:

  - the unchanged poll (GET /mc/state.json?since=TAG -> 204), what every tablet and the stage
    screen send twice a second;
  - the full state (GET /mc/state.json -> 200 JSON) sent after every change;
  - an MC action (POST /mc/action "next"/"back");
  - the stage poll (GET /stage/state.json?since=V -> 204).

    .venv/bin/python scripts/bench_mc.py [--n 300]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    args = ap.parse_args()
    from app import create_app
    from models.core.base import db
    from models.demo.load import load_demo
    from tests.conftest import free_port
    from tests.factories import make_user
    from webserver import make_server

    tmp = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
        load_demo(with_users=False)
        make_user("bench-mc", "mc")
    port = free_port()
    server = make_server(app, host="127.0.0.1", port=port, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    s = requests.Session()
    for _ in range(50):
        try:
            html = s.get(url + "/login", timeout=1).text
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    s.post(url + "/login", data={"username": "bench-mc", "password": "secret-pass-123", "csrf_token": token})
    html = s.get(url + "/mc/").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)

    def timed(fn, n):
        out = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
        out.sort()
        return f"median {statistics.median(out):.2f} ms, p95 {out[int(len(out) * 0.95) - 1]:.2f} ms"

    state = s.get(url + "/mc/state.json").json()
    for _ in range(7):  # into the award segment
        state = s.post(
            url + "/mc/action", json={"action": "next", "version": state["version"]}, headers={"X-CSRFToken": token}
        ).json()
    tag = state["tag"]
    full = s.get(url + "/mc/state.json")
    print(
        f"demo: {state['steps']} steps, batch {state['batch']['number']}/{state['batch']['of']}, "
        f"full state {len(full.content)} bytes"
    )
    r = s.get(url + f"/mc/state.json?since={tag}")
    assert r.status_code == 204, r.status_code
    print("poll unchanged (204):", timed(lambda: s.get(url + f"/mc/state.json?since={tag}"), args.n))
    print("full state (200):    ", timed(lambda: s.get(url + "/mc/state.json"), args.n // 3))
    v = str(state["version"])
    print("stage poll (204):    ", timed(lambda: s.get(url + f"/stage/state.json?since={v}"), args.n))
    ver = [state["version"]]

    def step():
        action = "next" if ver[0] % 2 else "back"
        r = s.post(url + "/mc/action", json={"action": action, "version": ver[0]}, headers={"X-CSRFToken": token})
        ver[0] = r.json()["version"]

    print("action next/back:    ", timed(step, args.n // 3))
    server.close()


if __name__ == "__main__":
    main()
