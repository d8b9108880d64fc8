"""Item 3: two real server processes (`flask --app app serve` on two ports) on one PostgreSQL
database, the scale-out path. The same badge is fired at both servers at the same instant from
many threads (a barrier releases them together, connections already open): exactly one "ok".
Also one scan_id sent to both servers at once: one row, the same answer twice.

Uses a database of its own (CREATE DATABASE ek_proof_<random>, dropped afterwards), so it never
clashes with the suite's PostgreSQL runs. Skipped when PostgreSQL is not reachable
(TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import sys
import threading
from collections import Counter

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import free_port
from tests.proofs.helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from chaos_kill import Server, populate  # noqa: E402

PER_SERVER = 8  # threads per server for each badge
BADGES = 12


def _admin_url():
    raw = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    url = make_url(raw)
    return url.set(drivername="postgresql+psycopg")


@pytest.fixture
def pg_database():
    psycopg = pytest.importorskip("psycopg")
    admin = _admin_url()
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    name = f"ek_proof_{secrets.token_hex(4)}"
    try:
        conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        conn.close()
        pytest.skip(f"cannot create a database on PostgreSQL: {exc}")
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


def _fire(ports: list[int], token: str, code: str, scan_ids: list[str]) -> list[tuple[int, str]]:
    """One thread per scan_id, alternating between the servers; all released at once."""
    barrier = threading.Barrier(len(scan_ids), timeout=30)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def shoot(i: int, scan_id: str) -> None:
        port = ports[i % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.connect()
        body = json.dumps({"code": code, "station": f"server-{port}", "scan_id": scan_id})
        barrier.wait(timeout=30)
        conn.request("POST", "/api/v1/checkins", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        with lock:
            results.append((port, json.loads(data)["result"] if resp.status == 200 else f"http {resp.status}"))

    threads = [threading.Thread(target=shoot, args=(i, s)) for i, s in enumerate(scan_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == len(scan_ids)
    return results


def test_same_badge_at_two_servers_at_once_gives_one_ok(pg_database, tmp_path):
    people, token = populate(pg_database, 40, tmp_path / "instance")
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    servers = [Server(pg_database, tmp_path / "instance", p, "NORMAL", tmp_path / f"server-{p}.log") for p in ports]
    try:
        for s in servers:
            s.start()
        winners: Counter[int] = Counter()
        for b, (_, code) in enumerate(people[:BADGES]):
            results = _fire(ports, token, code, [f"b{b}-t{i}" for i in range(2 * PER_SERVER)])
            outcomes = Counter(r for _, r in results)
            assert outcomes == {"ok": 1, "already": 2 * PER_SERVER - 1}, outcomes
            winners.update(p for p, r in results if r == "ok")
        # the same scan_id at both servers at once (a kiosk resending through another entrance)
        _, code = people[BADGES]
        twice = _fire(ports, token, code, ["same-scan", "same-scan"])
        assert [r for _, r in twice] == ["ok", "ok"]  # one check-in, the same answer to both
    finally:
        for s in servers:
            s.kill9()

    import psycopg

    conninfo = make_url(pg_database).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        oks = dict(
            conn.execute(
                "SELECT attendee_id, count(*) FROM checkin WHERE outcome = 'ok' GROUP BY attendee_id"
            ).fetchall()
        )
        rows = conn.execute("SELECT count(*), count(DISTINCT scan_id) FROM checkin").fetchone()
        arrived = conn.execute(
            "SELECT count(*) FROM attendee a JOIN checkin c ON c.id = a.first_checkin_id WHERE c.outcome = 'ok'"
        ).fetchone()[0]
    expected = {a for a, _ in people[: BADGES + 1]}
    assert oks == dict.fromkeys(expected, 1)
    assert rows == (BADGES * 2 * PER_SERVER + 1,) * 2
    assert arrived == BADGES + 1
    assert sum(winners.values()) == BADGES
    print(f"ok won at server 1: {winners[ports[0]]}, at server 2: {winners[ports[1]]}")
