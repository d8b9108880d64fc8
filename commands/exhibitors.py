"""CLI commands of one area.

Exhibition (issue 6). Public /exhibitors/register and status link; /admin/exhibitors; per-district view.

Add click commands to COMMANDS; cli.register() adds them to `flask --app app`.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from models.base import db


def _event():
    from models.events import current_event

    ev = current_event()
    if ev is None:
        raise click.ClickException("Chưa có sự kiện nào / no event yet.")
    return ev


@click.command("exhibitor-demo")
def exhibitor_demo() -> None:
    """Demo: tables for the approved demo exhibitors and 1-2 staff (with badges) each."""
    from models.exhibitor_demo import prepare_demo_exhibition

    placed, staff = prepare_demo_exhibition(_event())
    click.echo(f"Đã xếp bàn {placed} gian hàng, thêm {staff} nhân viên gian hàng.")


@click.command("exhibitor-link")
@click.argument("exhibitor_id", type=int)
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True,
              help="The server's address as exhibitors reach it.")
@click.option("--reissue", is_flag=True, help="Make a new link; the old one stops working.")
def exhibitor_link(exhibitor_id: int, base_url: str, reissue: bool) -> None:
    """Print an exhibitor's private status link (last line)."""
    from models.exhibition import Exhibitor
    from models.exhibitors import reissue_link, status_token

    ex = db.session.get(Exhibitor, exhibitor_id)
    if ex is None:
        raise click.ClickException(f"Không có chủ thể số {exhibitor_id}.")
    if reissue:
        reissue_link(ex, actor="cli")
    token = status_token(ex, current_app.secret_key)
    click.echo(ex.name)
    click.echo(f"{base_url.rstrip('/')}/exhibitors/status/{token}")


@click.command("exhibitor-cards")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def exhibitor_cards(out: Path) -> None:
    """A5 table cards (PDF) of the approved exhibitors, by district and table."""
    from models.exhibitor_reports import table_cards_pdf
    from models.exhibitors import ACTIVE, find_exhibitors

    ev = _event()
    people = [x for x in find_exhibitors(ev) if x.status in ACTIVE]
    people.sort(key=lambda x: (x.district.sort_order if x.district else 999, x.table.number if x.table else 999,
                               x.name))
    out.write_bytes(table_cards_pdf(ev, people))
    click.echo(f"{len(people)} thẻ bàn -> {out}")


@click.command("export-exhibitors")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_exhibitors(out: Path) -> None:
    """Every exhibitor and product to an .xlsx workbook."""
    from models.exhibitor_reports import export_xlsx
    from models.exhibitors import find_exhibitors

    ev = _event()
    people = find_exhibitors(ev)
    out.write_bytes(export_xlsx(ev, people))
    click.echo(f"{len(people)} chủ thể -> {out}")


COMMANDS: list = [exhibitor_demo, exhibitor_link, exhibitor_cards, export_exhibitors]
