"""Durable offline queue: every scan is written to SQLite before it is sent.

A scan row is inserted (state ``pending``) before the first POST, so a kiosk that crashes or loses
power mid-request still has it. It becomes ``done`` when the server answers, or ``rejected`` when
the server refuses the request itself (a 4xx other than 401): kept for inspection, never retried.
Retries reuse the row's ``scan_id``, so the server records each scan once however often it is sent.

The same file keeps ``local_arrivals``: attendees this kiosk has seen accepted, so a badge shown
twice while offline gets "already" instead of a second "offline ok".
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .client import ApiClient, CheckinAnswer, ServerAuthError, ServerRejected, ServerUnavailable

SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    scan_id     TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    station     TEXT NOT NULL,
    scanned_at  TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending',  -- pending | done | rejected
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_try    REAL NOT NULL DEFAULT 0,
    last_error  TEXT,
    local_result TEXT,
    answer      TEXT,
    created     REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS scans_pending ON scans(state, next_try);
CREATE TABLE IF NOT EXISTS local_arrivals (
    attendee_id INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    station     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS local_passes (
    checkpoint_id INTEGER NOT NULL,
    attendee_id   INTEGER NOT NULL,
    at            TEXT NOT NULL,
    station       TEXT NOT NULL,
    day           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS local_passes_who ON local_passes(checkpoint_id, attendee_id);
"""


def new_scan_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class QueuedScan:
    scan_id: str
    code: str
    station: str
    scanned_at: str
    attempts: int


class ScanQueue:
    """The SQLite file ``queue.sqlite3`` in the state directory; safe to share between threads."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._db.executescript(SCHEMA)

    @property
    def _db(self) -> sqlite3.Connection:
        """The connection, (re)opened on demand: a closed queue can still be read."""
        if self._conn is None:
            conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a queued scan survives a power cut
            self._conn = conn
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- writing ----------------------------------------------------------------------
    def add(
        self,
        code: str,
        station: str,
        scanned_at: str,
        *,
        scan_id: str | None = None,
        local_result: str = "",
        hold_s: float = 0.0,
    ) -> str:
        """Store a scan as pending (durable on return). ``hold_s`` keeps the background retry
        off it while the foreground request is still in flight."""
        scan_id = scan_id or new_scan_id()
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO scans (scan_id, code, station, scanned_at, next_try,"
                " local_result, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (scan_id, code, station, scanned_at, time.time() + hold_s, local_result, time.time()),
            )
        return scan_id

    def mark_done(self, scan_id: str, answer: CheckinAnswer | dict | None = None) -> None:
        raw = answer.raw if isinstance(answer, CheckinAnswer) else answer
        with self._lock:
            self._db.execute(
                "UPDATE scans SET state='done', answer=?, last_error=NULL WHERE scan_id=?",
                (json.dumps(raw, ensure_ascii=False) if raw is not None else None, scan_id),
            )

    def mark_failed(self, scan_id: str, error: str, *, retry_in: float) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE scans SET attempts=attempts+1, last_error=?, next_try=? WHERE scan_id=? AND state='pending'",
                (error[:500], time.time() + retry_in, scan_id),
            )

    def mark_rejected(self, scan_id: str, error: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE scans SET state='rejected', attempts=attempts+1, last_error=? WHERE scan_id=?",
                (error[:500], scan_id),
            )

    def release(self, scan_id: str) -> None:
        """Make a held scan due now (the foreground attempt has failed)."""
        with self._lock:
            self._db.execute("UPDATE scans SET next_try=0 WHERE scan_id=? AND state='pending'", (scan_id,))

    # -- reading ----------------------------------------------------------------------
    def pending_count(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM scans WHERE state='pending'").fetchone()
        return int(row[0])

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM scans GROUP BY state").fetchall()
        return dict(rows)

    def due(self, limit: int = 50, *, now: float | None = None, include_held: bool = False) -> list[QueuedScan]:
        now = time.time() if now is None else now
        sql = (
            "SELECT scan_id, code, station, scanned_at, attempts FROM scans "
            "WHERE state='pending'" + ("" if include_held else " AND next_try <= ?") + " ORDER BY created LIMIT ?"
        )
        args = (limit,) if include_held else (now, limit)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [QueuedScan(*r) for r in rows]

    # -- passes at a checkpoint that is not the entrance (kiosk.decision, the checkpoint's rule) --------
    def note_pass(self, checkpoint_id: int, attendee_id: int, at: str, station: str, day: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO local_passes (checkpoint_id, attendee_id, at, station, day) VALUES (?, ?, ?, ?, ?)",
                (int(checkpoint_id), int(attendee_id), at, station, day),
            )

    def passes(self, checkpoint_id: int, attendee_id: int) -> list[dict]:
        """This kiosk's known passes of a person at a checkpoint, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT at, station, day FROM local_passes WHERE checkpoint_id=? AND attendee_id=? ORDER BY rowid",
                (int(checkpoint_id), int(attendee_id)),
            ).fetchall()
        return [{"at": r[0], "station": r[1], "day": r[2]} for r in rows]

    # -- who arrived here -------------------------------------------------------------------
    def note_arrival(self, attendee_id: int, at: str, station: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO local_arrivals (attendee_id, at, station) VALUES (?, ?, ?)",
                (int(attendee_id), at, station),
            )

    def arrival(self, attendee_id: int) -> dict | None:
        with self._lock:
            row = self._db.execute(
                "SELECT at, station FROM local_arrivals WHERE attendee_id=?", (int(attendee_id),)
            ).fetchone()
        return {"at": row[0], "station": row[1]} if row else None


