"""Protocol (lễ tân), issue 21 items 1 and 2: precedence derived from titles by the event's
protocol table (defaults for every new event, edited on /admin/event/protocol, exported and
imported like the other structure lists), a typed precedence winning, seats from each block's
front-row centre on alternating sides, presenters and the MC's presenter list by rank."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models.ceremony.models import Award, AwardBatch, AwardTier
from models.ceremony.sequence import award_batches
from models.core.base import db
from models.events.models import Event, Group, ProtocolRank
from models.events.protocol import DEFAULT_RANKS, UNRANKED, Ranker
from models.events.service import create_event
from models.guests.models import Attendee
from models.seating.assignment import build_block, protocol_order, rank_seats
from models.services.event_setup import new_event
from tests.guests.helpers import xlsx

RANKER = Ranker(list(DEFAULT_RANKS))


@pytest.mark.parametrize(
    ("position", "organisation", "rank"),
    [
        ("Chủ tịch UBND tỉnh", "", 40),
        ("Chủ tịch Ủy ban nhân dân tỉnh", "", 40),
        ("CHỦ TỊCH UBND TỈNH KHÁNH HÒA", "", 40),
        ("chu tich ubnd tinh", "", 40),  # typed without accents
        ("Chủ tịch", "UBND tỉnh Khánh Hòa", 40),  # the body in the organisation
        ("Phó Chủ tịch UBND tỉnh", "", 90),
        ("PCT UBND tỉnh", "", 90),
        ("Phó Chủ tịch Thường trực UBND tỉnh", "", 80),
        ("Bí thư Tỉnh ủy", "", 20),
        ("Chủ tịch HĐND tỉnh", "", 30),
        ("Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh", "", 40),  # two offices: the more senior
        ("Uỷ viên Ban Thường vụ Tỉnh uỷ", "", 120),  # the old tone placement
        ("Phó GĐ Sở", "", 210),
        ("P. Giám đốc Sở Công Thương", "", 210),
        ("Giám đốc", "Sở Tài chính", 200),
        ("Phó Giám đốc", "Sở Nông nghiệp và Môi trường", 210),
        ("Vụ trưởng Vụ Kế hoạch", "Bộ Nông nghiệp và Môi trường", 140),  # a ministry above the departments
        ("Cục trưởng", "Bộ NN&MT", 140),
        ("Chủ tịch UBND xã Cam Hải Tây", "", 520),
        ("Phó Chủ tịch", "UBND phường Nha Trang", 540),
        ("Chủ tịch UBND P. Vĩnh Hải", "", 520),  # "P." before a name is a ward
        ("Chủ tịch UBMTTQ Việt Nam tỉnh", "", 100),
        # not the office itself
        ("Giám đốc Trung tâm Khuyến nông", "Sở Nông nghiệp và Môi trường", 420),
        ("Giám đốc Trung tâm Chuyển đổi số", "", 420),  # "số" is not "Sở"
        ("Thư ký Chủ tịch UBND tỉnh", "", UNRANKED),
        ("Nguyên Chủ tịch UBND tỉnh", "", UNRANKED),
        ("Chuyên viên Sở GD&ĐT", "", UNRANKED),
        ("Giám đốc", "Công ty TNHH Yến sào", UNRANKED),
        ("", "UBND tỉnh", UNRANKED),
    ],
)
def test_titles_give_ranks(position, organisation, rank):
    assert RANKER.rank(position, organisation) == rank


def test_vice_never_matches_the_office_itself():
    only_chairman = Ranker([("Chủ tịch", "UBND tỉnh", 40)])
    assert only_chairman.rank("Phó Chủ tịch UBND tỉnh") == UNRANKED
    assert only_chairman.rank("PCT UBND tỉnh") == UNRANKED
    assert only_chairman.rank("CT UBND tỉnh") == 40


def ranks(ev) -> list[tuple[str, str, int]]:
    return [
        tuple(r)
        for r in db.session.execute(
            select(ProtocolRank.position, ProtocolRank.body, ProtocolRank.rank)
            .where(ProtocolRank.event_id == ev.id)
            .order_by(ProtocolRank.id)
        )
    ]


def test_new_events_get_the_default_table_copies_get_theirs(app):
    plain = new_event(name="Hội nghị A", date=date(2026, 5, 21), venue="Nha Trang", allow_past=True)
    assert ranks(plain) == list(DEFAULT_RANKS)
    tpl = new_event(
        name="Hội nghị B", date=date(2026, 5, 21), venue="Nha Trang", template="ocop-review", allow_past=True
    )
    assert ranks(tpl) == list(DEFAULT_RANKS)
    line = db.session.scalar(
        select(ProtocolRank).where(ProtocolRank.event_id == tpl.id, ProtocolRank.position == "Thứ trưởng")
    )
    line.rank = 5
    db.session.flush()
    copy = new_event(name="Hội nghị C", date=date(2027, 5, 21), venue="Nha Trang", from_event=tpl.slug, allow_past=True)
    assert ("Thứ trưởng", "Bộ", 5) in ranks(copy) and len(ranks(copy)) == len(DEFAULT_RANKS)
    db.session.commit()


def protocol_hall(slug="protocol-test"):
    """Leaders in the centre block B (11 seats a row: B-01-06 is the centre), guests in C."""
    ev = create_event(slug=slug, name="Hội nghị lễ tân", date=date(2026, 5, 21), venue="Nha Trang")
    leaders = Group(event_id=ev.id, code="lanh-dao", name="Lãnh đạo tỉnh", priority=1, is_leader=True)
    guests = Group(event_id=ev.id, code="khach", name="Khách mời", priority=5)
    db.session.add_all([leaders, guests])
    db.session.flush()
    build_block(ev, code="A", name="Khu trái", rows=4, seats_per_row=7, x=0, side="left", aisle="last")
    build_block(ev, code="B", name="Khu giữa", rows=4, seats_per_row=11, x=9, groups=[leaders])
    build_block(ev, code="C", name="Khu phải", rows=4, seats_per_row=7, x=22, side="right", aisle="first")
    rank_seats(ev)
    db.session.commit()
    return ev


HEADER = ["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Thành phần"]
#: the office's list order: given names before the chairman's, the vice-chairmen first
LIST = [
    ["1", "Trần Văn An", "Phó Chủ tịch UBND tỉnh", "UBND tỉnh Khánh Hòa", "Lãnh đạo tỉnh"],
    ["2", "Lê Thị Bình", "PCT UBND tỉnh", "UBND tỉnh Khánh Hòa", "Lãnh đạo tỉnh"],
    ["3", "Nguyễn Văn Tâm", "Giám đốc", "Sở Nông nghiệp và Môi trường", "Lãnh đạo tỉnh"],
    ["4", "Phạm Quốc Cường", "Chủ tịch Ủy ban nhân dân tỉnh", "", "Lãnh đạo tỉnh"],
    ["5", "Võ Thị Dung", "Phó GĐ Sở", "Sở Tài chính", "Lãnh đạo tỉnh"],
]


def seats(ev) -> dict[str, str]:
    db.session.expire_all()
    return {
        a.full_name: a.seat.label
        for a in db.session.scalars(select(Attendee).where(Attendee.event_id == ev.id)).unique()
        if a.seat
    }


@pytest.fixture
def admin(client, auth):
    auth.as_role("admin")
    return client


def upload(client, data, name="ds.xlsx"):
    import io

    return client.post(
        "/admin/attendees/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(client, page: str):
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    return client.post("/admin/attendees/import/confirm", data={"token": token})


def test_a_list_without_precedence_is_seated_by_protocol(admin):
    ev = protocol_hall()
    resp = upload(admin, xlsx([HEADER, *LIST]))
    page = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 200
    # the preview shows each row's rank and the line that gave it
    assert re.search(r'data-good-line="5".*?data-rank="40" data-rank-source="title"', page, re.S)
    assert "theo chức vụ: Chủ tịch UBND tỉnh" in page
    assert re.search(r'data-good-line="2".*?data-rank="90"', page, re.S)
    assert confirm(admin, page).status_code == 302
    assert admin.post("/admin/seats/assign").status_code in (200, 302)
    got = seats(ev)
    assert got["Phạm Quốc Cường"] == "B-01-06"  # the Chairman at the centre of the front row
    # the vice-chairmen beside him, on his right (the next number) then his left; equal ranks
    # in Vietnamese name order (given name first: An before Bình)
    assert got["Trần Văn An"] == "B-01-07" and got["Lê Thị Bình"] == "B-01-05"
    assert got["Nguyễn Văn Tâm"] == "B-01-08" and got["Võ Thị Dung"] == "B-01-04"


def test_a_typed_precedence_wins(admin, runner, tmp_path):
    ev = protocol_hall()
    rows = [[*HEADER, "Thứ tự ưu tiên"], *[[*r, ""] for r in LIST]]
    rows[1][-1] = "1"  # the office put Trần Văn An (a vice-chairman) first
    path = tmp_path / "ds.xlsx"
    path.write_bytes(xlsx(rows))
    res = runner.invoke(args=["import-attendees", str(path), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "Phạm Quốc Cường: Chủ tịch Ủy ban nhân dân tỉnh → 40 (theo chức vụ: Chủ tịch UBND tỉnh)" in res.output
    assert (
        "Trần Văn An: Phó Chủ tịch UBND tỉnh · UBND tỉnh Khánh Hòa → 1 (ghi trong tệp; theo chức vụ: 90)" in res.output
    )
    assert "1 dòng ghi trong tệp, 4 dòng theo chức vụ" in res.output
    assert db.session.scalar(select(func.count(Attendee.id)).where(Attendee.event_id == ev.id)) == 0
    assert runner.invoke(args=["import-attendees", str(path)]).exit_code == 0
    assert runner.invoke(args=["assign-seats"]).exit_code == 0
    got = seats(ev)
    assert got["Trần Văn An"] == "B-01-06" and got["Phạm Quốc Cường"] == "B-01-07"
    an = db.session.scalar(select(Attendee).where(Attendee.full_name == "Trần Văn An"))
    assert an.precedence == 1 and an.precedence_typed
    # a later list without the column keeps the typed one; editing the table does not touch it
    runner.invoke(args=["import-attendees", str(_write(tmp_path, [HEADER, *LIST]))])
    db.session.expire_all()
    assert db.session.get(Attendee, an.id).precedence == 1


def _write(tmp_path, rows):
    path = tmp_path / "ds2.xlsx"
    path.write_bytes(xlsx(rows))
    return path


def people(ev) -> dict[str, Attendee]:
    db.session.expire_all()
    return {a.full_name: a for a in db.session.scalars(select(Attendee).where(Attendee.event_id == ev.id)).unique()}


def test_protocol_page_edit_rank_and_try_a_title(admin):
    ev = protocol_hall()
    confirm(admin, upload(admin, xlsx([HEADER, *LIST])).get_data(as_text=True))
    resp = admin.get("/admin/event/protocol")
    page = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 200 and "Thứ tự lễ tân" in page and "Phó Bí thư Thường trực" in page
    assert page.count("data-row=") == len(DEFAULT_RANKS)
    resp = admin.get("/admin/event/protocol?position=PCT+UBND+t%E1%BB%89nh&organisation=")
    assert 'data-trial-rank="90"' in resp.get_data(as_text=True)
    # the directors now above the vice-chairmen: the guests' ranks follow at once
    line = db.session.scalar(
        select(ProtocolRank).where(
            ProtocolRank.event_id == ev.id, ProtocolRank.position == "Giám đốc", ProtocolRank.body.like("Sở%")
        )
    )
    resp = admin.post(
        f"/admin/event/protocol/{line.id}/edit", data={"position": "Giám đốc", "body": line.body, "rank": "85"}
    )
    assert resp.status_code == 302
    assert people(ev)["Nguyễn Văn Tâm"].precedence == 85
    # a bad rank changes nothing
    resp = admin.post(f"/admin/event/protocol/{line.id}/edit", data={"position": "Giám đốc", "body": "", "rank": "x"})
    assert resp.status_code == 400 and "phải là số nguyên" in html.unescape(resp.get_data(as_text=True))
    # the same office and body twice is refused
    resp = admin.post("/admin/event/protocol/add", data={"position": "giam doc", "body": line.body, "rank": "3"})
    assert resp.status_code == 400 and "đã có" in html.unescape(resp.get_data(as_text=True))
    resp = admin.post(
        "/admin/event/protocol/add", data={"position": "Trưởng ban Chỉ đạo OCOP", "body": "", "rank": "7"}
    )
    assert resp.status_code == 302
    db.session.delete(db.session.get(ProtocolRank, line.id))
    db.session.commit()
    assert admin.post(f"/admin/event/protocol/{line.id}/delete").status_code == 404


def test_export_and_import_structure_protocol(runner, app, tmp_path):
    ev = protocol_hall()
    for name, position, org in (
        ("Phạm Quốc Cường", "Chủ tịch UBND tỉnh", ""),
        ("Lê Văn Sở", "Phó Giám đốc", "Sở Y tế"),
    ):
        a = Attendee(event_id=ev.id, position=position, organisation=org)
        a.set_name(name)
        db.session.add(a)
    db.session.commit()
    assert people(ev)["Lê Văn Sở"].precedence == 210  # derived when added
    out = tmp_path / "protocol.xlsx"
    r = runner.invoke(args=["export-structure", "protocol", "--out", str(out)])
    assert r.exit_code == 0 and f"{len(DEFAULT_RANKS)} dòng đã ghi" in r.output
    rows = [["" if c is None else c for c in row] for row in load_workbook(out).active.iter_rows(values_only=True)]
    assert rows[0] == ["Chức vụ", "Cơ quan", "Thứ tự ưu tiên"]
    for row in rows[1:]:
        if row[0] == "Phó Giám đốc" and row[1].startswith("Sở"):
            row[2] = 15
    rows.append(["Trưởng ban Chỉ đạo", "", 12])
    changed = tmp_path / "protocol2.xlsx"
    changed.write_bytes(xlsx(rows, title="BẢNG THỨ TỰ LỄ TÂN"))
    r = runner.invoke(args=["import-structure", "protocol", str(changed), "--dry-run"])
    assert r.exit_code == 0 and f"thêm mới 1, cập nhật {len(DEFAULT_RANKS)}" in r.output
    assert people(ev)["Lê Văn Sở"].precedence == 210
    r = runner.invoke(args=["import-structure", "protocol", str(changed)])
    assert r.exit_code == 0, r.output
    assert people(ev)["Lê Văn Sở"].precedence == 15  # re-derived from the imported table
    assert people(ev)["Phạm Quốc Cường"].precedence == 40
    # a bad row: every error listed, nothing written
    rows[3][2] = "ba"
    bad = tmp_path / "protocol3.xlsx"
    bad.write_bytes(xlsx(rows))
    r = runner.invoke(args=["import-structure", "protocol", str(bad)])
    assert r.exit_code == 1 and "Dòng 4" in r.output and "phải là số nguyên" in r.output
    assert (
        db.session.scalar(select(func.count(ProtocolRank.id)).where(ProtocolRank.event_id == ev.id))
        == len(DEFAULT_RANKS) + 1
    )


def test_edit_page_empty_precedence_follows_the_title(admin):
    ev = protocol_hall()
    a = Attendee(event_id=ev.id, position="Phó Chủ tịch UBND tỉnh", organisation="", precedence=3)
    a.set_name("Trần Văn An")
    db.session.add(a)
    db.session.commit()
    assert a.precedence_typed  # made with a precedence: a typed one
    data = {"full_name": "Trần Văn An", "position": "Chủ tịch UBND tỉnh", "precedence": ""}
    assert admin.post(f"/admin/attendees/{a.id}/edit", data=data).status_code == 302
    got = people(ev)["Trần Văn An"]
    assert (got.precedence, got.precedence_typed) == (40, False)
    page = admin.get(f"/admin/attendees/{a.id}/edit").get_data(as_text=True)
    assert 'data-precedence="derived"' in page and "theo chức vụ: 40" in page


def test_presenters_and_the_mc_list_follow_the_rank(client, auth):
    ev = protocol_hall()
    leaders = db.session.scalar(select(Group).where(Group.event_id == ev.id, Group.is_leader.is_(True)))
    for name, position in (
        ("Trần Văn An", "Phó Chủ tịch UBND tỉnh"),
        ("Nguyễn Văn Tâm", "Giám đốc Sở Công Thương"),
        ("Phạm Quốc Cường", "Chủ tịch UBND tỉnh"),
    ):
        a = Attendee(event_id=ev.id, position=position, group_id=leaders.id)
        a.set_name(name)
        db.session.add(a)
    recipient = Attendee(event_id=ev.id, position="Giám đốc HTX")
    recipient.set_name("Hồ Thị Hoa")
    db.session.add(recipient)
    db.session.flush()
    tiers = [
        AwardTier(event_id=ev.id, code=c, name=n, sort_order=i, stars=s)
        for i, (c, n, s) in enumerate((("5", "5 sao", 5), ("4", "4 sao", 4)))
    ]
    db.session.add_all(tiers)
    db.session.flush()
    for t in tiers:
        db.session.add(
            Award(event_id=ev.id, tier_id=t.id, product_name="Yến sào", entity_name="HTX", recipient_id=recipient.id)
        )
    db.session.flush()
    award_batches(ev)
    db.session.commit()
    batches = db.session.scalars(select(AwardBatch).where(AwardBatch.event_id == ev.id).order_by(AwardBatch.number))
    names = [db.session.get(Attendee, b.presenter_id).full_name for b in batches]
    assert names == ["Phạm Quốc Cường", "Trần Văn An"]  # the Chairman presents the highest tier
    auth.as_role("mc")
    listed = [p["name"] for p in client.get("/mc/presenters.json").get_json()]
    assert listed == ["Phạm Quốc Cường", "Trần Văn An", "Nguyễn Văn Tâm"]  # by rank, not by given name
    # the hand-out rebuilt once people arrive: the highest-ranked leader PRESENT presents first
    from models.core.timeutil import utcnow

    an = db.session.scalar(select(Attendee).where(Attendee.full_name == "Trần Văn An"))
    an.checked_in_at = utcnow()
    award_batches(ev)
    db.session.commit()
    batches = db.session.scalars(select(AwardBatch).where(AwardBatch.event_id == ev.id).order_by(AwardBatch.number))
    assert [db.session.get(Attendee, b.presenter_id).full_name for b in batches] == ["Trần Văn An", "Phạm Quốc Cường"]


def test_protocol_order_of_a_row():
    # 11 seats: 6 7 5 8 4 9 3 10 2 11 1; 12 seats: 6 7 5 8 … 1 12 (the first two straddle the centre)
    assert sorted(range(1, 12), key=lambda n: protocol_order(n, 11)) == [6, 7, 5, 8, 4, 9, 3, 10, 2, 11, 1]
    assert sorted(range(1, 13), key=lambda n: protocol_order(n, 12))[:4] == [6, 7, 5, 8]


def test_events_table_is_per_event(app):
    a = protocol_hall("p-a")
    b = protocol_hall("p-b")
    db.session.execute(db.update(ProtocolRank).where(ProtocolRank.event_id == a.id).values(rank=ProtocolRank.rank + 1))
    assert Ranker.of(a).rank("Chủ tịch UBND tỉnh") == 41 and Ranker.of(b).rank("Chủ tịch UBND tỉnh") == 40
    assert db.session.get(Event, b.id) is not None


def test_upgrade_gives_existing_events_the_table_and_keeps_typed_precedence(tmp_path):
    """An event made before this release: after the migration it has the default table, a
    precedence other than the old default stays as typed, the default one follows the title."""
    import sqlite3

    from flask_migrate import upgrade

    from admin.core.extensions import MIGRATIONS_DIR
    from app import create_app

    path = tmp_path / "old.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="d16a00000001")
        db.engine.dispose()
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO event (id, tag, slug, name, short_name, organiser, date, venue, address, planned_seats,"
        " timezone, stage_capacity, is_current, created_at, is_demo, parent_body, issuing_body, unit_level,"
        " unit_label, logo_mime, letter_number, letter_place, signer_authority, signer_title, signer_name,"
        " letter_recipients) VALUES (1, 7, 'old', 'Cũ', '', '', '2025-05-22', '', '', 250, 'Asia/Ho_Chi_Minh',"
        " 10, 1, '2025-01-01', 0, '', '', '', '', '', '', '', '', '', '', '')"
    )
    for i, (position, prec) in enumerate((("Phó Chủ tịch UBND tỉnh", 1), ("Chủ tịch UBND tỉnh", 1000))):
        con.execute(
            "INSERT INTO attendee (event_id, honorific, full_name, name_key, sort_key, position, organisation,"
            " phone, email, precedence, status, source, is_walk_in, nomination_comment, notes, cancel_reason,"
            " created_at, updated_at) VALUES (1, '', ?, '', '', ?, '', '', '', ?, 'invited', 'admin', 0, '', '',"
            " '', '2025-01-01', '2025-01-01')",
            (f"Người {i}", position, prec),
        )
    con.commit()
    con.close()
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        ev = db.session.get(Event, 1)
        assert ranks(ev) == list(DEFAULT_RANKS)
        from models.guests.precedence import refresh_precedence

        refresh_precedence(ev)
        got = {a.position: (a.precedence, a.precedence_typed) for a in db.session.scalars(select(Attendee))}
        assert got == {"Phó Chủ tịch UBND tỉnh": (1, True), "Chủ tịch UBND tỉnh": (40, False)}
        db.session.remove()
        db.engine.dispose()
