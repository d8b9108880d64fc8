"""Fixtures: app / client / runner / db on SQLite and (when TEST_DATABASE_URL is set) on
PostgreSQL; a real waitress server on a free port (live_server); an auth helper."""

from __future__ import annotations

import os
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

# The test session's own instance/ and signing-key file, set before config.py is imported and
# inherited by every server or CLI process a test starts: no test reads or writes the checkout's
# instance/ or the user's ~/.config/event-kiosk/ (each app of make_app has its own key file too).
SESSION_DIR = Path(tempfile.mkdtemp(prefix="event-kiosk-tests-"))
os.environ["EVENT_KIOSK_INSTANCE"] = str(SESSION_DIR / "instance")
os.environ["SIGNING_KEY_FILE"] = str(SESSION_DIR / "keys" / "signing_key")

import pytest  # noqa: E402
import requests  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from models.core.base import db  # noqa: E402
from models.core.caches import clear_all  # noqa: E402
from tests import factories  # noqa: E402

# fixed random seeds: property tests draw the same examples on every run (a failure replays)
hypothesis_settings.register_profile("fixed", derandomize=True, database=None)
hypothesis_settings.load_profile("fixed")

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _postgres_url() -> str:
    """TEST_DATABASE_URL when given (CI); `none` for a quick SQLite-only run; else a throwaway
    PostgreSQL of the session's own (tests/pg_throwaway.py), exported for the processes tests start."""
    given = os.environ.get("TEST_DATABASE_URL", "").strip()
    if given.lower() == "none":
        return ""
    if given:
        return given
    from tests import pg_throwaway

    try:
        url, stop = pg_throwaway.start()
    except (RuntimeError, OSError, KeyError) as exc:
        raise pytest.UsageError(
            f"no TEST_DATABASE_URL and no throwaway PostgreSQL ({exc}); "
            "`make install-test` installs it, TEST_DATABASE_URL=none runs SQLite only"
        ) from exc
    global pg_throwaway_stop
    pg_throwaway_stop = stop
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:  # a terminated run removes it too
        signal.signal(signal.SIGTERM, _terminated)
    os.environ["TEST_DATABASE_URL"] = url
    return url


pg_throwaway_stop = None


def _terminated(signum, frame):
    """SIGTERM ends the session as Ctrl-C does (pytest_unconfigure then stops the throwaway server)."""
    raise KeyboardInterrupt(f"signal {signum}")


PG_URL = _postgres_url()
if PG_URL.startswith("postgresql://"):
    PG_URL = "postgresql+psycopg://" + PG_URL[len("postgresql://") :]

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
STRICT = bool(os.environ.get("REQUIRE_POSTGRES") or os.environ.get("CI"))
if STRICT and not PG_URL:
    raise pytest.UsageError(
        "REQUIRE_POSTGRES is set (CI) but TEST_DATABASE_URL is none: the PostgreSQL half of the suite would be skipped"
    )
# SQLite-only checks (SQLite's own lock, its online backup): no PostgreSQL parameter is generated
# for them, so a PostgreSQL pass has nothing to skip.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])
_pg_ready = False


def _reset_pg(app) -> None:
    """Fresh schema once per session, then TRUNCATE between tests (fast)."""
    global _pg_ready
    with app.app_context():
        if not _pg_ready:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.create_all()
            _pg_ready = True
        else:
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def make_app(backend: str, tmp_path: Path, **extra):
    if backend == "postgresql":
        uri = PG_URL
    else:
        uri = f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": uri,
            "WTF_CSRF_ENABLED": extra.pop("csrf", False),
            "SERVER_NAME": None,
            # dashboards recompute on every change in tests (production: at most twice a second)
            "DASHBOARD_MIN_RECOMPUTE": 0,
            "DASHBOARD_SEATMAP_SECONDS": 0,
            "DASHBOARD_VERSION_SECONDS": 0,
            # rendered in the test process (tests/dashboard/test_renderer.py runs the real one)
            "DASHBOARD_RENDER_PROCESS": False,
            # this test's own key file, apart from its database
            "SIGNING_KEY_FILE": str(tmp_path.with_name(tmp_path.name + "-keys") / "signing_key"),
            **extra,
        }
    )
    if backend == "postgresql":
        _reset_pg(app)
    else:
        with app.app_context():
            db.create_all()
    clear_all()
    from admin.core.security import forget_devices

    forget_devices()
    return app


