"""From a decoded text to the answer shown to the attendee.

1. Verify locally with the cached snapshot (signature, event, revoked list, roster).
2. Write the scan to the durable queue (before any network call: nothing is lost if we crash).
3. Ask the server (``POST /api/v1/checkins``, 1.5 s). Its answer wins.
4. No usable answer (timeout, refused, 5xx, garbage, bad token): decide from the local verdict;
   a genuine badge in the roster is "offline ok"; the queued scan is sent later, same scan_id.

The kiosk's checkpoint (the snapshot's ``station.checkpoint``, models.checkin.checkpoints): at the
hall entrance (kind "entrance", rule "once") all is as above. Elsewhere a genuine badge follows the
checkpoint's rule offline from the passes this kiosk has seen (``local_passes``: its own offline
answers and the server's "ok" answers): once -> "already" after the first; daily -> the same per
local day of the event's time zone; every -> "ok", numbered; inout -> "ok", in and out alternately.
What other devices saw meanwhile is not known offline; the server's answer, when the queued scan
reaches it, is the record.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .client import (
    ApiClient,
    CheckinAnswer,
    ServerAuthError,
    ServerRejected,
    ServerUnavailable,
)
from .queue import ScanQueue, new_scan_id
from .verify import Snapshot, verify_local

PROBLEM_AUTH = "Lỗi cấu hình: máy chủ từ chối mã thiết bị (token). Xin báo ban tổ chức kiểm tra --token."
PROBLEM_SERVER_ERROR = "Máy chủ báo lỗi ({}). Đang làm việc ngoại tuyến, lượt quét được lưu lại."
PROBLEM_GARBAGE = "Máy chủ trả lời không hợp lệ. Đang làm việc ngoại tuyến, lượt quét được lưu lại."
PROBLEM_WRONG_URL = "Lỗi cấu hình: địa chỉ máy chủ (--server) không đúng (404). Đang làm việc ngoại tuyến."
PROBLEM_NOT_READY = "Máy chủ chưa sẵn sàng ({}). Đang làm việc ngoại tuyến, lượt quét được lưu lại."
PROBLEM_OFFLINE = "Mất kết nối máy chủ. Đang làm việc ngoại tuyến, lượt quét được lưu lại."
PROBLEM_QUEUE = "Không ghi được hàng đợi trên đĩa: báo kỹ thuật viên (ổ đĩa đầy hoặc hỏng?)."
PROBLEM_REJECTED = "Máy chủ không nhận lượt quét này ({})."


log = logging.getLogger("kiosk")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Decision:
    code: str
    result: str  #: ok | already | invalid | revoked | unknown | wrong_event
    source: str  #: "server" | "offline"
    attendee: dict | None = None
    message: str = ""
    first_checkin: dict | None = None
    scan_id: str = ""
    display: str = ""  #: panel key when it differs from result (e.g. "no_snapshot")
    ts: str = field(default_factory=now_iso)
    #: where the scan was: {id, name, rule, kind} (the server's answer, else the snapshot's station)
    checkpoint: dict | None = None
    #: "in" / "out" at an inout checkpoint
    direction: str | None = None

    @property
    def at_checkpoint(self) -> bool:
        """Scanned at a checkpoint that is not the hall entrance (not an arrival)."""
        return not is_arrival(self.checkpoint)

    @property
    def name(self) -> str:
        return str((self.attendee or {}).get("name") or "")

    @property
    def full_name(self) -> str:
        a = self.attendee or {}
        return " ".join(str(p) for p in (a.get("honorific"), a.get("name")) if p)

    @property
    def seat(self) -> str:
        return str((self.attendee or {}).get("seat") or "")

    @property
    def seat_text(self) -> str:
        """The seat spelled out ("Khu giữa · Hàng 8 · Ghế 6"): from the server's answer or the
        snapshot's roster; "" from an older server (the panel then shows the label)."""
        return str((self.attendee or {}).get("seat_text") or "")

    @property
    def seat_at_desk(self) -> bool:
        """Welcomed without a seat though they need one (the hall was full): the panel sends
        them to the desk for a seat. Servers and snapshots without ``seat_needed`` mean yes."""
        a = self.attendee or {}
        return self.result == "ok" and bool(a) and not self.seat and a.get("seat_needed", True) is not False


def is_arrival(checkpoint: dict | None) -> bool:
    """A scan at this checkpoint is the hall arrival (no checkpoint: an older server, the entrance)."""
    return not checkpoint or (checkpoint.get("kind") == "entrance" and checkpoint.get("rule") == "once")


#: the offline answers at a checkpoint that is not the entrance
OFFLINE_CHECKPOINT = {
    "ok": "Đã ghi nhận tại {cp} (ngoại tuyến).",
    "already": "Đã qua {cp} lúc {time} (ngoại tuyến).",
    "every": "{cp}: lượt thứ {n} (ngoại tuyến).",
    "in": "Mời vào — {cp} (ngoại tuyến).",
    "out": "Tạm biệt — {cp} (ngoại tuyến).",
}


