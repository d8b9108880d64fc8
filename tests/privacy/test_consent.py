"""Issue 23 item 1: the personal data notice on the public forms (booth registration, a district's
nomination form), in Vietnamese and English, with a required `consent` box; the time and the
notice's version kept with the record; the notice set per event on /admin/event, its version
raised whenever the text shown changes (and that text kept in the audit log)."""

from __future__ import annotations

from sqlalchemy import func, select

from models.accounts.models import AuditLog
from models.core.base import db
from models.events.models import Event
from models.events.notice import default_notice, notice_text
from models.events.settings import update_settings
from models.exhibition.models import Exhibitor
from models.guests.models import Attendee
from tests.districts.conftest import nomination, setup_districts
from tests.exhibition.conftest import district_of, form


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_registration_shows_the_notice_in_both_languages(client, event):
    event.issuing_body = "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
    event.privacy_contact = "Văn phòng Sở, 0258 3822 123, vanphong@snnmt.example.vn"
    db.session.commit()
    html = client.get("/exhibitors/register").get_data(as_text=True)
    assert "Thông báo xử lý dữ liệu cá nhân" in html
    assert "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG (bên kiểm soát dữ liệu)" in html
    assert "90 ngày sau ngày hội nghị" in html and "91/2025/QH15" in html
    assert "vanphong@snnmt.example.vn" in html and 'name="consent"' in html
    en = client.get("/exhibitors/register?lang=en").get_data(as_text=True)
    assert "(the data controller)" in en and "90 days after the conference" in en
    assert "bên kiểm soát dữ liệu" not in en


def test_registration_without_consent_stores_nothing(client, event):
    data = form(district_of(event).id)
    del data["consent"]
    resp = client.post("/exhibitors/register", data=data)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'data-error-for="consent"' in html and "Vui lòng đánh dấu ô đồng ý" in html
    assert 'value="HTX Nông nghiệp Suối Tân"' in html  # what was typed stays
    assert _count(Exhibitor) == 0 and _count(Attendee) == _count_people_before(event)
    resp = client.post("/exhibitors/register", data={**data, "consent": ""})
    assert resp.status_code == 400 and _count(Exhibitor) == 0


def _count_people_before(event) -> int:
    return db.session.scalar(select(func.count()).select_from(Attendee).where(Attendee.event_id == event.id))


def test_registration_keeps_time_and_version_of_the_notice(client, event):
    update_settings(event, {"privacy_notice": "Thông báo riêng của sự kiện.\n\nĐoạn hai."}, actor="test")
    db.session.commit()
    assert event.privacy_notice_version == 2
    html = client.get("/exhibitors/register").get_data(as_text=True)
    assert "<p>Thông báo riêng của sự kiện.</p><p>Đoạn hai.</p>" in html
    assert 'data-notice-version="2"' in html
    resp = client.post("/exhibitors/register", data=form(district_of(event).id))
    assert resp.status_code == 302
    ex = db.session.scalars(select(Exhibitor)).one()
    assert ex.consent_at is not None and ex.consent_version == 2


def test_nomination_needs_consent_and_keeps_it(client, event):
    s = setup_districts(event)
    before = _count(Attendee)
    page = client.get(f"/d/{s.token_a}").get_data(as_text=True)
    assert "Người được đề cử đã được thông báo" in page and "90 ngày sau ngày hội nghị" in page
    data = nomination(s.guests.id)
    del data["consent"]
    resp = client.post(f"/d/{s.token_a}/nominations", data=data)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'data-error-for="consent"' in html and "Vui lòng đánh dấu ô đồng ý" in html
    assert 'value="Phạm Thị Hồng Nhung"' in html
    assert _count(Attendee) == before
    # a bad field and no consent: both said at once, still nothing stored
    resp = client.post(f"/d/{s.token_a}/nominations", data={**data, "phone": "abc"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'data-error-for="consent"' in html and 'data-error-for="phone"' in html
    assert _count(Attendee) == before
    resp = client.post(f"/d/{s.token_a}/nominations", data=nomination(s.guests.id))
    assert resp.status_code == 302
    person = db.session.scalars(select(Attendee).where(Attendee.nominated_by_id == s.a.id)).one()
    assert person.consent_at is not None and person.consent_version == event.privacy_notice_version == 1


def test_nomination_form_in_english(client, event):
    s = setup_districts(event)
    page = client.get(f"/d/{s.token_a}?lang=en").get_data(as_text=True)
    assert "The nominee has been told" in page and "90 days after the conference" in page


def test_version_rises_only_when_the_text_shown_changes(app, event):
    ev = db.session.get(Event, event.id)
    assert ev.privacy_notice_version == 1
    update_settings(ev, {"letter_number": "45/GM-SNNMT"}, actor="test")  # not in the notice
    assert ev.privacy_notice_version == 1
    update_settings(ev, {"issuing_body": "SỞ CÔNG THƯƠNG"}, actor="test")  # the default quotes it
    assert ev.privacy_notice_version == 2 and "SỞ CÔNG THƯƠNG" in notice_text(ev)
    update_settings(ev, {"privacy_notice_en": "Our own English notice."}, actor="test")
    assert ev.privacy_notice_version == 3
    assert notice_text(ev, "en") == "Our own English notice." and notice_text(ev, "vi") == default_notice(ev)
    update_settings(ev, {"privacy_notice_en": "Our own English notice.\r\n"}, actor="test")  # same text
    assert ev.privacy_notice_version == 3
    db.session.commit()
    kept = db.session.scalars(select(AuditLog).where(AuditLog.action == "privacy_notice").order_by(AuditLog.id)).all()
    assert [a.detail["version"] for a in kept] == [2, 3]
    assert kept[-1].detail["text_en"] == "Our own English notice." and "SỞ CÔNG THƯƠNG" in kept[-1].detail["text"]


def test_notice_edited_on_the_settings_page(client, auth, event):
    auth.as_role("admin")
    page = client.get("/admin/event").get_data(as_text=True)
    assert 'name="privacy_notice"' in page and 'name="privacy_contact"' in page and "Phiên bản hiện tại: 1" in page
    values = {
        "name": event.name,
        "date": event.date.isoformat(),
        "planned_seats": "250",
        "timezone": "Asia/Ho_Chi_Minh",
        "stage_capacity": "10",
        "unit_level": event.unit_level,
        "unit_label": event.unit_label,
        "retention_days": "90",
        "privacy_contact": "Chị Lan, 0905 000 111",
        "privacy_notice": "",
    }
    resp = client.post("/admin/event", data=values)
    assert resp.status_code == 302
    ev = db.session.get(Event, event.id)
    assert ev.privacy_contact == "Chị Lan, 0905 000 111" and ev.privacy_notice_version == 2
    assert "Chị Lan, 0905 000 111" in client.get("/exhibitors/register").get_data(as_text=True)
    resp = client.post("/admin/event", data={**values, "privacy_notice": "x" * 8001})
    assert resp.status_code == 400 and db.session.get(Event, event.id).privacy_notice == ""


def test_a_closed_form_says_closed_not_consent(client, event):
    from datetime import timedelta

    from models.core.timeutil import utcnow

    s = setup_districts(event, deadline=utcnow() - timedelta(hours=1))
    data = nomination(s.guests.id)
    del data["consent"]
    assert client.post(f"/d/{s.token_a}/nominations", data=data).status_code == 403
