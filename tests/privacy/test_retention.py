"""Issue 23 items 2 and 5: each event keeps personal data `retention_days` (90) after its date;
the dashboard and /admin/events say when it will be shredded and remind once due; shred-event
SLUG --export F.zip (and /admin/events) writes the full record, then erases every person's
personal data of the event while its figures stay. Refused before the event has taken place;
before the period ends only when confirmed."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

from sqlalchemy import select

from models.accounts.models import AuditLog
from models.checkin.checkin import check_in
from models.checkin.stats import attendance
from models.core.base import db
from models.events.models import Event
from models.guests.models import Attendee
from models.privacy.retention import due_events, retention, today_in
from tests import factories
from tests.factories import attendees

FILES = {
    "bao-cao-diem-danh.xlsx",
    "bao-cao-tom-tat.pdf",
    "danh-sach-dai-bieu.xlsx",
    "ket-qua-ocop.xlsx",
    "nhat-ky.json",
    "README.txt",
}


def _arrived(event, n=2):
    for i, a in enumerate(attendees(event)[:n]):
        check_in(event_id=event.id, code=a.current_badge.code, scan_id=f"s-r-{i}", station="Cổng 1")


def test_dates_and_the_reminder(client, auth, event):
    auth.as_role("admin")
    assert event.retention_days == 90
    keep = retention(event)
    assert keep.shred_on == event.date + timedelta(days=90) and keep.due  # the factory's event is in 2025
    html = client.get("/admin/").get_data(as_text=True)
    assert f'data-retention-due="{event.slug}"' in html and "Đến hạn hủy dữ liệu: 1 sự kiện" in html
    assert "Đến hạn hủy" in client.get("/admin/events").get_data(as_text=True)
    event.is_demo = True  # the demo's people are invented: no reminder
    db.session.commit()
    assert due_events() == [] and "data-retention-due" not in client.get("/admin/").get_data(as_text=True)
    event.is_demo = False
    event.date = today_in(event) - timedelta(days=10)
    db.session.commit()
    assert due_events() == [] and not retention(event).due
    html = client.get("/admin/").get_data(as_text=True)
    shred_on = (event.date + timedelta(days=90)).strftime("%d/%m/%Y")
    assert "data-retention-due" not in html and f"Hủy dữ liệu cá nhân: {shred_on}" in html
    assert f"Hủy ngày {shred_on}" in client.get("/admin/events").get_data(as_text=True)


def test_shred_event_writes_the_record_then_erases_keeping_figures(runner, event, tmp_path):
    _arrived(event)
    names = [a.full_name for a in attendees(event)]
    figures = attendance(event)
    out = tmp_path / "ho-so.zip"
    r = runner.invoke(args=["shred-event", event.slug, "--export", str(out)])
    assert r.exit_code in (0, 3), r.output
    with zipfile.ZipFile(out) as z:
        assert set(z.namelist()) == FILES
        guests = z.read("danh-sach-dai-bieu.xlsx")
    assert (out.stat().st_mode & 0o777) == 0o600
    from openpyxl import load_workbook

    cells = " ".join(str(c.value) for ws in load_workbook(io.BytesIO(guests)) for row in ws.iter_rows() for c in row)
    assert all(n in cells for n in names)  # the record has everyone, as they were
    db.session.expire_all()
    people = db.session.scalars(select(Attendee).where(Attendee.event_id == event.id)).all()
    assert all(p.erased_at is not None and p.full_name.startswith("Đã xóa #") and not p.phone for p in people)
    assert attendance(event) == figures
    ev = db.session.get(Event, event.id)
    assert ev.shredded_at is not None
    last = db.session.scalars(select(AuditLog).where(AuditLog.action == "shred_event")).one()
    assert last.detail["people"] == len(people) and last.detail["export"] == "ho-so.zip"
    export = db.session.scalars(select(AuditLog).where(AuditLog.action == "export_personal_data")).one()
    assert export.detail["what"] == "shred_record" and export.detail["people"] == len(people)
    r = runner.invoke(args=["shred-event", event.slug, "--export", str(tmp_path / "again.zip")])
    assert r.exit_code == 1 and "đã được hủy" in r.output and not (tmp_path / "again.zip").exists()


def test_shred_refused_before_the_event_and_asks_before_the_period_ends(runner, event, tmp_path):
    out = tmp_path / "x.zip"
    event.date = today_in(event) + timedelta(days=3)
    db.session.commit()
    r = runner.invoke(args=["shred-event", event.slug, "--export", str(out)])
    assert r.exit_code == 1 and "chưa qua" in r.output and not out.exists()
    event.date = today_in(event) - timedelta(days=5)
    db.session.commit()
    r = runner.invoke(args=["shred-event", event.slug, "--export", str(out)])
    assert r.exit_code == 1 and "--yes" in r.output and "còn 85 ngày" in r.output and not out.exists()
    db.session.expire_all()
    assert db.session.scalars(select(Attendee).where(Attendee.erased_at.is_not(None))).first() is None
    r = runner.invoke(args=["shred-event", event.slug, "--export", str(out), "--yes"])
    assert r.exit_code in (0, 3), r.output
    assert out.exists()
    r = runner.invoke(args=["shred-event", "khong-co", "--export", str(tmp_path / "y.zip")])
    assert r.exit_code == 1 and "khong-co" in r.output


def test_shred_from_the_events_page(client, auth, event):
    auth.as_role("admin")
    html = client.get("/admin/events").get_data(as_text=True)
    assert 'data-action="shred"' in html
    r = client.post(f"/admin/events/{event.id}/shred", data={})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).shredded_at is None
    r = client.post(f"/admin/events/{event.id}/shred", data={"confirm": "y"})
    assert r.status_code == 200 and r.mimetype == "application/zip" and r.headers["Cache-Control"] == "no-store"
    assert set(zipfile.ZipFile(io.BytesIO(r.data)).namelist()) == FILES
    db.session.expire_all()
    assert db.session.get(Event, event.id).shredded_at is not None
    assert "Đã hủy" in client.get("/admin/events").get_data(as_text=True)


def test_shred_needs_csrf(csrf_app):
    client = csrf_app.test_client()
    factories.make_user("ad", "admin")
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "ad", "password": "secret-pass-123", "csrf_token": token})
    ev = factories.make_event()
    client.post(f"/admin/events/{ev.id}/shred", data={"confirm": "y"})
    db.session.expire_all()
    assert db.session.get(Event, ev.id).shredded_at is None
