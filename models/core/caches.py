"""Every per-process cache of the server, declared in one place: its size, its time-to-live and
what it holds (cachetools). ``clear_all()`` empties every one of them (create_app, tests).

cachetools caches are not thread-safe (a read reorders the LRU list), and waitress serves from
threads: each cache carries its ``lock``, held for every read and write (``get``, ``put``,
``clear`` below). A missing value is computed outside the lock (callers that need a single
flight hold a lock of their own around it).

Pure functions keep ``functools.lru_cache`` where they are (models.guests.badge_pdf._fit: text
fitting, keyed by text, font and width; models.guests.badge_pdf._logo_image: keyed by the PNG bytes;
models.services.event_setup.templates: the shipped JSON files; kiosk.display.font: the kiosk's fonts;
models.core.qr's tables per QR version):
their answer never goes stale, so there is nothing to expire or clear, and lru_cache is faster
than any cache here (no lock: it is thread-safe in C).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from cachetools import LRUCache, TLRUCache, TTLCache

#: seconds a session row, the user's role and active flag (and a verified session cookie) are
#: trusted by the dashboard poll's fast path (admin.dashboard.fastpath)
USER_TTL = 5.0
#: seconds a device token is trusted while the devices stamp is unchanged (a revoke or a new
#: pairing changes the stamp: models.accounts.pairing)
DEVICE_TTL = 5.0
#: seconds another server process's new current event takes to reach the check-in path
CURRENT_EVENT_TTL = 2.0
#: seconds another server process's new or retired key takes to reach this one
KEYRING_TTL = 30.0
#: a dashboard (event, mode, language) is watched while polled within this many seconds
WATCH_SECONDS = 10.0

_all: list[LRUCache] = []
_resets: list[Callable[[], None]] = []


def _declare(cache, meaning: str):
    """Register ``cache`` (with a lock of its own) for clear_all."""
    cache.lock = threading.Lock()
    cache.meaning = meaning
    _all.append(cache)
    return cache


def _age_ttu(key, value, now):
    """A TLRU entry (max_age, value) lives max_age seconds from when it was stored."""
    return now + value[0]


# --- the check-in path (models.events, models.checkin, admin.core.security) -------------------------
current_event = _declare(
    TTLCache(maxsize=1, ttl=CURRENT_EVENT_TTL),
    '"id" -> the current event id (or None): models.events.service.current_event_id',
)
event_info = _declare(
    LRUCache(maxsize=256),
    "event id -> (tag, timezone) of the check-in path; cleared when a time zone changes (models.events.settings)",
)
keyring = _declare(
    TTLCache(maxsize=1, ttl=KEYRING_TTL), '"ring" -> {(event tag, key no): public key}; cleared when a key changes here'
)
private_keys = _declare(
    LRUCache(maxsize=1000),
    "(event id, key no, sealed key) -> the opened private signing key (the key is part of the key: never stale)",
)
master_keys = _declare(
    LRUCache(maxsize=16), "key file path -> its 32-byte key (models.core.secretbox; the file is the truth)"
)
devices = _declare(
    TTLCache(maxsize=10_000, ttl=DEVICE_TTL),
    "device token digest -> (device id or None, name, kind, devices stamp): admin.core.security",
)
checkpoints = _declare(
    TTLCache(maxsize=10_000, ttl=DEVICE_TTL),
    '("default", event id) / ("id", checkpoint id) / ("device", device id) -> a checkpoint: '
    "models.checkin.checkpoints (cleared when one changes here)",
)

# --- the dashboard (models.dashboard, admin.dashboard, admin.dashboard.fastpath) ------------------------
dashboard_versions = _declare(
    TLRUCache(maxsize=64, ttu=_age_ttu),
    "event id -> (max_age, dashboard_version), one database question "
    "per max_age (DASHBOARD_VERSION_SECONDS) however many dashboards poll",
)
dashboard_data = _declare(LRUCache(maxsize=1), "(event id, version) -> the dashboard's figures (only the newest)")
fragments = _declare(
    LRUCache(maxsize=256),
    "(event id, mode, language) -> (version, live html, monotonic time drawn); "
    '("seatmap", event id, mode) -> ("", svg, time): admin.dashboard (its age '
    "limits are settings: the entry is kept and judged by version and age)",
)
watched = _declare(
    TTLCache(maxsize=256, ttl=WATCH_SECONDS),
    "(event id, mode, language) -> True while a dashboard polls it: the refresher keeps those fragments fresh",
)
session_cookies = _declare(
    TTLCache(maxsize=10_000, ttl=USER_TTL),
    "(fast path id, session cookie) -> its verified data or None: admin.dashboard.fastpath",
)
session_admins = _declare(
    TTLCache(maxsize=10_000, ttl=USER_TTL),
    "(fast path id, session id) -> (is a live admin session, "
    "models.accounts.sessions.generation then): admin.dashboard.fastpath",
)


def on_clear(reset: Callable[[], None]) -> None:
    """Run ``reset`` after the caches are cleared (state that belongs to the old app)."""
    if reset not in _resets:
        _resets.append(reset)


def get(cache, key, default=None):
    """``cache[key]`` under its lock, or ``default`` (missing or expired). (Indexing costs less
    than cachetools' ``get``, which looks the key up twice. One hit measured: TTLCache 1.9 us,
    LRUCache 0.8 us, against 0.3 / 0.1 us for the dicts these replaced: a few microseconds per
    check-in.)"""
    with cache.lock:
        try:
            return cache[key]
        except KeyError:
            return default


def put(cache, key, value) -> None:
    """``cache[key] = value`` under its lock."""
    with cache.lock:
        cache[key] = value


def clear(cache) -> None:
    with cache.lock:
        cache.clear()


def clear_all() -> None:
    """Empty every cache above, then run the resets registered with on_clear."""
    for cache in _all:
        clear(cache)
    for reset in _resets:
        reset()
