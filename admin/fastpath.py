"""`POST /api/v1/checkins` answered as plain WSGI, before Flask's request machinery.

Every kiosk scan arrives here, so this is the one route where the cost per request matters
(issue 2: >= 1,000 check-ins/s on two cores). Flask's request/response objects, the session
cookie, Babel and the before/after-request hooks cost more CPU than the check-in itself
(measured with scripts/bench_checkin.py; see the README), and none of them is needed by a
kiosk: it sends JSON with a bearer token and reads JSON back.

The answers are exactly those of the Flask view ``admin.api.post_checkin`` (same token
check, same field checks and messages through ``admin.api.checkin_fields``, the same
``models.checkin.check_in``, the same security headers). Anything unusual (a body not
declared as JSON, no Content-Length, a body over 64 KB) is handed to that view unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

PATH = "/api/v1/checkins"
#: larger bodies go the Flask way (MAX_CONTENT_LENGTH and its 413 apply there)
MAX_BODY = 64 * 1024


def _json_type(content_type: str) -> bool:
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or (mimetype.startswith("application/")
                                              and mimetype.endswith("+json"))


class CheckinFastPath:
    def __init__(self, app, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        from admin import SECURITY_HEADERS

        self.headers = list(SECURITY_HEADERS) + [
            ("Content-Type", "application/json"), ("Cache-Control", "no-store")]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        length = environ.get("CONTENT_LENGTH") or ""
        if (not length.isdigit() or int(length) > MAX_BODY
                or not _json_type(environ.get("CONTENT_TYPE", ""))
                or environ.get("HTTP_TRANSFER_ENCODING")):
            return self.wsgi_app(environ, start_response)
        status, payload, extra = self._answer(environ, int(length))
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = self.headers + [("Content-Length", str(len(body)))] + extra
        start_response(status, headers)
        return [body]

    def _answer(self, environ: dict, length: int) -> tuple[str, dict, list]:
        from admin.api import NO_DEVICE, NO_EVENT, checkin_fields
        from admin.security import device_for_header
        from models.base import db
        from models.checkin import check_in
        from models.events import current_event_id

        with _app_context(self.app):
            try:
                device = device_for_header(environ.get("HTTP_AUTHORIZATION", ""))
                if device is None:
                    return ("401 UNAUTHORIZED", _error(*NO_DEVICE),
                            [("WWW-Authenticate", 'Bearer realm="event-kiosk"')])
                raw = environ["wsgi.input"].read(length)
                try:
                    body = json.loads(raw)
                except (ValueError, RecursionError):
                    body = None
                fields, problem = checkin_fields(body)
                if problem:
                    return "400 BAD REQUEST", _error(*problem), []
                event_id = current_event_id()
                if event_id is None:
                    return "409 CONFLICT", _error(*NO_EVENT), []
                result = check_in(event_id=event_id, device_id=device[0], method="kiosk",
                                  exhibition=(device[2] == "exhibition"), **fields)
                return "200 OK", result.as_json(), []
            except Exception:
                self.app.logger.exception("API error (check-in)")
                db.session.rollback()
                return "500 INTERNAL SERVER ERROR", _error(
                    "server_error", "Lỗi máy chủ. Vui lòng thử lại."), []


def _app_context(app):
    """A new app context, or the one already active for this app (as Flask's request context
    does: in tests the outer context's database session is the one that sees the change)."""
    import contextlib

    from flask.globals import _cv_app

    active = _cv_app.get(None)
    if active is not None and active.app is app:
        return contextlib.nullcontext()
    return app.app_context()


def _error(code: str, message: str) -> dict:
    return {"error": code, "message": message}
