"""Every command that prints a link starts it the same way (commands/links.py): --base-url (alias
--base), else the setting (PUBLIC_URL for staff and private links, PUBLIC_BASE_URL for the
visitors' table cards), else http://HOST:PORT; an address that is not http(s) is refused before
anything is written."""

from __future__ import annotations

from sqlalchemy import func, select

from models.accounts.models import Device
from models.core.base import db
from models.districts.models import DistrictLink
from tests.districts.conftest import setup_districts


def last_line(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_the_links_follow_one_rule(app, runner, event):
    setup_districts(event)
    app.config.update(PUBLIC_URL="", HOST="0.0.0.0", PORT=8123)
    assert last_line(runner.invoke(args=["scan-link", "phone-1"])).startswith("http://127.0.0.1:8123/scan/pair/")
    assert last_line(runner.invoke(args=["district-link", "cam-lam"])).startswith("http://127.0.0.1:8123/d/")
    app.config["PUBLIC_URL"] = "https://ek.lan:8443/"
    assert last_line(runner.invoke(args=["scan-link", "phone-1"])).startswith("https://ek.lan:8443/scan/pair/")
    assert last_line(runner.invoke(args=["district-link", "cam-lam", "--new"])).startswith("https://ek.lan:8443/d/")
    given = runner.invoke(args=["district-link", "cam-lam", "--base-url", "http://10.0.0.9:8000/"])
    assert last_line(given).startswith("http://10.0.0.9:8000/d/")
    alias = runner.invoke(args=["scan-link", "phone-1", "--base", "https://10.0.0.9:8443"])
    assert last_line(alias).startswith("https://10.0.0.9:8443/scan/pair/")


def test_a_base_that_is_not_http_is_refused_and_writes_nothing(app, runner, event):
    setup_districts(event)
    links = db.session.scalar(select(func.count()).select_from(DistrictLink))
    for args in (
        ["scan-link", "phone-2", "--base-url", "javascript:alert(1)"],
        ["district-link", "cam-lam", "--new", "--base-url", "ftp://x"],
        ["scan-link", "phone-2", "--base-url", "http://" + "a" * 400],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and "http:// hoặc https://" in result.output, result.output
    assert db.session.scalar(select(Device).where(Device.name == "phone-2")) is None
    assert db.session.scalar(select(func.count()).select_from(DistrictLink)) == links
