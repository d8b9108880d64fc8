"""Flask CLI commands, one module per area; cli.register() adds each module's COMMANDS."""

from __future__ import annotations

import os
from pathlib import Path

import click


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
