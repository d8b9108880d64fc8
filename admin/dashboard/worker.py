"""The dashboard's heavy work (its figures, the live fragment, the seat map) in a process of its
own, so that it never holds the web process's GIL while kiosks check in.

Measured with scripts/bench_live.py before this: recomputing the dashboard in the web process
(twice a second while people arrive, ~60 ms of pure Python each on this machine) made every
check-in that arrived meanwhile wait for the GIL at each of its database calls, and the
slowest check-ins went from 26 ms to 100 ms with 50 dashboards open.

One renderer process per server process, started with the server (``start``) or on first
use, made with "spawn" (a fresh interpreter: nothing of the threaded parent is copied). It
creates its own app on the same database and renders exactly what the web process would
(same templates, same functions: admin.dashboard.views hands over what to run, this module
knows nothing of the dashboard). If it cannot start, dies, or takes over 30 s, the web
process renders itself (and logs it) and tries a new renderer a minute later: the dashboard
keeps working, only the isolation is lost.

Config ``DASHBOARD_RENDER_PROCESS`` (default True) turns it off (tests do, except those about
it).
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing as mp
import threading
import time

log = logging.getLogger(__name__)

#: seconds to wait for one render before the web process renders itself
TIMEOUT = 30.0
#: seconds before another renderer is tried after one failed
RETRY_AFTER = 60.0

_lock = threading.Lock()
_pool: cf.ProcessPoolExecutor | None = None
_pool_key: tuple | None = None
_failed_at = 0.0

# --- in the renderer process -------------------------------------------------------------

_app = None


#: the renderer's nice value where SCHED_IDLE is not available: check-ins go first
NICE = 10


def _init(overrides: dict) -> None:
    """Renderer start-up: lower priority, exit with the parent, build the app on the same
    database."""
    global _app
    import os

    try:  # Linux: run only when a core would otherwise be idle
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        try:
            os.nice(NICE)
        except OSError:
            pass
    parent = os.getppid()

    def orphaned() -> None:  # the server is gone (even killed): so is its renderer
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()
    from app import create_app

    _app = create_app(overrides or None)
    _app.config["DASHBOARD_RENDER_PROCESS"] = False  # it renders itself, of course


def _ping() -> int:
    import os

    return os.getpid()


def renderer_app():
    """The app of this renderer process, for the functions ``call`` runs here (they enter its
    context themselves: admin.dashboard.views.live_in_renderer). None in the web process."""
    return _app


# --- in the web process ------------------------------------------------------------------


def _overrides(app) -> dict:
    keep = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "TESTING", "BABEL_DEFAULT_LOCALE")
    return {k: app.config[k] for k in keep if k in app.config}


def _executor(app) -> cf.ProcessPoolExecutor | None:
    """The renderer of this process for this app's database (None after a recent failure)."""
    global _pool, _pool_key
    import os

    key = (os.getpid(), app.config["SQLALCHEMY_DATABASE_URI"])
    with _lock:
        if _pool is not None and _pool_key == key:
            return _pool
        if time.monotonic() - _failed_at < RETRY_AFTER and _failed_at:
            return None
        if _pool is not None and _pool_key[0] == key[0]:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = cf.ProcessPoolExecutor(
            max_workers=1, mp_context=mp.get_context("spawn"), initializer=_init, initargs=(_overrides(app),)
        )
        _pool_key = key
        return _pool


def _failed(pool: cf.ProcessPoolExecutor, exc: BaseException) -> None:
    global _pool, _failed_at
    log.warning("dashboard renderer failed (%s); rendering in the web process", exc)
    pool.shutdown(wait=False, cancel_futures=True)
    with _lock:
        if _pool is pool:  # (another thread may have started a new one meanwhile)
            _pool, _failed_at = None, time.monotonic()


def enabled(app) -> bool:
    return bool(app.config.get("DASHBOARD_RENDER_PROCESS", True))


def start(app) -> None:
    """Start the renderer now (serve calls this), so the first dashboard does not wait for it."""
    if not enabled(app):
        return
    pool = _executor(app)
    if pool is not None:
        pool.submit(_ping)


def call(app, fn, *args):
    """fn(*args) in the renderer; None when there is none (the caller renders itself)."""
    if not enabled(app):
        return None
    pool = _executor(app)
    if pool is None:
        return None
    try:
        return pool.submit(fn, *args).result(timeout=TIMEOUT)
    except (cf.process.BrokenProcessPool, cf.TimeoutError, OSError, RuntimeError) as exc:
        _failed(pool, exc)
        return None


def renderer_pid(app) -> int | None:
    """The renderer's process id (tests and the operator's curiosity)."""
    return call(app, _ping)


def stop() -> None:
    """Stop the renderer and forget any failure (a fresh start)."""
    global _pool, _failed_at
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
        _pool, _failed_at = None, 0.0
