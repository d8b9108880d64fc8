"""Login, roles, CSRF, the desk page: search, manual check-in, undo, scanner field."""

import re

from sqlalchemy import func, select

from models.checkin.models import CheckIn
from models.core.base import db
from models.guests.models import Attendee
from tests.factories import attendees, make_user


def csrf_token(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_login_page_vietnamese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in html and "Mật khẩu" in html


def test_english_switch(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in html and "Password" in html
    assert "Log in" in client.get("/login").get_data(as_text=True)  # remembered


def test_login_wrong_password(client, event):
    make_user("desk1", "desk")
    r = client.post("/login", data={"username": "desk1", "password": "nope"})
    assert "Sai tên đăng nhập hoặc mật khẩu" in r.get_data(as_text=True)
    assert client.get("/desk/").status_code == 302


def test_login_empty_fields(client):
    r = client.post("/login", data={"username": "", "password": ""})
    html = r.get_data(as_text=True)
    assert "Vui lòng nhập tên đăng nhập" in html


def test_password_is_hashed(app):
    u = make_user("x1", "desk", "my-password-1")
    assert "my-password-1" not in u.password_hash and u.check_password("my-password-1")


def test_roles(client, auth, event):
    assert client.get("/desk/").status_code == 302  # anonymous -> login
    assert client.get("/admin/").status_code == 302
    auth.as_role("mc")
    assert client.get("/desk/").status_code == 403
    assert client.get("/admin/").status_code == 403


def test_admin_passes_everything(client, auth, event):
    auth.as_role("admin")
    assert client.get("/desk/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_desk_search_ignores_accents_and_case(client, auth, event):
    auth.as_role("desk")
    html = client.get("/desk/?q=nguyen van").get_data(as_text=True)
    assert "Nguyễn Văn An" in html
    html = client.get("/desk/?q=DANG").get_data(as_text=True)
    assert "Đặng Thị Ánh Tuyết" in html and "Nguyễn Văn An" not in html
    html = client.get("/desk/?q=hon noi").get_data(as_text=True)  # organisation
    assert "Võ Ngọc Ý" in html
    html = client.get("/desk/?q=%25").get_data(as_text=True)  # LIKE wildcard is literal
    assert "Kết quả: 0" in html


def test_desk_checkin_and_undo(client, auth, event):
    auth.as_role("desk")
    a = attendees(event)[0]
    r = client.post(f"/desk/checkin/{a.id}?q=nguyen", follow_redirects=True)
    assert "Xin chào" in r.get_data(as_text=True)
    db.session.refresh(a)
    assert a.checked_in_at is not None
    r = client.post(f"/desk/undo/{a.id}", data={"reason": ""}, follow_redirects=True)
    assert "Vui lòng ghi lý do" in r.get_data(as_text=True)
    db.session.refresh(a)
    assert a.checked_in_at is not None
    r = client.post(f"/desk/undo/{a.id}", data={"reason": "bấm nhầm"}, follow_redirects=True)
    assert "Đã hủy điểm danh" in r.get_data(as_text=True)
    db.session.refresh(a)
    assert a.checked_in_at is None


def test_desk_checkin_unknown_person_404(client, auth, event):
    auth.as_role("desk")
    assert client.post("/desk/checkin/99999").status_code == 404


def test_desk_scanner_json(client, auth, event):
    auth.as_role("desk")
    code = attendees(event)[1].current_badge.code
    r = client.post(
        "/desk/scan", data={"code": code + "\n", "scan_id": "desk-abc"}, headers={"Accept": "application/json"}
    )
    assert r.get_json()["result"] == "ok"
    r = client.post("/desk/scan", data={"code": "rác", "scan_id": "desk-abd"}, headers={"Accept": "application/json"})
    assert r.get_json()["result"] == "invalid" and r.get_json()["label"] == "Mã không hợp lệ"
    r = client.post("/desk/scan", data={"code": "", "scan_id": "desk-abe"}, headers={"Accept": "application/json"})
    assert r.status_code == 400 and r.get_json()["message"]


def test_user_text_is_escaped(client, auth, event):
    a = attendees(event)[2]
    a.organisation = "<script>alert('x')</script>"
    a.refresh_keys()
    db.session.commit()
    auth.as_role("desk")
    html = client.get("/desk/?q=huynh").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_csrf_required_on_forms(csrf_app):
    client = csrf_app.test_client()
    from tests.factories import make_event

    ev = make_event()
    make_user("d", "desk")
    r = client.post("/login", data={"username": "d", "password": "secret-pass-123"})
    assert r.status_code == 400  # no token
    token = csrf_token(client, "/login")
    r = client.post("/login", data={"username": "d", "password": "secret-pass-123", "csrf_token": token})
    assert r.status_code == 302
    a = attendees(ev)[0]
    r = client.post(f"/desk/checkin/{a.id}")
    assert r.status_code == 400
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0
    r = client.post("/desk/scan", data={"code": "x", "scan_id": "desk-1"})
    assert r.status_code == 400
    # the API is exempt (bearer tokens), so a kiosk needs no CSRF token
    assert client.post("/api/v1/checkins", json={}).status_code == 401


def test_login_rate_limited(app, client):
    app.config["LOGIN_RATE_LIMIT"] = 5
    codes = [client.post("/login", data={"username": "x", "password": "y"}).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_open_redirect_blocked(client, event):
    make_user("d2", "desk")
    r = client.post("/login?next=https://evil.example/", data={"username": "d2", "password": "secret-pass-123"})
    assert r.headers["Location"].startswith("/desk")


def test_security_headers_and_cookie(client, event):
    r = client.get("/login")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    make_user("d3", "desk")
    r = client.post("/login", data={"username": "d3", "password": "secret-pass-123"})
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_404_page_is_vietnamese(client):
    r = client.get("/khong-co")
    assert r.status_code == 404 and "Không tìm thấy trang" in r.get_data(as_text=True)


def test_nominated_people_not_found_at_desk(client, auth, event):
    a = attendees(event)[3]
    a.status = "nominated"
    db.session.commit()
    auth.as_role("desk")
    assert "Trần Thị Thu Hằng" not in client.get("/desk/?q=tran thi").get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attendee.id))) == 6
