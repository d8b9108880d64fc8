"""Flask CLI commands, one module per area; cli.register() adds each module's COMMANDS."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

#: the exit status of every command that needs the current event when there is none
EXIT_NO_EVENT = 2
#: and its one message
NO_EVENT = (
    "Chưa có sự kiện hiện tại / no current event (flask --app app new-event … hoặc use-event SLUG; mẫu: seed-demo)."
)


def current_event_or_exit():
    """The current event; without one, NO_EVENT on stderr and exit status EXIT_NO_EVENT (every
    command that works on the current event says the same)."""
    from models.events.service import current_event

    ev = current_event()
    if ev is None:
        click.echo(NO_EVENT, err=True)
        sys.exit(EXIT_NO_EVENT)
    return ev


class OutPath(click.Path):
    """``--out FILE``: refused with a clear message (and nothing done) when its folder does not
    exist or cannot be written, instead of a traceback after the work."""

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        folder = Path(os.fsdecode(path)).expanduser().resolve().parent
        if not folder.is_dir():
            self.fail(f"thư mục {folder} không tồn tại.", param, ctx)
        if not os.access(folder, os.W_OK):
            self.fail(f"không ghi được vào thư mục {folder}.", param, ctx)
        return path


class Number(click.ParamType):
    """A whole number for a command (a row id by default: 1..2^31-1, what every database column
    holds), parsed like every number the product reads (models.core.numbers.parse_int: ASCII
    digits only); anything else is refused with one clear message, never a traceback from the
    database (``erase-person 99999999999999999999`` overflowed SQLite's INTEGER before)."""

    name = "number"

    def __init__(self, lo: int = 1, hi: int | None = None) -> None:
        from models.core.numbers import MAX_ID

        self.lo, self.hi = lo, MAX_ID if hi is None else hi

    def convert(self, value, param, ctx):
        from models.core.numbers import NumberError, parse_int

        try:
            return parse_int(value if isinstance(value, int) else str(value).strip(), self.lo, self.hi)
        except NumberError as exc:
            self.fail(exc.message, param, ctx)


#: a row id argument (attendee, exhibitor...)
ROW_ID = Number()
