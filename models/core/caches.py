"""Per-process caches of the domain, cleared when the app (or a test) starts afresh."""


def clear_all() -> None:
    from models.checkin import checkin
    from models.dashboard import live as dashboard
    from models.events import service as events

    checkin.forget_event_info()
    events.invalidate_keyring()
    events.forget_current_event()
    dashboard.forget_versions()
