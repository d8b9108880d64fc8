"""The structure pages: programme (reorder, delay), groups, delegation units, award tiers; each
list, add, edit, delete with checks, and .xlsx export / import (preview, all or nothing)."""

from __future__ import annotations

import html
import io
import re
from datetime import time

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models.accounts.models import AuditLog
from models.ceremony.models import Award, AwardTier
from models.core.base import db
from models.events.models import Group, ProgrammeItem
from models.guests.models import Attendee
from models.units.models import District
from tests import factories
from tests.guests.helpers import xlsx


@pytest.fixture
def admin(client, auth, event):
    auth.as_role("admin")
    return client


def items(ev):
    return list(
        db.session.scalars(
            select(ProgrammeItem).where(ProgrammeItem.event_id == ev.id).order_by(ProgrammeItem.position)
        )
    )


def add_item(client, title, start, minutes="15", kind="item", speaker=""):
    return client.post(
        "/admin/event/programme/add",
        data={"title": title, "planned_start": start, "planned_minutes": minutes, "kind": kind, "speaker": speaker},
    )


def text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def audit_actions():
    return [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]


def test_structure_pages_need_admin(client, auth, event):
    for kind in ("programme", "groups", "units", "tiers"):
        assert client.get(f"/admin/event/{kind}").status_code == 302
    auth.as_role("mc")
    for kind in ("programme", "groups", "units", "tiers"):
        assert client.get(f"/admin/event/{kind}").status_code == 403
        assert client.post(f"/admin/event/{kind}/add", data={"name": "X", "title": "X"}).status_code == 403
    assert client.get("/admin/event/nothing").status_code == 403


def test_unknown_kind_is_404(admin):
    assert admin.get("/admin/event/nothing").status_code == 404
    assert admin.post("/admin/event/nothing/add").status_code == 404


