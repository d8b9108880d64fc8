"""The dashboard's unchanged poll (`GET /admin/live?v=` -> 204, or a fresh cached fragment -> 200)
answered as plain WSGI, before Flask's request machinery (as admin.api.fastpath answers the
kiosks' check-ins).

The dashboard's poll: 50 open dashboards poll every second, and a poll through Flask (session,
user loaded from the database, locale, version query) cost more than a check-in. Here a poll
whose version ``v`` is still current is answered 204 from memory: the session cookie is
opened by Flask's own ``app.session_interface`` (admin.SessionInterface), its server-side
session row and the user's role come from a 5-second cache (an ending in this process is seen
at once, one in another server process within 5 s), the version from admin.dashboard.views.fresh_fragment. Everything
else (no or stale version, not an admin, no session, no event) goes to the Flask view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from admin.core.wsgi import app_context
from models.core import caches
from models.core.numbers import is_int

LIVE_PATH = "/admin/live"
#: seconds a session row, the user's role and active flag (and a verified session cookie) are
#: trusted for the dashboard poll (caches.session_cookies, caches.session_admins)
USER_TTL = caches.USER_TTL


class LivePollFastPath:
    def __init__(self, app, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        from admin.core.extensions import SECURITY_HEADERS

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
            with app_context(self.app):
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
        return self.wsgi_app(environ, start_response)
