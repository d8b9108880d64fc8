"""Events (issue 13): new-event from nothing, from the ocop-review template and from an earlier
event (with guests); events; use-event; delete-demo; --event on report and export-attendees.
Every command through the real Flask CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import time
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from models import codes
from models.accounts.models import AuditLog, User
from models.ceremony.models import Award, AwardTier
from models.checkin.models import CheckIn
from models.core.base import db
from models.events.models import Event, EventKey, Group, ProgrammeItem
from models.events.service import current_event, keyring
from models.exhibition.models import Exhibitor, ExhibitTable
from models.guests.models import Attendee, Badge
from models.hall.models import Block, Seat
from models.units.models import District
from tests import factories

OCOP = [
    "new-event",
    "--name",
    "Hội nghị tổng kết Chương trình OCOP năm 2025",
    "--date",
    "2026-05-21",
    "--venue",
    "Trung tâm Hội nghị tỉnh, Nha Trang",
    "--allow-past",  # 21 May 2026 has passed: entered for the records (issue 21 item 9)
]


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_new_event_from_the_template(runner):
    r = runner.invoke(args=[*OCOP, "--template", "ocop-review"])
    assert r.exit_code == 0, r.output
    ev = current_event()
    assert ev.slug == "hoi-nghi-tong-ket-chuong-trinh-ocop-nam-2025-2026" and ev.slug in r.output
    assert ev.name == "Hội nghị tổng kết Chương trình OCOP năm 2025" and not ev.is_demo
    assert str(ev.date) == "2026-05-21" and ev.venue.startswith("Trung tâm")
    # its own key pair, which verifies nothing else
    keys = db.session.scalars(select(EventKey).where(EventKey.event_id == ev.id)).all()
    assert len(keys) == 1 and keys[0].active
    # the seed's groups with colours and priorities, post-reform units: none made
    groups = {g.code: g for g in ev.groups}
    assert len(groups) == 12 and groups["lanh-dao-tinh"].is_leader and groups["bao-chi"].is_press
    assert groups["nhan-vien-gian-hang"].is_exhibitor_staff
    assert [g.priority for g in ev.groups] == sorted(g.priority for g in ev.groups)
    assert all(g.color.startswith("#") and len(g.color) == 7 for g in ev.groups)
    assert ev.unit_level == "xã, phường, đặc khu" and ev.unit_label == "Xã/phường"
    assert ev.parent_body == "UBND TỈNH KHÁNH HÒA" and ev.stage_capacity == 10
    assert count(District, District.event_id == ev.id) == 0
    # the seven items of section III.2, with times, the award segment among them; years filled
    items = db.session.scalars(
        select(ProgrammeItem).where(ProgrammeItem.event_id == ev.id).order_by(ProgrammeItem.position)
    ).all()
    assert len(items) == 7 and items[0].planned_start == time(8, 10)
    assert "năm 2025" in items[0].title and "năm 2026" in items[2].title
    assert [i.kind for i in items].count("awards") == 1 and items[3].kind == "awards"
    assert items[-1].title == "Bế mạc Hội nghị"
    tiers = db.session.scalars(
        select(AwardTier).where(AwardTier.event_id == ev.id).order_by(AwardTier.sort_order)
    ).all()
    assert [(t.stars, t.kind) for t in tiers] == [(5, "certificate"), (4, "certificate"), (3, "flowers")]
    assert tiers[0].recognised_by == "Bộ Nông nghiệp và Môi trường"
    # a 250-seat hall with blocks reserved for groups; no invented person, exhibitor or award
    assert count(Seat, Seat.event_id == ev.id) == 250
    centre = db.session.scalar(select(Block).where(Block.event_id == ev.id, Block.code == "B"))
    assert "lanh-dao-tinh" in {g.code for g in centre.groups}
    assert count(Attendee) == count(Exhibitor) == count(Award) == 0
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "new_event")).actor == "cli"


def test_bad_input_writes_nothing(runner):
    runner.invoke(args=[*OCOP])
    before = count(Event), count(Group), count(AuditLog)
    bad = [
        ["new-event", "--name", "  ", "--date", "2026-05-21", "--venue", "Nha Trang"],
        ["new-event", "--name", "X", "--date", "21/05/2026", "--venue", "Nha Trang"],
        ["new-event", "--name", "X", "--date", "2026-02-30", "--venue", "Nha Trang"],
        ["new-event", "--name", "X", "--date", "2026-05-21", "--venue", ""],
        ["new-event", "--name", "X" * 301, "--date", "2026-05-21", "--venue", "Nha Trang"],
        [*OCOP, "--template", "hoi-cho"],
        [*OCOP, "--from-event", "khong-co"],
        [*OCOP, "--with-guests"],
        [*OCOP, "--template", "ocop-review", "--from-event", "hoi-nghi-tong-ket-chuong-trinh-ocop-nam-2025-2026"],
        ["use-event", "khong-co"],
    ]
    for args in bad:
        r = runner.invoke(args=args)
        assert r.exit_code != 0, args
        assert any(w in r.output for w in ("Lỗi", "Vui lòng", "không phải ngày", "Không có")), r.output
    assert (count(Event), count(Group), count(AuditLog)) == before
    # the same name again gets its own slug
    r = runner.invoke(args=OCOP)
    assert r.exit_code == 0 and "2026-2" in r.output


def test_events_and_use_event(runner, app):
    from models.demo.load import load_demo

    load_demo(with_users=False)
    assert runner.invoke(args=OCOP).exit_code == 0
    out = runner.invoke(args=["events"]).output
    lines = [line for line in out.splitlines() if "ocop" in line]
    current = [line for line in lines if line.startswith("*")]
    assert len(current) == 1 and "nam-2025-2026" in current[0]
    demo = next(line for line in lines if "ocop-khanh-hoa-2024" in line)
    assert "DEMO" in demo and " 285 " in demo
    r = runner.invoke(args=["use-event", "ocop-khanh-hoa-2024"])
    assert r.exit_code == 0, r.output
    assert current_event().slug == "ocop-khanh-hoa-2024"
    assert count(Event, Event.is_current.is_(True)) == 1
    assert "ocop-review" in runner.invoke(args=["events", "--templates"]).output


def _earlier_event():
    """An earlier event with a disabled seat, an exhibit table, a tier, a programme item, a
    cancelled guest and one guest checked in."""
    from models.checkin.checkin import check_in

    ev = factories.make_event(people=5, slug="hoi-nghi-2025")
    ev.parent_body, ev.unit_label = "UBND TỈNH KHÁNH HÒA", "Huyện"
    ev.short_name = "Hội nghị OCOP 2025"
    district = ev.districts[0]
    db.session.add(ExhibitTable(district_id=district.id, number=1, label="Khu A-1"))
    db.session.add(AwardTier(event_id=ev.id, code="4-sao", name="Giấy chứng nhận 4 sao", stars=4, sort_order=1))
    db.session.add(ProgrammeItem(event_id=ev.id, position=1, title="Khai mạc", planned_start=time(8, 0)))
    seat = db.session.scalar(select(Seat).where(Seat.event_id == ev.id, Seat.label == "A-02-10"))
    seat.disabled = True
    people = factories.attendees(ev)
    people[4].status = "cancelled"
    db.session.commit()
    check_in(event_id=ev.id, scan_id="old-1", station="Cổng", code=people[0].current_badge.code)
    return ev, people


def test_from_event_with_guests_and_old_badges_are_wrong_event(runner, client, kiosk_token):
    old, people = _earlier_event()
    old_code = people[1].current_badge.code
    r = runner.invoke(
        args=[
            "new-event",
            "--name",
            "Hội nghị 2026",
            "--date",
            "2026-05-21",
            "--venue",
            "Nha Trang",
            "--from-event",
            "hoi-nghi-2025",
            "--with-guests",
            "--allow-past",
        ]
    )
    assert r.exit_code == 0, r.output
    ev = current_event()
    assert ev.slug == "hoi-nghi-2026" and ev.id != old.id and ev.tag != old.tag
    assert ev.parent_body == "UBND TỈNH KHÁNH HÒA" and ev.unit_label == "Huyện"
    assert ev.short_name == ""  # last year's short name would show on this year's stage
    # structure copied: groups, unit with its table, hall with reservations and disabled seat
    assert {g.code for g in ev.groups} == {"leaders", "guests"}
    assert [d.name for d in ev.districts] == ["TP Nha Trang"]
    assert count(ExhibitTable, ExhibitTable.district_id == ev.districts[0].id) == 1
    assert count(Seat, Seat.event_id == ev.id) == count(Seat, Seat.event_id == old.id) == 20
    block = db.session.scalar(select(Block).where(Block.event_id == ev.id))
    assert [g.code for g in block.groups] == ["leaders"] and block.groups[0].event_id == ev.id
    assert db.session.scalar(select(Seat.disabled).where(Seat.event_id == ev.id, Seat.label == "A-02-10"))
    assert count(AwardTier, AwardTier.event_id == ev.id) == 1
    assert count(ProgrammeItem, ProgrammeItem.event_id == ev.id) == 1
    # guests: the four invited ones, no seats, no check-ins, one new badge each (new key)
    guests = factories.attendees(ev)
    assert sorted(a.full_name for a in guests) == sorted(p.full_name for p in people[:4])
    assert all(a.seat_id is None and a.checked_in_at is None for a in guests)
    assert all(a.group.event_id == ev.id and a.district.event_id == ev.id for a in guests)
    assert count(CheckIn, CheckIn.event_id == ev.id) == 0
    ring = keyring()
    for a in guests:
        (badge,) = a.badges
        assert codes.verify_code(badge.code, ring, event_tag=ev.tag).attendee_id == a.id
    # the earlier event is still there, readable, not current
    db.session.refresh(old)
    assert not old.is_current and count(Attendee, Attendee.event_id == old.id) == 5
    # at the door: last year's badge says wrong_event, this year's is welcome
    headers = {"Authorization": f"Bearer {kiosk_token}"}
    resp = client.post(
        "/api/v1/checkins", headers=headers, json={"code": old_code, "station": "Cổng 1", "scan_id": "w-1"}
    )
    assert resp.status_code == 200 and resp.get_json()["result"] == "wrong_event"
    new_code = next(a for a in guests if a.full_name == people[1].full_name).badges[0].code
    resp = client.post(
        "/api/v1/checkins", headers=headers, json={"code": new_code, "station": "Cổng 1", "scan_id": "w-2"}
    )
    assert resp.get_json()["result"] == "ok"
    assert resp.get_json()["attendee"]["name"] == people[1].full_name


def test_reports_of_an_earlier_event(runner, tmp_path):
    old, people = _earlier_event()
    assert (
        runner.invoke(
            args=[
                "new-event",
                "--name",
                "Hội nghị 2026",
                "--date",
                "2026-05-21",
                "--venue",
                "Nha Trang",
                "--allow-past",
            ]
        ).exit_code
        == 0
    )
    out = tmp_path / "old.xlsx"
    r = runner.invoke(args=["export-attendees", "--out", str(out), "--event", "hoi-nghi-2025"])
    assert r.exit_code == 0, r.output
    text = " ".join(str(c.value) for ws in load_workbook(out) for row in ws.iter_rows() for c in row if c.value)
    assert people[0].full_name in text and people[1].full_name in text
    out = tmp_path / "now.xlsx"
    assert runner.invoke(args=["export-attendees", "--out", str(out)]).exit_code == 0
    now = " ".join(str(c.value) for ws in load_workbook(out) for row in ws.iter_rows() for c in row if c.value)
    assert people[0].full_name not in now
    pdf = tmp_path / "old.pdf"
    r = runner.invoke(args=["report", "--out", str(pdf), "--event", "hoi-nghi-2025"])
    assert r.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf.read_bytes())).pages
    assert old.name in " ".join(p.extract_text() for p in pages).replace("\n", " ")
    r = runner.invoke(args=["report", "--out", str(pdf), "--event", "khong-co"])
    assert r.exit_code == 1 and "khong-co" in r.output


def test_delete_demo(runner, app):
    r = runner.invoke(args=["seed-demo"])
    assert r.exit_code == 0, r.output
    demo = current_event()
    assert demo.is_demo and demo.issuing_body == "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
    path = Path(app.instance_path) / "demo_logins.json"
    logins = json.loads(path.read_text())
    # the organiser gave the demo "mc" login a real password: it stays
    mc = db.session.scalar(select(User).where(User.username == "mc"))
    mc.set_password("mat-khau-that-2026")
    db.session.commit()
    assert runner.invoke(args=OCOP).exit_code == 0
    real = current_event()
    factories.make_user("to-chuc", "admin")
    r = runner.invoke(args=["delete-demo"])
    assert r.exit_code == 0, r.output
    assert "ocop-khanh-hoa-2024" in r.output and "admin, desk" in r.output and "mc" in r.output
    db.session.expire_all()
    assert count(Event) == 1 and current_event().id == real.id
    for model in (Attendee, Badge, CheckIn, Seat, Exhibitor, Award, District, Group):
        left = count(model, model.event_id == demo.id)
        assert left == 0, model
    assert count(ExhibitTable) == 0
    assert {u.username for u in db.session.scalars(select(User))} == {"mc", "to-chuc"}
    assert set(logins) == {"admin", "desk", "mc"} and not path.exists()
    # nothing left to delete: refused politely; make run does not bring the demo back
    r = runner.invoke(args=["delete-demo"])
    assert r.exit_code == 1 and "Không có sự kiện mẫu" in r.output
    runner.invoke(args=["use-event", real.slug])
    db.session.execute(db.delete(Event))
    db.session.commit()
    r = runner.invoke(args=["seed-demo", "--if-empty"])
    assert r.exit_code == 0 and "delete-demo" in r.output and count(Event) == 0
