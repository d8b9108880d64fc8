"""CLI commands of the guest list (issue 4): import-attendees, badges, assign-seats, export-attendees,
seat-map. They act on the current event and call the same domain functions as the web pages.

Pages: /admin/attendees, /admin/seats, /admin/badges.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import or_, select

from commands import ROW_ID, OutPath, current_event_or_exit
from commands.events import event_option, event_or_current
from models.core.base import db
from models.privacy.exports import count_people, log_export


@click.command("import-attendees")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only print the report; write nothing.")
@click.option(
    "--fix-caps",
    is_flag=True,
    help='Rewrite ALL-CAPS positions and organisations ("GIÁM ĐỐC" -> "Giám đốc"; acronyms kept).',
)
@click.option("--fix-case", is_flag=True, hidden=True, help="Obsolete: names are always capitalised now.")
@click.option("--encoding", default=None, help="CSV encoding (default: detected: utf-8, utf-16, cp1258).")
def import_attendees(file: Path, dry_run: bool, fix_caps: bool, fix_case: bool, encoding: str | None) -> None:
    """Import delegates from an .xlsx or .csv guest list (the same report as the web preview).
    Names are always capitalised ("nguyễn văn a" -> "Nguyễn Văn A"); summary and signature rows
    are skipped and listed. Exits 1 when nothing was (or, with --dry-run, would be) imported."""
    from models.guests.imports import apply, preview
    from models.guests.reading import MAX_BYTES, ImportFileError

    ev = current_event_or_exit()
    if file.stat().st_size > MAX_BYTES:
        click.echo(f"Lỗi: tệp quá lớn (tối đa {MAX_BYTES // (1024 * 1024)} MB).", err=True)
        sys.exit(1)
    try:
        report = preview(ev, file.read_bytes(), file.name, encoding)
    except ImportFileError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    if not dry_run and report.good:
        apply(ev, report, fix_caps=fix_caps, actor="cli")
    for line in report.lines(fixed_caps=fix_caps):
        click.echo(line)
    if dry_run:
        click.echo("(chạy thử: chưa ghi gì)")
    if not report.good:
        click.echo("Không nhập được dòng nào.", err=True)
        sys.exit(1)


@click.command("badges")
@click.option("--out", "out", required=True, type=OutPath(dir_okay=False, path_type=Path), help="FILE.pdf")
@click.option("--layout", type=click.Choice(["a6", "a4"]), default="a6", show_default=True)
@click.option("--group", "group", default=None, help="Only this group (its code or name).")
def badges(out: Path, layout: str, group: str | None) -> None:
    """Badge PDF for every invited delegate (or one group); issues the missing badges first."""
    from models.events.models import Group
    from models.guests.badge_pdf import prepare_badges, render_badges

    ev = current_event_or_exit()
    group_id = None
    if group:
        g = db.session.scalar(
            select(Group).where(Group.event_id == ev.id, or_(Group.code == group, Group.name == group))
        )
        if g is None:
            codes = ", ".join(db.session.scalars(select(Group.code).where(Group.event_id == ev.id)))
            click.echo(f'Không có thành phần "{group}". Có: {codes}', err=True)
            sys.exit(1)
        group_id = g.id
    cards = prepare_badges(ev, group_id=group_id)
    out.write_bytes(render_badges(cards, layout))
    log_export("badges", len(cards), event_id=ev.id, out=str(out), group_id=group_id)
    click.echo(f"{len(cards)} thẻ → {out} ({layout.upper()})")
    if not cards:
        sys.exit(1)


@click.command("assign-seats")
@click.option(
    "--reset",
    is_flag=True,
    help="Lay the hall out again: clear the seats and assign again (people checked in keep theirs; "
    "locked seats stay locked).",
)
@click.option("--group", "group_code", default=None, metavar="CODE", help="With --reset: only this group's people.")
@click.option(
    "--awards", is_flag=True, help="Put award recipients on aisle seats near the stage in call order (after an import)."
)
@click.option("--dry-run", is_flag=True, help="With --reset or --awards: print who would move; change nothing.")
def assign_seats_cmd(reset: bool, group_code: str | None, awards: bool, dry_run: bool) -> None:
    """Give every seatless delegate who needs a hall seat one (leaders, award recipients, then
    groups; booth staff need none unless their group has seats reserved); keeps seats. Prints
    the seats against the delegates who need one, and who lacks a seat by group.
    --reset lays the hall out again, --awards moves award recipients to aisle seats: both print
    who moves from which seat to which (docs/seating.md)."""
    from models.seating.assignment import assign_seats

    if reset and awards:
        _fail("Chọn một: --reset hoặc --awards.")
    if group_code is not None and not reset:
        _fail("--group chỉ dùng với --reset.")
    if dry_run and not (reset or awards):
        _fail("--dry-run chỉ dùng với --reset hoặc --awards.")
    ev = current_event_or_exit()
    if reset or awards:
        _relayout(ev, "reset" if reset else "awards", group_code, dry_run)
    else:
        given = assign_seats(ev, actor="cli")
        db.session.commit()
        click.echo(f"Đã xếp {given} ghế; còn {_balance_lines(ev)}")


def _fail(message: str) -> None:
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(1)


def _balance_lines(ev) -> str:
    from models.seating.assignment import seat_balance

    b = seat_balance(ev)
    text = (
        f"{b.lacking} đại biểu chưa có ghế.\n"
        f"Hội trường: {b.usable} ghế dùng được (trên {b.capacity}) cho {b.needing} đại biểu cần ghế; "
        f"{b.seated} đã có ghế, {b.free} ghế trống; {b.not_needing} nhân viên gian hàng không cần ghế."
    )
    if b.lacking:
        groups = ", ".join(f"{name or 'không thành phần'}: {n}" for name, n in b.lacking_by_group)
        text += f"\nChưa có ghế: {groups}."
    return text


def _relayout(ev, kind: str, group_code: str | None, dry_run: bool) -> None:
    from models.seating.assignment import SeatingError
    from models.seating.relayout import relayout

    try:
        plan = relayout(ev, kind, group_code, apply=not dry_run, actor="cli")
    except SeatingError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    for c in plan.moved:
        click.echo(f"  đổi chỗ  {c.old} → {c.new}  {c.name} ({c.group or 'không thành phần'})")
    for c in plan.lost:
        click.echo(f"  mất ghế  {c.old} → —  {c.name} ({c.group or 'không thành phần'})")
    for c in plan.gained:
        click.echo(f"  được ghế — → {c.new}  {c.name} ({c.group or 'không thành phần'})")
    what = "Xem trước (chưa thay đổi gì)" if dry_run else "Đã xếp lại"
    scope = f", thành phần {plan.group}" if plan.group else ""
    click.echo(
        f"{what}{scope}: {len(plan.moved)} người đổi chỗ, {len(plan.lost)} mất ghế, {len(plan.gained)} được ghế, "
        f"{plan.same} giữ nguyên ghế; {plan.kept_checked_in} người đã điểm danh giữ ghế; "
        f"{plan.locked} ghế khóa để trống; còn {plan.lacking} đại biểu chưa có ghế."
    )


@click.command("export-attendees")
@click.option("--out", "out", required=True, type=OutPath(dir_okay=False, path_type=Path), help="FILE.xlsx")
@click.option("--no-shows", is_flag=True, help="Only the invited delegates who have not arrived.")
@event_option
def export_attendees(out: Path, no_shows: bool, event_slug: str | None) -> None:
    """Delegates with seat, badge status and arrival time, by group (.xlsx, Vietnamese headers)."""
    from models.guests.exports import delegates_xlsx, no_shows_xlsx

    ev = event_or_current(event_slug)
    out.write_bytes(no_shows_xlsx(ev) if no_shows else delegates_xlsx(ev))
    what = "no_shows" if no_shows else "guest_list"
    log_export(what, count_people(ev, what), event_id=ev.id, out=str(out))
    click.echo(f"Đã ghi {out}")


@click.command("seat-map")
@click.option("--out", "out", required=True, type=OutPath(dir_okay=False, path_type=Path), help="FILE.pdf")
@click.option("--mode", type=click.Choice(["group", "arrival"]), default="group", show_default=True)
def seat_map_cmd(out: Path, mode: str) -> None:
    """The printable seat map (PDF), coloured by group or by arrival."""
    from models.seating.seatmap import seat_map_pdf

    ev = current_event_or_exit()
    out.write_bytes(seat_map_pdf(ev, mode))
    log_export("seat_map", count_people(ev, "seat_map"), event_id=ev.id, out=str(out), mode=mode)
    click.echo(f"Đã ghi {out}")


def _attendee(attendee_id: int):
    from models.guests.models import Attendee

    ev = current_event_or_exit()
    person = db.session.get(Attendee, attendee_id)
    if person is None or person.event_id != ev.id:
        click.echo(f"Không có đại biểu #{attendee_id} trong sự kiện hiện tại.", err=True)
        sys.exit(1)
    return person


@click.command("cancel-attendee")
@click.argument("attendee_id", type=ROW_ID)
@click.option("--reason", required=True, help="Why (kept with the record and in the audit log).")
def cancel_attendee_cmd(attendee_id: int, reason: str) -> None:
    """Cancel a delegate: frees the seat, revokes the badge, out of the invited figures."""
    from models.services.person_changes import ChangeError, cancel_attendee

    person = _attendee(attendee_id)
    try:
        revoked = cancel_attendee(person, reason, actor="cli")
    except ChangeError as exc:
        db.session.rollback()
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Đã hủy #{person.id} {person.display_name}: ghế được trả lại, {revoked} thẻ bị thu hồi.")


@click.command("restore-attendee")
@click.argument("attendee_id", type=ROW_ID)
def restore_attendee_cmd(attendee_id: int) -> None:
    """Put a cancelled delegate back on the guest list with a new badge (no seat given back)."""
    from models.services.person_changes import ChangeError, restore_attendee

    person = _attendee(attendee_id)
    try:
        badge = restore_attendee(person, actor="cli")
    except ChangeError as exc:
        db.session.rollback()
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Đã khôi phục #{person.id} {person.display_name}: thẻ mới lần {badge.serial} (thẻ cũ vẫn bị thu hồi).")
    click.echo("Chưa có ghế: chạy assign-seats hoặc đổi ghế bằng tay trên /admin/attendees.")


COMMANDS: list = [
    import_attendees,
    badges,
    assign_seats_cmd,
    export_attendees,
    seat_map_cmd,
    cancel_attendee_cmd,
    restore_attendee_cmd,
]
