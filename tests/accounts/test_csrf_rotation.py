"""The CSRF token is renewed at login and at logout (issue 22, item 6): a token seen before
login, or by the previous user of a shared desk laptop, is refused afterwards."""

from __future__ import annotations

import re

from tests.factories import make_event, make_user

PW = "secret-pass-123"


def _token(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert m, html[:300]
    return m.group(1)


def _logged_in(client) -> bool:
    return client.get("/desk/").status_code == 200


def test_pre_login_token_is_refused_after_login_and_logout_renews_it(csrf_app):
    make_event()
    make_user("csrf-desk", "desk")
    client = csrf_app.test_client()
    before = _token(client, "/login")
    r = client.post("/login", data={"username": "csrf-desk", "password": PW, "csrf_token": before})
    assert r.status_code == 302 and _logged_in(client)
    # the login page's token (an attacker may have planted or read it) no longer works
    r = client.post("/logout", data={"csrf_token": before})
    assert r.status_code == 400 and "Phiên làm việc đã hết hạn" in r.get_data(as_text=True)
    assert _logged_in(client)
    after = _token(client, "/desk/")
    assert after != before
    r = client.post("/logout", data={"csrf_token": after})
    assert r.status_code == 302 and not _logged_in(client)
    # the logged-out session's token is refused too: the next login page has a new one
    r = client.post("/login", data={"username": "csrf-desk", "password": PW, "csrf_token": after})
    assert r.status_code == 400 and not _logged_in(client)
    fresh = _token(client, "/login")
    assert fresh not in (before, after)
    r = client.post("/login", data={"username": "csrf-desk", "password": PW, "csrf_token": fresh})
    assert r.status_code == 302 and _logged_in(client)
