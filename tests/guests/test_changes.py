"""Edit, cancel, restore and merge a delegate (issue 14 item 1): the web pages, the CLI, and
what the kiosk API, the kiosk snapshot and every invited figure then say. Both databases."""

from __future__ import annotations

from sqlalchemy import select

from models.accounts.models import AuditLog
from models.ceremony.models import Award, AwardBatch, AwardTier
from models.checkin.checkin import check_in
from models.checkin.models import CheckIn
from models.checkin.stats import attendance
from models.core.base import db
from models.core.caches import clear_all
from models.dashboard.live import dashboard_data
from models.districts.delegations import delegation as district_delegation
from models.events.models import Group
from models.exhibition.models import Exhibitor, ExhibitorStaff
from models.guests.models import Attendee, Badge
from models.units.models import District
from tests.factories import attendees, make_event


def _audits(action: str) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def _api(client, token, code: str, scan_id: str) -> dict:
    r = client.post(
        "/api/v1/checkins",
        json={"code": code, "station": "Cổng 1", "scan_id": scan_id},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200
    return r.get_json()


def _snapshot(client, token) -> dict:
    r = client.get("/api/v1/kiosk/snapshot", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    return r.get_json()


def _other_event(current) -> int:
    """Another event (with one delegate); ``current`` stays the current event. Its id."""
    other = make_event(people=1)
    other.is_current, current.is_current = False, True
    db.session.commit()
    clear_all()
    return other.id


def _form(person: Attendee, **changes) -> dict:
    data = {
        "honorific": person.honorific,
        "full_name": person.full_name,
        "position": person.position,
        "organisation": person.organisation,
        "group_id": str(person.group_id or ""),
        "district_id": str(person.district_id or ""),
        "phone": person.phone,
        "email": person.email,
        "precedence": str(person.precedence),
        "notes": person.notes,
    }
    data.update(changes)
    return data


# -- edit ------------------------------------------------------------------------------------


def test_edit_every_field_normalised_and_audited(client, auth, event):
    auth.as_role("admin")
    person = attendees(event)[1]
    other_group = db.session.scalar(select(Group).where(Group.event_id == event.id, Group.code == "leaders"))
    page = client.get(f"/admin/attendees/{person.id}/edit").get_data(as_text=True)
    assert "0905 123 456" in page  # the stored digits shown grouped
    resp = client.post(
        f"/admin/attendees/{person.id}/edit",
        data=_form(
            person,
            honorific="Bà",
            full_name="  đặng   thị ánh TUYẾT ",
            position="Giám đốc Sở",
            organisation="Sở Công Thương Khánh Hòa",
            group_id=str(other_group.id),
            district_id="",
            phone="914333445.0",
            email="tuyet@example.vn",
            precedence="7",
            notes="Ăn chay",
        ),
    )
    assert resp.status_code == 302
    db.session.expire_all()
    p = db.session.get(Attendee, person.id)
    assert (
        p.full_name,
        p.position,
        p.organisation,
        p.group_id,
        p.district_id,
        p.phone,
        p.email,
        p.precedence,
        p.notes,
    ) == (
        "Đặng Thị Ánh Tuyết",
        "Giám đốc Sở",
        "Sở Công Thương Khánh Hòa",
        other_group.id,
        None,
        "0914333445",
        "tuyet@example.vn",
        7,
        "Ăn chay",
    )
    assert p.name_key.startswith("dang thi anh tuyet | so cong thuong khanh hoa")
    row = _audits("edit_attendee")[-1]
    changes = row.detail["changes"]
    assert row.entity_id == p.id and row.actor == "user:admin-user"
    assert changes["phone"] == ["0905123456", "0914333445"] and changes["precedence"] == [2, 7]
    assert changes["position"] == ["Phó Giám đốc", "Giám đốc Sở"]
    # the name typed "  đặng   thị ánh TUYẾT " is the same name once capitalised: not a change
    assert "full_name" not in changes and "honorific" not in changes
    page = client.get(f"/admin/attendees/{p.id}/edit").get_data(as_text=True)
    assert "0914 333 445" in page


def test_edit_bad_values_change_nothing(client, auth, event):
    auth.as_role("admin")
    person = attendees(event)[2]
    before = (person.full_name, person.phone, person.email, person.precedence, person.group_id)
    n_audit = len(_audits("edit_attendee"))
    other = _other_event(event)
    foreign_group = db.session.scalar(select(Group.id).where(Group.event_id == other))
    for bad, message in (
        ({"full_name": ""}, "Vui lòng nhập họ tên."),
        ({"phone": "09abc"}, "Số điện thoại chỉ gồm chữ số"),
        ({"phone": "12345"}, "Số điện thoại phải có 10 chữ số"),
        ({"email": "not-an-email"}, "Email không hợp lệ"),
        ({"precedence": "đầu tiên"}, "Thứ tự ưu tiên phải là số."),
        ({"group_id": str(foreign_group)}, "Thành phần không hợp lệ."),
        ({"full_name": "A" * 201}, "Họ tên tối đa 200 ký tự."),
    ):
        resp = client.post(f"/admin/attendees/{person.id}/edit", data=_form(person, **bad))
        assert resp.status_code == 400, bad
        assert message in resp.get_data(as_text=True), bad
    db.session.expire_all()
    p = db.session.get(Attendee, person.id)
    assert (p.full_name, p.phone, p.email, p.precedence, p.group_id) == before
    assert len(_audits("edit_attendee")) == n_audit


def test_unknown_or_foreign_attendee_is_404(client, auth, event):
    auth.as_role("admin")
    assert client.get("/admin/attendees/999999/edit").status_code == 404
    assert client.post("/admin/attendees/999999/cancel", data={"reason": "x"}).status_code == 404
    assert client.post("/admin/attendees/999999/restore").status_code == 404
    assert client.get("/admin/attendees/999999/merge").status_code == 404


def test_edit_needs_admin(client, auth, event):
    person = attendees(event)[0]
    auth.as_role("desk")
    assert client.get(f"/admin/attendees/{person.id}/edit").status_code == 403
    assert client.post(f"/admin/attendees/{person.id}/cancel", data={"reason": "x"}).status_code == 403
    # the desk's results link to the edit page for admins only
    page = client.get("/desk/?q=nguyen").get_data(as_text=True)
    assert f"/admin/attendees/{person.id}/edit" not in page


def test_links_from_guest_list_and_desk(client, auth, event):
    auth.as_role("admin")
    person = attendees(event)[0]
    assert f"/admin/attendees/{person.id}/edit" in client.get("/admin/attendees").get_data(as_text=True)
    assert f"/admin/attendees/{person.id}/edit" in client.get("/desk/?q=nguyen").get_data(as_text=True)


# -- cancel ----------------------------------------------------------------------------------


def test_cancel_frees_seat_revokes_badge_and_leaves_every_figure(client, auth, event, kiosk_token):
    auth.as_role("admin")
    people = attendees(event)
    person = people[3]
    old_code, seat_id = person.current_badge.code, person.seat_id
    assert seat_id is not None
    before = attendance(event)
    dash_before = dashboard_data(event)
    district = db.session.get(District, person.district_id)
    deleg_before = len(district_delegation(district))
    assert old_code not in _snapshot(client, kiosk_token)["revoked"]

    resp = client.post(f"/admin/attendees/{person.id}/cancel", data={"reason": "Bận công tác"})
    assert resp.status_code == 302
    db.session.expire_all()
    p = db.session.get(Attendee, person.id)
    assert p.status == "cancelled" and p.cancel_reason == "Bận công tác" and p.cancelled_at is not None
    assert p.seat_id is None and p.current_badge is None
    badge = db.session.scalar(select(Badge).where(Badge.code == old_code))
    assert badge.revoked_at is not None and badge.revoke_reason == "cancelled"
    row = _audits("cancel_attendee")[-1]
    assert row.entity_id == p.id and row.detail["reason"] == "Bận công tác" and row.detail["seat"]

    # the kiosk online and offline
    answer = _api(client, kiosk_token, old_code, "cancel-1")
    assert answer["result"] == "revoked"
    snap = _snapshot(client, kiosk_token)
    assert old_code in snap["revoked"] and p.id not in [r["id"] for r in snap["roster"]]
    # every invited figure: stats API, attendance, dashboard (total, group, district), district page
    stats = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {kiosk_token}"}).get_json()
    assert stats["invited"] == before["invited"] - 1
    after = attendance(event)
    assert after["by_district"][district.name]["invited"] == before["by_district"][district.name]["invited"] - 1
    gname = p.group.name
    assert after["by_group"][gname]["invited"] == before["by_group"][gname]["invited"] - 1
    dash = dashboard_data(event)
    assert dash["stats"]["invited"] == dash_before["stats"]["invited"] - 1
    assert sum(g["invited"] for g in dash["groups"]) == sum(g["invited"] for g in dash_before["groups"]) - 1
    assert len(district_delegation(district)) == deleg_before - 1
    # the freed seat is given to the next one who needs it
    from models.seating.assignment import assign_seats

    late = people[4]
    late.seat_id = None
    db.session.commit()
    assign_seats(event)
    db.session.commit()
    assert db.session.get(Attendee, late.id).seat_id is not None


def test_cancel_needs_a_reason_and_changes_nothing_without(client, auth, event):
    auth.as_role("admin")
    person = attendees(event)[1]
    resp = client.post(f"/admin/attendees/{person.id}/cancel", data={"reason": "  "}, follow_redirects=True)
    assert "Vui lòng ghi lý do hủy." in resp.get_data(as_text=True)
    db.session.expire_all()
    p = db.session.get(Attendee, person.id)
    assert p.status == "invited" and p.current_badge is not None and p.seat_id is not None
    # cancelling twice says so
    client.post(f"/admin/attendees/{person.id}/cancel", data={"reason": "Không dự"})
    resp = client.post(f"/admin/attendees/{person.id}/cancel", data={"reason": "Lần nữa"}, follow_redirects=True)
    assert "Đại biểu này đã bị hủy." in resp.get_data(as_text=True)
    assert len(_audits("cancel_attendee")) == 1


# -- CLI: cancel and restore ------------------------------------------------------------------


def test_cli_cancel_then_restore_gives_a_new_badge_and_no_seat(runner, client, event, kiosk_token):
    person = attendees(event)[2]
    old_code = person.current_badge.code
    r = runner.invoke(args=["cancel-attendee", str(person.id), "--reason", "Đổi người dự"])
    assert r.exit_code == 0, r.output
    assert "Đã hủy" in r.output
    assert _api(client, kiosk_token, old_code, "cli-1")["result"] == "revoked"
    r = runner.invoke(args=["restore-attendee", str(person.id)])
    assert r.exit_code == 0, r.output
    assert "thẻ mới lần 2" in r.output and "assign-seats" in r.output
    db.session.expire_all()
    p = db.session.get(Attendee, person.id)
    assert p.status == "invited" and p.cancelled_at is None and p.cancel_reason == ""
    assert p.seat_id is None  # not given back automatically
    new = p.current_badge
    assert new.serial == 2 and new.code != old_code
    assert _api(client, kiosk_token, old_code, "cli-2")["result"] == "revoked"  # stays revoked
    assert _api(client, kiosk_token, new.code, "cli-3")["result"] == "ok"
    snap = _snapshot(client, kiosk_token)
    assert old_code in snap["revoked"] and new.code not in snap["revoked"]
    assert p.id in [x["id"] for x in snap["roster"]]
    assert [a.action for a in _audits("restore_attendee")] == ["restore_attendee"]
    assert _audits("restore_attendee")[0].detail["cancel_reason"] == "Đổi người dự"


def test_cli_errors(runner, event):
    person = attendees(event)[0]
    r = runner.invoke(args=["restore-attendee", str(person.id)])
    assert r.exit_code == 1 and "không ở trạng thái đã hủy" in r.output
    r = runner.invoke(args=["cancel-attendee", "999999", "--reason", "x"])
    assert r.exit_code == 1 and "Không có đại biểu #999999" in r.output
    r = runner.invoke(args=["cancel-attendee", str(person.id), "--reason", " "])
    assert r.exit_code == 1 and "lý do" in r.output
    db.session.expire_all()
    assert db.session.get(Attendee, person.id).status == "invited"


def test_restore_from_the_page(client, auth, event):
    auth.as_role("admin")
    person = attendees(event)[1]
    client.post(f"/admin/attendees/{person.id}/cancel", data={"reason": "Nhầm"})
    resp = client.post(f"/admin/attendees/{person.id}/restore", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Ghế không được trả lại tự động" in page
    db.session.expire_all()
    assert db.session.get(Attendee, person.id).status == "invited"


# -- merge -----------------------------------------------------------------------------------


def _links(ev, person: Attendee) -> None:
    """Give ``person`` a check-in, a nomination, awards (recipient, substitute, presenter) and a
    booth staff link."""
    tier = AwardTier(event_id=ev.id, code="t4", name="4 sao", stars=4)
    ex = Exhibitor(event_id=ev.id, name="HTX Yến sào", status="approved")
    db.session.add_all([tier, ex])
    db.session.flush()
    batch = AwardBatch(event_id=ev.id, tier_id=tier.id, number=1, presenter_id=person.id)
    db.session.add(batch)
    db.session.flush()
    db.session.add_all(
        [
            Award(
                event_id=ev.id,
                tier_id=tier.id,
                product_name="Yến sào",
                entity_name="HTX",
                recipient_id=person.id,
                batch_id=batch.id,
            ),
            Award(
                event_id=ev.id,
                tier_id=tier.id,
                product_name="Nước mắm",
                entity_name="Cơ sở",
                substitute_id=person.id,
                batch_id=batch.id,
            ),
            ExhibitorStaff(exhibitor_id=ex.id, attendee_id=person.id),
        ]
    )
    person.nominated_by_id = person.district_id
    person.nomination_comment = "Đề cử của huyện"
    db.session.commit()


def test_merge_moves_everything_and_cancels_the_other(client, auth, event, kiosk_token):
    auth.as_role("admin")
    keep, dup = attendees(event)[1], attendees(event)[5]
    keep.phone, keep.email = "", ""
    dup.email = "dup@example.vn"
    db.session.commit()
    _links(event, dup)
    dup_code, keep_code = dup.current_badge.code, keep.current_badge.code
    result = check_in(event_id=event.id, code=dup_code, scan_id="dup-arrives", station="Cổng 2")
    assert result.outcome == "ok"

    page = client.get(f"/admin/attendees/{keep.id}/merge?q=vo ngoc").get_data(as_text=True)
    assert f'data-attendee="{dup.id}"' in page and f"other={dup.id}" in page
    page = client.get(f"/admin/attendees/{keep.id}/merge?other={dup.id}").get_data(as_text=True)
    assert "Xác nhận gộp" in page and "dup@example.vn" in page
    resp = client.post(f"/admin/attendees/{keep.id}/merge", data={"other": str(dup.id)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/admin/attendees/{keep.id}/edit")

    db.session.expire_all()
    k, d = db.session.get(Attendee, keep.id), db.session.get(Attendee, dup.id)
    assert d.status == "cancelled" and d.merged_into_id == k.id and d.cancel_reason == f"gộp vào #{k.id}"
    assert d.seat_id is None and d.current_badge is None and d.checked_in_at is None
    assert k.current_badge.code == keep_code  # the kept record keeps its badge
    assert k.checked_in_at is not None and k.first_checkin_id is not None  # the arrival moved
    assert set(db.session.scalars(select(CheckIn.attendee_id).where(CheckIn.scan_id == "dup-arrives"))) == {k.id}
    assert db.session.scalar(select(Award.recipient_id).where(Award.product_name == "Yến sào")) == k.id
    assert db.session.scalar(select(Award.substitute_id).where(Award.product_name == "Nước mắm")) == k.id
    assert db.session.scalar(select(AwardBatch.presenter_id)) == k.id
    assert db.session.scalar(select(ExhibitorStaff.attendee_id)) == k.id
    assert k.nominated_by_id == d.district_id and k.nomination_comment == "Đề cử của huyện"
    assert k.email == "dup@example.vn" and k.phone == "0905123456"  # empty fields filled
    row = _audits("merge_attendee")[-1]
    assert row.entity_id == k.id and row.detail["merged"] == d.id and row.detail["checkins"] == 1
    assert _audits("cancel_attendee")[-1].detail["merged_into"] == k.id
    # the kiosk: the duplicate's badge is revoked, the kept one says "already" (arrived via the other)
    assert _api(client, kiosk_token, dup_code, "m-1")["result"] == "revoked"
    assert _api(client, kiosk_token, keep_code, "m-2")["result"] == "already"
    assert dup_code in _snapshot(client, kiosk_token)["revoked"]
    # a merged record cannot be restored, nor merged again
    resp = client.post(f"/admin/attendees/{d.id}/restore", follow_redirects=True)
    assert f"đã được gộp vào #{k.id}" in resp.get_data(as_text=True)
    resp = client.post(f"/admin/attendees/{keep.id}/merge", data={"other": str(d.id)}, follow_redirects=True)
    assert "đã được gộp vào" in resp.get_data(as_text=True)
    assert len(_audits("merge_attendee")) == 1


def test_merge_gives_the_seat_when_the_kept_has_none(client, auth, event):
    auth.as_role("admin")
    keep, dup = attendees(event)[2], attendees(event)[3]
    seat = dup.seat_id
    keep.seat_id = None
    db.session.commit()
    assert client.post(f"/admin/attendees/{keep.id}/merge", data={"other": str(dup.id)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Attendee, keep.id).seat_id == seat
    assert db.session.get(Attendee, dup.id).seat_id is None


def test_merge_refuses_bad_pairs(client, auth, event):
    auth.as_role("admin")
    a, b = attendees(event)[0], attendees(event)[1]
    stranger = db.session.scalar(select(Attendee).where(Attendee.event_id == _other_event(event)))
    for data in ({"other": str(a.id)}, {"other": str(stranger.id)}, {"other": "x"}, {}):
        resp = client.post(f"/admin/attendees/{a.id}/merge", data=data, follow_redirects=True)
        assert resp.status_code == 200
        assert "Hãy chọn" in resp.get_data(as_text=True), data
    client.post(f"/admin/attendees/{b.id}/cancel", data={"reason": "Không dự"})
    resp = client.post(f"/admin/attendees/{b.id}/merge", data={"other": str(a.id)}, follow_redirects=True)
    assert "phải đang trong danh sách mời" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attendee, a.id).status == "invited" and not _audits("merge_attendee")


def test_forms_need_the_csrf_token_and_user_text_is_escaped(csrf_app):
    import re as _re

    from tests.factories import make_user

    client = csrf_app.test_client()
    ev = make_event()
    make_user("boss", "admin")

    def token(url: str) -> str:
        return _re.search(r'name="csrf-token" content="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)

    assert (
        client.post(
            "/login", data={"username": "boss", "password": "secret-pass-123", "csrf_token": token("/login")}
        ).status_code
        == 302
    )
    a, b = attendees(ev)[0], attendees(ev)[1]
    for url, data in (
        (f"/admin/attendees/{a.id}/cancel", {"reason": "x"}),
        (f"/admin/attendees/{a.id}/restore", {}),
        (f"/admin/attendees/{a.id}/merge", {"other": str(b.id)}),
        (f"/admin/attendees/{a.id}/edit", _form(a, full_name="Khác")),
    ):
        assert client.post(url, data=data).status_code == 400, url
    db.session.expire_all()
    assert db.session.get(Attendee, a.id).status == "invited" and db.session.get(Attendee, b.id).status == "invited"
    assert db.session.get(Attendee, a.id).full_name == "Nguyễn Văn An"
    # with the token: a cancel reason with markup is shown escaped
    t = token(f"/admin/attendees/{a.id}/edit")
    client.post(f"/admin/attendees/{a.id}/cancel", data={"reason": "<script>x()</script>", "csrf_token": t})
    html = client.get(f"/admin/attendees/{a.id}/edit").get_data(as_text=True)
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html


def test_offline_kiosk_says_revoked_for_a_cancelled_badge(client, event, kiosk_token):
    from kiosk.verify import Snapshot, verify_local
    from models.services.person_changes import cancel_attendee

    person = attendees(event)[0]
    code = person.current_badge.code
    assert verify_local(code, Snapshot.from_json(_snapshot(client, kiosk_token))).result == "ok"
    cancel_attendee(person, "Vắng", actor="test")
    db.session.commit()
    assert verify_local(code, Snapshot.from_json(_snapshot(client, kiosk_token))).result == "revoked"


def test_merge_a_record_cancelled_before(client, auth, event):
    auth.as_role("admin")
    keep, dup = attendees(event)[0], attendees(event)[4]
    check_in(event_id=event.id, attendee_id=dup.id, scan_id="early", station="Bàn")
    client.post(f"/admin/attendees/{dup.id}/cancel", data={"reason": "Trùng"})
    resp = client.post(f"/admin/attendees/{keep.id}/merge", data={"other": str(dup.id)})
    assert resp.status_code == 302
    db.session.expire_all()
    d, k = db.session.get(Attendee, dup.id), db.session.get(Attendee, keep.id)
    assert d.status == "cancelled" and d.merged_into_id == k.id and d.cancel_reason == f"gộp vào #{k.id}"
    assert k.checked_in_at is not None
    assert db.session.scalar(select(CheckIn.attendee_id).where(CheckIn.scan_id == "early")) == k.id
