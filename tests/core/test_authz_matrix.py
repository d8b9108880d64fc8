"""Authorisation matrix: every route x every role gets exactly what it should.

Roles: anonymous, desk, mc, admin (session logins), kiosk (device bearer token, no session).
Private links (exhibitor status, district officer) are checked with forged tokens: they open
nothing. The expectation comes from the route's area (RULES); a route without a rule fails the
test, so a new route must be placed in the matrix.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import BACKENDS, make_app
from tests.factories import make_device, make_user

ROLES = ("anonymous", "desk", "mc", "admin", "kiosk")

# (pattern, who may use it). "public": everyone; "token": private link, forged here -> refused.
RULES: list[tuple[str, set[str] | str]] = [
    (r"^/static/", "public"),
    (r"^/login$", "public"),
    (r"^/logout$", "public"),
    (r"^/lang/", "public"),
    (r"^/$", "public"),
    (r"^/stage/", "public"),
    (r"^/exhibitors/register$", "public"),
    (r"^/exhibition/", "public"),
    (r"^/api/v1/openapi\.json$", "public"),
    (r"^/scan/(sw\.js)?$", "public"),  # the phone scanner: the device token in the browser is its credential
    (r"^/vendor/", "public"),  # the scanner's browser packages (a fixed list of files)
    (r"^/exhibitors/status/", "token"),
    (r"^/d/", "token"),
    (r"^/scan/pair/", "token"),  # a phone's one-time pairing link (issue 24)
    (r"^/api/v1/pair$", "public"),  # the code in the body is the credential
    (r"^/trust", "public"),  # the local CA for phones (HTTPS, issue 24)
    (r"^/api/v1/stats$", {"desk", "mc", "admin", "kiosk"}),
    (r"^/api/v1/", {"kiosk"}),
    (r"^/admin/", {"admin"}),
    (r"^/desk/", {"desk", "admin"}),
    (r"^/mc/", {"mc", "admin"}),
]

VALUES = {"int": "1", "token": "forged.token.value", "code": "en", "filename": "css/app.css", "action": "approve"}


def concrete(rule: str) -> str:
    def fill(m: re.Match) -> str:
        conv, name = (m.group(1) or ""), m.group(2)
        return VALUES.get(conv.rstrip(":"), VALUES.get(name, "1"))

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule)


def who(rule: str) -> set[str] | str:
    for pattern, allowed in RULES:
        if re.search(pattern, rule):
            return allowed
    raise AssertionError(f"route {rule} is not in the authorisation matrix")


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    """The demo on each database (the matrix runs on PostgreSQL too)."""
    app = make_app(request.param, tmp_path_factory.mktemp("authz"))
    with app.app_context():
        from models.demo.load import load_demo

        load_demo(with_users=False)
        for role in ("desk", "mc", "admin"):
            make_user(f"m-{role}", role)
        make_device("matrix-device-1")  # id 1: what /admin/devices/1/revoke revokes (not the kiosk below)
        token = make_device("matrix-kiosk")
    clients = {role: app.test_client() for role in ROLES}
    login_all(clients)
    return app, clients, token


def login_all(clients) -> None:
    for role in ("desk", "mc", "admin"):
        r = clients[role].post("/login", data={"username": f"m-{role}", "password": "secret-pass-123"})
        assert r.status_code == 302


def cases():
    app = make_app("sqlite", __import__("pathlib").Path(__import__("tempfile").mkdtemp()))
    out = []
    for r in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(r.methods - {"HEAD", "OPTIONS"}):
            out.append((r.rule, method))
    return out


@pytest.mark.parametrize("rule,method", cases())
def test_route_x_role(world, rule, method):
    app, clients, token = world
    allowed = who(rule)
    url = concrete(rule)
    for role in ROLES:
        headers = {"Authorization": f"Bearer {token}"} if role == "kiosk" else {}
        with app.app_context():
            resp = clients[role].open(
                url, method=method, headers=headers, json={} if rule.startswith("/api/") and method == "POST" else None
            )
        status = resp.status_code
        location = resp.headers.get("Location", "")
        assert status < 500, (role, method, url, status)
        if allowed == "public":
            assert status not in (401, 403), (role, method, url, status)
        elif allowed == "token":  # a forged private link opens nothing, whoever asks
            assert status in (400, 403, 404), (role, method, url, status)
        elif role in allowed:
            assert status not in (401, 403) and "/login" not in location, (role, method, url, status)
        elif rule.startswith("/api/"):
            assert status == 401 and resp.is_json, (role, method, url, status)
        elif role in ("anonymous", "kiosk"):  # no session: to the login page
            assert status == 302 and "/login" in location, (role, method, url, status)
        else:
            assert status == 403, (role, method, url, status)
    if rule == "/logout":  # it did log everyone out: log in again for the next routes
        login_all(clients)


def test_every_page_sends_security_headers(world):
    app, clients, _ = world
    for url in ("/login", "/admin/", "/desk/", "/mc/", "/stage/", "/exhibitors/register"):
        r = clients["admin"].get(url)
        csp = r.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        html = r.get_data(as_text=True)
        # no inline scripts anywhere (the CSP would block them)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
