"""Issue 24 item 2: phones paired by a one-time link (scan-link, /scan/pair/<code>, POST
/api/v1/pair), listed and revoked on /admin/devices; a revocation stops the phone at once, in the
serving process and from another process (the devices stamp, models/accounts/pairing.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from models.accounts.models import AuditLog, Device, hash_token
from models.accounts.pairing import DevicePairing
from models.core.base import db
from models.core.timeutil import utcnow
from tests.core.test_trust import svg_qr_text
from tests.factories import make_device, make_user

ROOT = Path(__file__).resolve().parents[2]
GONE = "Mã ghép nối đã được dùng hoặc đã hết hạn; xin ban tổ chức tạo mã mới."


def scan_link(runner, *args: str):
    return runner.invoke(args=["scan-link", *args])


def code_of(link: str) -> str:
    assert "/scan/pair/" in link, link
    return link.rsplit("/scan/pair/", 1)[1]


def test_scan_link_prints_the_link_last_and_refuses_a_kiosk(app, runner):
    app.config["PUBLIC_URL"] = ""
    r = scan_link(runner, "cua-A-1", "--base", "https://192.168.1.10:8443/")
    assert r.exit_code == 0, r.output
    last = r.output.strip().splitlines()[-1]
    assert last.startswith("https://192.168.1.10:8443/scan/pair/")
    code = code_of(last)
    assert len(code) == 32  # secrets.token_urlsafe(24)
    dev = db.session.scalar(select(Device).where(Device.name == "cua-A-1"))
    assert (dev.platform, dev.kind) == ("phone", "hall")
    row = db.session.scalar(select(DevicePairing).where(DevicePairing.device_id == dev.id))
    assert row.code_hash == hash_token(code) and code not in (row.code_hash, row.created_by)
    assert timedelta(hours=23.9) < row.expires_at - row.created_at <= timedelta(hours=24)
    # the same phone again: reused, a new code; base from PUBLIC_URL, else http://HOST:PORT
    app.config["PUBLIC_URL"] = "https://ek.lan"
    again = scan_link(runner, "cua-A-1").output.strip().splitlines()[-1]
    assert again.startswith("https://ek.lan/scan/pair/") and code_of(again) != code
    app.config["PUBLIC_URL"] = ""
    plain = scan_link(runner, "cua-A-1").output.strip().splitlines()[-1]
    assert plain.startswith(f"http://{app.config['HOST']}:{app.config['PORT']}/scan/pair/")
    assert db.session.scalar(select(db.func.count(Device.id)).where(Device.name == "cua-A-1")) == 1
    # a kiosk's name: refused in Vietnamese, exit status not 0, nothing made
    make_device("kiosk-cua-B")
    r = scan_link(runner, "kiosk-cua-B")
    assert r.exit_code != 0 and "máy kiosk" in r.output
    assert db.session.scalar(select(Device.platform).where(Device.name == "kiosk-cua-B")) == "kiosk"
    # and a kiosk token is never made for a phone's name
    assert runner.invoke(args=["kiosk-token", "cua-A-1"]).exit_code != 0
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"add_phone", "pairing_code"} <= actions


def test_the_link_pairs_exactly_once_when_two_phones_race(live_server_any):
    server = live_server_any
    runner = server.app.test_cli_runner()
    with server.app.app_context():
        link = scan_link(runner, "race-phone", "--base", server.url).output.strip().splitlines()[-1]
    assert link.startswith(server.url + "/scan/pair/")
    page = requests.get(link, timeout=5)
    assert page.status_code == 200 and 'data-code="' in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    code, answers, start = code_of(link), [], threading.Barrier(2)

    def phone():
        start.wait()
        answers.append(requests.post(server.url + "/api/v1/pair", json={"code": code}, timeout=10))

    threads = [threading.Thread(target=phone) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200, 410]
    won = next(a for a in answers if a.status_code == 200).json()
    lost = next(a for a in answers if a.status_code == 410).json()
    assert won["name"] == "race-phone" and won["token"].startswith("ekt_") and isinstance(won["device_id"], int)
    assert lost == {"error": "pairing_gone", "message": GONE}
    # the token works at the API (the phone is a device like a kiosk)
    auth = {"Authorization": f"Bearer {won['token']}"}
    assert requests.get(server.url + "/api/v1/kiosk/snapshot", headers=auth, timeout=5).status_code == 200
    # the used link: a clear page, 410, nothing changes
    again = requests.get(link, timeout=5)
    assert again.status_code == 410 and GONE in again.text and 'data-code="' not in again.text
    with server.app.app_context():
        dev = db.session.get(Device, won["device_id"])
        assert dev.token_hash == hash_token(won["token"]) and dev.revoked_at is None


def test_expired_and_unknown_codes_are_refused_and_change_nothing(app, client, runner):
    link = scan_link(runner, "late-phone").output.strip().splitlines()[-1]
    code = code_of(link)
    dev = db.session.scalar(select(Device).where(Device.name == "late-phone"))
    before = dev.token_hash
    row = db.session.scalar(select(DevicePairing).where(DevicePairing.device_id == dev.id))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    r = client.get(f"/scan/pair/{code}")
    assert r.status_code == 410 and GONE in r.get_data(as_text=True)
    r = client.post("/api/v1/pair", json={"code": code})
    assert r.status_code == 410 and r.json == {"error": "pairing_gone", "message": GONE}
    r = client.post("/api/v1/pair", json={"code": "x" * 32})
    assert r.status_code == 404 and r.json["error"] == "pairing_unknown"
    assert client.get("/scan/pair/" + "y" * 32).status_code == 404
    for bad in ({}, {"code": 5}, [], {"code": ""}, {"code": "z" * 5000}):
        r = client.post("/api/v1/pair", json=bad)
        assert r.status_code in (400, 404) and r.is_json, (bad, r.status_code)
    db.session.expire_all()
    assert db.session.get(Device, dev.id).token_hash == before
    assert db.session.get(DevicePairing, row.id).used_at is None


def test_pairing_attempts_are_limited_per_address(app, client):
    app.config["PAIRING_RATE_LIMIT"] = 3
    codes = [client.post("/api/v1/pair", json={"code": f"guess-{i}"}).status_code for i in range(4)]
    assert codes == [404, 404, 404, 429]


def test_a_new_pairing_stops_the_previous_phone(app, event, client, runner):
    first = client.post("/api/v1/pair", json={"code": code_of(scan_link(runner, "p1").output.splitlines()[-1])})
    second = client.post("/api/v1/pair", json={"code": code_of(scan_link(runner, "p1").output.splitlines()[-1])})
    assert first.status_code == second.status_code == 200
    old = {"Authorization": f"Bearer {first.json['token']}"}
    new = {"Authorization": f"Bearer {second.json['token']}"}
    assert client.get("/api/v1/kiosk/snapshot", headers=new).status_code == 200
    r = client.get("/api/v1/kiosk/snapshot", headers=old)
    assert r.status_code == 401 and r.is_json


def _pair(server, name: str) -> str:
    with server.app.app_context():
        link = scan_link(server.app.test_cli_runner(), name, "--base", server.url).output.splitlines()[-1]
    r = requests.post(server.url + "/api/v1/pair", json={"code": code_of(link)}, timeout=5)
    assert r.status_code == 200, r.text
    return r.json()["token"]


def _api(server, token: str) -> tuple[int, int]:
    """(check-in status, snapshot status) for this token: the check-in goes the fast path."""
    auth = {"Authorization": f"Bearer {token}"}
    body = {"code": "not-a-code", "scan_id": "0" * 32}
    checkin = requests.post(server.url + "/api/v1/checkins", json=body, headers=auth, timeout=5)
    snapshot = requests.get(server.url + "/api/v1/kiosk/snapshot", headers=auth, timeout=5)
    for r in (checkin, snapshot):
        assert r.headers["Content-Type"].startswith("application/json")
    return checkin.status_code, snapshot.status_code


def test_revoking_on_the_page_stops_the_phone_at_once(live_server):
    server = live_server
    token = _pair(server, "usher-1")
    assert _api(server, token)[1] == 200 and _api(server, token)[0] != 401  # cached as live now
    admin = requests.Session()
    user, password = server.user("admin")
    admin.post(server.url + "/login", data={"username": user, "password": password}, timeout=5)
    with server.app.app_context():
        dev_id = db.session.scalar(select(Device.id).where(Device.name == "usher-1"))
    r = admin.post(f"{server.url}/admin/devices/{dev_id}/revoke", timeout=5, allow_redirects=False)
    assert r.status_code == 302
    assert _api(server, token) == (401, 401)  # the very next requests, within the 5 s cache


def test_revoking_from_another_process_stops_the_phone_at_once(live_server):
    """`scan-link NAME --revoke` in a process of its own: the server's token cache is told by the
    devices stamp, not by a shared memory."""
    server = live_server
    token = _pair(server, "usher-2")
    assert _api(server, token) != (401, 401)
    env = {**os.environ, "DATABASE_URL": server.app.config["SQLALCHEMY_DATABASE_URI"]}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "scan-link", "usher-2", "--revoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert _api(server, token) == (401, 401)


def test_admin_devices_lists_adds_links_and_escapes(app, client, auth):
    make_device("kiosk-hall-1")
    auth.as_role("admin")
    r = client.get("/admin/devices")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "kiosk-hall-1" in html and "Máy kiosk" in html
    assert "/scan/pair/" not in html  # a kiosk row has no pairing link
    r = client.post("/admin/devices/phones", data={"name": "<script>alert(1)</script>"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Điện thoại" in html and r.headers["Referrer-Policy"] == "no-referrer"
    link = html.split('class="pairing-url">', 1)[1].split("<", 1)[0]
    assert link.startswith("http://localhost/scan/pair/")
    # the QR on the page says the very link (decoded from its SVG by zxing-cpp)
    assert svg_qr_text(html.split('class="pairing-qr"', 1)[1].split("</div>", 1)[0]) == link
    # the link pairs
    assert client.post("/api/v1/pair", json={"code": code_of(link)}).status_code == 200
    # a kiosk's name is refused; a kiosk gets no new link
    r = client.post("/admin/devices/phones", data={"name": "kiosk-hall-1"})
    assert r.status_code == 400 and "máy kiosk" in r.get_data(as_text=True)
    kiosk_id = db.session.scalar(select(Device.id).where(Device.name == "kiosk-hall-1"))
    assert client.post(f"/admin/devices/{kiosk_id}/pairing").status_code == 400
    phone_id = db.session.scalar(select(Device.id).where(Device.platform == "phone"))
    r = client.post(f"/admin/devices/{phone_id}/pairing")
    assert r.status_code == 200 and "/scan/pair/" in r.get_data(as_text=True)


@pytest.mark.parametrize("role", ["desk", "mc"])
def test_admin_devices_is_for_admins_only(app, client, auth, role):
    auth.as_role(role)
    assert client.get("/admin/devices").status_code == 403
    assert client.post("/admin/devices/phones", data={"name": "x"}).status_code == 403
    assert db.session.scalar(select(db.func.count(Device.id))) == 0
    client.post("/logout")
    r = client.get("/admin/devices")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_admin_devices_forms_need_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    make_user("csrf-admin", "admin")
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"username": "csrf-admin", "password": "secret-pass-123", "csrf_token": token})
    assert r.status_code == 302
    html = client.get("/admin/devices").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    assert client.post("/admin/devices/phones", data={"name": "no-token"}).status_code == 400
    assert db.session.scalar(select(db.func.count(Device.id))) == 0
    r = client.post("/admin/devices/phones", data={"name": "with-token", "csrf_token": token})
    assert r.status_code == 200 and "/scan/pair/" in r.get_data(as_text=True)
    dev_id = db.session.scalar(select(Device.id).where(Device.name == "with-token"))
    assert client.post(f"/admin/devices/{dev_id}/revoke").status_code == 400
    assert db.session.get(Device, dev_id).revoked_at is None
    # the pairing call needs no CSRF token (the code is the credential) and no cookie
    link = r.get_data(as_text=True).split('class="pairing-url">', 1)[1].split("<", 1)[0]
    assert csrf_app.test_client().post("/api/v1/pair", json={"code": code_of(link)}).status_code == 200