def _database_test(item) -> bool:
    """A proof, a test marked `postgres`, or one run with a `postgresql` parameter."""
    if "proofs" in item.path.parts or item.get_closest_marker("postgres"):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "postgresql" in callspec.params.values()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI (REQUIRE_POSTGRES or CI set) a skipped database or proof test fails the run."""
    report = yield
    if STRICT and report.skipped and not hasattr(report, "wasxfail") and _database_test(item):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"a database test may not be skipped under CI: {reason}"
    return report


def pytest_unconfigure(config):
    if pg_throwaway_stop is not None:
        pg_throwaway_stop()


# The public forms' rate limits count rows of rate_hit (models/core/ratelimit.py): every test's
# database starts empty (its own SQLite file; PostgreSQL truncated by make_app), so no earlier
# test's posts from 127.0.0.1 add up to a 429 in a later one. `limiter.reset()` deletes a
# limiter's rows within a test.


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def app(backend, tmp_path):
    app = make_app(backend, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def csrf_app(backend, tmp_path):
    """The app with CSRF protection on, as in production."""
    app = make_app(backend, tmp_path, csrf=True)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def event(app):
    return factories.make_event()


@pytest.fixture
def kiosk_token(app):
    return factories.make_device("kiosk-test")


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = "secret-pass-123"):
        return self.client.post("/login", data={"username": username, "password": password})

    def as_role(self, role: str):
        factories.make_user(f"{role}-user", role)
        resp = self.login(f"{role}-user")
        assert resp.status_code == 302, resp.data[:500]
        return resp


@pytest.fixture
def auth(client):
    return Auth(client)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real waitress server in this process, on a free port; can be stopped and restarted
    on the same port (to test kiosks losing the server)."""

    def __init__(self, app, port: int):
        self.app, self.port = app, port
        self.url = f"http://127.0.0.1:{port}"
        self._server = None
        self._thread = None

    def start(self) -> None:
        from webserver import make_server  # what `flask serve` runs

        for _ in range(50):
            try:
                self._server = make_server(self.app, host="127.0.0.1", port=self.port, threads=8)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("port busy")
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        # up when it answers: on a busy machine the first answer (templates, translations loaded)
        # may take longer than a second, so a slow answer is waited for too, to a deadline
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(self.url + "/login", timeout=5)
                return
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            # keep-alive connections (a browser's) would keep waitress's loop running
            for channel in list(self._server._map.values()):
                channel.close()
            self._server.task_dispatcher.shutdown(timeout=2)
            self._thread.join(timeout=5)
            self._server = None


def _live(backend: str, tmp_path):
    app = make_app(backend, tmp_path)
    with app.app_context():
        ev = factories.make_event()
        token = factories.make_device("kiosk-live")
        event_id = ev.id
    server = LiveServer(app, free_port())
    server.token, server.event_id = token, event_id
    server.start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(tmp_path):
    """A waitress server on SQLite with a test event (6 people with badges) and a kiosk token.
    Attributes: url, token, event_id, app, stop(), start()."""
    yield from _live("sqlite", tmp_path)


@pytest.fixture
def live_server_any(backend, tmp_path):
    """The same on each database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""
    yield from _live(backend, tmp_path)


def _live_user(self, role: str, username: str | None = None, password: str = "secret-pass-123") -> tuple[str, str]:
    """Create a staff user on the live server's database; returns (username, password)."""
    username = username or f"{role}-{free_port()}"
    with self.app.app_context():
        factories.make_user(username, role, password)
    return username, password


LiveServer.user = _live_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make install-test`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    p = ctx.new_page()
    yield p
    ctx.close()


def login_page(page, server, role: str):
    """Log a Playwright page in as a new user with ``role`` on the live server."""
    username, password = server.user(role)
    page.goto(server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)  # pages that poll never go network-idle
    page.wait_for_load_state("load")
    return username


def screenshot(page, name: str) -> Path:
    """Keep a screenshot as a test artifact (tests/artifacts/NAME.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
