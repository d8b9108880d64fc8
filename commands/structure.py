"""CLI commands of the event's structure (issue 13 item 3): export-structure, import-structure.

KIND is programme, groups, units or tiers. Both call models/structure.py, as the pages
/admin/event/<kind>/export.xlsx and /admin/event/<kind>/import do: the same columns, the same
rules, and nothing written while any row is bad (a Vietnamese message per bad line, exit 1).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from commands import OutPath
from commands.events import event_option, event_or_current
from models.base import db

KIND = click.Choice(["programme", "groups", "units", "tiers"])


@click.command("export-structure")
@click.argument("kind", type=KIND)
@click.option("--out", "out", required=True, type=OutPath(dir_okay=False, path_type=Path),
              help="FILE.xlsx")
@event_option
def export_structure(kind: str, out: Path, event_slug: str | None) -> None:
    """Write the event's programme, groups, units or award tiers to an .xlsx (one sheet, a
    header row: the shape import-structure reads back)."""
    from models.structure import export_xlsx, rows_of

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
    from models.importing import MAX_BYTES, ImportFileError
    from models.structure import StructureError, import_apply, import_preview

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
        click.echo("Lỗi: tệp còn dòng lỗi, không nhập dòng nào." if preview.errors
                   else "Lỗi: không có dòng nào để nhập.", err=True)
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


COMMANDS: list = [export_structure, import_structure]
