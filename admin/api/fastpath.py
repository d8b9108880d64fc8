"""`POST /api/v1/checkins` answered as plain WSGI, before Flask's request machinery.

Every kiosk scan arrives here, so this is the one route where the cost per request matters
(issue 2: >= 1,000 check-ins/s on two cores). Flask's request/response objects, the session
cookie, Babel and the before/after-request hooks cost more CPU than the check-in itself
(measured with scripts/bench_checkin.py; see the README), and none of them is needed by a
kiosk: it sends JSON with a bearer token and reads JSON back.

The answers are exactly those of the Flask view ``admin.api.views.post_checkin`` (same token
check, same field checks and messages through ``admin.api.schemas.CheckinRequest``, the same
``models.checkin.checkin.check_in``, the same security headers). Anything unusual (a body not
declared as JSON, no Content-Length, a body over 64 KB) is handed to that view unchanged.

The dashboard's unchanged poll is answered the same way by admin.dashboard.fastpath (the
composition root, admin/web.py, wraps the app in both).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from admin.core.wsgi import app_context
from models.core.numbers import int_or_none

PATH = "/api/v1/checkins"
#: larger bodies go the Flask way (MAX_CONTENT_LENGTH and its 413 apply there)
MAX_BODY = 64 * 1024


def _json_type(content_type: str) -> bool:
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


class CheckinFastPath:
    def __init__(self, app, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        from admin.core.extensions import SECURITY_HEADERS

        self.headers = list(SECURITY_HEADERS) + [("Content-Type", "application/json"), ("Cache-Control", "no-store")]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        # a Content-Length of ASCII digits only ("²" or "１２" go the Flask way, which refuses them)
        length = int_or_none(environ.get("CONTENT_LENGTH") or "", 0, MAX_BODY)
        if length is None or not _json_type(environ.get("CONTENT_TYPE", "")) or environ.get("HTTP_TRANSFER_ENCODING"):
            return self.wsgi_app(environ, start_response)
        status, payload, extra = self._answer(environ, length)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = self.headers + [("Content-Length", str(len(body)))] + extra
        start_response(status, headers)
        return [body]

    def _answer(self, environ: dict, length: int) -> tuple[str, dict, list]:
        from admin.api.views import checkin_answer, checkin_fields_json
        from admin.core.security import device_for_header
        from models.core.base import db

        with app_context(self.app):
            try:
                device = device_for_header(environ.get("HTTP_AUTHORIZATION", ""))
                status, payload, headers = checkin_answer(
                    None if device is None else (device[0], device[2]),
                    lambda: checkin_fields_json(environ["wsgi.input"].read(length)),
                )
                return _STATUS[status], payload, headers
            except Exception:
                self.app.logger.exception("API error (check-in)")
                db.session.rollback()
                return "500 INTERNAL SERVER ERROR", _error("server_error", "Lỗi máy chủ. Vui lòng thử lại."), []


#: the status lines checkin_answer's codes are sent with
_STATUS = {200: "200 OK", 400: "400 BAD REQUEST", 401: "401 UNAUTHORIZED", 409: "409 CONFLICT"}


def _error(code: str, message: str) -> dict:
    return {"error": code, "message": message}
