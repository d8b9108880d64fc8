"""The HTTP surface: HTML blueprints and the JSON API blueprint."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

from admin import hostile, wtforms_vi
from admin.extensions import SECURITY_HEADERS, babel, csrf, login_manager, migrate
from models.base import db
from models.database import reset_immediate, set_immediate

#: staff pages (and a district officer's private pages) are never kept by a browser or proxy
#: when the uploads folder was last swept (monotonic seconds; at most once a minute)
_sweep_at = [0.0]
NO_STORE_PREFIXES = ("/admin", "/desk", "/mc", "/d/", "/exhibitors/status", "/api/v1/kiosk/snapshot")
#: downloads (exports, badges, letters, reports) are never kept either, wherever they are served
NO_STORE_TYPES = ("application/pdf", "text/csv",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def no_store(path: str, mimetype: str, disposition: str | None) -> bool:
    """Whether a response must carry ``Cache-Control: no-store``: staff pages, private links
    and every file download."""
    return (path.startswith(NO_STORE_PREFIXES) or mimetype in NO_STORE_TYPES
            or bool(disposition and "attachment" in disposition))


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the cookie marked Secure whenever the request came
    over HTTPS (directly, or through the trusted reverse proxy: docs/https.md), so the same
    server works on plain HTTP on the LAN and behind caddy."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]
                    or (has_request_context() and request.is_secure))


MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def select_locale() -> str:
    lang = request.args.get("lang") or session.get("lang")
    return lang if lang in ("vi", "en") else "vi"


def init_web(app: Flask) -> None:
    # the blueprints and, explicitly, every module of views they carry: a companion module
    # (desk_walkin, guests_people, ...) adds its views to its main module's blueprint and is
    # imported here only, so the main module never imports it back
    from admin import (  # noqa: F401  (the companions register their views on import)
        api,
        auth,
        dashboard,
        desk,
        desk_walkin,
        districts,
        districts_admin,
        errors,
        event_list,
        event_settings,
        event_structure,
        exhibition,
        exhibitors,
        guests,
        guests_people,
        guests_seats,
        mc,
        mc_awards,
        openapi,
        pages,
    )

    hostile.register(app)  # before the blueprints: their int routes use its bounded converter
    wtforms_vi.install()  # WTForms' own messages in Vietnamese on Vietnamese pages
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).resolve().parent.parent / "translations"),
    )
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)

    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(guests.bp)
    app.register_blueprint(exhibitors.bp)
    app.register_blueprint(exhibition.bp)
    app.register_blueprint(mc.bp)
    app.register_blueprint(districts.bp)
    app.register_blueprint(event_list.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(openapi.bp)
    csrf.exempt(openapi.bp)
    app.register_blueprint(event_settings.bp)
    errors.register(app)

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
            from admin.guests import sweep_imports

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

    from admin.fastpath import CheckinFastPath

    app.wsgi_app = CheckinFastPath(app, app.wsgi_app)
