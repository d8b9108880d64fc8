"""Issue 22 item 5: throttling an attacker cannot turn against the admin. Failures refuse only
their own address (per account, and in all) or their own device cookie; a browser that logged
in before gets through with the right password whatever others failed; refused attempts are
counted (and bounded); password checks run on bounded lanes; admins see and lift throttles."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from admin.accounts import devices
from models.accounts import passwords
from models.accounts.models import AuditLog
from models.accounts.sessions import LoginFailure
from models.accounts.throttle import address_key
from models.core.base import db
from tests.factories import make_user

PW = "secret-pass-123"


def _login(client, username, password=PW, addr="127.0.0.1"):
    return client.post("/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": addr})


def _failures(**where) -> int:
    q = select(func.count(LoginFailure.id))
    for k, v in where.items():
        q = q.where(getattr(LoginFailure, k) == v)
    return db.session.scalar(q)


@pytest.fixture
def limits(app):
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_RATE_LIMIT=5)
    make_user("boss", "admin")
    return app


def test_attackers_everywhere_do_not_stop_the_admin(limits, client):
    """Wrong passwords for admin from three addresses, the admin's own one included (a shared
    Wi-Fi): the attackers are refused, the admin is not: from another address with no
    cookie, and from the shared address with the device cookie of an earlier login."""
    assert _login(client, "boss", addr="10.0.0.5").status_code == 302  # the admin's browser
    cookie = client.get_cookie(devices.COOKIE, path="/login")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    client.post("/logout")
    attacker = limits.test_client()
    for addr in ("10.0.0.5", "10.0.0.66", "10.0.0.77"):
        codes = [_login(attacker, "boss", "guess", addr=addr).status_code for _ in range(6)]
        assert codes == [200, 200, 200, 429, 429, 429], addr
        assert _login(attacker, "boss", PW, addr=addr).status_code == 429  # even the right one
    assert _login(limits.test_client(), "boss", addr="10.0.0.9").status_code == 302  # own address
    assert _login(limits.test_client(), "boss", addr="10.0.0.5").status_code == 429  # no cookie
    assert _login(client, "boss", addr="10.0.0.5").status_code == 302  # the device cookie
    assert _login(client, "boss", addr="10.0.0.66").status_code == 302  # from anywhere


def test_a_device_cookie_counts_only_for_its_account_and_when_genuine(limits, client):
    make_user("desk1", "desk")
    assert _login(client, "desk1").status_code == 302  # a device cookie, of desk1
    attacker = limits.test_client()
    for _ in range(4):
        _login(attacker, "boss", "guess")
    assert _login(client, "boss").status_code == 429  # desk1's cookie does nothing for boss
    forged = limits.test_client()
    forged.set_cookie(devices.COOKIE, '[["boss","0123456789abcdef0123456789abcdef"]].bad.sig', path="/login")
    assert _login(forged, "boss").status_code == 429


def test_a_device_has_a_lock_out_of_its_own(limits, client):
    assert _login(client, "boss").status_code == 302
    client.post("/logout")
    codes = [_login(client, "boss", "oops", addr=f"10.2.0.{i}").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]  # per device, whichever address it moves to
    assert _login(client, "boss", addr="10.2.0.99").status_code == 429
    assert _login(limits.test_client(), "boss", addr="10.2.0.99").status_code == 302  # not the account


def test_refused_attempts_are_counted_and_bounded(limits, client):
    codes = [_login(client, f"user{i % 3}", "guess", addr="10.3.0.1").status_code for i in range(40)]
    assert codes[:5] == [200] * 5 and set(codes[5:]) == {429}
    # the address keeps only what keeps it refused (5), however long the flood lasts
    assert _failures(address="10.3.0.1") == 5
    newest = db.session.scalar(select(func.max(LoginFailure.id)))
    _login(client, "boss", "guess", addr="10.3.0.1")
    assert db.session.scalar(select(func.max(LoginFailure.id))) > newest  # still counted


def test_a_success_clears_only_its_own_accounts_failures_at_its_address(limits, client):
    """An insider cannot reset their count of guesses at the admin by logging in as themselves."""
    make_user("insider", "desk")
    for _ in range(2):
        _login(client, "boss", "guess", addr="10.4.0.1")
    assert _login(client, "insider", addr="10.4.0.1").status_code == 302
    client.post("/logout")
    other = limits.test_client()  # without the insider's device cookie
    assert _login(other, "boss", "guess", addr="10.4.0.1").status_code == 200
    assert _login(other, "boss", "guess", addr="10.4.0.1").status_code == 429
    assert _failures(username="boss") == 4  # counted while refused


def test_an_ipv6_client_counts_as_its_64():
    assert address_key("2001:db8:0:7::1") == address_key("2001:db8:0:7:ffff::42") == "2001:db8:0:7::/64"
    assert address_key("2001:db8:0:8::1") != address_key("2001:db8:0:7::1")
    assert address_key("::ffff:10.1.2.3") == "10.1.2.3"
    assert address_key("not an address") == "not an address"


def test_ipv6_addresses_of_one_64_share_the_limit(limits, client):
    codes = [_login(client, "boss", "guess", addr=f"2001:db8:0:7::{i + 1:x}").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    assert _login(limits.test_client(), "boss", addr="2001:db8:0:9::1").status_code == 302


def test_users_throttled_lists_and_unthrottle_user_lifts(limits, client, runner):
    for _ in range(4):
        _login(client, "boss", "guess", addr="10.5.0.1")
    _login(client, "ghost", "guess", addr="10.5.0.2")
    out = runner.invoke(args=["users", "--throttled"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    boss = next(ln for ln in lines if ln.startswith("boss"))
    assert "10.5.0.1" in boss and "CHẶN / refused đến" in boss and " 4 " in boss
    ghost = next(ln for ln in lines if ln.startswith("ghost"))
    assert "10.5.0.2" in ghost and "đang đếm / counting" in ghost
    assert "1 đang bị chặn / refused, 1 đang đếm / counting" in out.output
    lifted = runner.invoke(args=["unthrottle-user", "boss"])
    assert lifted.exit_code == 0 and "4 lần sai đã xóa" in lifted.output
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "unthrottle_user")).detail["failures"] == 4
    assert _login(client, "boss", addr="10.5.0.1").status_code == 302
    assert "boss" not in runner.invoke(args=["users", "--throttled"]).output


# -- bounded password checks -----------------------------------------------------------------


def _occupy(checker, release: threading.Event):
    """Hold the checker's one thread with a job that waits for ``release``."""
    started = threading.Event()
    return checker.submit(passwords.TRUSTED, lambda: (started.set(), release.wait(10))), started


