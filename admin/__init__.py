"""The HTTP surface: HTML blueprints and the JSON API blueprint."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request, session
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from admin import hostile
from models.base import db
from models.database import reset_immediate, set_immediate

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()

#: on every response (the check-in fast path sets them too)
SECURITY_HEADERS = (
    ("Content-Security-Policy",
     "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
     "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
     "form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def select_locale() -> str:
    lang = request.args.get("lang") or session.get("lang")
    return lang if lang in ("vi", "en") else "vi"


def init_web(app: Flask) -> None:
    from admin import (
        api,
        auth,
        dashboard,
        desk,
        districts,
        errors,
        event_list,
        exhibition,
        exhibitors,
        guests,
        mc,
        pages,
    )

    hostile.register(app)  # before the blueprints: their int routes use its bounded converter
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
    from admin import openapi; app.register_blueprint(openapi.bp); csrf.exempt(openapi.bp)  # noqa: E702, I001
    from admin import event_settings
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
    def _remember_lang() -> None:
        lang = request.args.get("lang")
        if lang in ("vi", "en"):
            session["lang"] = lang
        g.lang = select_locale()

    @app.after_request
    def _security_headers(resp):
        for name, value in SECURITY_HEADERS:
            resp.headers.setdefault(name, value)
        return resp

    from admin.fastpath import CheckinFastPath

    app.wsgi_app = CheckinFastPath(app, app.wsgi_app)
