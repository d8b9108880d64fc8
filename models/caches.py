"""Per-process caches of the domain, cleared when the app (or a test) starts afresh."""


def clear_all() -> None:
    from models import checkin, dashboard, events

    checkin.forget_event_info()
    events.invalidate_keyring()
    events.forget_current_event()
    dashboard.forget_versions()
