"""Every setting of the server in one place: ``Config`` declares each with its default and its
meaning (the ``#:`` comment above it); the environment variables of ``ENVIRONMENT`` are read
here and nowhere else (``from_environment``, called by create_app). Secrets come from the
environment or instance/ (never committed). The README's table of settings is
``settings_table()`` (tests/core/test_settings.py keeps the two equal). The kiosk program has its own
settings, kiosk/config.py (KIOSK_* variables): it runs on another machine."""

from __future__ import annotations

import ast
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


def signing_key_file(environ=None) -> Path:
    """SIGNING_KEY_FILE from the environment, else ~/.config/event-kiosk/signing_key (the folder
    $XDG_CONFIG_HOME when set): outside instance/, so a copy of the data holds no key."""
    env = os.environ if environ is None else environ
    if env.get("SIGNING_KEY_FILE"):
        return Path(env["SIGNING_KEY_FILE"]).expanduser()
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "event-kiosk" / "signing_key"


def backup_passphrase(environ=None) -> str | None:
    """`backup --encrypt` / `decrypt-backup`: the passphrase from BACKUP_PASSPHRASE (for scripts),
    or None (then a prompt or the first line of stdin). Never stored."""
    return (os.environ if environ is None else environ).get("BACKUP_PASSPHRASE")


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a program the server starts (`serve --https`: caddy): this process's,
    with ``extra`` set."""
    return {**os.environ, **extra}


def database_url(environ=None) -> str:
    """DATABASE_URL with the psycopg 3 driver named, else SQLite in instance/."""
    url = (os.environ if environ is None else environ).get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; we use psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return f"sqlite:///{INSTANCE_DIR / 'event_kiosk.db'}"


class Config:
    """The settings (app.config), each with its default; ``#:`` above a setting says what it
    means (and becomes its line in the README's table). Those in ENVIRONMENT are taken from
    that environment variable when it is set and not empty."""

    #: folder of the server's own files: SQLite database, secret and signing keys, uploads,
    #: demo logins (created 0700); read once, when config.py is imported
    INSTANCE_DIR = None  # filled by create_app (the app's instance_path)
    #: signs session cookies, CSRF tokens and private links; unset: a random key made once and
    #: kept in instance/secret_key (0600)
    SECRET_KEY = None  # filled by create_app
    #: the database; postgres:// and postgresql:// URLs are given the psycopg 3 driver
    SQLALCHEMY_DATABASE_URI = None  # filled by create_app
    #: database connections per server process (PostgreSQL; SQLite has no pool)
    DB_POOL_SIZE = 20
    #: the server's plain-HTTP address as any phone reaches it on the venue network (no trust in
    #: the local CA needed): the QR on printed table cards and /trust's QR of root.crt (e.g.
    #: "http://192.168.1.10:8000", behind `serve --https` "http://192.168.1.10:8080"); "": the
    #: address of the request (/trust behind caddy: its host on EK_HTTP_PORT)
    PUBLIC_BASE_URL = ""
    #: the server's address in staff and private links (scan-link and /admin/devices pairing links,
    #: district-link, exhibitor-link), e.g. "https://192.168.1.10:8443" behind `serve --https`;
    #: "": http://HOST:PORT (the commands) or the request's address (the pages)
    PUBLIC_URL = ""
    #: hours a phone's pairing link works (single use)
    PAIRING_HOURS = 24.0
    #: pairing attempts (POST /api/v1/pair) per client address in 10 minutes
    PAIRING_RATE_LIMIT = 30
    #: `serve --https`: the address phones and laptops type (the server's fixed LAN IP or name);
    #: caddy's certificate is made for it
    EK_HOST = "localhost"
    #: `serve --https`: caddy's HTTPS port (443 needs root or cap_net_bind_service on caddy)
    EK_HTTPS_PORT = 8443
    #: `serve --https`: caddy's plain-HTTP port: /trust and its root.crt (for phones that do not
    #: trust the CA yet); every other address is redirected to HTTPS
    EK_HTTP_PORT = 8080
    #: `serve`: the address to listen on (0.0.0.0: every network of the machine)
    HOST = "127.0.0.1"
    #: `serve`: the port to listen on
    PORT = 8000
    #: `serve`: waitress threads per server process
    THREADS = 8
    #: `serve`: server processes sharing the port (2 uses both cores of a 2-core laptop)
    WORKERS = 1
    #: `serve`: address of a reverse proxy (e.g. caddy on 127.0.0.1) whose X-Forwarded-For/-Proto/
    #: -Host headers are believed; "": believed from nobody (docs/https.md)
    TRUSTED_PROXY = ""
    #: SQLite's PRAGMA synchronous: "NORMAL" (WAL) survives a killed process; "FULL" also a power
    #: cut, at an fsync per commit (docs/reliability.md): set it on a laptop without a battery
    SQLITE_SYNCHRONOUS = "NORMAL"
    #: seconds a command (`flask --app app ...`) waits for an SQLite database another program
    #: holds locked, trying again, before it says so in one line and stops (exit status 1)
    CLI_LOCK_WAIT = 60.0
    #: `serve`: Python's GIL switch interval in seconds; None: Python's 0.005 (measured best:
    #: 0.001 halved the check-ins per second)
    SWITCH_INTERVAL = None
    #: `serve`: connections one client address may hold at once (an IPv6 client: its /64); more
    #: are refused (503) at once. Raise it if many devices reach the server through one NAT
    CONNECTIONS_PER_ADDRESS = 100
    #: `serve`: connections per server process in all (fewer if the open-file limit is lower)
    CONNECTION_LIMIT = 10000
    #: the key file that seals the events' signing keys in the database; never inside instance/
    #: or beside the SQLite database (refused at start); an old instance/signing_key.aes is
    #: moved here on the first start
    SIGNING_KEY_FILE = None  # filled by create_app
    #: SQLAlchemy sends no per-object change signals (not used; they cost time)
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    #: CSRF tokens never expire: a desk laptop stays open all day
    WTF_CSRF_TIME_LIMIT = None
    #: language of pages when the visitor chose none
    BABEL_DEFAULT_LOCALE = "vi"
    #: languages of the pages (?lang=)
    BABEL_SUPPORTED_LOCALES = ["vi", "en"]
    #: time zone dates and times are shown in
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    #: the session cookie is Secure always; False: only on requests that came over HTTPS
    SESSION_COOKIE_SECURE = False
    #: the session cookie is hidden from page scripts
    SESSION_COOKIE_HTTPONLY = True
    #: the session cookie is not sent with cross-site posts
    SESSION_COOKIE_SAMESITE = "Lax"
    #: the remember-me cookie is hidden from page scripts
    REMEMBER_COOKIE_HTTPONLY = True
    #: the remember-me cookie is not sent with cross-site posts
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: bytes of a request body (uploaded guest lists); larger ones are refused (413): by the
    #: server as soon as the headers say so, and a chunked body where it passes the limit, so no
    #: more than this is ever written to the temporary folder
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    #: JSON answers keep the order their fields were written in
    JSON_SORT_KEYS = False
    #: seconds the kiosk waits for the server before deciding offline (documented for kiosks)
    KIOSK_TIMEOUT = 1.5
    #: the dashboard's figures, live fragment and seat map are drawn in a renderer process of
    #: their own (admin/dashboard/worker.py), away from the check-ins' GIL
    DASHBOARD_RENDER_PROCESS = True
    #: seconds between the dashboard refresher's looks at the version of watched dashboards
    DASHBOARD_REFRESH_SECONDS = 0.2
    #: the dashboard's seat map is redrawn at most once in this many seconds
    DASHBOARD_SEATMAP_SECONDS = 5.0
    #: a dashboard's figures are recomputed at most once in this many seconds
    DASHBOARD_MIN_RECOMPUTE = 0.5
    #: the database is asked for the dashboard's version at most once in this many seconds
    DASHBOARD_VERSION_SECONDS = 0.2
    #: failed logins per client address (IPv6: per /64), any account, within LOGIN_FAILURE_WINDOW
    #: (then that address is refused, 429, unless it shows a device cookie)
    LOGIN_RATE_LIMIT = 20
    #: failed logins per account from one address, and per device cookie, within
    #: LOGIN_FAILURE_WINDOW (then that address or device is refused, 429; other addresses are not)
    LOGIN_FAILURES_PER_ACCOUNT = 10
    #: seconds failed logins are remembered (counted in the database: all processes see them;
    #: refused attempts count too)
    LOGIN_FAILURE_WINDOW = 900
    #: days a browser's device cookie (given at each successful login) lets its account's right
    #: password through whatever other clients failed
    LOGIN_DEVICE_DAYS = 180
    #: password checks (scrypt, 0.1 s and 32 MB each) running at once per server process, on
    #: threads at the lowest CPU priority; waiting ones go in order: device cookie, an address
    #: with no failures, an address that failed before
    LOGIN_HASH_THREADS = 1
    #: password checks waiting, in all (a more urgent one takes the place of the newest less
    #: urgent one); a login beyond them is answered 503 at once, nothing checked or counted
    LOGIN_HASH_QUEUE = 3
    #: an uploaded guest list waits this long (seconds) for its import to be confirmed, then is deleted
    IMPORT_PREVIEW_SECONDS = 3600
    #: MB of memory (address space) of the child process that reads an uploaded spreadsheet
    #: (guest list, awards, structure lists); a file that needs more is refused
    SPREADSHEET_MEMORY_MB = 1024
    #: CPU seconds that child may use (it runs at the lowest priority, nice 19); then it is
    #: stopped and the file refused
    SPREADSHEET_CPU_SECONDS = 30
    #: seconds the server waits for that child's rows, then kills it and refuses the file
    SPREADSHEET_WALL_SECONDS = 60
    #: a staff session not used for this many hours ends (log in again)
    SESSION_IDLE_HOURS = 12
    #: seconds a district's nomination link works (365 days)
    DISTRICT_LINK_MAX_AGE = 365 * 24 * 3600
    #: nomination posts per district link in 10 minutes (per client address: five times that)
    DISTRICT_RATE_LIMIT = 60
    #: seconds an exhibitor's private link works (180 days)
    EXHIBITOR_LINK_MAX_AGE = 180 * 24 * 3600
    #: public exhibitor submissions (registrations and edits) per client address in 10 minutes
    EXHIBITOR_RATE_LIMIT = 5


#: the settings read from the environment: setting -> (environment variable, type). An unset or
#: empty variable leaves the default. INSTANCE_DIR is read when this module is imported (above),
#: SECRET_KEY by _secret_key (else instance/secret_key), the database by database_url.
ENVIRONMENT: dict[str, tuple[str, type]] = {
    "INSTANCE_DIR": ("EVENT_KIOSK_INSTANCE", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "SQLALCHEMY_DATABASE_URI": ("DATABASE_URL", str),
    "DB_POOL_SIZE": ("DB_POOL_SIZE", int),
    "PUBLIC_BASE_URL": ("PUBLIC_BASE_URL", str),
    "PUBLIC_URL": ("PUBLIC_URL", str),
    "PAIRING_HOURS": ("PAIRING_HOURS", float),
    "EK_HOST": ("EK_HOST", str),
    "EK_HTTPS_PORT": ("EK_HTTPS_PORT", int),
    "EK_HTTP_PORT": ("EK_HTTP_PORT", int),
    "HOST": ("HOST", str),
    "PORT": ("PORT", int),
    "THREADS": ("THREADS", int),
    "WORKERS": ("WORKERS", int),
    "TRUSTED_PROXY": ("TRUSTED_PROXY", str),
    "SWITCH_INTERVAL": ("SWITCH_INTERVAL", float),
    "CONNECTIONS_PER_ADDRESS": ("CONNECTIONS_PER_ADDRESS", int),
    "CONNECTION_LIMIT": ("CONNECTION_LIMIT", int),
    "SIGNING_KEY_FILE": ("SIGNING_KEY_FILE", str),
    "CLI_LOCK_WAIT": ("CLI_LOCK_WAIT", float),
    "SQLITE_SYNCHRONOUS": ("SQLITE_SYNCHRONOUS", str),
}
#: the values a setting of ENVIRONMENT may take (upper case), where it is one of a few
CHOICES: dict[str, tuple[str, ...]] = {"SQLITE_SYNCHRONOUS": ("OFF", "NORMAL", "FULL", "EXTRA")}
#: defaults that are made, not written (shown so in the README)
MADE_DEFAULTS = {
    "INSTANCE_DIR": "`instance/` in the checkout",
    "SECRET_KEY": "random, kept in `instance/secret_key`",
    "SQLALCHEMY_DATABASE_URI": "SQLite `instance/event_kiosk.db`",
    "SIGNING_KEY_FILE": "`~/.config/event-kiosk/signing_key` (`$XDG_CONFIG_HOME`)",
}


def from_environment(environ=None) -> dict:
    """The settings of ENVIRONMENT as the environment gives them (defaults where unset), except
    INSTANCE_DIR and SECRET_KEY (see ENVIRONMENT). A value of the wrong type is a ValueError
    that names the variable."""
    environ = os.environ if environ is None else environ
    out: dict = {"SQLALCHEMY_DATABASE_URI": database_url(environ)}
    for key, (var, kind) in ENVIRONMENT.items():
        if key in out or key in ("INSTANCE_DIR", "SECRET_KEY"):
            continue
        raw = environ.get(var, "")
        if raw == "":
            out[key] = getattr(Config, key)
            continue
        out[key] = _typed(var, raw, kind)
        if key in CHOICES:
            out[key] = choice(key, raw)
    return out


def _typed(var: str, raw: str, kind: type):
    try:
        return kind(raw)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise ValueError(f"environment variable {var}={raw!r} is not {what}") from None


def choice(key: str, value: object) -> str:
    """``value`` as one of CHOICES[key] (upper case); a ValueError naming the setting otherwise."""
    text = str(value).strip().upper()
    if text not in CHOICES[key]:
        raise ValueError(f"{key}={value!r} is not one of {', '.join(CHOICES[key])}")
    return text


def settings() -> list[tuple[str, str, str, str]]:
    """(setting, environment variable or "", default as shown, meaning) for every setting of
    Config, in its order; the meaning is the ``#:`` comment above it."""
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Config").body
    out = []
    for node in body:
        if not isinstance(node, ast.Assign):
            continue
        name = node.targets[0].id  # type: ignore[attr-defined]
        doc, i = [], node.lineno - 2
        while i >= 0 and lines[i].strip().startswith("#:"):
            doc.insert(0, lines[i].strip()[2:].strip())
            i -= 1
        value = getattr(Config, name)
        shown = MADE_DEFAULTS.get(name) or f"`{value!r}`"
        out.append((name, ENVIRONMENT.get(name, ("",))[0], shown, " ".join(doc)))
    return out


def settings_table() -> str:
    """The README's table of settings (markdown)."""
    rows = ["| Setting | Environment variable | Default | Meaning |", "| --- | --- | --- | --- |"]
    for name, var, shown, meaning in settings():
        rows.append(f"| `{name}` | {f'`{var}`' if var else ''} | {shown} | {meaning.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python config.py: the README's table of settings
    print(settings_table(), end="")
