"""Issue 23 item 6: every download and every command that writes personal data is logged (who,
when, what, how many people) and listed on /admin/audit.

The sweep requests EVERY GET route of the app as an admin (real ids of the demo event, a real
district link) and runs EVERY command that has an ``--out`` option: whatever comes back as a file
(PDF, spreadsheet, CSV, JSON or any attachment) must have written exactly one
"export_personal_data" row, unless it is listed in NOT_PERSONAL with the reason. A new export
route or command that does not log fails here."""

from __future__ import annotations

import io
import re

import pytest
from flask import current_app
from openpyxl import load_workbook
from sqlalchemy import func, select

from admin.core.web import NO_STORE_TYPES
from models.accounts.models import AuditLog
from models.core.base import db
from models.districts import delegations as ds
from models.events.models import Event
from models.exhibition.models import Exhibitor
from models.guests.models import Attendee
from models.privacy.exports import ACTION, EXPORT_KINDS, count_people, log_export
from models.units.models import District
from tests.factories import make_user

#: downloads that carry no one's personal data (rule -> why)
NOT_PERSONAL = {
    "/admin/attendees/template.xlsx": "an empty import template",
    "/admin/event/<kind>/export.xlsx": "the event's structure: groups, units, programme, tiers",
    "/admin/event/logo.png": "the badge logo",
    "/admin/reports/summary.pdf": "figures only",
    "/d/<token>/arrivals.json": "the officer's live page polling, not a file",
}
NOT_PERSONAL_COMMANDS = {"export-structure": "the event's structure"}
#: the downloads the sweep must meet (so it cannot pass by finding none)
EXPECTED = {
    "/admin/attendees/export.xlsx": "guest_list",
    "/admin/attendees/no-shows.xlsx": "no_shows",
    "/admin/attendees/<int:attendee_id>/personal-data.json": "person_data",
    "/admin/districts/<int:district_id>/letters.pdf": "letters",
    "/d/<token>/letters.pdf": "letters",
    "/admin/exhibitors/export.xlsx": "exhibitors",
    "/admin/exhibitors/cards.pdf": "table_cards",
    "/admin/reports/attendance.xlsx": "report",
    "/admin/seats/map.pdf": "seat_map",
    "/desk/badge/<int:attendee_id>.pdf": "walkin_badge",
    "/mc/script.pdf": "mc_script",
}


def _exports() -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == ACTION).order_by(AuditLog.id)).all())


@pytest.fixture
def demo(app):
    from models.demo.load import load_demo

    load_demo(with_users=False)
    make_user("exp-admin", "admin")
    return db.session.scalars(select(Event).where(Event.is_current.is_(True))).one()


def _is_download(resp) -> bool:
    disposition = resp.headers.get("Content-Disposition", "")
    return resp.status_code == 200 and (resp.mimetype in NO_STORE_TYPES or "attachment" in disposition)


def _values(ev: Event) -> dict[str, str]:
    person = db.session.scalars(
        select(Attendee).where(Attendee.event_id == ev.id, Attendee.status == "invited").order_by(Attendee.id)
    ).first()
    district = db.session.scalars(
        select(District)
        .join(Attendee, Attendee.district_id == District.id)
        .where(District.event_id == ev.id, Attendee.status == "invited")
    ).first()
    link = ds.new_link(district)
    db.session.commit()
    ex = db.session.scalars(select(Exhibitor).where(Exhibitor.event_id == ev.id)).first()
    return {
        "attendee_id": str(person.id),
        "district_id": str(district.id),
        "token": ds.district_token(link, current_app.secret_key),
        "ex_id": str(ex.id if ex else 1),
        "kind": "groups",
        "code": "vi",
        "filename": "css/app.css",
    }


def _url(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), rule)


def test_every_download_is_logged(app, client, demo):
    values = _values(demo)
    assert client.post("/login", data={"username": "exp-admin", "password": "secret-pass-123"}).status_code == 302
    seen: dict[str, str] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.rule.startswith(("/static", "/logout", "/lang/")):
            continue
        before = len(_exports())
        url = _url(rule.rule, values)
        resp = client.get(url)
        logged = _exports()[before:]
        if not _is_download(resp) or rule.rule in NOT_PERSONAL:
            assert not logged, (rule.rule, "a page that is not a download logged an export")
            continue
        assert len(logged) == 1, (rule.rule, "a download of personal data was not logged")
        d = logged[0].detail
        assert d["path"] == url.split("?")[0] and d["what"] in EXPORT_KINDS
        assert d["people"] >= 1, (rule.rule, d)
        want_actor = "district:" if rule.rule.startswith("/d/") else "user:exp-admin"
        assert logged[0].actor.startswith(want_actor) and logged[0].at is not None
        seen[rule.rule] = d["what"]
    assert seen == EXPECTED


def test_counts_match_the_files(client, demo, auth):
    assert client.post("/login", data={"username": "exp-admin", "password": "secret-pass-123"}).status_code == 302
    resp = client.get("/admin/attendees/export.xlsx")
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    names = [r for r in ws.iter_rows(min_row=2, values_only=True) if any(r)]
    assert _exports()[-1].detail["people"] == len(names) == count_people(demo, "guest_list") > 10
    # the badge PDF of everyone (a POST) is logged with the number of badges: one A6 page each
    resp = client.post("/admin/badges/pdf", data={"layout": "a6", "group": "", "attendee": ""})
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", resp.data))
    last = _exports()[-1]
    assert last.detail["what"] == "badges" and last.detail["people"] == pages > 10


