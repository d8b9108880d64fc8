"""The dashboard's poll answered before Flask (admin/dashboard/fastpath.py) and the renderer process
(admin/dashboard/worker.py)."""

import os
import re
import signal

import pytest

from admin.core.extensions import SECURITY_HEADERS
from admin.dashboard import worker as dashboard_worker
from models.checkin.checkin import check_in
from tests.factories import attendees


def version_of(client) -> str:
    html = client.get("/admin/").get_data(as_text=True)
    return re.search(r'id="live" data-version="([^"]+)"', html).group(1)


def _broken(*args, **kwargs):
    raise AssertionError("the Flask view was called")


def test_unchanged_poll_is_answered_without_flask(client, auth, event, app):
    auth.as_role("admin")
    v = version_of(client)
    app.view_functions["dashboard.live"] = _broken  # whatever answers now is the fast path
    r = client.get(f"/admin/live?v={v}")
    assert r.status_code == 204 and r.headers["X-Version"] == v
    assert r.headers["Cache-Control"] == "no-store"
    for name, value in SECURITY_HEADERS:
        assert r.headers[name] == value


def test_a_changed_version_goes_to_flask_with_the_new_fragment(client, auth, event):
    auth.as_role("admin")
    v = version_of(client)
    check_in(event_id=event.id, code=attendees(event)[0].current_badge.code, scan_id="p1", station="Cổng 1")
    r = client.get(f"/admin/live?v={v}")
    assert r.status_code == 200 and r.headers["X-Version"] != v
    assert 'data-stat="checked_in">1<' in r.get_data(as_text=True)


@pytest.mark.parametrize("role", ["desk", "mc"])
def test_other_roles_get_403_not_204(client, auth, event, role):
    # a desk user with a valid session and the right version still gets Flask's 403
    auth.as_role(role)
    r = client.get("/admin/live?v=anything")
    assert r.status_code == 403


def _poll_environ(v: str, cookie: str | None) -> dict:
    environ = {"PATH_INFO": "/admin/live", "REQUEST_METHOD": "GET", "QUERY_STRING": f"v={v}"}
    if cookie is not None:
        environ["HTTP_COOKIE"] = f"session={cookie}"
    return environ


def test_no_session_or_a_forged_one_is_not_answered_here(client, auth, event, app):
    # (asked of the fast path itself: in tests Flask-Login keeps the last user in the shared
    # app context, so a cookie-less test client would still look logged in to Flask)
    auth.as_role("admin")
    v = version_of(client)
    cookie = client.get_cookie("session").value
    fast = app.wsgi_app
    assert fast._live_unchanged(_poll_environ(v, cookie)) == v  # the genuine admin
    assert fast._live_unchanged(_poll_environ(v, None)) is None
    assert fast._live_unchanged(_poll_environ(v, "")) is None
    forged = cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB")
    assert fast._live_unchanged(_poll_environ(v, forged)) is None
    assert fast._live_unchanged(_poll_environ("stale", cookie)) is None


def test_a_desk_session_is_not_answered_here(client, auth, event, app):
    auth.as_role("desk")
    cookie = client.get_cookie("session").value
    from models.dashboard.live import dashboard_version

    v = dashboard_version(event)
    assert app.wsgi_app._live_unchanged(_poll_environ(v, cookie)) is None


def test_a_deactivated_admin_is_refused_within_seconds(client, auth, event, app):
    from models.accounts.models import User
    from models.core import caches
    from models.core.base import db

    auth.as_role("admin")
    v = version_of(client)
    assert client.get(f"/admin/live?v={v}").status_code == 204
    user = db.session.scalar(db.select(User).where(User.username == "admin-user"))
    user.active = False
    db.session.commit()
    caches.clear(caches.session_admins)  # as after USER_TTL (production: up to 5 s)
    cookie = client.get_cookie("session").value
    assert app.wsgi_app._live_unchanged(_poll_environ(v, cookie)) is None


# --- the renderer process ----------------------------------------------------------------


@pytest.fixture
def renderer(app):
    app.config["DASHBOARD_RENDER_PROCESS"] = True
    yield app
    from admin.dashboard.views import forget_fragments

    forget_fragments()  # stops the refresher thread
    dashboard_worker.stop()
    app.config["DASHBOARD_RENDER_PROCESS"] = False


def test_the_fragment_is_drawn_in_another_process_and_matches(client, auth, event, renderer):
    from flask import g

    from admin.dashboard.views import render_live

    auth.as_role("admin")
    pid = dashboard_worker.renderer_pid(renderer)
    assert pid is not None and pid != os.getpid()
    check_in(event_id=event.id, code=attendees(event)[1].current_badge.code, scan_id="r1", station="Cổng 2")
    r = client.get("/admin/live?v=old")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert 'data-stat="checked_in">1<' in body
    with renderer.test_request_context("/admin/live?mode=arrival&lang=vi"):
        g.lang = "vi"
        version, here = render_live(event.id, "arrival")
    # the same page, drawn there (the renderer's version also has the real 30-s tick)
    assert r.headers["X-Version"].rsplit("-", 1)[0] == version.rsplit("-", 1)[0]
    figures = re.compile(r'data-stat="(\w+)">(\d+)<')
    assert figures.findall(body) == figures.findall(here) and figures.findall(body)
    svg = client.get("/admin/seatmap.svg")
    assert svg.status_code == 200 and svg.get_data(as_text=True).count('data-state="arrived"') == 1


def test_a_dead_renderer_is_replaced_and_the_dashboard_keeps_working(client, auth, event, renderer, monkeypatch):
    auth.as_role("admin")
    pid = dashboard_worker.renderer_pid(renderer)
    os.kill(pid, signal.SIGKILL)
    monkeypatch.setattr(dashboard_worker, "RETRY_AFTER", 0.0)
    check_in(event_id=event.id, code=attendees(event)[2].current_badge.code, scan_id="k1", station="Cổng 1")
    r = client.get("/admin/live?v=old")  # rendered here this time (the renderer is gone)
    assert r.status_code == 200 and 'data-stat="checked_in">1<' in r.get_data(as_text=True)
    new_pid = dashboard_worker.renderer_pid(renderer)  # and a new renderer is started
    assert new_pid is not None and new_pid not in (pid, os.getpid())


def test_the_refresher_keeps_a_watched_dashboard_fresh_without_flask(client, auth, event, renderer, app):
    import time

    auth.as_role("admin")
    v = version_of(client)
    assert client.get(f"/admin/live?v={v}").status_code == 204  # polled: now watched
    app.view_functions["dashboard.live"] = _broken  # from here on only the fast path answers
    check_in(event_id=event.id, code=attendees(event)[3].current_badge.code, scan_id="w1", station="Cổng 1")
    deadline = time.monotonic() + 15
    while True:
        r = client.get(f"/admin/live?v={v}")
        if r.status_code == 200:
            break
        assert r.status_code == 204 and time.monotonic() < deadline
        time.sleep(0.1)
    assert r.headers["X-Version"] != v
    assert 'data-stat="checked_in">1<' in r.get_data(as_text=True)
