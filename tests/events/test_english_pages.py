"""Issue 21 item 9: English pages say "Delegates" and use the event's English group names and
its English word for a unit (unit_label_en, else the English of a known Vietnamese label)."""

from __future__ import annotations

from models.core.base import db
from models.events.models import Group


def test_english_pages_use_the_events_english_names(client, auth, event):
    auth.as_role("admin")
    leaders = db.session.query(Group).filter_by(event_id=event.id, code="leaders").one()
    leaders.name_en = "Provincial leaders"
    db.session.commit()
    html = client.get("/admin/attendees?lang=en").get_data(as_text=True)
    assert "Provincial leaders" in html and "Lãnh đạo" not in html
    assert ">Delegates<" in html and "Guest" not in html
    assert ">District<" in html and ">Huyện<" not in html  # the nav's unit link
    vi = client.get("/admin/attendees?lang=vi").get_data(as_text=True)
    assert "Lãnh đạo" in vi and "Provincial leaders" not in vi and ">Huyện<" in vi


def test_unit_label_in_english_follows_the_event(client, auth, event):
    auth.as_role("admin")
    event.unit_label = "Xã/phường"
    db.session.commit()
    assert ">Commune/ward<" in client.get("/admin/attendees?lang=en").get_data(as_text=True)
    event.unit_label, event.unit_label_en = "Đặc khu", "Special zone"
    db.session.commit()
    assert ">Special zone<" in client.get("/admin/attendees?lang=en").get_data(as_text=True)
    event.unit_label_en = ""
    db.session.commit()
    assert ">Unit<" in client.get("/admin/attendees?lang=en").get_data(as_text=True)
