"""Issue 16 item 8: HTTPS on the venue LAN as an option. Debian's caddy with its internal CA
(docs/Caddyfile, unchanged) in front of waitress; waitress believes the proxy's headers only
from the trusted address; the session cookie is Secure and HSTS is sent only over HTTPS."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from cli import proxy_options
from tests.conftest import free_port, make_app
from tests.factories import make_event, make_user

CADDYFILE = Path(__file__).resolve().parents[2] / "docs" / "Caddyfile"


class Waitress:
    def __init__(self, app, trusted_proxy: str):
        from webserver import make_server

        self.port = free_port()
        self.server = make_server(app, host="127.0.0.1", port=self.port, threads=4, **proxy_options(trusted_proxy))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.server.close()
        for channel in list(self.server._map.values()):
            channel.close()
        self.server.task_dispatcher.shutdown(timeout=2)
        self.thread.join(timeout=5)


@pytest.fixture
def site(tmp_path):
    app = make_app("sqlite", tmp_path)
    with app.app_context():
        make_event()
        make_user("https-admin", "admin")
    yield app


def _login(session: requests.Session, base: str, **kw) -> requests.Response:
    return session.post(
        base + "/login", data={"username": "https-admin", "password": "secret-pass-123"}, allow_redirects=False, **kw
    )


def test_forwarded_headers_believed_only_from_the_trusted_proxy(site):
    # 127.0.0.1 is the trusted proxy: its X-Forwarded-Proto says the browser used HTTPS
    trusted = Waitress(site, "127.0.0.1")
    # here only 10.9.9.9 would be: the same headers from 127.0.0.1 are dropped
    untrusted = Waitress(site, "10.9.9.9")
    try:
        fwd = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
        r = _login(requests.Session(), trusted.url, headers=fwd)
        assert r.status_code == 302
        assert "Secure" in r.headers["Set-Cookie"]
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
        assert r.headers["Location"].startswith("/") or r.headers["Location"].startswith("https")
        r = _login(requests.Session(), untrusted.url, headers=fwd)
        assert r.status_code == 302
        assert "Secure" not in r.headers["Set-Cookie"]
        assert "Strict-Transport-Security" not in r.headers
        # plain HTTP (no proxy at all): no Secure cookie, no HSTS (the LAN default)
        r = _login(requests.Session(), trusted.url)
        assert "Secure" not in r.headers["Set-Cookie"]
        assert "Strict-Transport-Security" not in r.headers
    finally:
        trusted.stop()
        untrusted.stop()


def test_failed_logins_count_the_forwarded_client_address(site):
    """Behind the proxy every request comes from 127.0.0.1; the per-address limit must count
    the real client (X-Forwarded-For), or one guesser would lock every desk out."""
    site.config["LOGIN_RATE_LIMIT"] = 2
    server = Waitress(site, "127.0.0.1")
    try:

        def attempt(client_ip: str) -> int:
            return requests.post(
                server.url + "/login",
                data={"username": "x", "password": "y"},
                headers={"X-Forwarded-For": client_ip},
                allow_redirects=False,
            ).status_code

        assert [attempt("192.168.1.50") for _ in range(3)] == [200, 200, 429]
        assert attempt("192.168.1.51") == 200  # another desk laptop is not locked out
    finally:
        server.stop()


@pytest.mark.skipif(
    shutil.which("caddy") is None,
    reason="caddy is not installed (apt-get install caddy; it is in the Makefile's TEST_SYS_PKGS)",
)
def test_caddy_in_front_serves_https_with_its_own_ca(site, tmp_path):
    server = Waitress(site, "127.0.0.1")
    https_port, http_port = free_port(), free_port()
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HOME": str(tmp_path),
        "EK_HOST": "127.0.0.1",
        "EK_HTTPS_PORT": str(https_port),
        "EK_HTTP_PORT": str(http_port),
        "EK_PORT": str(server.port),
    }
    log = open(tmp_path / "caddy.log", "w")
    caddy = subprocess.Popen(
        ["caddy", "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"], env=env, stdout=log, stderr=log
    )
    root = tmp_path / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    base = f"https://127.0.0.1:{https_port}"
    try:
        deadline = time.monotonic() + 30
        last = None
        while time.monotonic() < deadline:
            try:
                if root.exists():
                    r = requests.get(base + "/login", verify=str(root), timeout=2)
                    break
            except requests.RequestException as exc:
                last = exc
            time.sleep(0.2)
        else:
            pytest.fail(f"caddy did not serve HTTPS: {last}\n{(tmp_path / 'caddy.log').read_text()}")
        assert r.status_code == 200 and "Đăng nhập" in r.text
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
        # the certificate is really checked: without the venue's CA it is refused
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(base + "/login", timeout=5)
        s = requests.Session()  # (verify per request: a session's own is overridden by env)
        r = _login(s, base, verify=str(root))
        assert r.status_code == 302 and "Secure" in r.headers["Set-Cookie"]
        r = s.get(base + "/admin/", verify=str(root), allow_redirects=False)
        assert r.status_code == 200  # the Secure cookie works over HTTPS
    finally:
        caddy.terminate()
        try:
            caddy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            caddy.kill()
        log.close()
        server.stop()


def _wait_for(proc: subprocess.Popen, text: str, timeout: float = 60) -> str:
    """The server's output up to the line containing ``text``."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if text in line:
            return "".join(seen)
    pytest.fail("serve --https did not start:\n" + "".join(seen))