@dataclass
class FlushReport:
    sent: int = 0
    failed: int = 0
    rejected: int = 0
    auth_error: str | None = None
    error: str | None = None


def backoff(attempts: int) -> float:
    return min(30.0, 1.0 * 2 ** min(attempts, 5))


def flush(
    queue: ScanQueue,
    client: ApiClient,
    *,
    include_held: bool = False,
    deadline: float | None = None,
    on_answer: Callable[[QueuedScan, CheckinAnswer], None] | None = None,
) -> FlushReport:
    """Send every due scan once, oldest first. Stops at the first unavailability (the server is
    down: no point hammering it) or auth error. Never raises for server trouble."""
    report = FlushReport()
    while True:
        batch = queue.due(50, include_held=include_held)
        if not batch:
            return report
        for scan in batch:
            if deadline is not None and time.monotonic() > deadline:
                return report
            try:
                answer = client.post_checkin(scan.code, scan.station, scan.scan_id, scan.scanned_at)
            except ServerAuthError as exc:
                queue.mark_failed(scan.scan_id, str(exc), retry_in=backoff(scan.attempts))
                report.failed += 1
                report.auth_error = str(exc)
                return report
            except ServerRejected as exc:
                queue.mark_rejected(scan.scan_id, str(exc))
                report.rejected += 1
                continue
            except ServerUnavailable as exc:
                queue.mark_failed(scan.scan_id, str(exc), retry_in=backoff(scan.attempts))
                report.failed += 1
                report.error = str(exc)
                return report
            queue.mark_done(scan.scan_id, answer)
            report.sent += 1
            if on_answer is not None:
                on_answer(scan, answer)


class RetryWorker(threading.Thread):
    """Background thread: flushes due scans every ``interval`` seconds until stopped."""

    def __init__(
        self,
        queue: ScanQueue,
        client: ApiClient,
        *,
        interval: float = 2.0,
        on_report: Callable[[FlushReport], None] | None = None,
    ):
        super().__init__(name="kiosk-retry", daemon=True)
        self.queue, self.client, self.interval = queue, client, interval
        self.on_report = on_report
        self.stop_event = threading.Event()
        self.wake = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                report = flush(self.queue, self.client)
                if self.on_report and (report.sent or report.failed or report.rejected):
                    self.on_report(report)
            except Exception:  # noqa: BLE001 - a retry thread must survive anything
                pass
            self.wake.wait(self.interval)
            self.wake.clear()

    def stop(self) -> None:
        self.stop_event.set()
        self.wake.set()
