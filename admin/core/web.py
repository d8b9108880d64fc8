"""init_web(app): the HTTP surface put together: the extensions bound, every area's blueprint
registered (each area's admin/<area>/blueprint.py imports its views), the request hooks every
page gets (security headers, no-store, the SQLite write lock, language, the uploads sweep) and
the check-in fast path wrapped around the app."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

from admin.core import hostile, wtforms_vi
from admin.core.extensions import (
    MIGRATIONS_DIR,
    SECURITY_HEADERS,
    TRANSLATIONS_DIR,
    babel,
    csrf,
    login_manager,
    migrate,
)
from models.core.base import db
from models.core.database import reset_immediate, set_immediate

#: staff pages (and a district officer's private pages) are never kept by a browser or proxy
#: when the uploads folder was last swept (monotonic seconds; at most once a minute)
_sweep_at = [0.0]
#: every API answer (check-ins, stats, the kiosk snapshot: names, seats, figures) is private too
NO_STORE_PREFIXES = ("/admin", "/desk", "/mc", "/d/", "/exhibitors/status", "/api/")
#: downloads (exports, badges, letters, reports) are never kept either, wherever they are served
NO_STORE_TYPES = ("application/pdf", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def no_store(path: str, mimetype: str, disposition: str | None) -> bool:
    """Whether a response must carry ``Cache-Control: no-store``: staff pages, private links
    and every file download."""
    return (
        path.startswith(NO_STORE_PREFIXES)
        or mimetype in NO_STORE_TYPES
        or bool(disposition and "attachment" in disposition)
    )


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the cookie marked Secure whenever the request came
    over HTTPS (directly, or through the trusted reverse proxy: docs/https.md), so the same
    server works on plain HTTP on the LAN and behind caddy."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))


def select_locale() -> str:
    lang = request.args.get("lang") or session.get("lang")
    return lang if lang in ("vi", "en") else "vi"


def init_web(app: Flask) -> None:
    """The HTTP surface on ``app``: the extensions bound, every area's blueprints registered,
    the request hooks installed and the check-in fast path wrapped around the WSGI app."""
    hostile.register(app)  # before the blueprints: their int routes use its bounded converter
    wtforms_vi.install()  # WTForms' own messages in Vietnamese on Vietnamese pages
    _bind_extensions(app)
    _register_areas(app)
    _install_request_hooks(app)
    from admin.api.fastpath import CheckinFastPath

    app.wsgi_app = CheckinFastPath(app, app.wsgi_app)


def _bind_extensions(app: Flask) -> None:
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=TRANSLATIONS_DIR)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)


def _register_areas(app: Flask) -> None:
    """Every area's blueprints: each area's blueprint module imports its views (a companion
    module adds its views to its main module's blueprint), so no view module imports another's."""
    from admin.accounts import blueprint as accounts
    from admin.api import blueprint as api
    from admin.ceremony import blueprint as ceremony
    from admin.checkin import blueprint as checkin
    from admin.core import blueprint as core
    from admin.core import errors
    from admin.dashboard import blueprint as dashboard
    from admin.districts import blueprint as districts
    from admin.events import blueprint as events
    from admin.exhibition import blueprint as exhibition
    from admin.guests import blueprint as guests
    from admin.privacy import blueprint as privacy
    from admin.scan import blueprint as scan
    from admin.seating import blueprint as seating

    areas = (
        accounts,
        core,
        checkin,
        dashboard,
        guests,
        seating,
        exhibition,
        ceremony,
        districts,
        events,
        privacy,
        scan,
        api,
    )
    for area in areas:
        for blueprint in area.BLUEPRINTS:
            app.register_blueprint(blueprint)
    for blueprint in api.CSRF_EXEMPT:  # the API authenticates with bearer tokens, not cookies
        csrf.exempt(blueprint)
    errors.register(app)


def _install_request_hooks(app: Flask) -> None:
    @app.before_request
    def _writes_take_the_lock_first() -> None:
        # SQLite: a request that may change data takes the write lock when its transaction
        # begins (BEGIN IMMEDIATE), so a read-then-write never fails on a lock upgrade.
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            g._immediate_token = set_immediate(True)

    @app.teardown_request
    def _release_immediate(exc=None) -> None:
        token = g.pop("_immediate_token", None)
        if token is not None:
            reset_immediate(token)

    @app.before_request
    def _forget_old_uploads() -> None:
        # an uploaded list whose preview was never confirmed is deleted within
        # IMPORT_PREVIEW_SECONDS (1 h), even if nobody opens an import page again
        now = time.monotonic()
        if now - _sweep_at[0] >= 60:
            _sweep_at[0] = now
            from admin.guests.views import sweep_imports

            folder = Path(app.instance_path) / "imports"
            if folder.is_dir():
                sweep_imports(folder, app.config["IMPORT_PREVIEW_SECONDS"])

    @app.before_request
    def _remember_lang() -> None:
        lang = request.args.get("lang")
        if lang in ("vi", "en"):
            session["lang"] = lang
        g.lang = select_locale()

    @app.after_request
    def _security_headers(resp):
        for name, value in SECURITY_HEADERS:
            resp.headers.setdefault(name, value)
        if no_store(request.path, resp.mimetype or "", resp.headers.get("Content-Disposition")):
            resp.headers["Cache-Control"] = "no-store"
        if request.is_secure:  # only over HTTPS (a trusted proxy said so): docs/https.md
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return resp
