"""The address printed links start with: one rule for every command that prints a link
(scan-link, district-link, exhibitor-link, exhibitor-cards).

``--base-url`` when given, else the setting (PUBLIC_URL for staff and private links: the
address devices that trust the venue's certificate open, https://… behind ``serve --https``;
PUBLIC_BASE_URL for the visitors' table cards: plain HTTP that any phone opens), else
http://HOST:PORT as ``serve`` listens (0.0.0.0 / :: shown as 127.0.0.1). Anything but an
http(s) address is refused with one message."""

from __future__ import annotations

import click
from flask import current_app


def link_base(given: str | None, setting: str = "PUBLIC_URL") -> str:
    cfg = current_app.config
    base = (given or cfg.get(setting) or "").strip()
    if not base:
        host = "127.0.0.1" if cfg["HOST"] in ("0.0.0.0", "::") else cfg["HOST"]
        base = f"http://{host}:{cfg['PORT']}"
    if not base.startswith(("http://", "https://")) or len(base) > 300:
        raise click.ClickException(
            "--base-url phải là địa chỉ http:// hoặc https:// / must be an http:// or https:// address"
        )
    return base.rstrip("/")


def base_url_option(help_text: str):
    """The ``--base-url`` option every link-printing command takes (``--base`` is its alias)."""
    return click.option("--base-url", "--base", "base_url", default=None, help=help_text)
