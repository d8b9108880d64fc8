"""The exhibitor workflow end to end over HTTP: register, status link, edit until approval,
approve (staff get badges), tables with capacity and moves, set up, reject, links reissued."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from models.accounts.models import AuditLog
from models.core.base import db
from models.exhibition.models import Exhibitor, ExhibitTable
from models.exhibition.workflow import LinkError, exhibitor_from_token, status_token
from models.guests.models import Attendee
from tests.exhibition.conftest import district_of, form, other_district


def _register(client, ev, **over):
    resp = client.post("/exhibitors/register", data=form(district_of(ev).id, **over))
    assert resp.status_code == 302, resp.data[:800]
    link = resp.headers["Location"]
    assert re.search(r"/exhibitors/status/[\w.\-]{40,}$", link)
    ex = db.session.scalars(select(Exhibitor).order_by(Exhibitor.id.desc())).first()
    return ex, link


def test_register_stores_everything_and_shows_the_status_link(client, event):
    page = client.get("/exhibitors/register")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="website"' in html and 'name="product-2-name"' in html and 'name="staff-1-name"' in html
    ex, link = _register(client, event)
    assert ex.status == "registered" and ex.kind == "cooperative" and ex.phone == "0905123456"
    assert ex.needs_power and not ex.needs_cold
    assert [(p.name, p.stars, p.decision_no) for p in ex.products] == [
        ("Xoài Úc Cam Lâm", 4, "1234/QĐ-UBND"),
        ("Mật ong hoa cà phê", None, ""),
    ]
    staff = [s.attendee for s in ex.staff]
    assert [a.full_name for a in staff] == ["Nguyễn Thị Lan", "Trần Văn Bình"]
    assert all(a.status == "nominated" and a.source == "exhibitor" and not a.badges for a in staff)
    assert staff[0].group.is_exhibitor_staff
    status = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "HTX Nông nghiệp Suối Tân" in status and "Chờ duyệt" in status and "Sửa hồ sơ" in status
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "register_exhibitor")) == 1


def test_edit_until_approval_then_locked(client, auth, event):
    ex, link = _register(client, event)
    edit = client.get(link + "/edit").get_data(as_text=True)
    assert 'value="Xoài Úc Cam Lâm"' in edit and 'value="Nguyễn Thị Lan"' in edit
    changed = form(district_of(event).id, name="HTX Suối Tân (mới)", **{"staff-1-name": ""})
    resp = client.post(link + "/edit", data=changed)
    assert resp.status_code == 302
    db.session.refresh(ex)
    assert ex.name == "HTX Suối Tân (mới)" and len(ex.staff) == 1
    assert db.session.scalar(select(func.count(Attendee.id)).where(Attendee.source == "exhibitor")) == 1
    auth.as_role("admin")
    assert client.post(f"/admin/exhibitors/{ex.id}/approve").status_code == 302
    client.post("/logout")
    again = client.post(link + "/edit", data=form(district_of(event).id, name="Đổi sau duyệt"), follow_redirects=True)
    assert "không thể sửa" in again.get_data(as_text=True)
    db.session.refresh(ex)
    assert ex.name == "HTX Suối Tân (mới)"


def test_approve_gives_staff_badges_then_tables_and_set_up(client, auth, event):
    ex, link = _register(client, event)
    auth.as_role("admin")
    client.post(f"/admin/exhibitors/{ex.id}/approve")
    db.session.refresh(ex)
    assert ex.status == "approved"
    for s in ex.staff:
        assert s.attendee.status == "invited" and s.attendee.current_badge is not None
    detail = client.get(f"/admin/exhibitors/{ex.id}").get_data(as_text=True)
    assert "Bàn 3" in detail  # the district's 3 tables were made from District.table_count
    tables = db.session.scalars(
        select(ExhibitTable).where(ExhibitTable.district_id == ex.district_id).order_by(ExhibitTable.number)
    ).all()
    assert [t.number for t in tables] == [1, 2, 3]
    client.post(f"/admin/exhibitors/{ex.id}/assign", data={"table_id": tables[0].id})
    db.session.refresh(ex)
    assert ex.status == "assigned" and ex.table.number == 1
    # the status link now shows the table
    assert 'data-table="1"' in client.get(link).get_data(as_text=True)
    # move to table 2
    client.post(f"/admin/exhibitors/{ex.id}/assign", data={"table_id": tables[1].id})
    db.session.refresh(ex)
    assert ex.table.number == 2
    client.post(f"/admin/exhibitors/{ex.id}/set-up")
    db.session.refresh(ex)
    assert ex.status == "set_up" and ex.set_up_at is not None
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.entity == "exhibitor")))
    assert {"approve_exhibitor", "assign_table", "set_up_exhibitor"} <= actions


def test_table_capacity_and_district(client, auth, event):
    first, _ = _register(client, event)
    second, _ = _register(client, event, name="Công ty TNHH Yến sào")
    other = other_district(event)
    auth.as_role("admin")
    for ex in (first, second):
        client.post(f"/admin/exhibitors/{ex.id}/approve")
    client.get(f"/admin/exhibitors/{first.id}")  # makes the tables
    t1 = db.session.scalar(
        select(ExhibitTable).where(ExhibitTable.district_id == first.district_id, ExhibitTable.number == 1)
    )
    client.post(f"/admin/exhibitors/{first.id}/assign", data={"table_id": t1.id})
    full = client.post(f"/admin/exhibitors/{second.id}/assign", data={"table_id": t1.id}, follow_redirects=True)
    assert "đã đủ chỗ" in full.get_data(as_text=True)
    db.session.refresh(second)
    assert second.table_id is None and second.status == "approved"
    # a table of another district's area is refused
    client.get(f"/admin/exhibitors/{first.id}")
    from models.exhibition.workflow import ensure_tables

    foreign = ensure_tables(other)[0]
    db.session.commit()
    wrong = client.post(f"/admin/exhibitors/{second.id}/assign", data={"table_id": foreign.id}, follow_redirects=True)
    assert "không thuộc khu trưng bày" in wrong.get_data(as_text=True)
    # capacity 2: both fit
    t1.capacity = 2
    db.session.commit()
    client.post(f"/admin/exhibitors/{second.id}/assign", data={"table_id": t1.id})
    db.session.refresh(second)
    assert second.table_id == t1.id


def test_reject_needs_a_reason_frees_table_revokes_badges(client, auth, event):
    ex, link = _register(client, event)
    auth.as_role("admin")
    nothing = client.post(f"/admin/exhibitors/{ex.id}/reject", data={"reason": "  "}, follow_redirects=True)
    assert "Vui lòng ghi lý do" in nothing.get_data(as_text=True)
    db.session.refresh(ex)
    assert ex.status == "registered"
    client.post(f"/admin/exhibitors/{ex.id}/approve")
    client.post(f"/admin/exhibitors/{ex.id}/reject", data={"reason": "Thiếu quyết định công nhận"})
    db.session.refresh(ex)
    assert ex.status == "rejected" and ex.reject_reason == "Thiếu quyết định công nhận"
    for s in ex.staff:
        assert s.attendee.status == "returned" and s.attendee.current_badge is None
    client.post("/logout")
    page = client.get(link).get_data(as_text=True)
    assert "Thiếu quyết định công nhận" in page
    # the exhibitor fixes it: back to "registered"
    client.post(link + "/edit", data=form(district_of(event).id))
    db.session.refresh(ex)
    assert ex.status == "registered" and ex.reject_reason == ""


def test_status_link_forged_expired_and_reissued(app, client, auth, event):
    ex, link = _register(client, event)
    token = link.rsplit("/", 1)[1]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (forged, "x", "' OR 1=1 --", "A" * 400):
        resp = client.get("/exhibitors/status/" + bad)
        assert resp.status_code == 404
        body = resp.get_data(as_text=True)
        assert "không hợp lệ" in body and ex.name not in body
    assert client.post(f"/exhibitors/status/{forged}/edit", data=form(district_of(event).id)).status_code == 404
    # another exhibitor's id with this one's signature does not work either
    try:
        exhibitor_from_token(token, "another-secret")
        raise AssertionError("accepted a token signed with another key")
    except LinkError as exc:
        assert exc.code == "invalid"
    app.config["EXHIBITOR_LINK_MAX_AGE"] = -1
    expired = client.get(link)
    assert expired.status_code == 403 and "hết hạn" in expired.get_data(as_text=True)
    app.config["EXHIBITOR_LINK_MAX_AGE"] = 3600
    assert client.get(link).status_code == 200
    auth.as_role("admin")
    client.post(f"/admin/exhibitors/{ex.id}/link")
    client.post("/logout")
    assert client.get(link).status_code == 404
    db.session.refresh(ex)
    assert client.get("/exhibitors/status/" + status_token(ex, app.secret_key)).status_code == 200


def test_admin_pages_need_admin(client, auth, event):
    ex, _ = _register(client, event)
    for url in (
        "/admin/exhibitors",
        f"/admin/exhibitors/{ex.id}",
        "/admin/exhibitors/districts",
        "/admin/exhibitors/cards.pdf",
        "/admin/exhibitors/export.xlsx",
    ):
        assert client.get(url).status_code == 302  # to the login page
    assert client.post(f"/admin/exhibitors/{ex.id}/approve").status_code == 302
    auth.as_role("desk")
    assert client.get("/admin/exhibitors").status_code == 403
    assert client.post(f"/admin/exhibitors/{ex.id}/approve").status_code == 403
    db.session.refresh(ex)
    assert ex.status == "registered"


def test_filters(client, auth, event):
    a, _ = _register(client, event, name="Chủ thể Năm Sao", **{"product-0-rating": "5"})
    b, _ = _register(client, event, name="Chủ thể Tiềm Năng", **{"product-0-rating": "potential"})
    auth.as_role("admin")
    client.post(f"/admin/exhibitors/{a.id}/approve")

    def names(qs):
        html = client.get("/admin/exhibitors" + qs).get_data(as_text=True)
        return {x for x in ("Chủ thể Năm Sao", "Chủ thể Tiềm Năng") if x in html}

    assert names("") == {"Chủ thể Năm Sao", "Chủ thể Tiềm Năng"}
    assert names("?stars=5") == {"Chủ thể Năm Sao"}
    assert names("?stars=4") == set()
    assert names("?status=approved") == {"Chủ thể Năm Sao"}
    assert names("?status=registered&stars=potential") == {"Chủ thể Tiềm Năng"}
    assert names(f"?district={district_of(event).id}") == {"Chủ thể Năm Sao", "Chủ thể Tiềm Năng"}
    assert names("?district=99999") == set()
    assert client.get("/admin/exhibitors?status=<x>&stars=7").status_code == 200  # no such choice: ignored
    assert client.get("/admin/exhibitors?district=abc").status_code == 400  # not a number: said so


def test_register_page_in_english(client, event):
    html = client.get("/exhibitors/register?lang=en").get_data(as_text=True)
    assert "Register an exhibition booth" in html and "Potential" in html
    resp = client.post("/exhibitors/register?lang=en", data=form(district_of(event).id, **{"product-0-rating": "7"}))
    assert resp.status_code == 400
    assert "The rating can only be 3, 4 or 5 stars" in resp.get_data(as_text=True)
