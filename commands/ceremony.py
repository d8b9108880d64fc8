"""CLI commands of one area.

Awards, MC tablet and stage screen (issue 7). /mc/, /stage/, /admin/awards.

Add click commands to COMMANDS; cli.register() adds them to `flask --app app`.
"""

from __future__ import annotations

from pathlib import Path

import click

from commands import OutPath, current_event_or_exit
from models.core.base import db
from models.privacy.exports import count_people, log_export


@click.command("mc-script")
@click.option("--out", "out", required=True, type=OutPath(dir_okay=False, path_type=Path), help="PDF file to write.")
def mc_script(out: Path) -> None:
    """Write the MC script (programme, each batch with names and presenter) as PDF."""
    from models.ceremony.mc_script import mc_script_pdf
    from models.ceremony.sequence import ensure_batches

    ev = current_event_or_exit()
    ensure_batches(ev)
    data = mc_script_pdf(ev)
    out.write_bytes(data)
    log_export("mc_script", count_people(ev, "mc_script"), event_id=ev.id, out=str(out))
    click.echo(f"{out} ({len(data)} bytes)")


@click.command("award-batches")
@click.option(
    "--capacity",
    type=click.IntRange(1, 200),
    default=None,
    help="People on stage at once (default: the event's stage capacity, 10).",
)
@click.option(
    "--tier-order", default=None, help="Tier codes in hand-out order, comma-separated (e.g. 5-sao,4-sao,3-sao)."
)
def award_batches_cmd(capacity: int | None, tier_order: str | None) -> None:
    """(Re)build the award hand-out order and batches by the rules; refused once it started."""
    from models.ceremony.sequence import SequenceError, SequenceLocked, award_batches, calls_in, set_tier_order

    ev = current_event_or_exit()
    try:
        if tier_order:
            set_tier_order(ev, [c.strip() for c in tier_order.split(",") if c.strip()], actor="cli")
        batches = award_batches(ev, capacity, actor="cli")
    except (SequenceLocked, SequenceError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    for b in batches:
        who = b.presenter.display_name if b.presenter else "-"
        people = len(calls_in(b.awards))
        click.echo(f"{b.number:>3}  {b.tier.code:<10} {people:>3} người · {len(b.awards):>3} giải  {who}")


@click.command("import-awards")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report only; write nothing.")
def import_awards_cmd(path: Path, dry_run: bool) -> None:
    """Import awards from .xlsx (Sản phẩm, Chủ thể, Huyện, Hạng, Người nhận); all or nothing.
    Each row is reported: new, or the fields it changed (old → new); rows that are the same
    award are refused with both row numbers."""
    from models.ceremony.awards_import import import_awards
    from models.ceremony.sequence import SequenceLocked

    ev = current_event_or_exit()
    try:
        report = import_awards(ev, path.read_bytes(), actor="cli", dry_run=dry_run)
    except SequenceLocked as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    if not report.ok:
        db.session.rollback()
        for row, msg in report.errors:
            click.echo(f"Dòng {row}: {msg}", err=True)
        raise click.ClickException("Không nhập gì / nothing imported.")
    for r in report.rows:
        click.echo(_row_line(r))
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(
        f"{'dry run: would have ' if dry_run else ''}created {report.created}, updated {report.updated}, "
        f"unchanged {report.unchanged}"
    )


def _row_line(r) -> str:
    """One imported row for the terminal: what it is and what it did."""
    what = f"{r.product} — {r.entity}" + (f" ({r.unit})" if r.unit else "") + f" · {r.tier} · {r.recipient}"
    if r.outcome == "new":
        return f"Dòng {r.row}: mới / new: {what}"
    if r.outcome == "same":
        return f"Dòng {r.row}: không đổi / unchanged: {what}"
    changed = "; ".join(f"{f}: {old} → {new}" for f, old, new in r.changes)
    return f"Dòng {r.row}: cập nhật / updated: {what}: {changed}"


@click.command("awards-from-products")
def awards_from_products_cmd() -> None:
    """Create one award per rated product (3/4/5 stars) of the exhibitors."""
    from models.ceremony.awards_import import awards_from_products
    from models.ceremony.sequence import SequenceLocked

    ev = current_event_or_exit()
    try:
        made = awards_from_products(ev, actor="cli")
    except SequenceLocked as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"created {made}")


COMMANDS: list = [mc_script, award_batches_cmd, import_awards_cmd, awards_from_products_cmd]
