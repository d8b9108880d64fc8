"""The Flask CLI: init-db, seed-demo, create-user, kiosk-token, export-codes."""

import csv
import json
from pathlib import Path

from sqlalchemy import func, select

from models import codes
from models.accounts.models import Device, User, hash_token
from models.core.base import db
from models.events.models import Event
from models.events.service import keyring
from models.guests.models import Attendee


def test_seed_demo_and_export_codes(runner, tmp_path, app):
    r = runner.invoke(args=["seed-demo"])
    assert r.exit_code == 0, r.output
    assert "DEMO ONLY login: admin" in r.output
    ev = db.session.scalar(select(Event))
    from models.events.models import Group

    delegates = (
        select(func.count(Attendee.id))
        .join(Group)
        .where(Group.is_exhibitor_staff.is_(False), Attendee.status == "invited")
    )
    n_delegates = db.session.scalar(delegates)
    assert 240 <= n_delegates <= 260
    assert ev.planned_seats == 250 and len(ev.districts) == 9
    # every hall delegate has a seat; booth staff have badges but no hall seat
    seated = db.session.scalar(select(func.count(Attendee.id)).where(Attendee.seat_id.is_not(None)))
    assert seated == n_delegates
    n = db.session.scalar(select(func.count(Attendee.id)).where(Attendee.status == "invited"))
    logins = json.loads((Path(app.instance_path) / "demo_logins.json").read_text())
    assert set(logins) == {"admin", "desk", "mc"}
    r = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "bỏ qua" in r.output and db.session.scalar(select(func.count(Event.id))) == 1

    out = tmp_path / "codes.csv"
    r = runner.invoke(args=["export-codes", "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == n
    assert list(rows[0]) == ["attendee_id", "honorific", "name", "group", "seat", "code"]
    ring = keyring()
    for row in rows[:20]:
        assert codes.verify_code(row["code"], ring).attendee_id == int(row["attendee_id"])


def test_create_user_from_stdin(runner):
    r = runner.invoke(args=["create-user", "thu.ky", "--role", "desk"], input="mat-khau-dai\n")
    assert r.exit_code == 0, r.output
    u = db.session.scalar(select(User).where(User.username == "thu.ky"))
    assert u.role == "desk" and u.check_password("mat-khau-dai")
    r = runner.invoke(args=["create-user", "x", "--role", "desk"], input="short\n")
    assert r.exit_code != 0 and db.session.scalar(select(User).where(User.username == "x")) is None
    r = runner.invoke(args=["create-user", "y", "--role", "boss"], input="long-enough\n")
    assert r.exit_code != 0


def test_kiosk_token_last_line_and_hashed(runner, client, event):
    r = runner.invoke(args=["kiosk-token", "cong-1"])
    token = r.output.strip().splitlines()[-1]
    dev = db.session.scalar(select(Device).where(Device.name == "cong-1"))
    assert dev.token_hash == hash_token(token) and token not in dev.token_hash
    ok = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    r = runner.invoke(args=["kiosk-token", "cong-1", "--revoke"])
    assert r.exit_code == 0
    from admin.core.security import forget_devices

    forget_devices()
    bad = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 401


def test_every_out_option_refuses_a_missing_folder_before_any_work(app, runner, tmp_path):
    """Every command writing a file checks its folder first: a clear message, exit 2, no file,
    never a traceback after the work."""
    from commands import OutPath

    outs = [
        (name, p) for name, cmd in app.cli.commands.items() for p in cmd.params if p.name == "out" and name != "backup"
    ]  # backup makes its folder
    assert len(outs) >= 11
    assert all(isinstance(p.type, OutPath) for _, p in outs), [n for n, p in outs if not isinstance(p.type, OutPath)]
    from tests.factories import make_event

    make_event()
    missing = tmp_path / "khong-co" / "x"
    for args in (
        ["catalogue"],
        ["results"],
        ["invitations", "--district", "x"],
        ["report"],
        ["badges"],
        ["export-attendees"],
    ):
        r = runner.invoke(args=[*args, "--out", f"{missing}.pdf"])
        assert r.exit_code == 2 and "không tồn tại" in r.output, (args, r.output)
        assert r.exception is None or isinstance(r.exception, SystemExit)
    assert not (tmp_path / "khong-co").exists()


def test_every_command_on_the_current_event_says_the_same_without_one(runner, tmp_path):
    """One helper (commands.current_event_or_exit): one message, one exit status, whichever area."""
    from commands import EXIT_NO_EVENT, NO_EVENT

    out = str(tmp_path / "x.pdf")
    for args in (
        ["exhibitor-demo"],
        ["district-demo"],
        ["award-batches"],
        ["assign-seats"],
        ["badges", "--out", out],
        ["export-codes", "--out", str(tmp_path / "codes.csv")],
        ["export-structure", "groups", "--out", str(tmp_path / "groups.xlsx")],
    ):
        r = runner.invoke(args=args)
        assert r.exit_code == EXIT_NO_EVENT and NO_EVENT in r.output, (args, r.exit_code, r.output)
