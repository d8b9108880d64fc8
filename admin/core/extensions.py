"""The Flask extensions and the headers every response carries, shared by ``init_web``
(admin/core/web.py), the views and the check-in fast path. They live here, not in the
package's __init__, so that no view imports the package that imports the views."""

from __future__ import annotations

from pathlib import Path

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()

#: the Alembic scripts (Flask-Migrate) and the compiled message catalogues (Flask-Babel)
MIGRATIONS_DIR = str(Path(__file__).resolve().parents[2] / "migrations")
TRANSLATIONS_DIR = str(Path(__file__).resolve().parents[2] / "translations")

#: on every response (the check-in fast path sets them too)
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)