@pytest.mark.skipif(
    shutil.which("caddy") is None,
    reason="caddy is not installed (apt-get install caddy; it is in the Makefile's TEST_SYS_PKGS)",
)
def test_serve_https_pairs_a_phone_through_caddy_with_the_ca_from_trust(tmp_path):
    """`serve --https`: caddy started by the server with docs/Caddyfile, its CA in the instance
    folder; /trust/root.crt fetched over plain HTTP (as a phone that does not trust yet) verifies
    the HTTPS pairing page, the pairing call and /trust; stopping the server stops caddy."""
    app = make_app("sqlite", tmp_path)
    with app.app_context():
        make_event()
    runner = app.test_cli_runner()
    with app.app_context():
        link = runner.invoke(args=["scan-link", "https-phone", "--base", "https://127.0.0.1:1"]).output
    code = link.strip().splitlines()[-1].rsplit("/", 1)[1]
    port, https_port, http_port = free_port(), free_port(), free_port()
    instance = tmp_path / "instance"
    env = {
        **os.environ,
        "EVENT_KIOSK_INSTANCE": str(instance),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "https-test-secret",
        "EK_HOST": "127.0.0.1",
        "EK_HTTPS_PORT": str(https_port),
        "EK_HTTP_PORT": str(http_port),
        "WORKERS": "1",
    }
    root_dir = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "serve", "--https", "--port", str(port)],
        cwd=root_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out = _wait_for(proc, "CA root SHA-256")
        assert f"https://127.0.0.1:{https_port}/" in out and f"http://127.0.0.1:{http_port}/trust" in out
        plain = f"http://127.0.0.1:{http_port}"
        crt = requests.get(plain + "/trust/root.crt", timeout=5)
        assert crt.status_code == 200 and crt.headers["Content-Type"] == "application/x-x509-ca-cert"
        on_disk = instance / "caddy" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        assert crt.content == on_disk.read_bytes() and crt.content.startswith(b"-----BEGIN CERTIFICATE-----")
        ca = tmp_path / "downloaded-root.crt"
        ca.write_bytes(crt.content)
        # on plain HTTP: /trust and the visitors' exhibition (any phone, no trust needed); the rest,
        # logins, private links and the scanner, goes to HTTPS
        for path in ("/login", "/scan/", f"/scan/pair/{code}", "/admin/", "/exhibitors/register"):
            r = requests.get(plain + path, allow_redirects=False, timeout=5)
            assert r.status_code == 308 and r.headers["Location"] == f"https://127.0.0.1:{https_port}{path}"
        visitors = requests.get(plain + "/exhibition/", allow_redirects=False, timeout=5)
        assert visitors.status_code == 200 and "Strict-Transport-Security" not in visitors.headers
        assert requests.get(plain + "/static/css/app.css", timeout=5).status_code == 200
        base = f"https://127.0.0.1:{https_port}"
        page = requests.get(f"{base}/scan/pair/{code}", verify=str(ca), timeout=5)
        assert page.status_code == 200 and f'data-code="{code}"' in page.text
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{base}/scan/pair/{code}", timeout=5)  # not without the venue's CA
        paired = requests.post(base + "/api/v1/pair", json={"code": code}, verify=str(ca), timeout=5)
        assert paired.status_code == 200 and paired.json()["name"] == "https-phone"
        trust = requests.get(base + "/trust", verify=str(ca), timeout=5)
        assert trust.status_code == 200 and "iPhone" in trust.text and "Android" in trust.text
        # the QR on the HTTPS page names the plain-HTTP download (the phone does not trust yet)
        assert f'data-url="{plain}/trust/root.crt"' in trust.text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    # caddy stopped with the server: its ports are free again
    for p in (https_port, http_port):
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{p}/", timeout=2)


def test_serve_https_without_caddy_says_how_to_install_it(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "serve", "--https", "--port", str(free_port())],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "apt-get install caddy" in done.stderr
