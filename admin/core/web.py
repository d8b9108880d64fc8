"""The web's shared machinery: the extensions bound (bind_extensions) and the request hooks every
page gets (install_request_hooks: security headers, no-store, the SQLite write lock, language).
It imports no area: admin/web.py (init_web), the composition root, registers the areas."""

from __future__ import annotations

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


def bind_extensions(app: Flask) -> None:
    """The session interface, bounded int converter, Vietnamese WTForms messages and every
    extension bound to ``app`` (before any blueprint: their int routes use the converter)."""
    hostile.register(app)
    wtforms_vi.install()  # WTForms' own messages in Vietnamese on Vietnamese pages
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=TRANSLATIONS_DIR)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)


def install_request_hooks(app: Flask) -> None:
    """The hooks every request gets: the SQLite write lock, language, security headers, no-store."""

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
