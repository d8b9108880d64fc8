"""The kiosk's HTTP client for the server's JSON API (keep-alive session, short timeouts).

Every failure is turned into one of three exceptions, so callers never see a raw requests error:

- ``ServerUnavailable``: no answer in time, connection refused, a 5xx, or a body that is not the
  documented JSON (garbage). The kiosk treats this as offline: decide locally, queue the scan.
- ``ServerAuthError``: 401/403. The device token is wrong: a configuration problem to show.
- ``ServerRejected``: 400/413/414/422, and 409 ``scan_id_conflict`` (the scan_id was used for
  another code): the request itself is bad; retrying would not help.
  Other 4xx (404 wrong URL, 409 no event yet, 429) count as unavailable: retried later.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import requests

RESULTS = ("ok", "already", "invalid", "revoked", "unknown", "wrong_event")
DEFAULT_TIMEOUT = 1.5
#: statuses that mean "this request itself is wrong": the scan is set aside, not retried
REJECTED = (400, 413, 414, 422)


#: a 409 with this ``error`` is about the scan itself (its scan_id was used for another code):
#: rejected for good; any other 409 (no event yet) is the server's state, retried later
FINAL_CONFLICT = "scan_id_conflict"


def _error_code(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""


class ServerError(Exception):
    """Base of the client's errors; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class ServerUnavailable(ServerError):
    pass


class ServerAuthError(ServerError):
    pass


class ServerRejected(ServerError):
    pass


@dataclass(frozen=True)
class CheckinAnswer:
    result: str
    message: str
    attendee: dict | None
    first_checkin: dict | None
    raw: dict


def parse_checkin_answer(doc: Any) -> CheckinAnswer:
    """Validate the server's check-in answer. Raises ServerUnavailable("garbage") if malformed."""
    if not isinstance(doc, dict):
        raise ServerUnavailable("answer is not a JSON object")
    result = doc.get("result")
    if result not in RESULTS:
        raise ServerUnavailable(f"unexpected result {result!r}")
    attendee = doc.get("attendee")
    first = doc.get("first_checkin")
    message = doc.get("message")
    if attendee is not None and not isinstance(attendee, dict):
        raise ServerUnavailable("attendee is not an object")
    if first is not None and not isinstance(first, dict):
        raise ServerUnavailable("first_checkin is not an object")
    if message is not None and not isinstance(message, str):
        raise ServerUnavailable("message is not text")
    return CheckinAnswer(result, message or "", attendee, first, doc)


class ApiClient:
    """Thread-safe enough for the kiosk: one session per thread (requests sessions are not)."""

    def __init__(self, server: str, token: str, *, timeout: float = DEFAULT_TIMEOUT):
        self.server = (server or "").rstrip("/")
        self.token = token or ""
        self.timeout = timeout
        self._local = threading.local()

    @property
    def configured(self) -> bool:
        return bool(self.server)

    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.headers.update(
                {
                    "Authorization": f"Bearer {self.token}",
                    "User-Agent": "event-kiosk/1",
                    "Accept": "application/json",
                }
            )
            self._local.session = s
        return s

    def _request(self, method: str, path: str, **kw) -> requests.Response:
        if not self.server:
            raise ServerUnavailable("no server configured")
        try:
            resp = self._session().request(method, self.server + path, timeout=kw.pop("timeout", self.timeout), **kw)
        except requests.RequestException as exc:
            # drop the session: a half-dead keep-alive connection must not poison the next call
            self._local.session = None
            raise ServerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if resp.status_code in (401, 403):
            raise ServerAuthError(f"token refused ({resp.status_code})", resp.status_code)
        if resp.status_code >= 500:
            raise ServerUnavailable(f"server error {resp.status_code}", resp.status_code)
        if resp.status_code == 404:
            raise ServerUnavailable("API not found (404): is --server the right URL?", 404)
        if resp.status_code == 409 and _error_code(resp) == FINAL_CONFLICT:
            # this scan_id was used with another code: final, resending it cannot help
            raise ServerRejected(f"request refused (409) {FINAL_CONFLICT}", 409)
        if resp.status_code not in REJECTED and 400 <= resp.status_code < 500:
            # 409 no event yet, 429 slow down, ...: the server's state, not the scan; retry later
            raise ServerUnavailable(f"server refused for now ({resp.status_code})", resp.status_code)
        if resp.status_code in REJECTED:
            detail = ""
            try:
                body = resp.json()
                detail = str(body.get("message") or body.get("error") or "")
            except ValueError:
                pass
            raise ServerRejected(f"request refused ({resp.status_code}) {detail}".strip(), resp.status_code)
        return resp

    def post_checkin(
        self,
        code: str,
        station: str,
        scan_id: str,
        scanned_at: str | None = None,
        *,
        timeout: float | None = None,
    ) -> CheckinAnswer:
        payload = {"code": code, "station": station, "scan_id": scan_id}
        if scanned_at:
            payload["scanned_at"] = scanned_at
        resp = self._request("POST", "/api/v1/checkins", json=payload, timeout=timeout or self.timeout)
        try:
            doc = resp.json()
        except ValueError as exc:
            raise ServerUnavailable("answer is not JSON (garbage)", resp.status_code) from exc
        return parse_checkin_answer(doc)

    def post_heartbeat(self, station: str, queue_length: int, *, timeout: float | None = None) -> None:
        """Tell the server this kiosk's health (shown on the organiser's dashboard)."""
        self._request(
            "POST",
            "/api/v1/kiosk/heartbeat",
            timeout=timeout or self.timeout,
            json={"station": station[:80], "queue_length": int(queue_length), "online": True},
        )

    def get_snapshot(self, etag: str | None = None, *, timeout: float | None = None) -> dict | None:
        """The snapshot document, or None when the server says it has not changed (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        resp = self._request(
            "GET", "/api/v1/kiosk/snapshot", headers=headers, timeout=timeout or max(self.timeout, 5.0)
        )
        if resp.status_code == 304:
            return None
        try:
            doc = resp.json()
        except ValueError as exc:
            raise ServerUnavailable("snapshot is not JSON (garbage)", resp.status_code) from exc
        if not isinstance(doc, dict):
            raise ServerUnavailable("snapshot is not a JSON object")
        return doc
