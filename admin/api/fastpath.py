"""`POST /api/v1/checkins` and the dashboard's unchanged poll (`GET /admin/live?v=` -> 204)
answered as plain WSGI, before Flask's request machinery.

Every kiosk scan arrives here, so this is the one route where the cost per request matters
(issue 2: >= 1,000 check-ins/s on two cores). Flask's request/response objects, the session
cookie, Babel and the before/after-request hooks cost more CPU than the check-in itself
(measured with scripts/bench_checkin.py; see the README), and none of them is needed by a
kiosk: it sends JSON with a bearer token and reads JSON back.

The answers are exactly those of the Flask view ``admin.api.views.post_checkin`` (same token
check, same field checks and messages through ``admin.api.schemas.CheckinRequest``, the same
``models.checkin.checkin.check_in``, the same security headers). Anything unusual (a body not
declared as JSON, no Content-Length, a body over 64 KB) is handed to that view unchanged.

The dashboard's poll: 50 open dashboards poll every second, and a poll through Flask (session,
user loaded from the database, locale, version query) cost more than a check-in. Here a poll
whose version ``v`` is still current is answered 204 from memory: the session cookie is
opened by Flask's own ``app.session_interface`` (admin.SessionInterface), its server-side
session row and the user's role come from a 5-second cache (an ending in this process is seen
at once, one in another server process within 5 s), the version from admin.dashboard.views.fresh_fragment. Everything
else (no or stale version, not an admin, no session, no event) goes to the Flask view.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from models.core import caches
from models.core.numbers import int_or_none, is_int

PATH = "/api/v1/checkins"
LIVE_PATH = "/admin/live"
#: seconds a session row, the user's role and active flag (and a verified session cookie) are
#: trusted for the dashboard poll (caches.session_cookies, caches.session_admins)
USER_TTL = caches.USER_TTL
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
        self.live_headers = list(SECURITY_HEADERS) + [("Cache-Control", "no-store"), ("Vary", "Cookie")]

    def _live_unchanged(self, environ: dict) -> str | None:
        """The current version when the poll's ``v`` is it and the caller is a logged-in admin;
        None otherwise."""
        hit = self._live(environ)
        return hit[0] if hit is not None and hit[1] is None else None

    def _live(self, environ: dict) -> tuple[str, str | None] | None:
        """For a logged-in admin's poll: (version, None) when ``v`` is still current (204),
        (version, html) when a fresh fragment is cached (200); None when Flask should answer
        (it renders: at most twice a second, however many dashboards poll)."""
        from urllib.parse import parse_qs

        query = parse_qs(environ.get("QUERY_STRING", ""))
        v = query.get("v", [""])[0]
        if not v:
            return None
        try:
            with _app_context(self.app):
                session = self._session(environ)
                if session is None or not self._is_admin(session):
                    return None
                from admin.dashboard.views import cached_fragment, fresh_fragment, view_mode, watch
                from models.events.service import current_event_id

                event_id = current_event_id()
                if event_id is None:
                    return None
                lang = query.get("lang", [""])[0]
                if lang != session.get("lang", "vi") and lang:
                    return None  # Flask remembers a new language in the session cookie
                lang = lang or session.get("lang", "vi")
                lang = lang if lang in ("vi", "en") else "vi"
                key = (event_id, view_mode(query.get("mode", [""])[0]), lang)
                # kept fresh by the refresher (renderer process), or checked here
                hit = cached_fragment(key) if watch(key) else fresh_fragment(key)
        except Exception:  # never fail a poll here: Flask answers (and logs) instead
            self.app.logger.exception("dashboard poll fast path")
            return None
        if hit is None:
            return None
        return (hit[0], None) if hit[0] == v else (hit[0], hit[1])

    def _session(self, environ: dict) -> dict | None:
        """The Flask session of this request, opened by the app's own session interface (as
        for any Flask request: same cookie, signature, key and age limit); None without one.
        The same cookie opens the same way: its session is kept USER_TTL seconds
        (caches.session_cookies; opening it costs ~45 us, and each dashboard polls twice a
        second; measured with bench_live)."""
        app = self.app
        interface = app.session_interface
        request = app.request_class(environ, populate_request=False, shallow=True)
        value = request.cookies.get(interface.get_cookie_name(app))
        if not value:
            return None
        key = (id(self), value)
        hit = caches.get(caches.session_cookies, key)
        if hit is not None:
            return hit[0]
        session = interface.open_session(app, request)
        data = dict(session) if session else None
        caches.put(caches.session_cookies, key, (data,))
        return data

    def _is_admin(self, session: dict) -> bool:
        """The session's row in user_session is live (not logged out, not ended by a password,
        role or active change, not idle) and its user is an active admin. Cached USER_TTL
        seconds per session id; an ending in this process is seen at once (the generation
        counter), one in another server process within USER_TTL."""
        from models.accounts import sessions

        sid, user_id = session.get("sid"), session.get("_user_id")
        if not isinstance(sid, str) or not is_int(user_id):
            return False
        key = (id(self), sid)
        hit = caches.get(caches.session_admins, key)
        if hit is None or hit[1] != sessions.generation:
            generation = sessions.generation
            from sqlalchemy import select

            from models.accounts.models import User
            from models.core.base import db

            uid = sessions.session_user_id(sid, self.app.config["SESSION_IDLE_HOURS"])
            row = None
            if uid is not None and str(uid) == user_id:
                row = db.session.execute(select(User.role, User.active).where(User.id == uid)).first()
            db.session.rollback()
            hit = (row is not None and row.role == "admin" and bool(row.active), generation)
            caches.put(caches.session_admins, key, hit)
        return hit[0]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == LIVE_PATH and environ.get("REQUEST_METHOD") == "GET":
            hit = self._live(environ)
            if hit is None:
                return self.wsgi_app(environ, start_response)
            version, html = hit
            if html is None:
                start_response("204 NO CONTENT", self.live_headers + [("X-Version", version)])
                return [b""]
            body = html.encode("utf-8")
            start_response(
                "200 OK",
                self.live_headers
                + [
                    ("X-Version", version),
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]
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
        from admin.api.views import NO_DEVICE, NO_EVENT, checkin_fields_json
        from admin.core.security import device_for_header
        from models.checkin.checkin import ScanIdConflict, check_in
        from models.core.base import db
        from models.events.service import current_event_id

        with _app_context(self.app):
            try:
                device = device_for_header(environ.get("HTTP_AUTHORIZATION", ""))
                if device is None:
                    return (
                        "401 UNAUTHORIZED",
                        _error(*NO_DEVICE),
                        [("WWW-Authenticate", 'Bearer realm="event-kiosk"')],
                    )
                fields, problem = checkin_fields_json(environ["wsgi.input"].read(length))
                if problem:
                    return "400 BAD REQUEST", _error(*problem), []
                event_id = current_event_id()
                if event_id is None:
                    return "409 CONFLICT", _error(*NO_EVENT), []
                try:
                    result = check_in(
                        event_id=event_id,
                        device_id=device[0],
                        method="kiosk",
                        exhibition=(device[2] == "exhibition"),
                        **fields,
                    )
                except ScanIdConflict as exc:
                    return "409 CONFLICT", _error(exc.code, exc.message), []
                return "200 OK", result.as_json(), []
            except Exception:
                self.app.logger.exception("API error (check-in)")
                db.session.rollback()
                return "500 INTERNAL SERVER ERROR", _error("server_error", "Lỗi máy chủ. Vui lòng thử lại."), []


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
