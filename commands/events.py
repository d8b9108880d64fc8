"""CLI commands of the events area (issue 13): new-event, events, use-event, delete-demo.

Thin: parse, call models.services.event_setup, print. Bad input: a Vietnamese message, a non-zero exit
and nothing written. Page: /admin/events.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from commands import OutPath, current_event_or_exit
from models.core.base import db


def _date(_ctx, _param, value: str) -> date:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"“{value}” không phải ngày dạng YYYY-MM-DD (ví dụ 2026-05-21).") from None


@click.command("new-event")
@click.option("--name", required=True, help="The event's full name (Vietnamese).")
@click.option("--date", "when", required=True, callback=_date, help="YYYY-MM-DD")
@click.option("--venue", required=True, help="Where it is held.")
@click.option(
    "--template", default=None, help="Lay out a template's structure, e.g. ocop-review (see `events --templates`)."
)
@click.option(
    "--from-event",
    "from_event",
    default=None,
    help="Copy groups, units, hall, programme and award tiers of an earlier event (its slug).",
)
@click.option(
    "--with-guests",
    is_flag=True,
    help="With --from-event: copy its guest list too (new badges, no seats, no check-ins).",
)
@click.option(
    "--allow-past",
    "allow_past",
    is_flag=True,
    help="Accept a date already past (an earlier event entered for its records).",
)
def new_event_cmd(
    name: str, when: date, venue: str, template: str | None, from_event: str | None, with_guests: bool, allow_past: bool
) -> None:
    """Make a new event, with its own key pair, and make it the current one. A date already past
    is asked about at a terminal (and refused elsewhere) unless --allow-past is given."""
    from models.services.event_setup import EventError, PastDateError, new_event

    request = {"name": name, "date": when, "venue": venue, "template": template, "from_event": from_event}
    try:
        try:
            ev = new_event(**request, with_guests=with_guests, actor="cli", allow_past=allow_past)
        except PastDateError as exc:
            db.session.rollback()
            if not (sys.stdin.isatty() and click.confirm(f"{exc}\nVẫn tạo sự kiện với ngày đã qua?", default=False)):
                raise
            ev = new_event(**request, with_guests=with_guests, actor="cli", allow_past=True)
    except EventError as exc:
        db.session.rollback()
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    n_groups, n_items = len(ev.groups), len(ev.districts)
    click.echo(f"Đã tạo sự kiện {ev.slug} ({ev.date:%d/%m/%Y}, {ev.venue}); đây là sự kiện hiện tại.")
    click.echo(f"  thành phần: {n_groups}, {ev.unit_label.lower() or 'đơn vị'}: {n_items}")
    _summary(ev)


def _summary(ev) -> None:
    from sqlalchemy import func, select

    from models.ceremony.models import AwardTier
    from models.events.models import ProgrammeItem
    from models.guests.models import Attendee
    from models.hall.models import Seat

    def count(model, *where):
        return db.session.scalar(select(func.count(model.id)).where(model.event_id == ev.id, *where))

    click.echo(
        f"  chương trình: {count(ProgrammeItem)} mục, hạng trao thưởng: {count(AwardTier)}, "
        f"ghế: {count(Seat)}, đại biểu: {count(Attendee)}"
    )


@click.command("events")
@click.option("--templates", "show_templates", is_flag=True, help="List the templates instead.")
def events_cmd(show_templates: bool) -> None:
    """List the events: slug, date, current (*), DEMO, invited / arrived, name."""
    from models.services.event_setup import list_events, templates

    if show_templates:
        for key, tpl in templates().items():
            click.echo(f"{key:<16} {tpl['title']}")
        return
    rows = list_events()
    if not rows:
        click.echo(
            "Chưa có sự kiện nào. Tạo: flask --app app new-event --name … --date YYYY-MM-DD "
            "--venue … [--template ocop-review]"
        )
        return
    click.echo(f"  {'slug':<40} {'ngày':<10} {'demo':<4} {'mời':>5} {'đến':>5}  tên")
    for r in rows:
        click.echo(
            f"{'*' if r.is_current else ' '} {r.slug:<40} {r.date:%Y-%m-%d} "
            f"{'DEMO' if r.is_demo else '':<4} {r.attendees:>5} {r.checked_in:>5}  {r.name}"
        )


@click.command("use-event")
@click.argument("slug")
def use_event_cmd(slug: str) -> None:
    """Make the event SLUG the current one (pages, kiosks and commands act on it)."""
    from models.services.event_setup import EventError, use_event

    try:
        ev = use_event(slug, actor="cli")
    except EventError as exc:
        db.session.rollback()
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Sự kiện hiện tại: {ev.slug} · {ev.name}")


@click.command("delete-demo")
def delete_demo_cmd() -> None:
    """Delete the demo event, its people and everything of it, and the demo logins."""
    from cli import demo_logins_path
    from models.services.event_setup import EventError, delete_demo

    path = demo_logins_path()
    try:
        logins = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        logins = {}
    try:
        done = delete_demo(logins if isinstance(logins, dict) else {}, actor="cli")
    except EventError as exc:
        db.session.rollback()
        click.echo(str(exc), err=True)
        sys.exit(1)
    db.session.commit()
    if path.exists():
        path.unlink()
    click.echo(f"Đã xóa sự kiện mẫu: {', '.join(done['events'])}.")
    if done["users"]:
        click.echo(f"Đã xóa tài khoản mẫu: {', '.join(done['users'])}.")
    if done["kept_users"]:
        click.echo(f"Giữ lại (đã đổi mật khẩu): {', '.join(done['kept_users'])}.")
    click.echo(f"Sự kiện hiện tại: {done['current'] or 'chưa có (new-event hoặc use-event)'}")


def event_option(f):
    """``--event SLUG``: act on an earlier (or any) event instead of the current one."""
    return click.option(
        "--event",
        "event_slug",
        default=None,
        metavar="SLUG",
        help="An event's slug (default: the current event; see `events`).",
    )(f)


def event_or_current(slug: str | None):
    """The event ``slug`` or, without one, the current event; exits 1/2 with a message when
    there is none."""
    from sqlalchemy import select

    from models.events.models import Event

    if slug:
        ev = db.session.scalar(select(Event).where(Event.slug == slug.strip()))
        if ev is None:
            click.echo(f"Lỗi: không có sự kiện “{slug}” (xem: flask --app app events).", err=True)
            sys.exit(1)
        return ev
    return current_event_or_exit()


# The event's structure (issue 13 item 3): export-structure, import-structure. KIND is programme,
# groups, units, tiers, protocol or checkpoints (issue 24); both call models/services/event_structure.py, as
# the pages /admin/event/<kind>/... do: the same columns, the same rules, and nothing written while any row is bad.

KIND = click.Choice(["programme", "groups", "units", "tiers", "protocol", "checkpoints"])


@click.command("export-structure")
@click.argument("kind", type=KIND)
@click.option("--out", "out", required=True, type=OutPath(dir_okay=False, path_type=Path), help="FILE.xlsx")
@event_option
def export_structure(kind: str, out: Path, event_slug: str | None) -> None:
    """Write the event's programme, groups, units or award tiers to an .xlsx (one sheet, a
    header row: the shape import-structure reads back)."""
    from models.services.event_structure import export_xlsx, rows_of

    ev = event_or_current(event_slug)
    out.write_bytes(export_xlsx(ev, kind))
    click.echo(f"{len(rows_of(ev, kind))} dòng đã ghi vào {out}")


@click.command("import-structure")
@click.argument("kind", type=KIND)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only print the preview; write nothing.")
def import_structure(kind: str, file: Path, dry_run: bool) -> None:
    """Add or update the current event's programme, groups, units or award tiers from an .xlsx
    (rows matched by code, else by name). Any bad row: every error listed, nothing written, exit 1."""
    from models.guests.reading import MAX_BYTES, ImportFileError
    from models.services.event_structure import StructureError, import_apply, import_preview

    ev = event_or_current(None)
    if file.stat().st_size > MAX_BYTES:
        click.echo(f"Lỗi: tệp quá lớn (tối đa {MAX_BYTES // (1024 * 1024)} MB).", err=True)
        sys.exit(1)
    try:
        preview = import_preview(ev, kind, file.read_bytes(), file.name)
    except ImportFileError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    for line in preview.lines():
        click.echo(line)
    if not preview.ok:
        click.echo(
            "Lỗi: tệp còn dòng lỗi, không nhập dòng nào." if preview.errors else "Lỗi: không có dòng nào để nhập.",
            err=True,
        )
        sys.exit(1)
    if dry_run:
        click.echo("(chạy thử: chưa ghi gì)")
        return
    try:
        created, updated = import_apply(ev, kind, preview, actor="cli")
    except StructureError as exc:
        db.session.rollback()
        click.echo(f"Lỗi: {exc} Không nhập dòng nào.", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Đã nhập: {created} mới, {updated} cập nhật.")
    if kind == "programme":
        from models.services.event_structure import programme_order_issues

        for line in programme_order_issues(ev):
            click.echo(f"Lưu ý: {line} Sắp lại theo giờ trên /admin/event/programme (nút “Sắp theo giờ”).")


STRUCTURE_COMMANDS: list = [export_structure, import_structure]


COMMANDS: list = [new_event_cmd, events_cmd, use_event_cmd, delete_demo_cmd, *STRUCTURE_COMMANDS]