def local_day(iso: str, tz: str | None) -> str:
    """The local date (the event's time zone) of an ISO time."""
    try:
        at = datetime.fromisoformat(iso)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return at.astimezone(ZoneInfo(tz or "Asia/Ho_Chi_Minh")).date().isoformat()
    except (ValueError, KeyError):
        return iso[:10]


class ServerHealth:
    """What the kiosk knows about the server: online?, the last problem, when it last failed."""

    def __init__(self, probe_s: float = 30.0):
        self.online: bool | None = None
        self.problem = ""
        self.last_fail = -1e9
        self.probe_s = probe_s
        self._lock = threading.Lock()

    def ok(self) -> None:
        with self._lock:
            self.online = True
            self.problem = ""

    def fail(self, problem: str) -> None:
        with self._lock:
            self.online = False
            self.problem = problem
            self.last_fail = time.monotonic()

    def worth_asking(self) -> bool:
        """False after a failure: answer offline at once instead of making every delegate
        wait 1.5 s. The snapshot and retry threads notice when the server is back (within a
        few seconds); a foreground probe every ``probe_s`` is only the last resort."""
        return self.online is not False or time.monotonic() - self.last_fail >= self.probe_s


def problem_for(exc: Exception) -> str:
    if isinstance(exc, ServerAuthError):
        return PROBLEM_AUTH
    if isinstance(exc, ServerUnavailable):
        text = str(exc)
        status = getattr(exc, "status", None) or 0
        if status >= 500:
            return PROBLEM_SERVER_ERROR.format(status)
        if status == 404:
            return PROBLEM_WRONG_URL
        if 400 <= status < 500:
            return PROBLEM_NOT_READY.format(status)
        if "garbage" in text or "unexpected" in text or "not a JSON" in text or "not an" in text:
            return PROBLEM_GARBAGE
        return PROBLEM_OFFLINE
    return str(exc)