def test_checks_run_at_the_lowest_priority_urgent_ones_first_and_the_queue_is_bounded():
    checker = passwords.Checker(threads=1, queue=2)
    me = checker.submit(passwords.CLEAN, lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    assert me.result(5) == 19
    release = threading.Event()
    running, started = _occupy(checker, release)
    assert started.wait(5)
    s1 = checker.submit(passwords.SUSPECT, lambda: "s1")
    s2 = checker.submit(passwords.SUSPECT, lambda: "s2")
    assert checker.submit(passwords.SUSPECT, lambda: "s3") is None  # full: answered at once
    assert checker.check(passwords.SUSPECT, passwords.dummy_hash(), "x") is None
    clean = checker.submit(passwords.CLEAN, lambda: "clean")  # takes the newest suspect's place
    assert s2.cancelled() and not s1.cancelled()
    trusted = checker.submit(passwords.TRUSTED, lambda: "trusted")
    assert s1.cancelled()
    assert checker.submit(passwords.CLEAN, lambda: "late") is None  # nothing less urgent to push out
    order = []
    for f, name in ((trusted, "trusted"), (clean, "clean")):
        f.add_done_callback(lambda _f, n=name: order.append(n))
    release.set()
    running.result(5)
    assert [trusted.result(5), clean.result(5)] == ["trusted", "clean"]
    assert order == ["trusted", "clean"]  # the most urgent first, whatever came first
    assert checker.check(passwords.SUSPECT, passwords.dummy_hash(), "not-a-password-of-anyone") is True


def test_a_flood_of_guesses_cannot_keep_the_admin_waiting(limits, client):
    """The queue full of guesses from addresses that failed before: a new guess is answered 503
    at once and counted nowhere; the admin's clean address and device cookie push the guesses
    out of the queue and are let in."""
    limits.config.update(LOGIN_HASH_THREADS=1, LOGIN_HASH_QUEUE=1)
    assert _login(client, "boss").status_code == 302  # the admin's device cookie
    client.post("/logout")
    _login(limits.test_client(), "boss", "guess", addr="10.6.0.1")  # the attacker failed before
    checker = passwords.checker(1, 1)
    release = threading.Event()
    running, started = _occupy(checker, release)
    assert started.wait(5)
    flood = checker.submit(passwords.SUSPECT, release.wait, 10)  # the queue (1) is full
    try:
        r = _login(limits.test_client(), "boss", "guess", addr="10.6.0.1")
        assert r.status_code == 503 and r.headers["Retry-After"] == "2"
        assert "Máy chủ đang bận kiểm tra đăng nhập" in r.get_data(as_text=True)
        assert _failures(address="10.6.0.1") == 1  # nothing was checked: nothing more counted
        threading.Timer(0.5, release.set).start()  # the running job ends while the admin waits
        assert _login(limits.test_client(), "boss", addr="10.6.0.2").status_code == 302  # clean address
        assert flood.cancelled()  # pushed out
        assert _login(client, "boss", addr="10.6.0.1").status_code == 302  # the device cookie
    finally:
        release.set()
        running.result(5)
