"""CLI commands of one area.

Organiser dashboard and reports (issue 5): `flask --app app report --out FILE.xlsx|FILE.pdf`.
"""

from __future__ import annotations

from pathlib import Path

import click

from commands import OutPath
from commands.events import event_option, event_or_current
from models.privacy.exports import count_people, log_export


@click.command("report")
@click.option(
    "--out",
    "out",
    required=True,
    type=OutPath(dir_okay=False),
    help="FILE.xlsx (attendance workbook) or FILE.pdf (summary for the official report)",
)
@event_option
def report(out: str, event_slug: str | None) -> None:
    """Write the after-event attendance report (.xlsx) or the PDF summary (.pdf)."""
    from models.dashboard.reports import attendance_workbook, summary_pdf

    ev = event_or_current(event_slug)
    suffix = Path(out).suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise click.ClickException("Tệp phải có đuôi .xlsx hoặc .pdf / use .xlsx or .pdf")
    buf = attendance_workbook(ev) if suffix == ".xlsx" else summary_pdf(ev)
    Path(out).write_bytes(buf.getvalue())
    if suffix == ".xlsx":  # the PDF summary holds figures only, no one's name
        log_export("report", count_people(ev, "report"), event_id=ev.id, out=str(out))
    click.echo(f"Đã ghi báo cáo vào {out}")


COMMANDS: list = [report]
