"""init_web(app): the composition root of the HTTP surface. The one module allowed to import
every area: the extensions bound and the request hooks installed (admin.core.web), every
area's blueprint registered (each area's admin/<area>/blueprint.py imports its views), the
error pages, the uploads sweep, and the two WSGI fast paths wrapped around the app (the kiosks'
check-ins, admin.api.fastpath; the dashboard's poll, admin.dashboard.fastpath)."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask

from admin.core.extensions import csrf
from admin.core.web import bind_extensions, install_request_hooks

#: when the uploads folder was last swept (monotonic seconds; at most once a minute)
_sweep_at = [0.0]


def init_web(app: Flask) -> None:
    """The HTTP surface on ``app``: the extensions bound, every area's blueprints registered,
    the request hooks installed and the fast paths wrapped around the WSGI app."""
    bind_extensions(app)  # before the blueprints: their int routes use its bounded converter
    _register_areas(app)
    install_request_hooks(app)
    _sweep_uploads(app)
    from admin.api.fastpath import CheckinFastPath
    from admin.dashboard.fastpath import LivePollFastPath

    app.wsgi_app = LivePollFastPath(app, CheckinFastPath(app, app.wsgi_app))


def _register_areas(app: Flask) -> None:
    """Every area's blueprints: each area's blueprint module imports its views (a companion
    module adds its views to its main module's blueprint), so no view module imports another's."""
    from admin.accounts import blueprint as accounts
    from admin.api import blueprint as api
    from admin.ceremony import blueprint as ceremony
    from admin.checkin import blueprint as checkin
    from admin.core import blueprint as core
    from admin.core import errors
    from admin.dashboard import blueprint as dashboard
    from admin.districts import blueprint as districts
    from admin.events import blueprint as events
    from admin.events.listing import no_event_page
    from admin.exhibition import blueprint as exhibition
    from admin.guests import blueprint as guests
    from admin.privacy import blueprint as privacy
    from admin.scan import blueprint as scan
    from admin.seating import blueprint as seating

    areas = (
        accounts,
        core,
        checkin,
        dashboard,
        guests,
        seating,
        exhibition,
        ceremony,
        districts,
        events,
        privacy,
        scan,
        api,
    )
    for area in areas:
        for blueprint in area.BLUEPRINTS:
            app.register_blueprint(blueprint)
    for blueprint in api.CSRF_EXEMPT:  # the API authenticates with bearer tokens, not cookies
        csrf.exempt(blueprint)
    errors.register(app, no_event_page)


def _sweep_uploads(app: Flask) -> None:
    @app.before_request
    def _forget_old_uploads() -> None:
        # an uploaded list whose preview was never confirmed is deleted within
        # IMPORT_PREVIEW_SECONDS (1 h), even if nobody opens an import page again
        now = time.monotonic()
        if now - _sweep_at[0] >= 60:
            _sweep_at[0] = now
            from admin.core.uploads import sweep_imports

            folder = Path(app.instance_path) / "imports"
            if folder.is_dir():
                sweep_imports(folder, app.config["IMPORT_PREVIEW_SECONDS"])
