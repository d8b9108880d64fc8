"""The Flask extensions and the headers every response carries, shared by ``init_web``
(admin/__init__.py), the views and the check-in fast path. They live here, not in the
package's __init__, so that no view imports the package that imports the views."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()

#: on every response (the check-in fast path sets them too)
SECURITY_HEADERS = (
    ("Content-Security-Policy",
     "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
     "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
     "form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)
