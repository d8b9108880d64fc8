"""Issue 21 item 9: `new-event` and /admin/events ask before accepting a date already past
(`--allow-past`, the "Ngày đã qua: vẫn tạo" box); a future date needs no question."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from models.core.base import db
from models.events.models import Event
from models.services.event_setup import local_today


def n_events() -> int:
    return db.session.scalar(select(func.count(Event.id)))


def test_cli_refuses_a_past_date_without_allow_past(runner):
    past = (local_today() - timedelta(days=1)).isoformat()
    args = ["new-event", "--name", "Hội nghị cũ", "--date", past, "--venue", "Nha Trang"]
    r = runner.invoke(args=args)
    assert r.exit_code == 1 and "đã qua" in r.output and "--allow-past" in r.output
    assert n_events() == 0
    r = runner.invoke(args=[*args, "--allow-past"])
    assert r.exit_code == 0, r.output
    assert n_events() == 1


def test_cli_future_date_needs_no_question(runner):
    future = (local_today() + timedelta(days=160)).isoformat()
    r = runner.invoke(args=["new-event", "--name", "Hội nghị mới", "--date", future, "--venue", "Nha Trang"])
    assert r.exit_code == 0, r.output
    assert db.session.scalars(select(Event)).one().date == date.fromisoformat(future)


def test_web_asks_then_accepts_a_past_date(client, auth):
    auth.as_role("admin")
    past = (local_today() - timedelta(days=30)).isoformat()
    data = {"name": "Hội nghị năm trước", "date": past, "venue": "Nha Trang"}
    r = client.post("/admin/events", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "data-ask-past" in html and "đã qua" in html
    assert n_events() == 0
    r = client.post("/admin/events", data={**data, "allow_past": "y"})
    assert r.status_code == 302 and n_events() == 1
    # today itself is not "past"
    r = client.post("/admin/events", data={**data, "name": "Hôm nay", "date": local_today().isoformat()})
    assert r.status_code == 302 and n_events() == 2
