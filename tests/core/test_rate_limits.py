"""The public forms' per-address limits are counted in the database (issue 25 item 6): two server
processes on one database (`serve --workers 2`) share one limit instead of doubling it, and
processes posting at the same moment never let more than the limit through."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import func, select

from admin.accounts.pairing import pair_limiter
from models.core.base import db
from models.core.ratelimit import RateHit
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 5

#: another server process on the same database: posts pairing guesses, prints the answers
CHILD = """
import json, sys
from app import create_app
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1], "PAIRING_RATE_LIMIT": int(sys.argv[2]),
                  "SIGNING_KEY_FILE": sys.argv[3], "SERVER_NAME": None})
client = app.test_client()
codes = [client.post("/api/v1/pair", json={"code": f"child-{i}"}).status_code for i in range(int(sys.argv[4]))]
print(json.dumps(codes))
"""


def _guesses(client, n: int, tag: str) -> list[int]:
    return [client.post("/api/v1/pair", json={"code": f"{tag}-{i}"}).status_code for i in range(n)]


def test_two_processes_share_one_limit(app, client):
    app.config["PAIRING_RATE_LIMIT"] = LIMIT
    assert _guesses(client, 2, "parent") == [404, 404]
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    key_file = app.config["SIGNING_KEY_FILE"]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, uri, str(LIMIT), key_file, "4"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [404, 404, 404, 429]
    assert _guesses(client, 1, "parent-again") == [429]  # the other process's guesses count here too
    assert db.session.scalar(select(func.count()).select_from(RateHit)) == LIMIT
    pair_limiter.reset()  # reset = the rows deleted
    assert _guesses(client, 1, "after-reset") == [404]


def test_apps_posting_at_once_let_exactly_the_limit_through(app, backend, tmp_path):
    app.config["PAIRING_RATE_LIMIT"] = LIMIT
    same = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SIGNING_KEY_FILE")}
    other = make_app(backend, tmp_path / "other", **same)
    other.config["PAIRING_RATE_LIMIT"] = LIMIT
    codes: list[int] = []
    start = threading.Barrier(8)

    def post(target, n: int) -> None:
        client = target.test_client()
        start.wait(timeout=30)
        codes.append(client.post("/api/v1/pair", json={"code": f"race-{n}"}).status_code)

    threads = [threading.Thread(target=post, args=((app, other)[n % 2], n)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [404] * LIMIT + [429] * (8 - LIMIT)
    with other.app_context():
        db.engine.dispose()