#: arguments for every command with --out (a new one must be added here, and must log)
def _encrypted_backup(tmp) -> str:
    """An encrypted backup of a small database with one attendee (`decrypt-backup`'s input; the
    passphrase comes from BACKUP_PASSPHRASE, set by the test)."""
    import sqlite3
    from pathlib import Path

    from commands.core import encrypt_file

    plain = Path(f"{tmp}/small.db")
    with sqlite3.connect(plain) as con:
        con.execute("CREATE TABLE attendee (id INTEGER PRIMARY KEY, full_name TEXT)")
        con.execute("CREATE TABLE exhibitor (id INTEGER PRIMARY KEY, contact_name TEXT)")
        con.execute("CREATE TABLE user_account (id INTEGER PRIMARY KEY)")
        con.execute("INSERT INTO attendee (full_name) VALUES ('Nguyễn Văn An')")
    encrypt_file(plain, "mat-khau-sao-luu")
    return str(plain)


def _command_args(ev: Event, tmp) -> dict[str, tuple[list[str], str | None]]:
    person = db.session.scalars(select(Attendee).where(Attendee.event_id == ev.id).order_by(Attendee.id)).first()
    district = db.session.scalars(
        select(District)
        .join(Attendee, Attendee.district_id == District.id)
        .where(District.event_id == ev.id, Attendee.status == "invited")
    ).first()
    return {
        "badges": (["--out", f"{tmp}/b.pdf"], "badges"),
        "export-attendees": (["--out", f"{tmp}/a.xlsx"], "guest_list"),
        "seat-map": (["--out", f"{tmp}/s.pdf"], "seat_map"),
        "report": (["--out", f"{tmp}/r.xlsx"], "report"),
        "exhibitor-cards": (["--out", f"{tmp}/c.pdf"], "table_cards"),
        "export-exhibitors": (["--out", f"{tmp}/e.xlsx"], "exhibitors"),
        "catalogue": (["--out", f"{tmp}/cat.pdf"], "catalogue"),
        "results": (["--out", f"{tmp}/res.xlsx"], "results"),
        "mc-script": (["--out", f"{tmp}/mc.pdf"], "mc_script"),
        "invitations": (["--district", district.code, "--out", f"{tmp}/gm.pdf"], "letters"),
        "export-codes": (["--out", f"{tmp}/codes.csv"], "codes"),
        "person-data": ([str(person.id), "--out", f"{tmp}/p.json"], "person_data"),
        "backup": (["--out", f"{tmp}/backup.db"], "backup"),
        "decrypt-backup": ([_encrypted_backup(tmp), "--out", f"{tmp}/plain.db"], "backup"),
        "export-structure": (["groups", "--out", f"{tmp}/g.xlsx"], None),
    }


def test_every_command_that_writes_a_file_is_logged(app, runner, demo, tmp_path, backend, monkeypatch):
    monkeypatch.setenv("BACKUP_PASSPHRASE", "mat-khau-sao-luu")
    args = _command_args(demo, tmp_path)
    with_out = sorted(
        name for name, cmd in app.cli.commands.items() if any("--out" in p.opts for p in getattr(cmd, "params", []))
    )
    assert sorted(args) == with_out, "a command with --out is missing from this test (and maybe from the log)"
    for name, (argv, what) in args.items():
        before = len(_exports())
        r = runner.invoke(args=[name, *argv])
        logged = _exports()[before:]
        if name == "backup" and backend != "sqlite":  # PostgreSQL: prints the pg_dump line, writes nothing
            assert r.exit_code != 0 and not logged
            continue
        assert r.exit_code == 0, (name, r.output)
        if what is None:
            assert not logged and name in NOT_PERSONAL_COMMANDS
            continue
        assert len(logged) == 1, (name, r.output)
        d = logged[0].detail
        assert d["what"] == what and d["out"] == argv[-1] and d["people"] >= 1, (name, d)
        assert logged[0].actor.startswith("cli"), logged[0].actor
    before = len(_exports())
    assert runner.invoke(args=["report", "--out", f"{tmp_path}/r.pdf"]).exit_code == 0
    assert len(_exports()) == before  # the PDF summary: figures only


def test_log_export_refuses_an_unknown_kind(app):
    with pytest.raises(KeyError):
        log_export("everything", 3, actor="t")
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_audit_page_lists_and_filters(client, auth, demo):
    log_export("guest_list", 42, actor="user:lan", event_id=demo.id, path="/admin/attendees/export.xlsx")
    log_export("backup", 300, actor="cli:root", out="/srv/backup.db")
    auth.as_role("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Các lần xuất dữ liệu cá nhân" in html and 'data-export-count="2"' in html
    assert "Danh sách đại biểu (.xlsx)" in html and "Bản sao lưu cơ sở dữ liệu" in html
    assert "user:lan" in html and "/srv/backup.db" in html and "342 lượt người" in html
    assert 'data-action="export_personal_data"' in html  # the audit entries below
    one = client.get("/admin/audit?what=backup").get_data(as_text=True)
    assert 'data-export-count="1"' in one and "user:lan" not in one.split('id="audit"')[0]
    by = client.get("/admin/audit?actor=LAN").get_data(as_text=True)
    assert 'data-export-count="1"' in by and "/srv/backup.db" not in by
    assert 'data-export-count="0"' in client.get("/admin/audit?actor=%25_").get_data(as_text=True)
    assert 'data-export-count="0"' in client.get("/admin/audit?since=2999-01-01").get_data(as_text=True)
    assert 'data-export-count="2"' in client.get("/admin/audit?until=2999-01-01").get_data(as_text=True)
    bad = client.get("/admin/audit?since=hôm-qua&what=<script>")
    assert bad.status_code == 200 and "Ngày không hợp lệ" in bad.get_data(as_text=True)
    en = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "Guest list (.xlsx)" in en and "Database backup" in en


def test_audit_page_is_admin_only(client, auth, demo):
    auth.as_role("desk")
    assert client.get("/admin/audit").status_code == 403
