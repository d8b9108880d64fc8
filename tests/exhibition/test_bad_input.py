"""Bad input on the public form: every rule gives a clear message and stores nothing; hostile
text is stored as typed and shown escaped everywhere; floods hit the rate limit; CSRF."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models.core.base import db
from models.exhibition.form_input import clean_registration, normal_phone
from models.exhibition.models import Exhibitor, Product
from models.guests.models import Attendee
from tests.exhibition.conftest import district_of, form

SCRIPT = '<script>alert("x")</script>'
SQL = "'; DROP TABLE exhibitor; --"


def count(model=Exhibitor) -> int:
    return db.session.scalar(select(func.count(model.id)))


def people() -> int:
    return db.session.scalar(select(func.count(Attendee.id)))


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"product-0-rating": "7"}, "product-0-rating", "Hạng sao chỉ có thể là 3, 4, 5 sao"),
        (
            {"product-0-decision_date": (date.today() + timedelta(days=30)).isoformat()},
            "product-0-decision_date",
            "không thể ở tương lai",
        ),
        ({"product-0-decision_date": ""}, "product-0-decision_date", "cần ngày quyết định"),
        ({"product-0-decision_no": ""}, "product-0-decision_no", "cần số quyết định"),
        ({"product-0-decision_date": "31/02/2024"}, "product-0-decision_date", "không hợp lệ"),
        ({"product-0-group": "vu_khi"}, "product-0-group", "nhóm sản phẩm OCOP"),
        ({"phone": "12345"}, "phone", "Số điện thoại không hợp lệ"),
        ({"phone": SCRIPT}, "phone", "Số điện thoại không hợp lệ"),
        ({"email": "not-an-email"}, "email", "email không hợp lệ"),
        ({"email": SQL}, "email", "email không hợp lệ"),
        ({"name": ""}, "name", "Vui lòng nhập tên chủ thể"),
        ({"name": "x" * 301}, "name", "Tối đa 300 ký tự"),
        ({"kind": "bank"}, "kind", "loại hình"),
        ({"district_id": "99999"}, "district_id", "Vui lòng chọn địa phương"),
        ({"district_id": SQL}, "district_id", "Vui lòng chọn địa phương"),
        ({"staff-0-phone": "abc"}, "staff-0-phone", "Số điện thoại không hợp lệ"),
        (
            {
                "product-0-name": "",
                "product-0-rating": "",
                "product-0-decision_no": "",
                "product-0-decision_date": "",
                "product-1-name": "",
                "product-1-rating": "",
            },
            "products",
            "ít nhất một sản phẩm",
        ),
    ],
)
def test_bad_field_is_refused_with_a_message(client, event, over, field, message):
    before = (count(), count(Product), people())
    resp = client.post("/exhibitors/register", data=form(district_of(event).id, **over))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert f'data-error-for="{field}"' in html
    assert message in html
    assert (count(), count(Product), people()) == before
    assert "<script>alert" not in html  # the typed values come back escaped


def test_rating_rules_directly():
    today = date(2025, 5, 22)
    ok, errors = clean_registration(form(1), today=today, district_ids={1})
    assert not errors and ok["products"][0]["stars"] == 4 and ok["products"][1]["stars"] is None
    for rating in ("7", "0", "2", "6", "-1", "4.5", "five", SCRIPT):
        _, errors = clean_registration(form(1, **{"product-0-rating": rating}), today=today, district_ids={1})
        assert "product-0-rating" in errors, rating
    _, errors = clean_registration(form(1, **{"product-0-decision_date": "2025-05-23"}), today=today, district_ids={1})
    assert "product-0-decision_date" in errors
    _, errors = clean_registration(form(1, **{"product-0-decision_date": "22/05/2025"}), today=today, district_ids={1})
    assert not errors
    # a potential product needs no decision; what was typed there is dropped
    data, errors = clean_registration(form(1, **{"product-0-rating": "potential"}), today=today, district_ids={1})
    assert not errors and data["products"][0]["decision_no"] == "" and data["products"][0]["decision_date"] is None


def test_phone_formats():
    assert normal_phone("0905 123 456") == "0905123456"
    assert normal_phone("+84 905.123.456") == "0905123456"  # stored as every phone is: digits, the leading 0
    assert normal_phone("(0258) 3822 123") == "02583822123"
    for bad in ("", "090512345", "09051234567890", "hello", "0905-123-45a"):
        assert normal_phone(bad) is None


def test_hostile_text_is_stored_verbatim_and_shown_escaped(client, auth, event):
    hostile = dict.fromkeys(
        (
            "name",
            "address",
            "contact_name",
            "product-0-name",
            "product-0-decision_no",
            "product-1-name",
            "staff-0-name",
            "staff-0-position",
        ),
        f"{SCRIPT} {SQL}",
    )
    resp = client.post("/exhibitors/register", data=form(district_of(event).id, **hostile))
    assert resp.status_code == 302
    link = resp.headers["Location"]
    ex = db.session.scalars(select(Exhibitor)).one()
    assert ex.name == f"{SCRIPT} {SQL}" and ex.products[0].name == f"{SCRIPT} {SQL}"
    assert count() == 1  # the table is still there
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    pages = [client.get(link).get_data(as_text=True), client.get(link + "/edit").get_data(as_text=True)]
    auth.as_role("admin")
    client.post(f"/admin/exhibitors/{ex.id}/approve")
    pages += [
        client.get(u).get_data(as_text=True)
        for u in ("/admin/exhibitors", f"/admin/exhibitors/{ex.id}", "/admin/exhibitors/districts")
    ]
    for html in pages:
        assert "<script>alert" not in html
        assert escaped in html


def test_honeypot_stores_nothing(client, event):
    resp = client.post("/exhibitors/register", data=form(district_of(event).id, website="http://spam.example"))
    assert resp.status_code == 200 and "Đã nhận đăng ký" in resp.get_data(as_text=True)
    assert count() == 0 and people() == 6


def test_flood_is_rate_limited_per_address(client, event):
    ok = [
        client.post(
            "/exhibitors/register",
            data=form(district_of(event).id, name=f"Chủ thể {i}"),
            environ_base={"REMOTE_ADDR": "10.0.0.7"},
        ).status_code
        for i in range(5)
    ]
    assert ok == [302] * 5
    for i in range(3):
        resp = client.post(
            "/exhibitors/register",
            data=form(district_of(event).id, name=f"Tràn {i}"),
            environ_base={"REMOTE_ADDR": "10.0.0.7"},
        )
        assert resp.status_code == 429
        assert "Quá nhiều yêu cầu" in resp.get_data(as_text=True)
    assert count() == 5
    # another address is not affected; reading the page is not limited
    assert client.get("/exhibitors/register", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200
    other = client.post(
        "/exhibitors/register",
        data=form(district_of(event).id, name="Chủ thể khác"),
        environ_base={"REMOTE_ADDR": "10.0.0.8"},
    )
    assert other.status_code == 302 and count() == 6


def test_csrf_is_required(csrf_app):
    from tests.factories import make_event

    ev = make_event()
    client = csrf_app.test_client()
    resp = client.post("/exhibitors/register", data=form(district_of(ev).id))
    assert resp.status_code == 400
    assert count() == 0
    page = client.get("/exhibitors/register").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    resp = client.post("/exhibitors/register", data={**form(district_of(ev).id), "csrf_token": token})
    assert resp.status_code == 302 and count() == 1


def test_many_rows_are_capped(client, event):
    data = form(district_of(event).id)
    for i in range(3, 30):
        data[f"product-{i}-name"] = f"Sản phẩm {i}"
        data[f"product-{i}-rating"] = "potential"
        data[f"product-{i}-group"] = "thuc_pham"
    resp = client.post("/exhibitors/register", data=data)
    assert resp.status_code == 400 and "Tối đa 20 sản phẩm" in resp.get_data(as_text=True)
    assert count() == 0
