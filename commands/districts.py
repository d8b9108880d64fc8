"""CLI commands of one area.

District delegations (issue 9). The district officer's private link /d/<token> and /admin/districts.

Add click commands to COMMANDS; cli.register() adds them to `flask --app app`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app

from commands import OutPath, current_event_or_exit
from commands.links import base_url_option, link_base
from models.core.base import db
from models.privacy.exports import log_export


def find_district(ev, text: str):
    """A district of the event by code or name (accents, case and "huyện"/"TP" prefixes ignored)."""
    from models.core.names import fold
    from models.guests.imports import DISTRICT_PREFIX

    key = fold(text)
    bare = DISTRICT_PREFIX.sub("", key)
    for d in ev.districts:
        if key in (fold(d.code), fold(d.name)) or bare in (fold(d.code), DISTRICT_PREFIX.sub("", fold(d.name))):
            return d
    names = ", ".join(f"{d.code} ({d.name})" for d in ev.districts) or "—"
    raise click.ClickException(f'Không có huyện "{text}". Các huyện: {names}')


@click.command("invitations")
@click.option("--district", "district_text", required=True, help="District code or name.")
@click.option("--out", type=OutPath(dir_okay=False, path_type=Path), required=True)
@click.option("--number", default=None, help='Number and symbol for this print, e.g. "45/GM-SNNMT".')
@click.option("--date", "date_text", default=None, help="Issue date for this print, YYYY-MM-DD.")
def invitations(district_text: str, out: Path, number: str | None, date_text: str | None) -> None:
    """Invitation letters (giấy mời) of one district: one A4 page per delegate, with the badge QR.

    Number, date, place and signer come from the event's letter settings (/admin/event);
    --number and --date override them for this print. No date set: left blank for the signer."""
    from models.districts.invitations import issue_missing, letter_data, render_letters

    if number is not None and len(number.strip()) > 60:
        raise click.ClickException("Số và ký hiệu tối đa 60 ký tự.")
    issued_on = None
    if date_text is not None:
        try:
            issued_on = datetime.strptime(date_text.strip(), "%Y-%m-%d").date()
        except ValueError as exc:
            raise click.ClickException("Ngày phải có dạng YYYY-MM-DD, ví dụ 2025-05-10.") from exc
    ev = current_event_or_exit()
    d = find_district(ev, district_text)
    made = issue_missing(ev, d)
    if made:
        db.session.commit()
        click.echo(f"Đã cấp thẻ cho {made} đại biểu chưa có thẻ.")
    letters = letter_data(ev, d)
    if not letters:
        raise click.ClickException(f"{d.name} chưa có đại biểu nào trong danh sách khách mời.")
    pdf = render_letters(ev, letters, issued_on, number=number)
    out.write_bytes(pdf)
    log_export("letters", len(letters), event_id=ev.id, out=str(out), district_id=d.id)
    click.echo(f"{d.name}: {len(letters)} giấy mời → {out}")


@click.command("district-link")
@click.argument("district_text")
@base_url_option("The server's address as district officers reach it (default: PUBLIC_URL, else http://HOST:PORT).")
@click.option("--new", "make_new", is_flag=True, help="Make a new link; the old one stops working.")
@click.option("--deadline", default="", help='Read-only after this local time, "YYYY-MM-DD HH:MM".')
@click.option("--revoke", is_flag=True, help="Revoke the district's link.")
def district_link(district_text: str, base_url: str | None, make_new: bool, deadline: str, revoke: bool) -> None:
    """Print a district officer's private link (last line)."""
    from models.core.timeutil import to_naive_utc
    from models.districts import delegations as ds

    base = link_base(base_url)  # checked before anything is written
    ev = current_event_or_exit()
    d = find_district(ev, district_text)
    link = ds.current_link(d)
    if revoke:
        if link is not None:
            ds.revoke_link(link, actor="cli")
            db.session.commit()
        click.echo(f"{d.name}: đã thu hồi liên kết.")
        return
    when = None
    if deadline:
        try:
            when = to_naive_utc(datetime.strptime(deadline, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(ev.timezone)))
        except ValueError as exc:
            raise click.ClickException('Hạn chót phải có dạng "YYYY-MM-DD HH:MM".') from exc
    if link is None or make_new:
        link = ds.new_link(d, when, actor="cli")
    elif deadline:
        ds.set_deadline(link, when, actor="cli")
    db.session.commit()
    click.echo(d.name)
    click.echo(f"{base}/d/{ds.district_token(link, current_app.secret_key)}")


@click.command("district-demo")
def district_demo() -> None:
    """Demo: quotas, a private link per district (deadline 3 days before), a few nominations."""
    from models.demo.districts import prepare_demo_delegations

    made = prepare_demo_delegations(current_event_or_exit())
    db.session.commit()
    click.echo(f"Đã tạo liên kết cho {made} huyện (xem: flask --app app district-link <huyện>).")


COMMANDS: list = [invitations, district_link, district_demo]
