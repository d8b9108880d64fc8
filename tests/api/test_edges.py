"""API edges (issue 22, item 6): every API answer is ``no-store`` (``/api/v1/stats`` included,
for a kiosk token and a staff login, errors too); a scan_id is its whole pattern."""

from __future__ import annotations

import pytest

from tests.factories import make_user


def test_stats_and_every_api_answer_is_no_store(app, client, event, kiosk_token):
    auth = {"Authorization": f"Bearer {kiosk_token}"}
    r = client.get("/api/v1/stats", headers=auth)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/stats").headers["Cache-Control"] == "no-store"  # 401 too
    make_user("edge-admin", "admin")
    staff = app.test_client()
    assert staff.post("/login", data={"username": "edge-admin", "password": "secret-pass-123"}).status_code == 302
    r = staff.get("/api/v1/stats")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    for method, url, body in (
        ("GET", "/api/v1/kiosk/snapshot", None),
        ("POST", "/api/v1/kiosk/heartbeat", {"station": "Cổng 1", "queue_length": 0}),
        ("POST", "/api/v1/checkins", {"code": "x", "station": "Cổng 1", "scan_id": "edge-1"}),
        ("POST", "/api/v1/checkins", {"code": "x", "station": "Cổng 1", "scan_id": "edge-2\n"}),
    ):
        r = client.open(url, method=method, json=body, headers=auth)
        assert r.status_code < 500 and r.headers["Cache-Control"] == "no-store", (url, r.status_code)


@pytest.mark.parametrize("scan_id", ["abc\n", "abc\r\n", "\nabc", "a\nb", "abc\x0b", " abc", "é", "a" * 65])
def test_scan_id_is_its_whole_pattern(client, event, kiosk_token, scan_id):
    auth = {"Authorization": f"Bearer {kiosk_token}"}
    body = {"code": "EK1AAAA", "station": "Cổng 1", "scan_id": scan_id}
    r = client.post("/api/v1/checkins", json=body, headers=auth)  # the fast path
    assert r.status_code == 400 and "scan_id" in r.get_json()["message"], r.get_json()
    # past the fast path's 64 KB: Flask's view answers, with the same check
    r = client.post("/api/v1/checkins", json=dict(body, pad="x" * 70_000), headers=auth)
    assert r.status_code == 400 and "scan_id" in r.get_json()["message"], r.get_json()
    r = client.post("/api/v1/checkins", json=dict(body, scan_id=scan_id.strip() or "ok-1"), headers=auth)
    assert r.status_code in (200, 400)


def test_desk_scanner_refuses_a_scan_id_with_a_newline(app, event):
    from admin.core.forms import ScanForm

    with app.test_request_context(method="POST", data={"code": "EK1AAAA", "scan_id": "desk-1\n"}):
        assert not ScanForm().validate()
    with app.test_request_context(method="POST", data={"code": "EK1AAAA", "scan_id": "desk-1"}):
        assert ScanForm().validate()
