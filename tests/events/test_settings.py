"""/admin/event: the event's settings, the badge logo (checked, re-encoded) and the badge
showing the logo and the parent/issuing bodies."""

from __future__ import annotations

import io
import re
from datetime import date, time

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from models.accounts.models import AuditLog
from models.core.base import db
from models.events.models import Event
from models.events.settings import LogoError, check_logo
from models.guests.badge_pdf import prepare_badges, render_badges
from models.guests.models import Attendee
from tests import factories
from tests.events.settings_helpers import logo_bytes
from tests.guests.test_badges import check_qr, rasterise

GOOD = {
    "name": "Hội nghị tổng kết Chương trình OCOP năm 2024",
    "short_name": "OCOP 2024",
    "date": "2025-05-22",
    "start_time": "07:30",
    "venue": "Khách sạn Sheraton Nha Trang",
    "address": "26-28 Trần Phú, Nha Trang",
    "planned_seats": "250",
    "retention_days": "90",
    "timezone": "Asia/Ho_Chi_Minh",
    "stage_capacity": "10",
    "parent_body": "UBND TỈNH KHÁNH HÒA",
    "issuing_body": "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
    "unit_level": "xã, phường, đặc khu",
    "unit_label": "Xã/phường",
    "letter_number": "45/GM-SNNMT",
    "letter_place": "Khánh Hòa",
    "letter_date": "",
    "signer_authority": "KT. GIÁM ĐỐC",
    "signer_title": "PHÓ GIÁM ĐỐC",
    "signer_name": "Nguyễn Văn Bình",
    "letter_recipients": "Như trên;\nLưu: VT, KHTC.",
}


def post(client, data, **files):
    payload = {**data, **{k: (io.BytesIO(v), n) for k, (v, n) in files.items()}}
    return client.post("/admin/event", data=payload, content_type="multipart/form-data")


def test_settings_need_admin(client, auth, event):
    assert client.get("/admin/event").status_code == 302
    auth.as_role("desk")
    assert client.get("/admin/event").status_code == 403
    assert client.post("/admin/event", data=GOOD).status_code == 403
    assert db.session.get(Event, event.id).name != GOOD["name"]


def test_settings_saved_and_audited(client, auth, event):
    auth.as_role("admin")
    page = client.get("/admin/event").get_data(as_text=True)
    assert event.name in page and 'name="parent_body"' in page
    resp = post(client, GOOD)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    ev = db.session.get(Event, event.id)
    assert (ev.name, ev.short_name, ev.date, ev.start_time) == (
        GOOD["name"],
        "OCOP 2024",
        date(2025, 5, 22),
        time(7, 30),
    )
    assert (ev.parent_body, ev.issuing_body) == ("UBND TỈNH KHÁNH HÒA", "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG")
    assert (ev.unit_level, ev.unit_label, ev.planned_seats) == ("xã, phường, đặc khu", "Xã/phường", 250)
    assert ev.letter_date is None and ev.letter_number == "45/GM-SNNMT"
    assert ev.letter_recipients == "Như trên;\nLưu: VT, KHTC."
    row = db.session.scalars(select(AuditLog).where(AuditLog.action == "event_settings")).one()
    assert row.entity_id == ev.id and row.actor == "user:admin-user"
    assert row.detail["changed"]["venue"] == ["Nha Trang", "Khách sạn Sheraton Nha Trang"]
    # the form shows what was saved
    page = client.get("/admin/event").get_data(as_text=True)
    assert 'value="SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"' in page and 'value="2025-05-22"' in page
    # saving the same again changes nothing and logs nothing
    post(client, GOOD)
    assert db.session.scalar(select(db.func.count(AuditLog.id)).where(AuditLog.action == "event_settings")) == 1


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", "", "Không được để trống."),
        ("date", "22/05/2025x", "Ngày không hợp lệ, ví dụ 2025-05-22."),
        ("date", "", "Vui lòng nhập ngày"),
        ("start_time", "25:99", "Giờ không hợp lệ, ví dụ 07:30."),
        ("planned_seats", "0", "Số ghế từ 1 đến 100000."),
        ("planned_seats", "abc", "Phải là số nguyên."),
        ("timezone", "Mars/Olympus", "Múi giờ không hợp lệ"),
        ("stage_capacity", "500", "Từ 1 đến 200 người."),
        ("unit_label", "", "Không được để trống."),
        ("parent_body", "X" * 201, "Quá dài"),
        ("letter_date", "2025-13-40", "Ngày không hợp lệ, ví dụ 2025-05-22."),
    ],
)
def test_bad_settings_refused_and_nothing_changed(client, auth, event, field, value, message):
    auth.as_role("admin")
    before = db.session.get(Event, event.id).name
    resp = post(client, {**GOOD, field: value})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Chưa lưu: vui lòng sửa các ô có lỗi." in page
    assert message in page and "Not a valid" not in page
    db.session.expire_all()
    assert db.session.get(Event, event.id).name == before
    assert db.session.scalar(select(db.func.count(AuditLog.id)).where(AuditLog.action == "event_settings")) == 0


def test_user_text_is_escaped(client, auth, event):
    auth.as_role("admin")
    post(client, {**GOOD, "short_name": "<script>alert(1)</script>"})
    page = client.get("/admin/event").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_settings_form_needs_csrf(csrf_app):
    client = csrf_app.test_client()
    ev = factories.make_event()
    factories.make_user("adm", "admin")
    page = client.get("/login").get_data(as_text=True)  # login needs a token too
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post("/login", data={"username": "adm", "password": "secret-pass-123", "csrf_token": token}).status_code
        == 302
    )
    resp = client.post("/admin/event", data=GOOD)
    assert resp.status_code == 400
    db.session.expire_all()
    assert db.session.get(Event, ev.id).name != GOOD["name"]


