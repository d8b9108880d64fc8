"""Awards as data: .xlsx import (all or nothing), creation from rated products, and the
organiser's page (/admin/awards): rebuild, move, presenter, locked after the start."""

import io
import re

from openpyxl import Workbook

from models.ceremony.awards_import import awards_from_products, import_awards
from models.ceremony.live import mc_action
from models.ceremony.models import Award, AwardBatch
from models.ceremony.sequence import award_batches
from models.core.base import db
from models.exhibition.models import Exhibitor, Product
from models.guests.models import Attendee
from tests.ceremony.helpers import ceremony_event, person


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEADER = ["Sản phẩm", "Chủ thể", "Huyện", "Hạng", "Người nhận", "Đơn vị"]


def test_import_creates_awards_and_batches(app):
    ev = ceremony_event(three_star=0)
    before = db.session.scalar(db.select(db.func.count(Award.id)))
    r = person(ev, "Hồ Thị Lan", org="HTX Yến Cam Lâm")
    db.session.commit()
    data = _xlsx(
        [
            HEADER,
            ["Yến sào chưng", "HTX Yến Cam Lâm", "TP Cam Ranh", "4 sao", "Hồ Thị Lan", ""],
            ["Mật ong rừng", "Tổ hợp tác Khánh Sơn", "Vạn Ninh", 3, "", ""],
            [None, None, None, None, None, None],
        ]
    )
    report = import_awards(ev, data, actor="test")
    db.session.commit()
    assert report.ok and (report.created, report.updated) == (2, 0)
    new = db.session.scalars(db.select(Award).where(Award.product_name == "Yến sào chưng")).one()
    assert new.recipient_id == r.id and new.tier.stars == 4 and new.district.name == "TP Cam Ranh"
    assert new.batch_id is not None
    honey = db.session.scalars(db.select(Award).where(Award.product_name == "Mật ong rừng")).one()
    assert honey.recipient_id is None and honey.district.name == "Huyện Vạn Ninh"
    assert db.session.scalar(db.select(db.func.count(Award.id))) == before + 2
    # importing again finds the same awards instead of duplicating: nothing changed
    report = import_awards(ev, data)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


def test_bad_rows_write_nothing(app):
    ev = ceremony_event(three_star=0)
    before = db.session.scalar(db.select(db.func.count(Award.id)))
    data = _xlsx(
        [HEADER, ["Yến sào", "HTX A", "TP Cam Ranh", "4", "", ""], ["", "HTX B", "Hà Nội", "7 sao", "Không Có Ai", ""]]
    )
    report = import_awards(ev, data)
    db.session.rollback()
    assert not report.ok
    ((row, msg),) = report.errors
    assert row == 3
    for part in ("thiếu tên sản phẩm", "hạng", "Hà Nội", "Không Có Ai"):
        assert part in msg
    assert db.session.scalar(db.select(db.func.count(Award.id))) == before
    for junk in (b"", b"PK\x03\x04 not a zip", "Sản phẩm".encode()):
        assert not import_awards(ev, junk).ok
    assert not import_awards(ev, _xlsx([["Tên", "Số"], ["a", 1]])).errors[0][1].startswith("Dòng")


def test_namesakes_need_the_organisation(app):
    ev = ceremony_event(three_star=0)
    a = person(ev, "Lê Văn Tám", org="HTX Một")
    person(ev, "Lê Văn Tám", org="HTX Hai")
    db.session.commit()
    report = import_awards(ev, _xlsx([HEADER, ["SP", "HTX Một", "", "3", "Lê Văn Tám", ""]]))
    assert not report.ok and "Đơn vị" in report.errors[0][1]
    db.session.rollback()
    report = import_awards(ev, _xlsx([HEADER, ["SP", "HTX Một", "", "3", "Lê Văn Tám", "HTX Một"]]))
    assert report.ok
    assert db.session.scalars(db.select(Award).where(Award.product_name == "SP")).one().recipient_id == a.id


