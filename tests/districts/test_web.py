"""The officer's link and the organiser's pages over HTTP: bad links, another district's rows,
the deadline, a nomination flood, CSRF, review, arrivals JSON."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from models.checkin.checkin import check_in
from models.core.base import db
from models.core.timeutil import utcnow
from models.districts import delegations as ds
from models.guests.models import Attendee
from tests.districts.conftest import nomination, setup_districts


def n_people() -> int:
    return db.session.scalar(select(func.count()).select_from(Attendee))


def test_officer_page_shows_quota_and_own_nominations_only(client, event):
    s = setup_districts(event)
    ds.save_nomination(s.link_b, nomination(s.guests.id, full_name="Người Huyện Bê", phone=""))
    db.session.commit()
    resp = client.get(f"/d/{s.token_a}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    assert 'data-district="nha-trang"' in html and 'data-quota-group="guests"' in html
    assert "Người Huyện Bê" not in html
    assert 'name="csrf_token"' in html and 'name="full_name"' in html


def test_bad_links(client, event):
    s = setup_districts(event)
    before = n_people()
    forged = s.token_a[:-4] + ("abcd" if not s.token_a.endswith("abcd") else "wxyz")
    for url in (f"/d/{forged}", "/d/nothing-here-at-all", f"/d/{forged}/arrivals.json", f"/d/{forged}/letters.pdf"):
        resp = client.get(url)
        assert resp.status_code == 404, url
    resp = client.post(f"/d/{forged}/nominations", data=nomination(s.guests.id))
    assert resp.status_code == 404
    assert "Đường liên kết không hợp lệ" in client.get(f"/d/{forged}").get_data(as_text=True)
    ds.revoke_link(s.link_a)
    db.session.commit()
    resp = client.get(f"/d/{s.token_a}")
    assert resp.status_code == 403 and "đã bị thu hồi" in resp.get_data(as_text=True)
    assert client.post(f"/d/{s.token_a}/nominations", data=nomination(s.guests.id)).status_code == 403
    assert client.get(f"/d/{s.token_a}/arrivals.json").get_json()["error"] == "revoked"
    assert n_people() == before


def test_expired_link(app, client, event):
    s = setup_districts(event)
    app.config["DISTRICT_LINK_MAX_AGE"] = -1
    resp = client.get(f"/d/{s.token_a}")
    assert resp.status_code == 403 and "hết hạn" in resp.get_data(as_text=True)


def test_nominate_edit_and_other_district(client, event):
    s = setup_districts(event)
    resp = client.post(f"/d/{s.token_a}/nominations", data=nomination(s.guests.id))
    assert resp.status_code == 302
    p = db.session.scalars(select(Attendee).where(Attendee.nominated_by_id == s.a.id)).one()
    # edit own (form prefilled through ?edit=)
    assert 'value="Phạm Thị Hồng Nhung"' in client.get(f"/d/{s.token_a}?edit={p.id}").get_data(as_text=True)
    resp = client.post(f"/d/{s.token_a}/nominations", data=nomination(s.guests.id, id=str(p.id), position="Bí thư"))
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Attendee, p.id).position == "Bí thư"
    client.get(f"/d/{s.token_a}")  # shows (and so clears) the flash message naming the delegate
    # district B's officer tries to see and edit A's row
    html = client.get(f"/d/{s.token_b}?edit={p.id}").get_data(as_text=True)
    assert "Phạm Thị Hồng Nhung" not in html
    resp = client.post(f"/d/{s.token_b}/nominations", data=nomination(s.guests.id, id=str(p.id), full_name="Hack"))
    assert resp.status_code == 404 and "Không tìm thấy đại biểu" in resp.get_data(as_text=True)
    resp = client.post(f"/d/{s.token_b}/nominations/{p.id}/withdraw")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Attendee, p.id).full_name == "Phạm Thị Hồng Nhung"
    resp = client.post(f"/d/{s.token_b}/nominations", data=nomination(s.guests.id, id="1 OR 1=1"))
    assert resp.status_code == 400


def test_bad_fields_and_duplicate_messages(client, event):
    s = setup_districts(event)
    before = n_people()
    resp = client.post(
        f"/d/{s.token_a}/nominations", data=nomination(s.guests.id, full_name="", phone="abc", email="x@", group="zzz")
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    for f in ("full_name", "phone", "email", "group"):
        assert f'data-error-for="{f}"' in html
    resp = client.post(f"/d/{s.token_a}/nominations", data=nomination(s.guests.id, full_name="<script>x</script>"))
    assert resp.status_code == 302
    assert "<script>x</script>" not in client.get(f"/d/{s.token_a}").get_data(as_text=True)
    resp = client.post(f"/d/{s.token_b}/nominations", data=nomination(s.guests.id, full_name="<script>x</script>"))
    assert resp.status_code == 409
    assert "đã được TP Nha Trang đề cử" in resp.get_data(as_text=True)
    assert n_people() == before + 1


def test_deadline_read_only_page(client, event):
    s = setup_districts(event, deadline=utcnow() - timedelta(minutes=1))
    html = client.get(f"/d/{s.token_a}").get_data(as_text=True)
    assert "data-readonly" in html and 'name="full_name"' not in html
    before = n_people()
    resp = client.post(f"/d/{s.token_a}/nominations", data=nomination(s.guests.id))
    assert resp.status_code == 403 and "quá hạn" in resp.get_data(as_text=True)
    assert n_people() == before


def test_nomination_flood_is_rate_limited(app, client, event):
    s = setup_districts(event, quota=100)
    app.config["DISTRICT_RATE_LIMIT"] = 5
    codes = [
        client.post(
            f"/d/{s.token_a}/nominations", data=nomination(s.guests.id, full_name=f"Võ Văn {i}", phone="")
        ).status_code
        for i in range(8)
    ]
    assert codes[:5] == [302] * 5 and codes[5:] == [429] * 3
    assert db.session.scalar(select(func.count()).select_from(Attendee).where(Attendee.nominated_by_id == s.a.id)) == 5


def test_csrf_required(csrf_app):
    from tests import factories
    from tests.districts.conftest import setup_districts as setup

    s = setup(factories.make_event())
    client = csrf_app.test_client()
    resp = client.post(f"/d/{s.token_a}/nominations", data=nomination(s.guests.id))
    assert resp.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Attendee).where(Attendee.nominated_by_id == s.a.id)) == 0


def test_admin_review_accept_and_return(client, auth, event):
    s = setup_districts(event, quota=1)
    p1 = ds.save_nomination(s.link_a, nomination(s.guests.id))
    p2 = ds.save_nomination(s.link_a, nomination(s.guests.id, full_name="Lò Văn Pá", phone=""))
    db.session.commit()
    assert client.get("/admin/districts").status_code == 302  # login first
    auth.as_role("desk")
    assert client.get("/admin/districts").status_code == 403
    client.post("/logout")
    auth.as_role("admin")
    html = client.get("/admin/districts").get_data(as_text=True)
    assert 'data-district="cam-lam"' in html
    html = client.get(f"/admin/districts/{s.a.id}").get_data(as_text=True)
    shown = re.search(r"/d/([A-Za-z0-9_.\-]+)</p>", html).group(1)
    assert ds.link_from_token(shown, client.application.secret_key).id == s.link_a.id
    assert html.count("data-over") == 1
    assert client.post(f"/admin/districts/{s.a.id}/nominations/{p1.id}/accept").status_code == 302
    assert client.post(f"/admin/districts/{s.a.id}/nominations/{p2.id}/return", data={"comment": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Attendee, p2.id).status == "nominated"
    client.post(f"/admin/districts/{s.a.id}/nominations/{p2.id}/return", data={"comment": "Vượt chỉ tiêu"})
    # a nomination of district A through district B's page: 404
    assert client.post(f"/admin/districts/{s.b.id}/nominations/{p1.id}/accept").status_code == 404
    db.session.expire_all()
    a1, a2 = db.session.get(Attendee, p1.id), db.session.get(Attendee, p2.id)
    assert a1.status == "invited" and a1.seat is not None and a1.current_badge is not None
    assert (a2.status, a2.nomination_comment) == ("returned", "Vượt chỉ tiêu")
    html = client.get(f"/d/{s.token_a}").get_data(as_text=True)
    assert "Vượt chỉ tiêu" in html and 'data-status="returned"' in html


def test_admin_quota_link_and_deadline(client, auth, event):
    s = setup_districts(event)
    auth.as_role("admin")
    resp = client.post(
        f"/admin/districts/{s.b.id}/quotas", data={f"quota-{s.guests.id}": "7", f"quota-{s.leaders.id}": "-2"}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert {r.group.code: r.quota for r in ds.quota_rows(s.b)}["guests"] == 2  # all or nothing
    client.post(f"/admin/districts/{s.b.id}/quotas", data={f"quota-{s.guests.id}": "7"})
    db.session.expire_all()
    assert {r.group.code: r.quota for r in ds.quota_rows(s.b)}["guests"] == 7
    client.post(f"/admin/districts/{s.b.id}/deadline", data={"deadline": "2020-01-01T08:00"})
    assert client.get(f"/d/{s.token_b}").get_data(as_text=True).count("data-readonly") == 1
    assert client.post(f"/admin/districts/{s.b.id}/deadline", data={"deadline": "hôm qua"}).status_code == 302
    client.post(f"/admin/districts/{s.b.id}/link", data={"deadline": ""})
    assert client.get(f"/d/{s.token_b}").status_code == 403  # replaced
    client.post(f"/admin/districts/{s.b.id}/revoke")
    db.session.expire_all()
    assert ds.current_link(s.b) is None


def test_arrivals_json_live(client, event):
    s = setup_districts(event)
    data = client.get(f"/d/{s.token_a}/arrivals.json").get_json()
    # the factory's six delegates are all of district A (TP Nha Trang)
    assert (data["arrived"], data["total"]) == (0, 6)
    person = db.session.scalars(select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.id)).first()
    r = check_in(event_id=event.id, code=person.current_badge.code, scan_id="t-arr-1", station="Cửa A")
    assert r.outcome == "ok"
    data = client.get(f"/d/{s.token_a}/arrivals.json").get_json()
    assert (data["arrived"], data["missing"]) == (1, 5)
    arrived = [p for p in data["people"] if p["arrived"]]
    assert arrived[0]["id"] == person.id and arrived[0]["arrived_at"]
    assert data["people"][0]["arrived"] is False  # the missing ones first
    # every missing delegate's phone (the organiser's list included), grouped, for the officer to
    # call; none for those already in the hall
    assert [p["phone"] for p in data["people"] if not p["arrived"]] == ["0905 123 456"] * 5
    assert [p["phone"] for p in data["people"] if p["arrived"]] == [""]
    other = client.get(f"/d/{s.token_b}/arrivals.json").get_json()
    assert other["total"] == 0


def test_officer_page_in_english(client, event):
    s = setup_districts(event)
    html = client.get(f"/d/{s.token_a}?lang=en").get_data(as_text=True)
    assert "Delegates arrived" in html and "Send nomination" in html
    resp = client.post(f"/d/{s.token_a}/nominations", data=nomination(s.guests.id, group="0"))
    assert "Please choose a group from the list." in resp.get_data(as_text=True)


def test_two_districts_send_the_same_person_at_once(app, event):
    """Two officers post the same person at the same moment: exactly one nomination is stored."""
    import threading

    s = setup_districts(event)
    form = nomination(s.guests.id)  # read before the threads (they have no app context)
    barrier = threading.Barrier(2, timeout=30)
    codes: list[int] = []

    def post(token: str) -> None:
        c = app.test_client()
        barrier.wait()
        codes.append(c.post(f"/d/{token}/nominations", data=form).status_code)

    threads = [threading.Thread(target=post, args=(t,)) for t in (s.token_a, s.token_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(codes) == [302, 409]
    db.session.rollback()  # a fresh snapshot
    assert (
        db.session.scalar(select(func.count()).select_from(Attendee).where(Attendee.nominated_by_id.is_not(None))) == 1
    )