def test_logo_png_and_jpeg_stored_as_png_and_shown(client, auth, event):
    auth.as_role("admin")
    assert client.get("/admin/event/logo.png").status_code == 404
    resp = post(client, GOOD, logo=(logo_bytes("JPEG"), "logo.jpg"))
    assert resp.status_code == 302
    db.session.expire_all()
    ev = db.session.get(Event, event.id)
    assert ev.logo.startswith(b"\x89PNG") and ev.logo_mime == "image/png"
    got = client.get("/admin/event/logo.png")
    assert got.status_code == 200 and got.mimetype == "image/png"
    assert Image.open(io.BytesIO(got.data)).size == (400, 300)
    assert "data-logo" in client.get("/admin/event").get_data(as_text=True)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "event_logo")).detail["removed"] is False
    # removed on request
    post(client, {**GOOD, "remove_logo": "y"})
    db.session.expire_all()
    assert db.session.get(Event, event.id).logo is None
    assert client.get("/admin/event/logo.png").status_code == 404


def _gif() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(buf, "GIF")
    return buf.getvalue()


@pytest.mark.parametrize(
    "data,message",
    [
        (b"<html>not an image</html>", "Logo phải là ảnh PNG hoặc JPEG."),
        (_gif(), "Logo phải là ảnh PNG hoặc JPEG."),
        (logo_bytes("PNG")[:200], "Không đọc được ảnh logo"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "Không đọc được ảnh logo"),
        (logo_bytes("PNG", (2400, 100)), "tối đa 2000 × 2000 điểm ảnh"),
        (b"\xff\xd8\xff" + b"x" * (2 * 1024 * 1024 + 10), "Logo quá lớn: tối đa 2 MB."),
    ],
)
def test_bad_logo_refused_and_nothing_changed(client, auth, event, data, message):
    auth.as_role("admin")
    resp = post(client, GOOD, logo=(data, "logo.png"))
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    db.session.expire_all()
    ev = db.session.get(Event, event.id)
    assert ev.logo is None and ev.name != GOOD["name"]


def test_check_logo_keeps_transparency_and_refuses_empty():
    buf = io.BytesIO()
    Image.new("RGBA", (50, 40), (255, 0, 0, 0)).save(buf, "PNG")
    out = Image.open(io.BytesIO(check_logo(buf.getvalue())))
    assert out.mode == "RGBA" and out.getpixel((0, 0))[3] == 0
    with pytest.raises(LogoError, match="rỗng"):
        check_logo(b"")


def test_badge_shows_logo_and_bodies_and_the_qr_still_reads(app, tmp_path):
    ev = factories.make_event(people=2)
    ev.logo = check_logo(logo_bytes("PNG", (600, 300)))
    ev.parent_body, ev.issuing_body = "UBND TỈNH KHÁNH HÒA", "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
    db.session.commit()
    cards = prepare_badges(ev)
    pdf = render_badges(cards, "a6")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = " ".join(page.extract_text().split())
    assert "UBND TỈNH KHÁNH HÒA" in text and "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG" in text
    images = page.images
    assert len(images) == 2  # the QR and the logo
    img = rasterise(pdf, tmp_path)[0]
    # the logo's red is at the top left of the card, inside the safe margin
    rgb = rasterise_rgb(pdf, tmp_path)
    h, w, _ = rgb.shape
    top = rgb[: int(h * 0.12), : int(w * 0.4)]
    red = (top[..., 0] > 150) & (top[..., 1] < 80) & (top[..., 2] < 80)
    assert red.sum() > 100
    assert not ((rgb[int(h * 0.5) :, :, 0] > 150) & (rgb[int(h * 0.5) :, :, 1] < 80)).any()  # no logo near the QR
    found = zxingcpp.read_barcodes(Image.fromarray(img), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [f.text for f in found] == [cards[0].code]
    check_qr(img, found[0])
    # without a logo and bodies the card is as before: one image, no bodies text
    ev.logo, ev.parent_body, ev.issuing_body = None, "", ""
    db.session.commit()
    page = PdfReader(io.BytesIO(render_badges(prepare_badges(ev), "a6"))).pages[0]
    assert len(page.images) == 1 and "UBND" not in page.extract_text()


def rasterise_rgb(pdf: bytes, tmp_path):
    import subprocess

    import numpy as np

    src = tmp_path / "c.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", str(src), str(tmp_path / "c")], check=True)
    return np.asarray(Image.open(sorted(tmp_path.glob("c-*.png"))[0]).convert("RGB"))


def test_settings_page_in_english(client, auth, event):
    auth.as_role("admin")
    page = client.get("/admin/event?lang=en").get_data(as_text=True)
    assert "Event settings" in page and "Parent body" in page and "Badge logo" in page
    assert "Cơ quan chủ quản" not in page


def test_timezone_change_reaches_the_checkin_path(client, auth, event):
    from models.checkin.checkin import check_in
    from models.core import caches

    auth.as_role("admin")
    person = db.session.scalars(select(Attendee).where(Attendee.event_id == event.id)).first()
    check_in(event_id=event.id, attendee_id=person.id, station="Bàn", method="manual", scan_id="tz-1")
    db.session.commit()
    assert caches.event_info[event.id][1] == "Asia/Ho_Chi_Minh"
    assert post(client, {**GOOD, "timezone": "Asia/Bangkok"}).status_code == 302
    assert event.id not in caches.event_info
