"""CLI commands of personal data (Law 91/2025/QH15): person-data (access), erase-person (erasure).

Thin: parse, call models.privacy.person, print. ID is the person's number (the guest list's
"#ID", any event, earlier ones too). Bad input: a Vietnamese message, exit 1, nothing written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app

from commands import ROW_ID, OutPath
from models.core.base import db
from models.privacy.exports import log_export


@click.command("person-data")
@click.argument("attendee_id", type=ROW_ID)
@click.option("--out", required=True, type=OutPath(dir_okay=False, path_type=Path), help="F.json")
def person_data_cmd(attendee_id: int, out: Path) -> None:
    """Everything held about one person, as JSON (a request for access)."""
    from models.privacy.person import PrivacyError, person_record

    try:
        record = person_record(attendee_id)
    except PrivacyError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    out.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    out.chmod(0o600)
    log_export("person_data", 1, event_id=record["event"]["id"], out=str(out), attendee_id=attendee_id)
    n = len(record["checkins"]) + len(record["badges"]) + len(record["awards"]) + len(record["audit"])
    click.echo(f"Đã ghi dữ liệu của #{attendee_id} ({n} mục kèm theo) vào {out}.")


@click.command("erase-person")
@click.argument("attendee_id", type=ROW_ID)
@click.option("--reason", default="", help="Why (e.g. the person's request and its date); kept in the audit log.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--purge", is_flag=True, help="Only make an earlier erasure's old bytes gone (after a warning).")
def erase_person_cmd(attendee_id: int, reason: str, yes: bool, purge: bool) -> None:
    """Erase one person's personal data everywhere; the event's figures stay (an anonymous record)."""
    from models.guests.models import Attendee
    from models.privacy.person import PrivacyError, erase_person, purge_freed_bytes

    person = db.session.get(Attendee, attendee_id)
    if person is None:
        click.echo(f"Lỗi: không có người nào mang số {attendee_id}.", err=True)
        sys.exit(1)
    if purge:
        if person.erased_at is None:
            click.echo(f"Lỗi: dữ liệu của #{attendee_id} chưa bị xóa; bỏ --purge và ghi --reason.", err=True)
            sys.exit(1)
        done, what = purge_freed_bytes(db.engine)
        click.echo(what)
        sys.exit(0 if done else 3)
    if not yes and person.erased_at is None and sys.stdin.isatty():
        click.confirm(f"Xóa vĩnh viễn dữ liệu cá nhân của #{person.id} {person.display_name}?", abort=True)
    imports = Path(current_app.instance_path) / "imports"
    try:
        report = erase_person(attendee_id, reason=reason, actor="cli", imports_dir=imports)
    except PrivacyError as exc:
        db.session.rollback()
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    done, what = purge_freed_bytes(db.engine)
    click.echo(
        f"Đã xóa dữ liệu cá nhân của #{attendee_id}: {report.badges} thẻ, {report.scans} lượt quét, "
        f"{report.audit_entries} mục nhật ký được làm sạch, {report.uploads_deleted} tệp tải lên chờ xác nhận đã xóa. "
        f"Số liệu sự kiện không đổi. ({what})"
    )
    sys.exit(0 if done else 3)


@click.command("shred-event")
@click.argument("slug")
@click.option("--export", "export", required=True, type=OutPath(dir_okay=False, path_type=Path), help="F.zip")
@click.option("--yes", is_flag=True, help="Shred before the retention period ends without asking.")
def shred_event_cmd(slug: str, export: Path, yes: bool) -> None:
    """Write the event's full record to F.zip, then erase every person's personal data of the event."""
    from sqlalchemy import select

    from models.events.models import Event
    from models.privacy.person import purge_freed_bytes
    from models.privacy.retention import ShredError, ShredNeedsConfirmation, shred_event

    ev = db.session.scalar(select(Event).where(Event.slug == slug.strip()))
    if ev is None:
        click.echo(f"Lỗi: không có sự kiện “{slug}” (xem: flask --app app events).", err=True)
        sys.exit(1)
    imports = Path(current_app.instance_path) / "imports"
    early = yes
    try:
        try:
            report = shred_event(ev, export, actor="cli", early=early, imports_dir=imports)
        except ShredNeedsConfirmation as exc:
            db.session.rollback()
            if not (sys.stdin.isatty() and click.confirm(f"{exc}\nHủy sớm?", default=False)):
                raise
            report = shred_event(ev, export, actor="cli", early=True, imports_dir=imports)
    except ShredError as exc:
        db.session.rollback()
        click.echo(f"Lỗi: {exc}", err=True)
        if isinstance(exc, ShredNeedsConfirmation):
            click.echo("Thêm --yes để hủy sớm không hỏi.", err=True)
        sys.exit(1)
    db.session.commit()
    done, what = purge_freed_bytes(db.engine)
    click.echo(
        f"Đã ghi hồ sơ {report.out} ({report.bytes // 1024} KB) và hủy dữ liệu cá nhân của {report.people} người, "
        f"{report.exhibitors} gian hàng; số liệu của sự kiện giữ nguyên. ({what})"
    )
    sys.exit(0 if done else 3)


COMMANDS: list = [person_data_cmd, erase_person_cmd, shred_event_cmd]