class Decider:
    def __init__(
        self,
        client: ApiClient,
        queue: ScanQueue,
        station: str | Callable[[], str],
        snapshot: Callable[[], Snapshot],
        health: ServerHealth | None = None,
        timeout: float = 1.5,
    ):
        self.client = client
        self.queue = queue
        self._station = station
        self.snapshot = snapshot
        self.health = health or ServerHealth()
        self.timeout = timeout

    @property
    def station(self) -> str:
        """The station name sent with each scan: 1-80 characters, as the API requires."""
        name = self._station() if callable(self._station) else self._station
        return " ".join(str(name or "").split())[:80] or "kiosk"

    def _q(self, method: str, *args, **kw):
        """A queue operation that cannot stop a decision: a full or broken disk is shown as a
        problem (the answer is still given; only the offline safety net is gone)."""
        try:
            return getattr(self.queue, method)(*args, **kw)
        except (sqlite3.Error, OSError) as exc:
            log.error("queue %s failed: %s", method, exc)
            self.health.problem = PROBLEM_QUEUE
            return None

    def decide(self, code: str, *, provisional: Callable[[Decision], None] | None = None) -> Decision:
        """Never raises for anything the code text or the server does."""
        snap = self.snapshot()
        verdict = verify_local(code, snap)
        scanned_at = now_iso()
        station = self.station
        scan_id = (
            self._q("add", code, station, scanned_at, local_result=verdict.result, hold_s=self.timeout + 2.0)
            or new_scan_id()
        )
        if provisional and verdict.result in ("invalid", "revoked", "wrong_event"):
            # a clear "no" needs no server: show it now, the server's answer may still replace it
            provisional(Decision(code, verdict.result, "offline", scan_id=scan_id))

        if self.client.configured and self.health.worth_asking():
            try:
                answer = self.client.post_checkin(code, station, scan_id, scanned_at, timeout=self.timeout)
            except ServerRejected as exc:
                self._q("mark_rejected", scan_id, str(exc))
                self.health.problem = PROBLEM_REJECTED.format(exc.status)
            except (ServerUnavailable, ServerAuthError) as exc:
                self._q("release", scan_id)
                self.health.fail(problem_for(exc))
            else:
                self._q("mark_done", scan_id, answer)
                self.health.ok()
                return self._from_server(code, scan_id, answer)
        else:
            self._q("release", scan_id)
        return self._offline(code, scan_id, verdict, snap)

    def _from_server(self, code: str, scan_id: str, answer: CheckinAnswer) -> Decision:
        attendee = answer.attendee
        checkpoint = answer.raw.get("checkpoint") if isinstance(answer.raw.get("checkpoint"), dict) else None
        direction = answer.raw.get("direction") if answer.raw.get("direction") in ("in", "out") else None
        if not is_arrival(checkpoint):
            self._note_pass(checkpoint, answer.result, attendee)
            decision = Decision(code, answer.result, "server", attendee, answer.message, answer.first_checkin, scan_id)
            decision.checkpoint, decision.direction = checkpoint, direction
            return decision
        if answer.result in ("ok", "already") and attendee and attendee.get("id") is not None:
            first = answer.first_checkin or {}
            try:
                self._q(
                    "note_arrival",
                    int(attendee["id"]),
                    str(first.get("at") or now_iso()),
                    str(first.get("station") or self.station),
                )
            except (TypeError, ValueError):
                pass
        decision = Decision(code, answer.result, "server", attendee, answer.message, answer.first_checkin, scan_id)
        decision.checkpoint = checkpoint
        return decision

    def _note_pass(self, checkpoint: dict | None, result: str, attendee: dict | None) -> None:
        """Remember a pass the server accepted at this checkpoint (the offline rule reads them)."""
        if result != "ok" or not attendee or attendee.get("id") is None or not (checkpoint or {}).get("id"):
            return
        at = now_iso()
        tz = (self.snapshot().event or {}).get("timezone")
        try:
            self._q("note_pass", int(checkpoint["id"]), int(attendee["id"]), at, self.station, local_day(at, tz))
        except (TypeError, ValueError):
            pass

    def _offline_pass(self, code: str, scan_id: str, verdict, snap: Snapshot, cp: dict) -> Decision:
        """A genuine badge at a checkpoint that is not the entrance, decided offline by its rule."""
        person = verdict.attendee or {}
        aid = int(verdict.badge.attendee_id)
        at = now_iso()
        tz = (snap.event or {}).get("timezone")
        day = local_day(at, tz)
        seen = self._q("passes", int(cp.get("id") or 0), aid) or []
        rule, name = cp.get("rule"), str(cp.get("name") or "")
        if rule in ("once", "daily"):
            earlier = [p for p in seen if rule == "once" or p["day"] == day]
            if earlier:
                first = {"at": earlier[0]["at"], "station": earlier[0]["station"], "checkpoint": name}
                text = OFFLINE_CHECKPOINT["already"].format(cp=name, time=_hhmm(earlier[0]["at"], tz))
                return self._checkpoint_decision(code, "already", person, text, first, scan_id, cp)
        self._q("note_pass", int(cp.get("id") or 0), aid, at, self.station, day)
        direction = None
        if rule == "every":
            text = OFFLINE_CHECKPOINT["every"].format(cp=name, n=len(seen) + 1)
        elif rule == "inout":
            direction = "out" if len(seen) % 2 else "in"
            text = OFFLINE_CHECKPOINT[direction].format(cp=name)
        else:
            text = OFFLINE_CHECKPOINT["ok"].format(cp=name)
        decision = self._checkpoint_decision(code, "ok", person, text, None, scan_id, cp)
        decision.direction = direction
        return decision

    @staticmethod
    def _checkpoint_decision(code, result, person, text, first, scan_id, cp) -> Decision:
        decision = Decision(code, result, "offline", person, text, first, scan_id)
        decision.checkpoint = cp
        return decision

    def _offline(self, code: str, scan_id: str, verdict, snap: Snapshot) -> Decision:
        cp = (snap.station or {}).get("checkpoint")
        cp = cp if isinstance(cp, dict) else None
        if verdict.result == "ok" and not is_arrival(cp):
            return self._offline_pass(code, scan_id, verdict, snap, cp)
        if verdict.result == "ok":
            person = verdict.attendee or {}
            aid = int(verdict.badge.attendee_id)
            earlier = self._q("arrival", aid)
            if earlier:
                return Decision(code, "already", "offline", person, "", earlier, scan_id)
            self._q("note_arrival", aid, now_iso(), self.station)
            return Decision(code, "ok", "offline", person, "", None, scan_id)
        if verdict.result == "no_snapshot":
            return Decision(code, "unknown", "offline", None, "", None, scan_id, display="no_snapshot")
        return Decision(code, verdict.result, "offline", None, "", None, scan_id)


def _hhmm(iso: str, tz: str | None) -> str:
    try:
        at = datetime.fromisoformat(iso)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return at.astimezone(ZoneInfo(tz or "Asia/Ho_Chi_Minh")).strftime("%H:%M")
    except (ValueError, KeyError):
        return iso[11:16]


class RepeatFilter:
    """The same code is decided once, then ignored until it has been out of sight for
    ``window`` seconds (so a badge held up for 10 s beeps once)."""

    def __init__(self, window: float = 3.0):
        self.window = window
        self._last: dict[str, float] = {}

    def should_decide(self, code: str, t: float) -> bool:
        last = self._last.get(code)
        self._last[code] = t
        if len(self._last) > 1000:
            self._last = {c: s for c, s in self._last.items() if t - s < self.window}
        return last is None or t - last > self.window or t < last
