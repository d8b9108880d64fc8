"""Issue 23 items 3 and 4: everything held about one person (person-data ID --out F.json), and
its erasure (erase-person ID --reason R) on both databases: the record, audit before / after
values, scanned texts and pending uploads lose the data; the event's figures stay; the bytes of
the erased name and phone are in neither the SQLite file nor its WAL (PostgreSQL: nor in the
tables' files after VACUUM FULL)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select, text

from models.accounts.models import AuditLog
from models.checkin.checkin import check_in
from models.checkin.models import CheckIn
from models.checkin.stats import attendance
from models.core.base import db
from models.guests.models import Attendee
from models.services.person_changes import edit_attendee
from tests.factories import attendees

NAME = "Phạm Thị Quỳnh Xuyến"
PHONE = "0912345678"
EMAIL = "quynh.xuyen@example.vn"


def _person(event) -> Attendee:
    """A delegate with a rare name, a phone and an e-mail, edited once (audited before / after)
    and checked in by her badge."""
    p = attendees(event)[1]
    p.phone = PHONE
    db.session.commit()
    values = {f: getattr(p, f) for f in ("honorific", "position", "organisation", "notes")}
    values |= {"full_name": NAME, "email": EMAIL, "precedence": str(p.precedence)}
    values |= {"group_id": p.group_id, "district_id": p.district_id, "phone": PHONE}
    edit_attendee(p, values, actor="test")
    db.session.commit()
    assert check_in(event_id=event.id, code=p.current_badge.code, scan_id="s-pd-1", station="Cổng 1").outcome == "ok"
    return db.session.get(Attendee, p.id)


def test_person_data_exports_everything_held(runner, event, tmp_path):
    p = _person(event)
    out = tmp_path / "p.json"
    r = runner.invoke(args=["person-data", str(p.id), "--out", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text("utf-8"))
    assert data["person"]["full_name"] == NAME and data["person"]["phone"] == PHONE
    assert data["person"]["email"] == EMAIL and data["person"]["seat"]
    assert [b["serial"] for b in data["badges"]] == [1] and data["badges"][0]["revoked_at"] is None
    assert [c["outcome"] for c in data["checkins"]] == ["ok"]
    assert any(a["action"] == "edit_attendee" for a in data["audit"]), data["audit"]
    assert (out.stat().st_mode & 0o777) == 0o600
    r = runner.invoke(args=["person-data", "99999", "--out", str(tmp_path / "x.json")])
    assert r.exit_code == 1 and "99999" in r.output and not (tmp_path / "x.json").exists()


def _db_bytes(app) -> bytes:
    path = Path(db.engine.url.database)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def _pg_table_bytes() -> bytes:
    """The files of the tables an erasure writes (PostgreSQL runs on this machine)."""
    root = Path(db.session.execute(text("SHOW data_directory")).scalar())
    out = b""
    for t in ("attendee", "badge", "checkin", "audit_log", "award"):
        rel = db.session.execute(text("SELECT pg_relation_filepath(:t)"), {"t": t}).scalar()
        main = root / rel
        for f in main.parent.glob(main.name + "*"):  # the file, its segments (.1) and forks (_fsm)
            if f.name == main.name or f.name[len(main.name)] in "._":
                out += f.read_bytes()
    return out


def test_erase_person_keeps_the_figures_and_leaves_no_bytes(runner, app, event, backend):
    p = _person(event)
    pid = p.id
    figures = attendance(event)
    if backend == "sqlite":
        db.session.commit()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert NAME.encode() in _db_bytes(app) and PHONE.encode() in _db_bytes(app)  # the test can fail
    uploads = Path(app.instance_path) / "imports"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "pending.bin").write_bytes(NAME.encode())
    r = runner.invoke(args=["erase-person", str(pid), "--reason", "Theo yêu cầu của người này ngày 07/12/2026"])
    assert r.exit_code in (0, 3), r.output
    purged = r.exit_code == 0
    db.session.expire_all()
    p = db.session.get(Attendee, pid)
    assert p.full_name == f"Đã xóa #{pid}" and p.erased_at is not None
    assert (p.phone, p.email, p.position, p.organisation, p.notes) == ("", "", "", "", "")
    assert attendance(event) == {**figures} and p.checked_in_at is not None  # figures unchanged
    assert not (uploads / "pending.bin").exists()
    details = json.dumps([r.detail for r in db.session.scalars(select(AuditLog))], ensure_ascii=False)
    assert NAME not in details and PHONE not in details and EMAIL not in details
    last = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert last.action == "erase_person" and last.entity_id == pid and "yêu cầu" in last.detail["reason"]
    assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.attendee_id == pid)) == 1
    db.session.commit()
    if backend == "sqlite":
        blob = _db_bytes(app)
        assert NAME.encode() not in blob and PHONE.encode() not in blob and EMAIL.encode() not in blob
    elif purged:
        blob = _pg_table_bytes()
        assert NAME.encode() not in blob and PHONE.encode() not in blob and EMAIL.encode() not in blob
    else:  # another transaction on the server (another test run) still saw the old rows: it says so
        assert "giao dịch khác còn mở" in r.output and "--purge" in r.output
        open_elsewhere = db.session.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid()")
        ).scalar()
        assert open_elsewhere > 0
    # a second erasure is refused and changes nothing
    r = runner.invoke(args=["erase-person", str(pid), "--reason", "lần nữa"])
    assert r.exit_code == 1 and "đã được xóa" in r.output


def test_erase_person_refuses_bad_requests(runner, event):
    p = attendees(event)[0]
    r = runner.invoke(args=["erase-person", str(p.id), "--reason", "   "])
    assert r.exit_code == 1 and "lý do" in r.output
    r = runner.invoke(args=["erase-person", "99999", "--reason", "x"])
    assert r.exit_code == 1 and "99999" in r.output
    db.session.expire_all()
    assert db.session.get(Attendee, p.id).erased_at is None
