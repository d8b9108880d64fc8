"""Shared helpers of the proofs: badge codes of a live server's event, a kiosk-like HTTP
client, and queries on the server's database."""

from __future__ import annotations

import http.client
import json
import sqlite3
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]


def live_codes(server) -> list[tuple[int, str]]:
    """(attendee_id, live badge code) of the live server's event, in id order."""
    from sqlalchemy import select

    from models.core.base import db
    from models.guests.models import Attendee, Badge

    with server.app.app_context():
        rows = db.session.execute(
            select(Attendee.id, Badge.code)
            .join(Badge, Badge.attendee_id == Attendee.id)
            .where(Attendee.event_id == server.event_id, Badge.revoked_at.is_(None))
            .order_by(Attendee.id)
        ).all()
        db.session.remove()
    return [(r[0], r[1]) for r in rows]


def sqlite_path(app) -> Path:
    from sqlalchemy.engine import make_url

    return Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)


class Kiosk:
    """A minimal kiosk: keep-alive HTTP, POST /api/v1/checkins; raises OSError when the server
    is gone (the caller keeps the scan and resends it with the same scan_id)."""

    def __init__(self, base_url: str, token: str, station: str = "proof", timeout: float = 5.0):
        u = urlparse(base_url)
        self.host, self.port, self.timeout = u.hostname, u.port, timeout
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.station = station
        self.conn: http.client.HTTPConnection | None = None

    def post(self, code: str, scan_id: str, scanned_at: str | None = None) -> dict:
        body = {"code": code, "station": self.station, "scan_id": scan_id}
        if scanned_at:
            body["scanned_at"] = scanned_at
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.request("POST", "/api/v1/checkins", body=json.dumps(body), headers=self.headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise OSError(str(exc)) from exc
        if resp.status != 200:
            self.close()
            raise OSError(f"HTTP {resp.status}: {data[:200]!r}")
        return json.loads(data)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def rows_by_scan(db_file: Path) -> dict[str, tuple[str, int | None]]:
    """scan_id -> (outcome, attendee_id) in an SQLite database file (read straight from disk)."""
    with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True) as con:
        return {s: (o, a) for s, o, a in con.execute("SELECT scan_id, outcome, attendee_id FROM checkin")}
