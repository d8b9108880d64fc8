"""The admin pages (import with preview, seat plan, seat map, badges, exports) and the desk's
walk-in, reissue and reprint, through the Flask test client."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from models.accounts.models import AuditLog
from models.checkin.models import CheckIn
from models.core.base import db
from models.guests.models import Attendee
from models.hall.models import Block, Seat
from tests import factories
from tests.guests.helpers import HEADER, xlsx


def count(ev) -> int:
    return db.session.scalar(select(func.count(Attendee.id)).where(Attendee.event_id == ev.id))


def upload(client, data: bytes, name: str, **extra):
    return client.post(
        "/admin/attendees/import", data={"file": (io.BytesIO(data), name), **extra}, content_type="multipart/form-data"
    )


def test_pages_need_admin(client, auth, event):
    assert client.get("/admin/attendees").status_code == 302
    auth.as_role("desk")
    for url in ("/admin/attendees", "/admin/seats", "/admin/badges", "/admin/attendees/export.xlsx"):
        assert client.get(url).status_code == 403


def test_import_preview_then_confirm(client, auth, event):
    auth.as_role("admin")
    rows = [
        HEADER,
        ["1", "PHẠM thị <b>lan</b>", "Chuyên viên", "Sở A", "Khách mời", "0905111222"],
        ["2", "", "x", "y", "Khách mời", ""],
    ]
    before = count(event)
    resp = upload(client, xlsx(rows), "ds.xlsx")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-good="1"' in page and 'data-bad="1"' in page
    assert "Thiếu họ tên" in page and "&lt;b&gt;" in page and "<b>lan" not in page  # escaped
    assert count(event) == before  # the preview writes nothing
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    resp = client.post("/admin/attendees/import/confirm", data={"token": token, "fix_caps": "y"})
    assert resp.status_code == 302
    assert count(event) == before + 1
    assert db.session.scalar(select(Attendee).where(Attendee.full_name == "Phạm Thị <B>lan</B>")) is None
    assert db.session.scalar(select(Attendee).where(Attendee.source == "import")).full_name == "Phạm Thị <b>lan</b>"
    # the token is single use
    resp = client.post("/admin/attendees/import/confirm", data={"token": token}, follow_redirects=True)
    assert "hết hạn" in resp.get_data(as_text=True) and count(event) == before + 1


def test_import_bad_files_give_messages(client, auth, event):
    auth.as_role("admin")
    before = count(event)
    resp = upload(client, b"<html><body>Danh sach</body></html>", "ds.xlsx")
    assert resp.status_code == 400 and "không phải là tệp Excel" in resp.get_data(as_text=True)
    resp = client.post("/admin/attendees/import", data={}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "Chưa chọn tệp" in resp.get_data(as_text=True)
    assert count(event) == before


def test_fifty_megabyte_upload_gets_a_vietnamese_message(csrf_app, event):
    client = csrf_app.test_client()
    factories.make_user("big-admin", "admin")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "big-admin", "password": "secret-pass-123", "csrf_token": token})
    resp = client.post(
        "/admin/attendees/import",
        data={"csrf_token": token, "file": (io.BytesIO(b"x" * (50 * 1024 * 1024)), "big.xlsx")},
        content_type="multipart/form-data",
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 413 and "Tệp quá lớn: tối đa 20 MB" in page
    assert client.get("/admin/attendees").status_code == 200  # still responsive


def test_template_and_exports(client, auth, event):
    auth.as_role("admin")
    people = factories.attendees(event)
    people[0].organisation = '=HYPERLINK("http://evil","x")'
    people[1].position = "@SUM(1+1)"
    db.session.commit()
    from models.checkin.checkin import check_in

    check_in(event_id=event.id, attendee_id=people[2].id, scan_id="t-1", station="Cửa", method="manual")
    wb = load_workbook(io.BytesIO(client.get("/admin/attendees/template.xlsx").data))
    assert [c.value for c in wb.active[1]][:4] == ["STT", "Mã", "Danh xưng", "Họ và tên"]
    wb = load_workbook(io.BytesIO(client.get("/admin/attendees/export.xlsx").data))
    ws = wb["Tất cả đại biểu"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["STT", "Danh xưng", "Họ và tên"] and "Ghế" in header and "Giờ đến" in header
    cells = {c.value: c for row in ws.iter_rows(min_row=2) for c in row}
    assert cells['=HYPERLINK("http://evil","x")'].data_type == "s"  # text, not a formula
    assert cells["@SUM(1+1)"].data_type == "s"
    arrived = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[2] == people[2].full_name][0]
    assert arrived[header.index("Trạng thái")] == "Đã đến" and arrived[header.index("Giờ đến")]
    assert arrived[header.index("Ghế")] == people[2].seat.label
    assert {"Lãnh đạo", "Khách mời", "Tổng hợp"} <= set(wb.sheetnames)
    wb = load_workbook(io.BytesIO(client.get("/admin/attendees/no-shows.xlsx").data))
    names = [r[2] for r in wb.active.iter_rows(min_row=2, values_only=True)]
    assert len(names) == 5 and people[2].full_name not in names


def test_seat_plan_editor_assign_and_moves(client, auth, event):
    auth.as_role("admin")
    page = client.get("/admin/seats").get_data(as_text=True)
    assert "<svg" in page and 'data-seat="A-01-01"' in page
    # add a block reserved for the guests, 2 x 3
    guests = [g for g in event.groups if g.code == "guests"][0]
    resp = client.post(
        "/admin/seats/blocks",
        data={
            "new-code": "d",
            "new-name": "Khu D",
            "new-rows": "2",
            "new-seats_per_row": "3",
            "new-x": "12",
            "new-y": "2",
            "new-side": "right",
            "new-aisle": "first",
            "new-groups": [str(guests.id)],
        },
    )
    assert resp.status_code == 302
    block = db.session.scalar(select(Block).where(Block.code == "D"))
    assert block is not None and len(block.seats) == 6 and [g.id for g in block.groups] == [guests.id]
    # bad input: a message, nothing written
    resp = client.post(
        "/admin/seats/blocks",
        data={
            "new-code": "Ư!",
            "new-rows": "0",
            "new-seats_per_row": "3",
            "new-x": "0",
            "new-y": "2",
            "new-side": "left",
            "new-aisle": "both",
        },
        follow_redirects=True,
    )
    assert "Mã khu" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Block.id))) == 2
    # a new seatless guest goes to block D on assign
    a = Attendee(event_id=event.id, full_name="Khách Mới", group_id=guests.id)
    a.refresh_keys()
    db.session.add(a)
    db.session.commit()
    assert client.post("/admin/seats/assign").status_code == 302
    db.session.refresh(a)
    assert a.seat.block.code == "D"
    # shrink block D to 1 x 1: whoever sat elsewhere loses the seat
    client.post(
        f"/admin/seats/blocks/{block.id}",
        data={
            f"b{block.id}-code": "D",
            f"b{block.id}-rows": "1",
            f"b{block.id}-seats_per_row": "1",
            f"b{block.id}-x": "12",
            f"b{block.id}-y": "2",
            f"b{block.id}-side": "right",
            f"b{block.id}-aisle": "first",
        },
    )
    assert db.session.scalar(select(func.count(Seat.id)).where(Seat.block_id == block.id)) == 1
    # manual move: conflict, then swap
    p0, p1 = factories.attendees(event)[:2]
    s0, s1 = p0.seat.label, p1.seat.label
    resp = client.post(f"/admin/attendees/{p0.id}/seat", data={"seat": s1}, follow_redirects=True)
    assert "đã có người ngồi" in resp.get_data(as_text=True)
    client.post(f"/admin/attendees/{p0.id}/seat", data={"seat": s1, "swap": "y"})
    db.session.expire_all()
    assert (db.session.get(Attendee, p0.id).seat.label, db.session.get(Attendee, p1.id).seat.label) == (s1, s0)
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "move_seat")) == 2
    # lock a seat
    client.post("/admin/seats/lock", data={"seat": s1, "disabled": "y"})
    assert db.session.scalar(select(Seat).where(Seat.label == s1)).disabled


def test_seat_map_svg_and_pdf(client, auth, event):
    auth.as_role("admin")
    people = factories.attendees(event)
    people[0].set_name("<script>alert(1)</script>")
    db.session.commit()
    svg = client.get("/admin/seats/map.svg?mode=arrival")
    assert svg.mimetype == "image/svg+xml" and b"<script>" not in svg.data and b"&lt;script&gt;" in svg.data
    page = client.get("/admin/seats/map?mode=group").get_data(as_text=True)
    assert f'fill="{people[0].group.color}"' in page
    pdf = client.get("/admin/seats/map.pdf")
    assert pdf.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "SÂN KHẤU" in text and "Lãnh đạo" in text


def test_badges_from_admin_one_group_everyone(client, auth, event):
    auth.as_role("admin")
    assert "In thẻ đại biểu" in client.get("/admin/badges").get_data(as_text=True)
    one = factories.attendees(event)[3]
    resp = client.post("/admin/badges/pdf", data={"layout": "a6", "attendee": str(one.id)})
    assert resp.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(resp.data)).pages
    assert len(pages) == 1 and one.full_name in pages[0].extract_text()
    guests = [g for g in event.groups if g.code == "guests"][0]
    resp = client.post("/admin/badges/pdf", data={"layout": "a4", "group": str(guests.id)})
    assert len(PdfReader(io.BytesIO(resp.data)).pages) == 2  # 5 guests on A4 sheets of four
    resp = client.post("/admin/badges/pdf", data={"layout": "a6"})
    assert len(PdfReader(io.BytesIO(resp.data)).pages) == 6
    resp = client.post("/admin/badges/pdf", data={"layout": "a5"})
    assert resp.status_code == 302


def test_desk_walk_in_flow(client, auth, event):
    auth.as_role("desk")
    guests = [g for g in event.groups if g.code == "guests"][0]
    assert "Đăng ký tại chỗ" in client.get("/desk/").get_data(as_text=True)
    resp = client.post(
        "/desk/walk-in",
        data={
            "honorific": "Bà",
            "full_name": "  đoàn thị  Mỹ  ",
            "organisation": "Báo Nhân Dân",
            "group": str(guests.id),
            "phone": "0905 000 111",
        },
    )
    assert resp.status_code == 302
    person = db.session.scalar(select(Attendee).where(Attendee.is_walk_in.is_(True)))
    assert person.full_name == "Đoàn Thị Mỹ" and person.source == "desk" and person.seat is not None
    assert person.checked_in_at is not None and person.current_badge is not None
    assert db.session.scalar(select(CheckIn.method).where(CheckIn.attendee_id == person.id)) == "manual"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert person.seat.label in page and f"/desk/badge/{person.id}.pdf" in page
    pdf = client.get(f"/desk/badge/{person.id}.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Đoàn Thị Mỹ" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    # bad input: a message, nothing written
    n = count(event)
    resp = client.post("/desk/walk-in", data={"full_name": "", "group": "999"}, follow_redirects=True)
    assert "Vui lòng nhập họ tên" in resp.get_data(as_text=True)
    resp = client.post("/desk/walk-in", data={"full_name": "Ai Đó", "group": "999"}, follow_redirects=True)
    assert "Thành phần không hợp lệ" in resp.get_data(as_text=True)
    # a message the form does not spell out itself (WTForms' own) is Vietnamese too
    resp = client.post(
        "/desk/walk-in", data={"honorific": "ông", "full_name": "Ai Đó", "group": str(guests.id)}, follow_redirects=True
    )
    text = resp.get_data(as_text=True)
    assert "Lựa chọn không hợp lệ" in text and "Not a valid choice" not in text
    assert count(event) == n


def test_desk_reissue_and_reprint(client, auth, event):
    auth.as_role("desk")
    person = factories.attendees(event)[1]
    old = person.current_badge.code
    resp = client.post(f"/desk/badge/{person.id}/reissue", data={"reason": ""}, follow_redirects=True)
    assert "lý do" in resp.get_data(as_text=True).lower()
    assert db.session.get(Attendee, person.id).current_badge.code == old
    client.post(f"/desk/badge/{person.id}/reissue", data={"reason": "mất thẻ"})
    db.session.expire_all()
    person = db.session.get(Attendee, person.id)
    assert person.current_badge.code != old and person.current_badge.serial == 2
    from models.checkin.checkin import check_in

    assert check_in(event_id=event.id, code=old, scan_id="s-old", station="Cửa").outcome == "revoked"
    page = client.get(f"/desk/badge/{person.id}").get_data(as_text=True)
    assert "Thẻ lần 2" in page
    assert client.get("/desk/badge/999999").status_code == 404


def test_cli_assign_export_and_seat_map(app, runner, event, tmp_path):
    extra = Attendee(event_id=event.id, full_name="Người Đến Sau", group_id=event.groups[1].id)
    extra.refresh_keys()
    db.session.add(extra)
    db.session.commit()
    res = runner.invoke(args=["assign-seats"])
    assert res.exit_code == 0 and "Đã xếp 1 ghế" in res.output
    assert db.session.get(Attendee, extra.id).seat is not None
    out = tmp_path / "ds.xlsx"
    res = runner.invoke(args=["export-attendees", "--out", str(out)])
    assert res.exit_code == 0 and load_workbook(out).active.max_row == 8  # header + 7 delegates
    res = runner.invoke(args=["export-attendees", "--out", str(out), "--no-shows"])
    assert res.exit_code == 0 and load_workbook(out).active.title == "Vắng mặt"
    pdf = tmp_path / "map.pdf"
    res = runner.invoke(args=["seat-map", "--out", str(pdf), "--mode", "arrival"])
    assert res.exit_code == 0 and "Đã đến" not in PdfReader(str(pdf)).pages[0].extract_text()
    assert "Chưa đến (7)" in PdfReader(str(pdf)).pages[0].extract_text()


def test_pages_in_english(client, auth, event):
    auth.as_role("admin")
    page = client.get("/admin/attendees?lang=en").get_data(as_text=True)
    assert "Delegate list" in page and "Import from Excel/CSV" in page
    page = client.get("/admin/seats?lang=en").get_data(as_text=True)
    assert "Hall plan" in page and "Assign seats" in page and "STAGE" in page


def test_wtforms_own_messages_follow_the_page_language(tmp_path):
    """Vietnamese pages get WTForms' own messages in Vietnamese, English pages in English (a
    fresh app: the fixtures' shared app context would keep the first request's locale)."""
    from tests.conftest import make_app

    app = make_app("sqlite", tmp_path)
    with app.app_context():
        ev = factories.make_event()
        factories.make_user("walkin-desk", "desk")
        gid = next(g.id for g in ev.groups if g.code == "guests")
    c = app.test_client()
    c.post("/login", data={"username": "walkin-desk", "password": "secret-pass-123"})
    got = {}
    for lang in ("vi", "en"):
        r = c.post(
            f"/desk/walk-in?lang={lang}",
            data={"honorific": "ông", "full_name": "Ai Đó", "group": str(gid)},
            follow_redirects=True,
        )
        got[lang] = r.get_data(as_text=True)
    assert "Lựa chọn không hợp lệ" in got["vi"] and "Not a valid choice" not in got["vi"]
    assert "Not a valid choice" in got["en"]
