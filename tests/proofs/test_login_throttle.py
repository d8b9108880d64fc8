"""Issue 22 items 5 and 8: an attacker hammering wrong passwords for `admin` cannot stop the
admin logging in. A real waitress server on a port, behind a trusted proxy (127.0.0.1, whose
X-Forwarded-For is believed), on SQLite and PostgreSQL. Attackers connect from their own
loopback addresses (127.0.0.2-5, each also sending an X-Forwarded-For naming the admin's
address, which waitress drops) and through the proxy (as 203.0.113.7 and .8), all at once.
Each is refused after its failures reach the limit and stays refused, its refused attempts counted; the admin
logs in from their own address, and with the device cookie of an earlier login from an
attacker's address too; `users --throttled` lists the attackers, `unthrottle-user` lifts."""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select

from cli import proxy_options
from models.accounts.sessions import LoginFailure
from models.core.base import db
from tests.conftest import free_port, make_app
from tests.factories import make_event, make_user

PW = "admin-password-1"
ADMIN_ADDRESS = "127.0.0.20"
DIRECT = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
PROXIED = ["203.0.113.7", "203.0.113.8"]
#: failures of one account from one address before it is refused (the default is 10: fewer
#: password checks keep the proof short on a shared machine; the rule is the same)
LIMIT = 5
TRIES = LIMIT + 3


class From(HTTPAdapter):
    """Connections from one local source address (the whole 127.0.0.0/8 is this machine)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


class Browser:
    """A requests session from ``source``; ``forwarded``: the X-Forwarded-For it sends."""

    def __init__(self, url: str, source: str, forwarded: str | None = None) -> None:
        self.url, self.s = url, requests.Session()
        self.s.mount("http://", From(source))
        if forwarded:
            self.s.headers["X-Forwarded-For"] = forwarded

    def login(self, password: str, username: str = "admin") -> int:
        """The answer's status; a busy server (503) is asked again, as a browser's user would."""
        while True:
            html = self.s.get(self.url + "/login", timeout=30).text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
            r = self.s.post(
                self.url + "/login",
                data={"username": username, "password": password, "csrf_token": token},
                allow_redirects=False,
                timeout=30,
            )
            if r.status_code != 503:
                return r.status_code
            time.sleep(0.2)  # (the answer says Retry-After: 2)

    def logout(self) -> None:
        html = self.s.get(self.url + "/admin/", timeout=30).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        self.s.post(self.url + "/logout", data={"csrf_token": token}, timeout=30)


@pytest.fixture
def site(backend, tmp_path):
    from webserver import make_server

    app = make_app(backend, tmp_path, csrf=True)
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = LIMIT
    with app.app_context():
        make_event()
        make_user("admin", "admin", PW)
    port = free_port()
    server = make_server(app, host="127.0.0.1", port=port, threads=8, **proxy_options("127.0.0.1"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{port}"
    server.close()
    for channel in list(server._map.values()):
        channel.close()
    server.task_dispatcher.shutdown(timeout=2)
    thread.join(timeout=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _attack(url: str, source: str, forwarded: str) -> list[int]:
    b = Browser(url, source, forwarded)
    return [b.login(f"guess-{i}") for i in range(TRIES)]


def test_attackers_cannot_stop_the_admin(site):
    app, url = site
    admin = Browser(url, ADMIN_ADDRESS)
    assert admin.login(PW) == 302  # an earlier login: this browser has a device cookie
    admin.logout()

    results: dict[str, list[int]] = {}
    attackers = [(src, ADMIN_ADDRESS) for src in DIRECT] + [("127.0.0.1", fwd) for fwd in PROXIED]
    threads = [
        threading.Thread(target=lambda s=s, f=f: results.__setitem__(f if s == "127.0.0.1" else s, _attack(url, s, f)))
        for s, f in attackers
    ]
    for t in threads:
        t.start()
    during = Browser(url, ADMIN_ADDRESS).login(PW)  # the admin, while the attack runs
    for t in threads:
        t.join(timeout=240)
    assert during == 302
    for who in DIRECT + PROXIED:
        assert results[who] == [200] * LIMIT + [429] * (TRIES - LIMIT), who

    # the admin from their own address (the attackers' forged X-Forwarded-For was dropped)
    assert Browser(url, ADMIN_ADDRESS).login(PW) == 302
    # from an attacker's address: refused without the device cookie, let in with it
    assert Browser(url, "127.0.0.3").login(PW) == 429
    admin.s.mount("http://", From("127.0.0.3"))
    assert admin.login(PW) == 302
    # through the proxy: the address the proxy names is the one counted
    assert Browser(url, "127.0.0.1", "203.0.113.7").login(PW) == 429
    assert Browser(url, "127.0.0.1", "203.0.113.50").login(PW) == 302

    with app.app_context():
        by_address = dict(
            db.session.execute(select(LoginFailure.address, func.count()).group_by(LoginFailure.address)).all()
        )
        db.session.remove()
    # every attempt counted, the refused ones too (the device-cookie login cleared nothing of theirs)
    for who in DIRECT + PROXIED:
        refused_admin = 1 if who in ("127.0.0.3", "203.0.113.7") else 0
        assert by_address[who] == TRIES + refused_admin, (who, by_address)
    assert ADMIN_ADDRESS not in by_address and "127.0.0.1" not in by_address

    with app.app_context():
        runner = app.test_cli_runner()
        listed = runner.invoke(args=["users", "--throttled"]).output
        refused = [ln for ln in listed.splitlines() if ln.startswith("admin ") and "CHẶN / refused" in ln]
        assert sorted(ln.split()[1] for ln in refused) == sorted(DIRECT + PROXIED), listed
        assert ADMIN_ADDRESS not in listed
        lifted = runner.invoke(args=["unthrottle-user", "admin"])
        assert lifted.exit_code == 0, lifted.output
        db.session.remove()
    assert Browser(url, "127.0.0.3").login(PW) == 302  # lifted


def test_in_a_browser_the_refused_page_and_the_device_cookie(live_server, browser):
    """Chromium: a phone's browser that guessed is refused with the Vietnamese message (screenshot
    login_throttled); the admin's laptop, which logged in before, still gets in."""
    from tests.conftest import screenshot

    live_server.app.config["LOGIN_FAILURES_PER_ACCOUNT"] = 2
    username, password = live_server.user("admin", "boss")

    def attempt(page, pw: str) -> None:
        page.goto(live_server.url + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", pw)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")

    laptop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    phone = browser.new_context(viewport={"width": 390, "height": 760}, locale="vi-VN")
    try:
        admin, attacker = laptop.new_page(), phone.new_page()
        attempt(admin, password)
        assert "/login" not in admin.url
        assert any(c["name"] == "ek_device" and c["httpOnly"] for c in laptop.cookies())
        admin.click("button.link")  # Đăng xuất
        for _ in range(3):
            attempt(attacker, "guess")
        attempt(attacker, password)  # even the right password, from this browser
        assert "Đăng nhập sai quá nhiều lần" in attacker.content() and "/login" in attacker.url
        screenshot(attacker, "login_throttled")
        attempt(admin, password)  # same address (127.0.0.1), with its device cookie
        assert "/login" not in admin.url
    finally:
        laptop.close()
        phone.close()
