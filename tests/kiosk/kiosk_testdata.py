"""Shared test data for the kiosk tests: real badge codes, a snapshot, a fake API server.

The fake server implements the documented kiosk API (check-ins with scan_id idempotency and one
"ok" per attendee, snapshot with ETag) and can misbehave on demand (500, garbage, 401, slow,
stopped). Tests against the project's real server use the ``live_server`` fixture from
tests/conftest.py when it exists (see test_kiosk_live.py).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from models import codes

ROOT = Path(__file__).resolve().parents[2]

ARTIFACTS = ROOT / "tests" / "artifacts"
EVENT_TAG = 424242
OTHER_TAG = 777

PEOPLE = [
    {"id": 1, "honorific": "Ông", "name": "Nguyễn Văn An", "seat": "A-01", "group": "Lãnh đạo"},
    {"id": 2, "honorific": "Bà", "name": "Đặng Thị Bích Ngọc", "seat": "A-02", "group": "Sở"},
    {"id": 3, "honorific": "Bà", "name": "Huỳnh Thị Ánh Tuyết", "seat": "B-14", "group": "OCOP"},
    {"id": 4, "honorific": "Ông", "name": "Trần Quốc Dũng", "seat": "C-07", "group": "Báo chí"},
    {"id": 5, "honorific": "Đồng chí", "name": "Lê Hữu Phước", "seat": "D-03", "group": "Huyện"},
]


class Keys:
    def __init__(self):
        self.private = codes.new_private_key()
        self.public = codes.public_key_of(self.private)
        self.other_private = codes.new_private_key()  # another event's key
        self.forger = codes.new_private_key()  # a key nobody trusts

    def code(self, attendee_id: int, serial: int = 1, *, tag: int = EVENT_TAG) -> str:
        return codes.make_code(self.private, event_tag=tag, key_no=1, attendee_id=attendee_id, serial=serial)

    def other_event_code(self, attendee_id: int = 1) -> str:
        return codes.make_code(self.other_private, event_tag=OTHER_TAG, key_no=1, attendee_id=attendee_id, serial=1)

    def forged_code(self, attendee_id: int = 1) -> str:
        return codes.make_code(self.forger, event_tag=EVENT_TAG, key_no=1, attendee_id=attendee_id, serial=1)

    def snapshot_doc(self, roster=None, revoked=(), version: str = "v1") -> dict:
        return {
            "version": version,
            "generated_at": datetime.now(UTC).isoformat(),
            "event": {
                "id": 1,
                "tag": EVENT_TAG,
                "name": "Hội nghị tổng kết OCOP 2024",
                "date": "2025-03-20",
                "venue": "Nha Trang",
                "timezone": "Asia/Ho_Chi_Minh",
            },
            "keys": [
                {"event_tag": EVENT_TAG, "key_no": 1, "public_key": codes.b64(self.public), "event_id": 1},
                {
                    "event_tag": OTHER_TAG,
                    "key_no": 1,
                    "public_key": codes.b64(codes.public_key_of(self.other_private)),
                    "event_id": 2,
                },
            ],
            "revoked": list(revoked),
            "roster": list(PEOPLE if roster is None else roster),
            "station": {"name": "Cổng chính", "kind": "kiosk"},
        }


class FakeApi:
    """An in-memory implementation of the kiosk API contract."""

    def __init__(self, keys: Keys, token: str = "secret-token"):
        self.keys = keys
        self.token = token
        self.roster = {p["id"]: p for p in PEOPLE}
        self.revoked: set[str] = set()
        self.mode = "normal"  # normal | 500 | garbage | 401 | slow
        self.slow_s = 3.0
        self.answers: dict[str, dict] = {}  # scan_id -> answer
        self.arrivals: dict[int, dict] = {}  # attendee id -> first check-in
        self.log: list[dict] = []  # every distinct scan recorded
        self.posts = 0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.conns: set = set()
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def snapshot(self) -> dict:
        return self.keys.snapshot_doc(
            list(self.roster.values()), sorted(self.revoked), version=f"v{len(self.roster)}-{len(self.revoked)}"
        )

    def check_in(self, body: dict) -> tuple[int, dict]:
        code, station, scan_id = body.get("code"), body.get("station"), body.get("scan_id")
        if (
            not isinstance(code, str)
            or not isinstance(station, str)
            or not (isinstance(scan_id, str) and 1 <= len(scan_id) <= 64)
        ):
            return 400, {"error": "bad_request", "message": "Thiếu trường bắt buộc"}
        with self.lock:
            self.posts += 1
            if scan_id in self.answers:
                return 200, self.answers[scan_id]
            attendee = None
            first = None
            try:
                badge = codes.verify_code(
                    code,
                    codes.keyring(
                        (k["event_tag"], k["key_no"], k["public_key"]) for k in self.keys.snapshot_doc()["keys"]
                    ),
                    event_tag=EVENT_TAG,
                )
            except codes.CodeError as exc:
                result = exc.code
            else:
                person = self.roster.get(badge.attendee_id)
                if code in self.revoked:
                    result = "revoked"
                elif person is None:
                    result = "unknown"
                else:
                    attendee = {**person, "position": "", "organisation": ""}
                    if badge.attendee_id in self.arrivals:
                        result, first = "already", self.arrivals[badge.attendee_id]
                    else:
                        result = "ok"
                        self.arrivals[badge.attendee_id] = {
                            "at": body.get("scanned_at") or datetime.now(UTC).isoformat(),
                            "station": station,
                        }
            answer = {"result": result, "message": f"Kết quả: {result}", "attendee": attendee, "first_checkin": first}
            self.answers[scan_id] = answer
            self.log.append({"scan_id": scan_id, "code": code, "result": result})
            return 200, answer

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                api.conns.add(self.connection)

            def _send(self, status: int, body: bytes, ctype="application/json", headers=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _misbehave(self) -> bool:
                if api.mode == "slow" and self.command == "POST":
                    time.sleep(api.slow_s)
                if api.mode == "500":
                    self._send(500, b"<html>Internal Server Error</html>", "text/html")
                    return True
                if api.mode == "garbage":
                    self._send(200, b"\x00\xffnot json{{", "application/json")
                    return True
                if api.mode == "wrongjson":
                    self._send(200, b'{"result": "maybe", "attendee": 5}')
                    return True
                auth = self.headers.get("Authorization", "")
                if api.mode == "401" or auth != f"Bearer {api.token}":
                    self._send(401, b'{"error": "unauthorized", "message": "Sai token"}')
                    return True
                return False

            def do_GET(self):
                if self.path == "/api/v1/kiosk/snapshot":
                    if self._misbehave():
                        return
                    doc = api.snapshot()
                    if self.headers.get("If-None-Match") == doc["version"]:
                        self._send(304, b"", headers={"ETag": doc["version"]})
                        return
                    self._send(200, json.dumps(doc).encode(), headers={"ETag": doc["version"]})
                else:
                    self._send(404, b'{"error": "not_found"}')

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path != "/api/v1/checkins":
                    self._send(404, b'{"error": "not_found"}')
                    return
                if self._misbehave():
                    return
                try:
                    body = json.loads(raw)
                    assert isinstance(body, dict)
                except (ValueError, AssertionError):
                    self._send(400, b'{"error": "bad_json", "message": "JSON sai"}')
                    return
                status, answer = api.check_in(body)
                self._send(status, json.dumps(answer, ensure_ascii=False).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening and cut every open keep-alive connection (like a killed process)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        for conn in list(self.conns):
            try:
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            except OSError:
                pass
        self.conns.clear()

    def ok_count(self, attendee_id: int) -> int:
        ids = {c: self._attendee_of(c) for c in {e["code"] for e in self.log}}
        return sum(1 for e in self.log if e["result"] == "ok" and ids[e["code"]] == attendee_id)

    @staticmethod
    def _attendee_of(code: str) -> int | None:
        try:
            return codes.parse_code(code)[0].attendee_id
        except codes.CodeError:
            return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