def test_awards_from_rated_products(app):
    ev = ceremony_event(three_star=0)
    contact = person(ev, "Phạm Thị Hoa", org="HTX Nước mắm Cam Ranh")
    ex = Exhibitor(event_id=ev.id, name="HTX Nước mắm Cam Ranh", contact_name="Phạm Thị Hoa", status="approved")
    ex.products = [
        Product(name="Nước mắm nhĩ", stars=4),
        Product(name="Mắm ruốc", stars=3),
        Product(name="Chả cá (tiềm năng)", stars=None),
    ]
    rejected = Exhibitor(event_id=ev.id, name="Bị từ chối", status="rejected")
    rejected.products = [Product(name="X", stars=5)]
    db.session.add_all([ex, rejected])
    db.session.commit()
    assert awards_from_products(ev) == 2
    made = db.session.scalars(db.select(Award).where(Award.product_id.is_not(None))).all()
    assert {(a.product_name, a.tier.stars, a.recipient_id) for a in made} == {
        ("Nước mắm nhĩ", 4, contact.id),
        ("Mắm ruốc", 3, contact.id),
    }
    assert awards_from_products(ev) == 0  # idempotent


def test_admin_page_rebuild_move_presenter_and_lock(client, auth, app):
    ev = ceremony_event(three_star=12)
    award_batches(ev)
    db.session.commit()
    auth.as_role("mc")
    assert client.get("/admin/awards").status_code == 403
    client.post("/logout")
    auth.as_role("admin")
    html = client.get("/admin/awards").get_data(as_text=True)
    assert html.count("data-batch=") == 4 and 'name="csrf_token"' in html
    r = client.post("/admin/awards/batches", data={"capacity": "3"}, follow_redirects=True)
    assert r.status_code == 200
    assert db.session.scalar(db.select(db.func.count(AwardBatch.id))) == 1 + 1 + 4
    r = client.post("/admin/awards/batches", data={"capacity": "abc"}, follow_redirects=True)
    assert "phải là một số" in r.get_data(as_text=True)
    last = db.session.scalars(db.select(Award).order_by(Award.position.desc())).first()
    pos = last.position
    client.post(f"/admin/awards/{last.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert last.position == pos - 1
    batch = db.session.scalars(db.select(AwardBatch).order_by(AwardBatch.number)).first()
    other = db.session.scalars(db.select(Attendee).where(Attendee.full_name.like("Lãnh Đạo%"))).first()
    client.post(f"/admin/awards/batch/{batch.id}/presenter", data={"attendee_id": str(other.id)})
    db.session.expire_all()
    assert batch.presenter_id == other.id
    r = client.post(f"/admin/awards/batch/{batch.id}/presenter", data={"attendee_id": "x"}, follow_redirects=True)
    assert "không hợp lệ" in r.get_data(as_text=True) or "không có trong" in r.get_data(as_text=True)
    # the hand-out starts: order locked, the page says so and refuses changes
    v = int(re.search(r'data-version="(\d+)"', client.get("/mc/").get_data(as_text=True)).group(1))
    assert mc_action(ev, "start", v).outcome == "ok"
    assert mc_action(ev, "start", v + 1).outcome == "ok"
    before = [(a.id, a.position) for a in db.session.scalars(db.select(Award).order_by(Award.id))]
    r = client.post("/admin/awards/batches", data={"capacity": "10"}, follow_redirects=True)
    assert "đã bắt đầu" in r.get_data(as_text=True)
    r = client.post(f"/admin/awards/{last.id}/move", data={"direction": "up"}, follow_redirects=True)
    assert "đã bắt đầu" in r.get_data(as_text=True)
    db.session.expire_all()
    assert [(a.id, a.position) for a in db.session.scalars(db.select(Award).order_by(Award.id))] == before


def test_admin_upload(client, auth, app):
    ceremony_event(three_star=0)
    auth.as_role("admin")
    data = _xlsx([HEADER, ["Tỏi Lý Sơn", "HTX Tỏi", "TP Cam Ranh", "3 sao", "", ""]])
    r = client.post(
        "/admin/awards/import",
        data={"file": (io.BytesIO(data), "giai.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Đã nhập 1 giải mới" in r.get_data(as_text=True)
    r = client.post(
        "/admin/awards/import",
        data={"file": (io.BytesIO(b"junk"), "giai.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Không nhập gì" in r.get_data(as_text=True)
    r = client.post("/admin/awards/import", data={}, follow_redirects=True)
    assert "Vui lòng chọn tệp" in r.get_data(as_text=True)
