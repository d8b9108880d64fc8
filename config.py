"""Defaults only. Secrets come from the environment or instance/ (never committed)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("EVENT_KIOSK_INSTANCE", BASE_DIR / "instance"))


#: the server's files (database, WAL/SHM, backups, uploads, instance/, key files) are created
#: readable by this user only: 0600 files, 0700 directories
PRIVATE_UMASK = 0o077


def private_files() -> None:
    """Set the process umask so that every file the server creates from now on is private.
    Called first thing by create_app (before instance/ or the database exists), so nothing is
    ever created world-readable and chmod-ed afterwards."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Make ``path`` (0700 under the umask above); one left open by an older version is
    closed to other users."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def secret_key() -> str:
    """SECRET_KEY from the environment, else a random key kept in instance/secret_key (0600)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = INSTANCE_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        private_dir(INSTANCE_DIR)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; we use psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return f"sqlite:///{INSTANCE_DIR / 'event_kiosk.db'}"


class Config:
    SQLALCHEMY_DATABASE_URI = None  # filled by create_app
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = None  # a desk laptop stays open all day
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_SUPPORTED_LOCALES = ["vi", "en"]
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # uploads (guest lists) larger than this are refused
    JSON_SORT_KEYS = False
    #: the server's address as visitors' phones reach it on the venue network, for the QR on
    #: printed table cards (e.g. "http://192.168.1.10:8000"); "": the address of the request
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    #: seconds the kiosk waits for the server before deciding offline (documented for kiosks)
    KIOSK_TIMEOUT = 1.5
    #: the dashboard's figures, live fragment and seat map are drawn in a renderer process of
    #: their own (admin/dashboard/worker.py), away from the check-ins' GIL
    DASHBOARD_RENDER_PROCESS = True
    #: failed logins per client address within LOGIN_FAILURE_WINDOW (then refused, 429)
    LOGIN_RATE_LIMIT = 20
    #: failed logins per account name within LOGIN_FAILURE_WINDOW (then refused, 429)
    LOGIN_FAILURES_PER_ACCOUNT = 10
    #: seconds failed logins are remembered (counted in the database: all processes see them)
    LOGIN_FAILURE_WINDOW = 900
    #: an uploaded guest list waits this long for its import to be confirmed, then is deleted
    IMPORT_PREVIEW_SECONDS = 3600
    #: a staff session not used for this many hours ends (log in again)
    SESSION_IDLE_HOURS = 12
