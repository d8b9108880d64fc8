"""Exhibitor admin that says what is wrong: a full district says so in the table choice and offers
"Thêm bàn" (adds a table, assigns it, audited); the public form keeps what was typed and puts each
error under its own field; phones shown grouped on the organiser's pages."""

from __future__ import annotations

import re

from sqlalchemy import select

from models.accounts.models import AuditLog
from models.core.base import db
from models.exhibition.models import Exhibitor
from models.units.models import District
from tests.exhibition.conftest import form, other_district
from tests.exhibition.test_reports import make


def field_of(html: str, name: str) -> str:
    """The <div class="field"> that holds the input or select called ``name``."""
    at = html.index(f'name="{name}"')
    start = html.rindex('<div class="field">', 0, at)
    return html[start : html.index("</div>", at)]


def test_full_district_says_so_and_adds_a_table(client, auth, event):
    cl = other_district(event, tables=2)
    make(event, cl, "Chủ thể Một", ["4"], table=1)
    make(event, cl, "Chủ thể Hai", ["3"], table=2)
    third = make(event, cl, "Chủ thể Ba", ["5"])
    pending = make(event, cl, "Chủ thể Chờ", ["5"], approved=False)
    auth.as_role("admin")
    html = client.get(f"/admin/exhibitors/{third.id}").get_data(as_text=True)
    assert "Huyện Cam Lâm: hết bàn (2/2)" in html and 'data-action="add-table"' in html
    assert 'data-action="assign"' not in html  # no button that can only fail
    resp = client.post(f"/admin/exhibitors/{third.id}/add-table", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Đã thêm bàn 3 cho Huyện Cam Lâm" in page
    db.session.expire_all()
    ex = db.session.get(Exhibitor, third.id)
    assert ex.table.number == 3 and ex.status == "assigned"
    assert db.session.get(District, cl.id).table_count == 3
    actions = [r.action for r in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions[-2:] == ["set_exhibit_tables", "assign_table"]
    # not full any more for a fourth: the ordinary choice, no "hết bàn"
    fourth = make(event, cl, "Chủ thể Bốn", ["4"])
    html = client.get(f"/admin/exhibitors/{fourth.id}").get_data(as_text=True)
    assert "hết bàn" in html  # 3/3 now: full again
    # a registration not yet approved cannot get a table: refused, nothing changes
    resp = client.post(f"/admin/exhibitors/{pending.id}/add-table", follow_redirects=True)
    assert "Chỉ xếp bàn cho hồ sơ đã duyệt" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(District, cl.id).table_count == 3
    assert db.session.get(Exhibitor, pending.id).table_id is None


def test_district_without_tables(client, auth, event):
    cl = other_district(event, tables=0)
    ex = make(event, cl, "Chủ thể Không Bàn", ["4"])
    auth.as_role("admin")
    html = client.get(f"/admin/exhibitors/{ex.id}").get_data(as_text=True)
    assert "Huyện Cam Lâm: hết bàn (0/0)" in html and '<select name="table_id">' not in html
    client.post(f"/admin/exhibitors/{ex.id}/add-table")
    db.session.expire_all()
    assert db.session.get(Exhibitor, ex.id).table.number == 1


def test_add_table_needs_admin(client, auth, event):
    cl = other_district(event, tables=0)
    ex = make(event, cl, "Chủ thể Không Bàn", ["4"])
    assert client.post(f"/admin/exhibitors/{ex.id}/add-table").status_code == 302  # to the login page
    auth.as_role("desk")
    assert client.post(f"/admin/exhibitors/{ex.id}/add-table").status_code == 403
    db.session.expire_all()
    assert db.session.get(District, cl.id).table_count == 0


def test_form_keeps_the_typed_phone_with_its_error_under_it(client, event):
    cl = other_district(event)
    resp = client.post(
        "/exhibitors/register",
        data=form(cl.id, phone="0905 12x 456", email="khong-phai-email", **{"staff-0-phone": "12"}),
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    phone = field_of(html, "phone")
    assert 'value="0905 12x 456"' in phone and 'data-error-for="phone"' in phone
    assert "Số điện thoại không hợp lệ" in phone and 'data-error-for="email"' not in phone
    email = field_of(html, "email")
    assert 'value="khong-phai-email"' in email and 'data-error-for="email"' in email
    assert 'data-error-for="phone"' not in email
    staff = field_of(html, "staff-0-phone")
    assert 'value="12"' in staff and 'data-error-for="staff-0-phone"' in staff
    assert 'value="HTX Nông nghiệp Suối Tân"' in html and 'value="Xoài Úc Cam Lâm"' in html
    assert db.session.scalar(select(Exhibitor.id)) is None


def test_phones_grouped_on_admin_pages(client, auth, event):
    cl = other_district(event)
    ex = make(event, cl, "Chủ thể Số", ["4"])
    assert ex.phone == "0905123456"
    auth.as_role("admin")
    for url in ("/admin/exhibitors", f"/admin/exhibitors/{ex.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "0905 123 456" in html and "0905123456" not in html, url
    staff = re.findall(r"0914 000 111", client.get(f"/admin/exhibitors/{ex.id}").get_data(as_text=True))
    assert staff


def test_phone_error_sits_under_the_phone_on_a_phone(browser, live_server):
    from tests.conftest import screenshot
    from tests.exhibition.test_browser import no_sideways_scroll, phone

    ctx, page = phone(browser)
    try:
        page.goto(live_server.url + "/exhibitors/register")
        page.fill("input[name=name]", "HTX Trầm hương Vạn Ninh")
        page.select_option("select[name=kind]", "cooperative")
        page.select_option("select[name=district_id]", label="TP Nha Trang")
        page.fill("input[name=address]", "Vạn Ninh")
        page.fill("input[name=contact_name]", "Lê Thị Hường")
        page.fill("input[name=phone]", "0905 12x 456")
        page.fill("input[name=email]", "huong@example.vn")
        page.fill("input[name=product-0-name]", "Trầm hương")
        page.select_option("select[name=product-0-group]", "duoc_lieu")
        page.select_option("select[name=product-0-rating]", "potential")
        page.check("input[name=consent]")
        page.click("button.submit")
        page.wait_for_selector(".errors-box")
        assert page.input_value("input[name=phone]") == "0905 12x 456"
        assert page.input_value("input[name=email]") == "huong@example.vn"
        box = page.locator("input[name=phone]").bounding_box()
        err = page.locator("[data-error-for=phone]").bounding_box()
        mail = page.locator("input[name=email]").bounding_box()
        assert err["y"] >= box["y"] + box["height"] - 1  # below the phone box
        if abs(mail["x"] - box["x"]) < 2:  # one column (narrow phone): between the phone and the e-mail
            assert err["y"] + err["height"] <= mail["y"]
        else:  # two columns: in the phone's column
            assert err["x"] + err["width"] <= mail["x"] + 1
        assert page.locator("[data-error-for]").count() == 1 and no_sideways_scroll(page)
        screenshot(page, "exhibitor_register_phone_field_error")
    finally:
        ctx.close()
