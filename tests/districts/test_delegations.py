"""Domain rules of district delegations: links, quotas, the deadline, duplicates, review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.accounts.models import AuditLog
from models.core.base import db
from models.core.timeutil import utcnow
from models.districts import delegations as ds
from models.guests.models import Attendee
from tests.districts.conftest import nomination, setup_districts


@pytest.fixture(autouse=True)
def _request(app):
    """Messages are translated lazily (Flask-Babel needs a request to pick the language)."""
    with app.test_request_context():
        yield


def count(**where) -> int:
    stmt = select(func.count()).select_from(Attendee)
    for k, v in where.items():
        stmt = stmt.where(getattr(Attendee, k) == v)
    return db.session.scalar(stmt)


def test_token_names_the_link_and_forgeries_fail(app, event):
    s = setup_districts(event)
    assert ds.link_from_token(s.token_a, app.secret_key).id == s.link_a.id
    assert ds.link_from_token(s.token_b, app.secret_key).district_id == s.b.id
    forged = s.token_a[:-3] + ("AAA" if s.token_a[-3:] != "AAA" else "BBB")
    for bad in (forged, "x", "", "a" * 1000, s.token_a + "x"):
        with pytest.raises(ds.LinkError) as exc:
            ds.link_from_token(bad, app.secret_key)
        assert exc.value.code == "invalid"
    with pytest.raises(ds.LinkError) as exc:
        ds.link_from_token(s.token_a, "another-secret-key")
    assert exc.value.code == "invalid"


def test_revoked_and_replaced_links_stop_working(app, event):
    s = setup_districts(event)
    ds.revoke_link(s.link_a)
    db.session.commit()
    with pytest.raises(ds.LinkError) as exc:
        ds.link_from_token(s.token_a, app.secret_key)
    assert exc.value.code == "revoked"
    old_b = s.token_b
    new = ds.new_link(s.b)
    db.session.commit()
    with pytest.raises(ds.LinkError):
        ds.link_from_token(old_b, app.secret_key)
    assert ds.link_from_token(ds.district_token(new, app.secret_key), app.secret_key).id == new.id


def test_expired_token(app, event):
    s = setup_districts(event)
    with pytest.raises(ds.LinkError) as exc:
        ds.link_from_token(s.token_a, app.secret_key, max_age=-1)
    assert exc.value.code == "expired"


def test_nomination_validates_like_the_guest_list(app, event):
    s = setup_districts(event)
    before = count()
    with pytest.raises(ds.NominationError) as exc:
        ds.save_nomination(s.link_a, nomination(s.guests.id, full_name="  ", phone="12ab"))
    assert exc.value.code == "invalid"
    assert exc.value.fields["full_name"] == "Thiếu họ tên"
    assert "Số điện thoại không hợp lệ" in exc.value.fields["phone"]
    with pytest.raises(ds.NominationError) as exc:
        ds.save_nomination(s.link_a, nomination(s.guests.id, full_name="A" * 201))
    assert "quá dài" in exc.value.fields["full_name"]
    with pytest.raises(ds.NominationError) as exc:
        ds.save_nomination(s.link_a, nomination(99999))
    assert "group" in exc.value.fields
    # a group without a quota row for this district is not offered
    with pytest.raises(ds.NominationError):
        ds.save_nomination(s.link_a, nomination(s.leaders.id))
    db.session.rollback()
    assert count() == before
    p = ds.save_nomination(
        s.link_a, nomination(s.guests.id, full_name="  phạm   thị hồng nhung ", phone="+84 912.345.678")
    )
    db.session.commit()
    assert (p.status, p.nominated_by_id, p.district_id, p.source) == ("nominated", s.a.id, s.a.id, "district")
    assert p.full_name == "Phạm Thị Hồng Nhung" and p.phone == "0912345678"  # stored as digits
    assert p.seat_id is None and p.current_badge is None


def test_quota_over_is_flagged_not_dropped(app, event):
    s = setup_districts(event, quota=2)
    people = [
        ds.save_nomination(s.link_a, nomination(s.guests.id, full_name=f"Nguyễn Văn {n}", phone=""))
        for n in ("An", "Bình", "Cường")
    ]
    db.session.commit()
    row = next(r for r in ds.quota_rows(s.a) if r.group.id == s.guests.id)
    assert (row.quota, row.used, row.over) == (2, 3, 1)
    assert ds.over_quota_ids(s.a) == {people[2].id}
    assert len(ds.nominations(s.a)) == 3
    # accepting the third first: it now counts first, so another pending one is flagged instead
    ds.accept(people[2])
    db.session.commit()
    assert ds.over_quota_ids(s.a) == {people[1].id}
    # a returned nomination frees its place
    ds.return_nomination(people[1], "Đề nghị bổ sung chức vụ")
    db.session.commit()
    assert ds.over_quota_ids(s.a) == set()
    # district B's quota is its own
    assert next(r for r in ds.quota_rows(s.b) if r.group.id == s.guests.id).used == 0


def test_deadline_makes_it_read_only(app, event):
    s = setup_districts(event, deadline=utcnow() + timedelta(hours=1))
    p = ds.save_nomination(s.link_a, nomination(s.guests.id))
    db.session.commit()
    later = utcnow() + timedelta(hours=2)
    assert ds.is_open(s.link_a) and not ds.is_open(s.link_a, later)
    with pytest.raises(ds.NominationError) as exc:
        ds.save_nomination(s.link_a, nomination(s.guests.id, full_name="Lê Văn Tám"), now=later)
    assert exc.value.code == "closed"
    with pytest.raises(ds.NominationError) as exc:
        ds.save_nomination(s.link_a, nomination(s.guests.id, position="Khác"), attendee_id=p.id, now=later)
    assert exc.value.code == "closed"
    with pytest.raises(ds.NominationError):
        ds.withdraw_nomination(s.link_a, p.id, now=later)
    db.session.rollback()
    assert count(nominated_by_id=s.a.id) == 1
    assert db.session.get(Attendee, p.id).position == "Chủ tịch UBND xã"


def test_same_person_from_two_districts(app, event):
    s = setup_districts(event)
    ds.save_nomination(s.link_a, nomination(s.guests.id))
    db.session.commit()
    # the same folded name, same phone written differently, other district
    with pytest.raises(ds.NominationError) as exc:
        ds.save_nomination(
            s.link_b,
            nomination(s.guests.id, full_name="PHẠM THỊ HỒNG NHUNG", phone="+84912345678", organisation="Khác"),
        )
    assert exc.value.code == "duplicate"
    assert "TP Nha Trang" in str(exc.value.message) and "đề cử" in str(exc.value.message)
    # same name + same organisation, no phone
    with pytest.raises(ds.NominationError):
        ds.save_nomination(s.link_b, nomination(s.guests.id, phone="", organisation="ubnd xa cam hai tay"))
    # same district twice
    with pytest.raises(ds.NominationError) as exc:
        ds.save_nomination(s.link_a, nomination(s.guests.id))
    assert "đã có trong danh sách đề cử của đơn vị" in str(exc.value.message)
    # already on the organiser's guest list (factory person: Nguyễn Văn An, Sở Tài chính, 0905123456)
    with pytest.raises(ds.NominationError) as exc:
        ds.save_nomination(s.link_b, nomination(s.guests.id, full_name="Nguyen Van An", phone="0905 123 456"))
    assert str(exc.value.message).startswith("Ông Nguyễn Văn An đã có trong danh sách khách mời")
    db.session.rollback()
    assert count(nominated_by_id=s.b.id) == 0
    # a namesake with another phone and organisation is someone else
    ds.save_nomination(s.link_b, nomination(s.guests.id, phone="0987 000 111", organisation="HTX Cam Thành Nam"))
    db.session.commit()
    assert count(nominated_by_id=s.b.id) == 1


def test_officer_cannot_touch_another_districts_row(app, event):
    s = setup_districts(event)
    theirs = ds.save_nomination(s.link_b, nomination(s.guests.id))
    db.session.commit()
    with pytest.raises(ds.NominationError) as exc:
        ds.save_nomination(s.link_a, nomination(s.guests.id, full_name="Kẻ Lạ"), attendee_id=theirs.id)
    assert exc.value.code == "not_yours"
    with pytest.raises(ds.NominationError):
        ds.withdraw_nomination(s.link_a, theirs.id)
    # an organiser's delegate is not the district's either
    staff = db.session.scalars(select(Attendee).where(Attendee.nominated_by_id.is_(None))).first()
    with pytest.raises(ds.NominationError):
        ds.save_nomination(s.link_a, nomination(s.guests.id), attendee_id=staff.id)
    db.session.rollback()
    assert db.session.get(Attendee, theirs.id).full_name == "Phạm Thị Hồng Nhung"


def test_accept_joins_the_guest_list_with_seat_and_badge(app, event):
    s = setup_districts(event)
    p = ds.save_nomination(s.link_a, nomination(s.guests.id))
    db.session.commit()
    ds.accept(p, actor="user:admin")
    db.session.commit()
    p = db.session.get(Attendee, p.id)
    assert p.status == "invited" and p.seat is not None and p.current_badge is not None
    assert p.seat.label.startswith("A-")
    assert p in ds.delegation(s.a)
    # the officer can no longer edit or withdraw it
    with pytest.raises(ds.NominationError) as exc:
        ds.save_nomination(s.link_a, nomination(s.guests.id, position="x"), attendee_id=p.id)
    assert exc.value.code == "locked"
    with pytest.raises(ds.NominationError):
        ds.accept(p)
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.entity_id == p.id)))
    assert {"nominate", "accept_nomination"} <= actions


def test_returned_then_edited_goes_back_to_review(app, event):
    s = setup_districts(event)
    p = ds.save_nomination(s.link_a, nomination(s.guests.id, position=""))
    db.session.commit()
    with pytest.raises(ds.NominationError):
        ds.return_nomination(p, "   ")
    ds.return_nomination(p, "Thiếu chức vụ")
    db.session.commit()
    assert (p.status, p.nomination_comment) == ("returned", "Thiếu chức vụ")
    ds.save_nomination(s.link_a, nomination(s.guests.id, position="Phó Chủ tịch"), attendee_id=p.id)
    db.session.commit()
    assert (p.status, p.position) == ("nominated", "Phó Chủ tịch")
    audit_row = db.session.scalars(select(AuditLog).where(AuditLog.action == "edit_nomination")).one()
    assert audit_row.actor == f"district:{s.a.id}" and audit_row.detail["changed"]["position"] == ["", "Phó Chủ tịch"]


def test_flood_guard_caps_a_district(app, event, monkeypatch):
    s = setup_districts(event)
    monkeypatch.setattr(ds, "MAX_NOMINATIONS", 3)
    for i in range(3):
        ds.save_nomination(s.link_a, nomination(s.guests.id, full_name=f"Trần Văn {i}", phone=""))
    with pytest.raises(ds.NominationError) as exc:
        ds.save_nomination(s.link_a, nomination(s.guests.id, full_name="Trần Văn Z", phone=""))
    assert exc.value.code == "too_many"


def test_accept_within_quota_leaves_the_over_quota_pending(app, event):
    s = setup_districts(event, quota=2)
    people = [
        ds.save_nomination(s.link_a, nomination(s.guests.id, full_name=f"Phan Văn {n}", phone=""))
        for n in ("Một", "Hai", "Ba")
    ]
    db.session.commit()
    assert ds.accept_within_quota(s.a) == 2
    db.session.commit()
    assert [p.status for p in people] == ["invited", "invited", "nominated"]
    assert all(p.seat_id and p.current_badge for p in people[:2])
    assert ds.over_quota_ids(s.a) == {people[2].id}


def test_demo_delegations(app):
    from models.demo.districts import prepare_demo_delegations
    from models.demo.load import load_demo

    ev, _ = load_demo(with_users=False)  # load_demo prepares the delegations itself
    assert all(ds.current_link(d) is not None for d in ev.districts)
    assert prepare_demo_delegations(ev) == 0  # idempotent
    first = ev.districts[0]
    rows = {r.group.code: r for r in ds.quota_rows(first)}
    assert rows["doanh-nghiep"].quota >= 1 and len(ds.nominations(first)) == 2
    assert len(ds.over_quota_ids(first)) == 1
    assert all(ds.current_link(d) is not None for d in ev.districts)