def test_programme_add_edit_move_delay_delete(admin, event):
    for title, start in (("Đón tiếp đại biểu", "07:30"), ("Khai mạc", "8h00"), ("Trao chứng nhận", "09:15")):
        assert add_item(admin, title, start).status_code == 302
    assert [(i.position, i.title, i.planned_start) for i in items(event)] == [
        (1, "Đón tiếp đại biểu", time(7, 30)),
        (2, "Khai mạc", time(8, 0)),
        (3, "Trao chứng nhận", time(9, 15)),
    ]
    page = text(admin.get("/admin/event/programme"))
    assert "Trao chứng nhận" in page and "09:15" in page
    first, second, third = items(event)
    # the edit form shows the stored values
    form = text(admin.get(f"/admin/event/programme/{third.id}/edit"))
    assert 'value="09:15"' in form and 'value="Trao chứng nhận"' in form
    # another event's row, or no row: 404
    other = factories.make_event(people=0)
    other.is_current, event.is_current = False, True  # an earlier event: not the current one
    theirs = ProgrammeItem(event_id=other.id, position=1, title="Của sự kiện khác")
    db.session.add(theirs)
    db.session.commit()
    assert admin.get(f"/admin/event/programme/{theirs.id}/edit").status_code == 404
    assert admin.post(f"/admin/event/programme/{theirs.id}/delete").status_code == 404
    assert admin.get("/admin/event/programme/999999/edit").status_code == 404
    assert db.session.get(ProgrammeItem, theirs.id) is not None
    # edit: the speaker and the kind
    resp = admin.post(
        f"/admin/event/programme/{third.id}/edit",
        data={
            "title": "Trao chứng nhận OCOP",
            "planned_start": "09:15",
            "planned_minutes": "45",
            "kind": "awards",
            "speaker": "Lãnh đạo UBND tỉnh",
            "position": "3",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    third = db.session.get(ProgrammeItem, third.id)
    assert (third.title, third.kind, third.planned_minutes, third.speaker) == (
        "Trao chứng nhận OCOP",
        "awards",
        45,
        "Lãnh đạo UBND tỉnh",
    )
    # move the last up: order 1, 3, 2
    assert admin.post(f"/admin/event/programme/{third.id}/move", data={"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [i.id for i in items(event)] == [first.id, third.id, second.id]
    admin.post(f"/admin/event/programme/{first.id}/move", data={"direction": "up"})  # already first
    db.session.expire_all()
    assert [i.id for i in items(event)] == [first.id, third.id, second.id]
    # delay from the second item (third.id): it and every later one, not the first
    admin.post(f"/admin/event/programme/{second.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert admin.post(f"/admin/event/programme/{second.id}/delay", data={"minutes": "20"}).status_code == 302
    db.session.expire_all()
    assert [(i.title, i.planned_start) for i in items(event)] == [
        ("Đón tiếp đại biểu", time(7, 30)),
        ("Khai mạc", time(8, 20)),
        ("Trao chứng nhận OCOP", time(9, 35)),
    ]
    assert "programme_delay" in audit_actions() and "programme_move" in audit_actions()
    # a delay that leaves the day is refused and changes nothing
    resp = admin.post(f"/admin/event/programme/{first.id}/delay", data={"minutes": "-600"}, follow_redirects=True)
    assert "sẽ sang ngày khác" in text(resp)
    db.session.expire_all()
    assert items(event)[0].planned_start == time(7, 30)
    resp = admin.post(f"/admin/event/programme/{first.id}/delay", data={"minutes": "abc"}, follow_redirects=True)
    assert "Số phút lùi lịch phải là số nguyên" in text(resp)
    # delete renumbers
    assert admin.post(f"/admin/event/programme/{second.id}/delete").status_code == 302
    db.session.expire_all()
    assert [(i.position, i.title) for i in items(event)] == [(1, "Đón tiếp đại biểu"), (2, "Trao chứng nhận OCOP")]
    assert "structure_delete" in audit_actions()


@pytest.mark.parametrize(
    "data,message",
    [
        ({"title": "", "planned_start": "08:00"}, "Nội dung: không được để trống."),
        ({"title": "X", "planned_start": "25:00"}, "Giờ: giờ không hợp lệ"),
        ({"title": "X", "planned_minutes": "-3"}, "Số phút: phải từ 0 đến 720."),
        ({"title": "X", "planned_minutes": "mười"}, "Số phút: phải là số nguyên"),
        ({"title": "X", "planned_minutes": "5000"}, "Số phút: phải từ 0 đến 720."),
        ({"title": "X", "kind": "party"}, "Loại: chọn một trong: Mục chương trình, Trao thưởng."),
        ({"title": "X" * 301}, "Quá dài (tối đa 300 ký tự)."),
    ],
)
def test_bad_programme_item_refused(admin, event, data, message):
    resp = admin.post("/admin/event/programme/add", data=data)
    assert resp.status_code == 400
    assert message in text(resp)
    assert items(event) == []


def test_groups_add_edit_and_delete_checks(admin, event):
    resp = admin.post(
        "/admin/event/groups/add",
        data={
            "name": "Báo chí",
            "name_en": "Press",
            "color": "#2E7D32",
            "priority": "40",
            "seats_reserved": "12",
            "is_press": "y",
        },
    )
    assert resp.status_code == 302
    g = db.session.scalar(select(Group).where(Group.event_id == event.id, Group.name == "Báo chí"))
    assert (g.code, g.color, g.priority, g.seats_reserved, g.is_press, g.is_leader) == (
        "bao-chi",
        "#2e7d32",
        40,
        12,
        True,
        False,
    )
    # the same name again (accents and case ignored) is refused
    resp = admin.post("/admin/event/groups/add", data={"name": "BÁO CHÍ"})
    assert resp.status_code == 400 and 'Tên "BÁO CHÍ" đã có.' in text(resp)
    resp = admin.post("/admin/event/groups/add", data={"name": "Khác", "color": "red"})
    assert resp.status_code == 400 and "Màu: mã màu dạng #rrggbb" in text(resp)
    # edit keeps the code
    resp = admin.post(
        f"/admin/event/groups/{g.id}/edit",
        data={
            "name": "Phóng viên báo chí",
            "color": "#2e7d32",
            "priority": "41",
            "is_press": "y",
            "is_exhibitor_staff": "y",
        },
    )
    assert resp.status_code == 302
    db.session.expire_all()
    g = db.session.get(Group, g.id)
    assert (g.name, g.code, g.priority, g.is_exhibitor_staff) == ("Phóng viên báo chí", "bao-chi", 41, True)
    # a group with people cannot be deleted: a clear message, nothing deleted
    guests = db.session.scalar(select(Group).where(Group.event_id == event.id, Group.code == "guests"))
    n = db.session.scalar(select(func.count(Attendee.id)).where(Attendee.group_id == guests.id))
    resp = admin.post(f"/admin/event/groups/{guests.id}/delete", follow_redirects=True)
    page = text(resp)
    assert f'Không xóa được thành phần "Khách mời": còn {n} đại biểu' in page
    assert db.session.get(Group, guests.id) is not None
    # an empty group can
    admin.post(f"/admin/event/groups/{g.id}/delete")
    db.session.expire_all()
    assert db.session.get(Group, g.id) is None


def test_units_use_the_events_label_and_refuse_deleting_used_units(admin, event):
    event.unit_level, event.unit_label = "xã, phường, đặc khu", "Xã/phường"
    db.session.commit()
    resp = admin.post(
        "/admin/event/units/add",
        data={
            "name": "Phường Nha Trang",
            "kind": "phường",
            "exhibit_area": "Khu A",
            "table_count": "4",
            "sort_order": "1",
        },
    )
    assert resp.status_code == 302
    page = text(admin.get("/admin/event/units"))
    assert "<th>Xã/phường</th>" in page and "xã, phường, đặc khu" in page and "Phường Nha Trang" in page
    assert "huyện" not in page.lower()
    used = db.session.scalar(select(District).where(District.event_id == event.id, District.code == "nha-trang"))
    resp = admin.post(f"/admin/event/units/{used.id}/delete", follow_redirects=True)
    assert 'Không xóa được "TP Nha Trang": còn 6 đại biểu.' in text(resp)
    assert db.session.get(District, used.id) is not None
    new = db.session.scalar(select(District).where(District.name == "Phường Nha Trang"))
    assert (new.kind, new.exhibit_area, new.table_count) == ("phường", "Khu A", 4)
    resp = admin.post("/admin/event/units/add", data={"name": "X", "table_count": "lots"})
    assert resp.status_code == 400 and "Số bàn: phải là số nguyên" in text(resp)


def test_tiers_add_and_refuse_deleting_a_tier_with_awards(admin, event):
    for name, order, kind, by, stars in (
        ("Sản phẩm OCOP 5 sao", "1", "certificate", "Bộ NN&MT", "5"),
        ("Sản phẩm OCOP 3 sao", "3", "flowers", "UBND cấp huyện", "3"),
    ):
        assert (
            admin.post(
                "/admin/event/tiers/add",
                data={"name": name, "sort_order": order, "kind": kind, "recognised_by": by, "stars": stars},
            ).status_code
            == 302
        )
    five = db.session.scalar(select(AwardTier).where(AwardTier.stars == 5))
    three = db.session.scalar(select(AwardTier).where(AwardTier.stars == 3))
    assert (five.kind, five.recognised_by, three.kind) == ("certificate", "Bộ NN&MT", "flowers")
    db.session.add(Award(event_id=event.id, tier_id=five.id, product_name="Yến sào", entity_name="Công ty A"))
    db.session.commit()
    resp = admin.post(f"/admin/event/tiers/{five.id}/delete", follow_redirects=True)
    assert 'Không xóa được hạng "Sản phẩm OCOP 5 sao": còn 1 giải thưởng' in text(resp)
    admin.post(f"/admin/event/tiers/{three.id}/delete")
    db.session.expire_all()
    assert db.session.get(AwardTier, three.id) is None and db.session.get(AwardTier, five.id) is not None
    resp = admin.post("/admin/event/tiers/add", data={"name": "Sáu sao", "stars": "6"})
    assert resp.status_code == 400 and "Số sao: phải từ 1 đến 5." in text(resp)


def upload(client, kind, data, name="list.xlsx"):
    return client.post(
        f"/admin/event/{kind}/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def confirm(client, kind, page):
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    return client.post(f"/admin/event/{kind}/import/confirm", data={"token": token})


def test_groups_export_then_import_upserts(admin, event):
    data = admin.get("/admin/event/groups/export.xlsx")
    assert data.status_code == 200 and data.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(data.data), read_only=True).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0][:4] == ["Mã", "Tên", "Tên tiếng Anh", "Màu"]
    assert [r[1] for r in rows[1:]] == ["Lãnh đạo", "Khách mời"]
    # change a name by its code, add a new group
    rows[2][1] = "Khách mời đặc biệt"
    rows.append(["", "Doanh nghiệp, HTX", "SMEs", "#6a1b9a", 60, 30, "", "", "có"])
    resp = upload(admin, "groups", xlsx([[("" if c is None else c) for c in r] for r in rows]))
    page = text(resp)
    assert resp.status_code == 200 and 'data-ok="1"' in page and "1 dòng thêm mới, 2 dòng cập nhật." in page
    assert db.session.scalar(select(func.count(Group.id)).where(Group.event_id == event.id)) == 2  # preview only
    assert confirm(admin, "groups", page).status_code == 302
    db.session.expire_all()
    names = {
        g.code: (g.name, g.seats_reserved, g.is_exhibitor_staff)
        for g in db.session.scalars(select(Group).where(Group.event_id == event.id))
    }
    assert names == {
        "leaders": ("Lãnh đạo", 0, False),
        "guests": ("Khách mời đặc biệt", 0, False),
        "doanh-nghiep-htx": ("Doanh nghiệp, HTX", 30, True),
    }
    assert "structure_import" in audit_actions()


@pytest.mark.parametrize(
    "kind,rows,message",
    [
        ("groups", [["Tên", "Màu"], ["A", "#123456"], ["B", "xanh"]], "Màu: mã màu dạng #rrggbb"),
        ("groups", [["Tên"], ["A"], ["a"]], "Trùng tên với dòng 2."),
        ("groups", [["Màu"], ["#123456"]], "Thiếu cột: Tên."),
        ("programme", [["Nội dung", "Giờ"], ["Khai mạc", "8:00"], ["Bế mạc", "=NOW()"]], "không nhận công thức Excel"),
        ("units", [["Tên", "Số bàn"], ["Xã Cam Lâm", "3"], ["Xã Suối Tân", "-1"]], "Số bàn"),
        (
            "tiers",
            [["Tên", "Hình thức"], ["5 sao", "giấy chứng nhận"], ["3 sao", "cúp"]],
            "Hình thức: chọn một trong: Giấy chứng nhận, Hoa.",
        ),
    ],
)
def test_import_with_a_bad_row_writes_nothing(admin, event, kind, rows, message):
    before = audit_actions()
    counts = {m: db.session.scalar(select(func.count(m.id))) for m in (Group, ProgrammeItem, District, AwardTier)}
    resp = upload(admin, kind, xlsx(rows))
    page = text(resp)
    assert resp.status_code == 400 and 'data-ok="0"' in page and message in page
    assert "confirm-import" not in page
    # a forged confirm without the preview's token writes nothing either
    assert admin.post(f"/admin/event/{kind}/import/confirm", data={"token": "0" * 32}).status_code == 302
    assert {m: db.session.scalar(select(func.count(m.id))) for m in counts} == counts
    assert audit_actions() == before


@pytest.mark.parametrize(
    "data,name,message",
    [
        (b"<html>not excel</html>", "x.xlsx", "không phải là tệp Excel"),
        (b"PK\x03\x04broken", "x.xlsx", "bị hỏng"),
        (b"", "x.xlsx", "Tệp rỗng."),
    ],
)
def test_import_of_a_bad_file_is_a_clear_error(admin, event, data, name, message):
    resp = upload(admin, "units", data, name)
    assert resp.status_code == 400 and message in text(resp)


def test_programme_and_tiers_import_round_trip(admin, event):
    rows = [
        ["STT", "Giờ", "Nội dung", "Người thực hiện", "Số phút", "Loại"],
        [1, time(7, 30), "Đón tiếp đại biểu", "Ban tổ chức", 30, "Mục chương trình"],
        [2, "8h", "Khai mạc", "", 10, ""],
        [3, "09:00", "Trao chứng nhận OCOP", "Lãnh đạo tỉnh", 45, "trao thưởng"],
    ]
    page = upload(admin, "programme", xlsx(rows)).get_data(as_text=True)
    assert confirm(admin, "programme", page).status_code == 302
    db.session.expire_all()
    assert [(i.position, i.title, i.planned_start, i.kind) for i in items(event)] == [
        (1, "Đón tiếp đại biểu", time(7, 30), "item"),
        (2, "Khai mạc", time(8, 0), "item"),
        (3, "Trao chứng nhận OCOP", time(9, 0), "awards"),
    ]
    exported = load_workbook(io.BytesIO(admin.get("/admin/event/programme/export.xlsx").data)).active
    assert [c.value for c in exported[4]][:3] == [3, "09:00", "Trao chứng nhận OCOP"]
    tiers = [
        ["Mã", "Tên", "Thứ tự trao", "Hình thức", "Cấp công nhận", "Số sao"],
        ["5sao", "Sản phẩm OCOP 5 sao", 1, "Giấy chứng nhận", "Bộ Nông nghiệp và Môi trường", 5],
        ["3sao", "Sản phẩm OCOP 3 sao", 3, "Hoa", "UBND cấp huyện", 3],
    ]
    page = upload(admin, "tiers", xlsx(tiers)).get_data(as_text=True)
    confirm(admin, "tiers", page)
    got = {t.code: (t.kind, t.stars, t.sort_order) for t in db.session.scalars(select(AwardTier))}
    assert got == {"5sao": ("certificate", 5, 1), "3sao": ("flowers", 3, 3)}


def test_structure_forms_need_csrf(csrf_app):
    client = csrf_app.test_client()
    factories.make_event()
    factories.make_user("adm", "admin")
    page = text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "adm", "password": "secret-pass-123", "csrf_token": token})
    assert client.post("/admin/event/groups/add", data={"name": "Không token"}).status_code == 400
    assert db.session.scalar(select(Group).where(Group.name == "Không token")) is None
