""" "Xếp lại từ đầu" and "Người nhận khen thưởng ra ghế lối đi" on /admin/seats (issue 21 item 3):
the first POST previews who moves (nothing changes), the confirmation is a second POST with CSRF
and the preview's token; a plan changed in between is refused in Vietnamese; admins only."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from models.accounts.models import AuditLog
from models.core.base import db
from tests import factories
from tests.seating.test_relayout import _awards_after_seating, _seats, _small_hall_first


def _login(client) -> str:
    factories.make_user("ad", "admin")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert (
        client.post("/login", data={"username": "ad", "password": "secret-pass-123", "csrf_token": token}).status_code
        == 302
    )
    return token


def _csrf(client) -> str:
    page = client.get("/admin/seats").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _plan_token(page: str) -> str:
    return re.search(r'id="token" name="token" type="hidden" value="([0-9a-f]+)"', page).group(1)


def test_reset_preview_then_confirm_with_csrf(csrf_app):
    client = csrf_app.test_client()
    _login(client)
    ev, g, leaders, producers = _small_hall_first()
    db.session.commit()
    before = _seats(ev)
    seats_page = client.get("/admin/seats").get_data(as_text=True)
    assert 'data-action="relayout"' in seats_page and 'data-action="award-aisles"' in seats_page
    assert '<option value="producers">producers</option>' in seats_page
    assert client.post("/admin/seats/relayout/reset").status_code == 400  # no CSRF token
    csrf = _csrf(client)

    r = client.post("/admin/seats/relayout/reset", data={"csrf_token": csrf, "group": ""})
    assert r.status_code == 200
    page = htmllib.unescape(r.get_data(as_text=True))
    assert 'data-count="moved">' in page and "Xếp lại từ đầu" in page
    for p in producers:
        assert re.search(
            rf"<td>{p.display_name}</td><td>producers</td><td[^>]*>B-\d\d-\d\d</td><td[^>]*>A-\d\d-\d\d</td>", page
        )
    assert "người đã điểm danh (đang ngồi trong hội trường) không bị đổi chỗ (0 người)" in page
    db.session.expire_all()
    assert _seats(ev) == before  # the preview changed nothing
    token = _plan_token(page)

    confirm = {"csrf_token": csrf, "group": "", "token": token}
    assert client.post("/admin/seats/relayout/reset/confirm", data={**confirm, "csrf_token": ""}).status_code == 400
    # someone arrives between the preview and the confirmation: refused, nothing changed
    producers[0].checked_in_at = datetime.now(UTC)
    db.session.commit()
    stale = client.post("/admin/seats/relayout/reset/confirm", data=confirm)
    assert stale.status_code == 409
    text = htmllib.unescape(stale.get_data(as_text=True))
    assert "Sơ đồ chỗ ngồi đã thay đổi từ lúc xem trước" in text
    assert "không bị đổi chỗ (1 người)" in text  # the fresh preview says who stays
    db.session.expire_all()
    assert _seats(ev) == before
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "reset_seats")) == 0

    done = client.post("/admin/seats/relayout/reset/confirm", data={**confirm, "token": _plan_token(text)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/seats")
    flashed = htmllib.unescape(client.get("/admin/seats").get_data(as_text=True))
    assert "Đã xếp lại:" in flashed and "1 người đã điểm danh giữ nguyên ghế" in flashed
    db.session.expire_all()
    assert producers[0].seat_id == before[producers[0].id]  # checked in: kept
    assert all(p.seat.block.code == "A" for p in producers[1:])
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "reset_seats"))
    assert row.actor == "user:ad" and row.user_id is not None and row.detail["kept_checked_in"] == 1


def test_unknown_group_is_an_error_and_changes_nothing(csrf_app):
    client = csrf_app.test_client()
    _login(client)
    ev, g, leaders, producers = _small_hall_first()
    db.session.commit()
    before = _seats(ev)
    csrf = _csrf(client)
    r = client.post("/admin/seats/relayout/reset", data={"csrf_token": csrf, "group": "<b>nobody</b>"})
    assert r.status_code == 302
    page = client.get("/admin/seats").get_data(as_text=True)
    assert "Không có thành phần" in htmllib.unescape(page) and "<b>nobody</b>" not in page  # escaped
    r = client.post("/admin/seats/relayout/reset/confirm", data={"csrf_token": csrf, "group": "nobody", "token": "ab"})
    assert r.status_code == 302
    assert client.post("/admin/seats/relayout/other", data={"csrf_token": csrf}).status_code == 404
    db.session.expire_all()
    assert _seats(ev) == before


def test_reset_one_group_from_the_page(csrf_app):
    client = csrf_app.test_client()
    _login(client)
    ev, g, leaders, producers = _small_hall_first()
    db.session.commit()
    csrf = _csrf(client)
    page = client.post("/admin/seats/relayout/reset", data={"csrf_token": csrf, "group": "producers"}).get_data(
        as_text=True
    )
    assert 'name="group" value="producers"' in page and ": producers · xem trước" in htmllib.unescape(page)
    assert "Lãnh đạo" not in htmllib.unescape(page)  # nobody else moves
    done = client.post(
        "/admin/seats/relayout/reset/confirm",
        data={"csrf_token": csrf, "group": "producers", "token": _plan_token(page)},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert all(p.seat.block.code == "A" for p in producers)


def test_award_recipients_to_aisles_from_the_page(csrf_app):
    client = csrf_app.test_client()
    _login(client)
    ev, leader, producers, order = _awards_after_seating()
    db.session.commit()
    csrf = _csrf(client)
    r = client.post("/admin/seats/relayout/awards", data={"csrf_token": csrf})
    page = htmllib.unescape(r.get_data(as_text=True))
    assert r.status_code == 200 and "Người nhận khen thưởng ra ghế lối đi" in page
    assert re.search(
        rf"<td>{order[0].display_name}</td><td>producers</td><td[^>]*>A-\d\d-\d\d</td><td[^>]*>A-01-04</td>", page
    )
    done = client.post(
        "/admin/seats/relayout/awards/confirm", data={"csrf_token": csrf, "group": "", "token": _plan_token(page)}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert [order[i].seat.label for i in (0, 1, 3)] == ["A-01-04", "A-02-04", "A-03-04"]
    again = htmllib.unescape(
        client.post("/admin/seats/relayout/awards", data={"csrf_token": csrf}).get_data(as_text=True)
    )
    assert "Không ai phải đổi chỗ." in again and "confirm-relayout" not in again


def test_only_admins(client, auth, app):
    factories.make_event()
    auth.as_role("desk")
    for url in ("/admin/seats/relayout/reset", "/admin/seats/relayout/reset/confirm", "/admin/seats/relayout/awards"):
        assert client.post(url, data={"token": "x"}).status_code == 403
