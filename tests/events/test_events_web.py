"""/admin/events (issue 13): the list, "make current" (POST with CSRF), the create form (the
same domain function as `new-event`); the DEMO mark on page headers, the stage, badges and
letters; friendly pages with no current event and with a fresh template event."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date

import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from models.accounts.models import AuditLog
from models.core.base import db
from models.events.models import Event, Group
from models.events.service import current_event
from models.guests.models import Attendee
from models.services.event_setup import new_event
from tests import factories

PAGES = [
    "/admin/",
    "/desk/",
    "/mc/",
    "/stage/",
    "/admin/attendees",
    "/admin/seats",
    "/admin/seats/map",
    "/admin/badges",
    "/admin/awards",
    "/admin/exhibitors",
    "/admin/exhibitors/districts",
    "/admin/districts",
    "/admin/reports",
    "/desk/walk-in",
    "/admin/attendees/import",
    "/",
]


def n_events() -> int:
    return db.session.scalar(select(func.count(Event.id)))


def test_list_create_and_make_current(client, auth):
    auth.as_role("admin")
    html = client.get("/admin/events").get_data(as_text=True)
    assert "Chưa có sự kiện nào" in html and 'href="/admin/events"' in html
    assert 'value="ocop-review"' in html
    r = client.post(
        "/admin/events",
        data={
            "name": "Hội nghị OCOP 2026",
            "date": "2026-05-21",
            "venue": "Nha Trang",
            "template": "ocop-review",
            "allow_past": "y",
        },
    )
    assert r.status_code == 302
    first = current_event()
    assert first.slug == "hoi-nghi-ocop-2026" and len(first.groups) == 12
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "new_event")).actor == "user:admin-user"
    factories.make_event(people=3, slug="khac")
    html = client.get("/admin/events").get_data(as_text=True)
    row = re.search(r'<tr data-event="khac"[^>]*>', html).group(0)
    assert 'data-current="1"' in row and html.count('data-current="1"') == 1
    assert f"/admin/events/{first.id}/current" in html
    r = client.post(f"/admin/events/{first.id}/current", follow_redirects=True)
    assert "Sự kiện hiện tại: Hội nghị OCOP 2026" in r.get_data(as_text=True)
    assert current_event().id == first.id
    # copying an earlier event with its guests through the form
    r = client.post(
        "/admin/events",
        data={
            "name": "Hội nghị 2027",
            "date": "2027-05-20",
            "venue": "Nha Trang",
            "from_event": "khac",
            "with_guests": "y",
        },
    )
    assert r.status_code == 302
    ev = current_event()
    assert ev.slug == "hoi-nghi-2027" and len(factories.attendees(ev)) == 3


def test_bad_form_input_says_why_and_writes_nothing(client, auth):
    auth.as_role("admin")
    factories.make_event(slug="cu")
    before = n_events(), db.session.scalar(select(func.count(Group.id)))
    cases = [
        ({"name": "", "date": "2026-05-21", "venue": "Nha Trang"}, "Vui lòng nhập tên sự kiện."),
        ({"name": "X", "date": "21/05/2026", "venue": "Nha Trang"}, "ngày tổ chức"),
        ({"name": "X", "date": "2026-05-21", "venue": ""}, "Vui lòng nhập địa điểm."),
        ({"name": "X", "date": "2026-05-21", "venue": "N", "template": "hoi-cho"}, "Không có mẫu"),
        ({"name": "X", "date": "2026-05-21", "venue": "N", "from_event": "nope"}, "Không có sự kiện"),
        ({"name": "X", "date": "2026-05-21", "venue": "N", "with_guests": "y"}, "danh sách khách mời"),
        (
            {
                "name": "<script>x</script>",
                "date": "2026-05-21",
                "venue": "N",
                "template": "ocop-review",
                "from_event": "cu",
            },
            "không chọn cả hai",
        ),
    ]
    for data, message in cases:
        r = client.post("/admin/events", data=data)
        html = r.get_data(as_text=True)
        assert r.status_code == 400 and message in html, (data, html[-800:])
        assert "<script>x" not in html
    assert (n_events(), db.session.scalar(select(func.count(Group.id)))) == before
    assert client.post("/admin/events/999/current", follow_redirects=True).status_code == 200
    assert current_event().slug == "cu"


def test_make_current_and_create_need_csrf(csrf_app):
    client = csrf_app.test_client()
    factories.make_user("ad", "admin")
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "ad", "password": "secret-pass-123", "csrf_token": token})
    old = factories.make_event(slug="a")
    factories.make_event(slug="b")
    assert client.post(f"/admin/events/{old.id}/current").status_code == 400
    assert (
        client.post(
            "/admin/events", data={"name": "X", "date": "2026-05-21", "venue": "N", "allow_past": "y"}
        ).status_code
        == 400
    )
    assert current_event().slug == "b" and n_events() == 2
    html = client.get("/admin/events").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    r = client.post(f"/admin/events/{old.id}/current", data={"csrf_token": token})
    assert r.status_code == 302 and current_event().slug == "a"


def test_demo_mark_on_pages_and_stage(client, auth, app):
    from models.demo.load import load_demo

    auth.as_role("admin")
    load_demo(with_users=False)
    for url in ("/admin/", "/desk/", "/admin/attendees", "/admin/events", "/mc/", "/stage/"):
        html = client.get(url).get_data(as_text=True)
        assert re.search(r'data-demo="1"[^>]*>DEMO<', html), url
    new_event(name="Hội nghị thật", date=date(2026, 5, 21), venue="Nha Trang", template="ocop-review", allow_past=True)
    db.session.commit()
    for url in ("/admin/", "/desk/", "/mc/", "/stage/", "/admin/events"):
        html = client.get(url).get_data(as_text=True)
        assert 'data-demo="1"' not in html, url
    assert ">DEMO<" in client.get("/admin/events").get_data(as_text=True)  # the demo's row


def _pdf_text(pdf: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def _qr_texts(pdf: bytes, tmp_path) -> list[str]:
    src = tmp_path / "x.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(src), str(tmp_path / "q")], check=True)
    out = []
    for p in sorted(tmp_path.glob("q-*.png")):
        out += [r.text for r in zxingcpp.read_barcodes(Image.open(p), formats=zxingcpp.BarcodeFormat.QRCode)]
        p.unlink()
    return out


def test_demo_badges_and_letters_print_demo(app, tmp_path):
    from models.districts.invitations import letter_data, render_letters
    from models.guests.badge_pdf import badge_cards, render_badges

    ev = factories.make_event(people=2)
    for layout in ("a6", "a4"):
        assert "DEMO" not in _pdf_text(render_badges(badge_cards(ev), layout))
    ev.is_demo = True
    db.session.commit()
    cards = badge_cards(ev)
    codes = {c.code for c in cards}
    for layout in ("a6", "a4"):
        pdf = render_badges(cards, layout)
        assert _pdf_text(pdf).count("DEMO") == 2
        assert set(_qr_texts(pdf, tmp_path)) == codes  # the mark leaves the QR readable
    letters = letter_data(ev, ev.districts[0]) or []
    if not letters:  # the test event's people are not a district delegation: make one letter
        from models.districts.invitations import Letter

        a = factories.attendees(ev)[0]
        letters = [
            Letter(
                a.id,
                a.honorific,
                a.full_name,
                a.position,
                a.organisation,
                "A-01-01",
                a.current_badge.code,
                ev.districts[0].name,
            )
        ]
    pdf = render_letters(ev, letters, date(2025, 5, 1))
    assert _pdf_text(pdf).count("DEMO · dữ liệu mẫu") == len(letters)  # and a faint one across each page
    assert set(_qr_texts(pdf, tmp_path)) == {lt.code for lt in letters}


def test_pages_without_a_current_event_are_friendly(client, auth):
    auth.as_role("admin")
    for url in PAGES:
        r = client.get(url)
        html = r.get_data(as_text=True)
        assert r.status_code in (200, 404), (url, r.status_code)
        assert "Chưa có sự kiện" in html or url == "/", (url, html[:300])
    assert 'href="/admin/events"' in client.get("/desk/").get_data(as_text=True)
    # an API answer stays JSON
    r = client.get("/mc/state.json", headers={"Accept": "application/json"})
    assert r.status_code < 500


def _every_page(app) -> list[str]:
    """Every GET route without arguments (the whole admin, desk, MC and stage surface)."""
    return sorted(
        r.rule
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and not r.arguments and not r.rule.startswith("/static")
    )


def test_no_route_fails_without_an_event_or_with_a_fresh_one(app, client, auth):
    auth.as_role("admin")
    pages = _every_page(app)
    assert len(pages) > 30
    for url in pages:
        assert client.get(url).status_code < 500, url
    new_event(name="Hội nghị", date=date(2026, 5, 21), venue="Nha Trang", template="ocop-review", allow_past=True)
    db.session.commit()
    for url in pages:
        assert client.get(url).status_code < 500, url


def test_pages_of_a_fresh_template_event(client, auth):
    auth.as_role("admin")
    new_event(
        name="Hội nghị tổng kết OCOP năm 2025",
        date=date(2026, 5, 21),
        venue="Nha Trang",
        template="ocop-review",
        allow_past=True,
    )
    db.session.commit()
    for url in PAGES:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:400])
        assert "Chưa có sự kiện" not in r.get_data(as_text=True), url
    assert db.session.scalar(select(func.count(Attendee.id))) == 0
