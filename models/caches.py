"""Per-process caches of the domain, cleared when the app (or a test) starts afresh."""


def clear_all() -> None:
    from models import checkin, dashboard, events

    checkin._event_cache.clear()
    events.invalidate_keyring()
    events._current_cache.clear()
    dashboard._versions.clear()
