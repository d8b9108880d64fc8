"""What the WSGI fast paths (admin.api.fastpath, admin.dashboard.fastpath) share."""

from __future__ import annotations


def app_context(app):
    """A new app context, or the one already active for this app (as Flask's request context
    does: in tests the outer context's database session is the one that sees the change)."""
    import contextlib

    from flask.globals import _cv_app

    active = _cv_app.get(None)
    if active is not None and active.app is app:
        return contextlib.nullcontext()
    return app.app_context()
