"""Issue 21 item 9: the programme is ordered by time, or says where its numbers and times
disagree; "Sắp theo giờ" numbers it in time order (items without a time stay in place)."""

from __future__ import annotations

from datetime import time

from models.core.base import db
from models.events.models import ProgrammeItem
from models.services.event_structure import programme_order_issues, rows_of, sort_by_time


def _programme(ev, spec):
    for pos, (title, at) in enumerate(spec, 1):
        db.session.add(ProgrammeItem(event_id=ev.id, position=pos, title=title, planned_start=at))
    db.session.commit()


def test_disagreement_is_said_and_sorted(client, auth, event):
    auth.as_role("admin")
    _programme(
        event,
        [
            ("Đón tiếp đại biểu", time(7, 30)),
            ("Khai mạc", time(8, 30)),
            ("Văn nghệ", None),
            ("Báo cáo tổng kết", time(8, 0)),
            ("Trao chứng nhận", time(9, 0)),
        ],
    )
    issues = programme_order_issues(event)
    assert len(issues) == 1 and "Báo cáo tổng kết" in issues[0] and "08:00" in issues[0] and "08:30" in issues[0]
    html = client.get("/admin/event/programme").get_data(as_text=True)
    assert "data-order-issues" in html and "Báo cáo tổng kết" in html and 'data-action="sort-by-time"' in html

    r = client.post("/admin/event/programme/sort", follow_redirects=True)
    assert r.status_code == 200 and "data-order-issues" not in r.get_data(as_text=True)
    db.session.expire_all()
    titles = [it.title for it in rows_of(event, "programme")]
    # "Văn nghệ" (no time) stays right after "Khai mạc", the item it followed
    assert titles == ["Đón tiếp đại biểu", "Báo cáo tổng kết", "Khai mạc", "Văn nghệ", "Trao chứng nhận"]
    assert [it.position for it in rows_of(event, "programme")] == [1, 2, 3, 4, 5]
    assert programme_order_issues(event) == []
    assert sort_by_time(event) == 0  # already in order: nothing moves


def test_sort_needs_the_csrf_token(csrf_app):
    import re

    from tests import factories

    client = csrf_app.test_client()
    factories.make_user("ad", "admin")
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "ad", "password": "secret-pass-123", "csrf_token": token})
    ev = factories.make_event()
    _programme(ev, [("Khai mạc", time(8, 30)), ("Báo cáo", time(8, 0))])
    client.post("/admin/event/programme/sort")  # no token: refused, nothing moves
    db.session.expire_all()
    assert [it.title for it in rows_of(ev, "programme")] == ["Khai mạc", "Báo cáo"]
    html = client.get("/admin/event/programme").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/admin/event/programme/sort", data={"csrf_token": token})
    db.session.expire_all()
    assert [it.title for it in rows_of(ev, "programme")] == ["Báo cáo", "Khai mạc"]
