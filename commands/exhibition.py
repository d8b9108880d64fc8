"""CLI commands of one area.

Exhibition (issue 6). Public /exhibitors/register and status link; /admin/exhibitors; per-district view.

Add click commands to COMMANDS; cli.register() adds them to `flask --app app`.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from commands import ROW_ID, OutPath, current_event_or_exit
from commands.links import base_url_option, link_base
from models.core.base import db
from models.privacy.exports import count_people, log_export


@click.command("exhibitor-demo")
def exhibitor_demo() -> None:
    """Demo: tables for the approved demo exhibitors and 1-2 staff (with badges) each."""
    from models.demo.exhibition import prepare_demo_exhibition

    placed, staff = prepare_demo_exhibition(current_event_or_exit())
    click.echo(f"Đã xếp bàn {placed} gian hàng, thêm {staff} nhân viên gian hàng.")


@click.command("exhibitor-link")
@click.argument("exhibitor_id", type=ROW_ID)
@base_url_option("The server's address as exhibitors reach it (default: PUBLIC_URL, else http://HOST:PORT).")
@click.option("--reissue", is_flag=True, help="Make a new link; the old one stops working.")
def exhibitor_link(exhibitor_id: int, base_url: str | None, reissue: bool) -> None:
    """Print an exhibitor's private status link (last line)."""
    base = link_base(base_url)
    from models.exhibition.models import Exhibitor
    from models.exhibition.workflow import reissue_link, status_token

    ex = db.session.get(Exhibitor, exhibitor_id)
    if ex is None:
        raise click.ClickException(f"Không có chủ thể số {exhibitor_id}.")
    if reissue:
        reissue_link(ex, actor="cli")
    token = status_token(ex, current_app.secret_key)
    click.echo(ex.name)
    click.echo(f"{base}/exhibitors/status/{token}")


@click.command("exhibitor-cards")
@click.option("--out", type=OutPath(dir_okay=False, path_type=Path), required=True)
@base_url_option(
    "The server's address as visitors' phones reach it (QR on each card); default: PUBLIC_BASE_URL, else http://HOST:PORT."
)
def exhibitor_cards(out: Path, base_url: str | None) -> None:
    """A5 table cards (PDF) of the approved exhibitors, by district and table, each with a QR to
    its table's public page (/exhibition/table/<id>)."""
    from models.exhibition.reports import table_cards_pdf
    from models.exhibition.workflow import ACTIVE, find_exhibitors

    ev = current_event_or_exit()
    people = [x for x in find_exhibitors(ev) if x.status in ACTIVE]
    people.sort(
        key=lambda x: (x.district.sort_order if x.district else 999, x.table.number if x.table else 999, x.name)
    )
    base = link_base(base_url, "PUBLIC_BASE_URL")
    out.write_bytes(table_cards_pdf(ev, people, base))
    log_export("table_cards", len(people), event_id=ev.id, out=str(out))
    click.echo(f"{len(people)} thẻ bàn -> {out}")


@click.command("export-exhibitors")
@click.option("--out", type=OutPath(dir_okay=False, path_type=Path), required=True)
def export_exhibitors(out: Path) -> None:
    """Every exhibitor and product to an .xlsx workbook."""
    from models.exhibition.reports import export_xlsx
    from models.exhibition.workflow import find_exhibitors

    ev = current_event_or_exit()
    people = find_exhibitors(ev)
    out.write_bytes(export_xlsx(ev, people))
    log_export("exhibitors", sum(1 + len(x.staff) for x in people), event_id=ev.id, out=str(out))
    click.echo(f"{len(people)} chủ thể -> {out}")


@click.command("catalogue")
@click.option("--out", type=OutPath(dir_okay=False, path_type=Path), required=True)
def catalogue(out: Path) -> None:
    """ "Danh mục sản phẩm OCOP trưng bày" (PDF): approved exhibitors' products by unit."""
    from models.exhibition.documents import catalogue_pdf
    from models.exhibition.public import public_units

    ev = current_event_or_exit()
    units = public_units(ev)
    out.write_bytes(catalogue_pdf(ev))
    log_export("catalogue", count_people(ev, "catalogue"), event_id=ev.id, out=str(out))
    n = sum(u.product_count for u in units)
    click.echo(f"{n} sản phẩm, {len(units)} đơn vị -> {out}")


@click.command("results")
@click.option("--out", type=OutPath(dir_okay=False, path_type=Path), required=True)
def results(out: Path) -> None:
    """The awarded products (tier, product, producer, unit, decision no.) as .xlsx for the portal."""
    from models.ceremony.results import results_xlsx

    ev = current_event_or_exit()
    out.write_bytes(results_xlsx(ev))
    log_export("results", count_people(ev, "results"), event_id=ev.id, out=str(out))
    click.echo(f"Kết quả khen thưởng -> {out}")


COMMANDS: list = [exhibitor_demo, exhibitor_link, exhibitor_cards, export_exhibitors, catalogue, results]
