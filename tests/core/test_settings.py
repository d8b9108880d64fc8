"""Settings in one place: config.Config declares every setting with its meaning, config.py alone
reads the environment, and the README's table is the one config.py makes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cli
import config
from app import create_app

ROOT = Path(__file__).resolve().parents[2]


def test_readme_table_is_config_py():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- settings: begin \(python config.py\) -->\n(.*?)<!-- settings: end -->", readme, re.S)
    assert m, "README.md lost its settings table markers"
    assert m.group(1) == config.settings_table(), "README's settings table is stale: paste `python config.py`"


def test_every_setting_has_a_meaning_and_every_variable_a_setting():
    rows = config.settings()
    assert len(rows) == len([k for k in vars(config.Config) if k.isupper()])
    assert all(meaning for _, _, _, meaning in rows), [name for name, *_, meaning in rows if not meaning]
    assert set(config.ENVIRONMENT) <= {name for name, *_ in rows}
    # the variables operators' scripts and the README use keep their names
    assert {var for var, _ in config.ENVIRONMENT.values()} == {
        "EVENT_KIOSK_INSTANCE",
        "SECRET_KEY",
        "DATABASE_URL",
        "DB_POOL_SIZE",
        "PUBLIC_BASE_URL",
        "HOST",
        "PORT",
        "THREADS",
        "WORKERS",
        "TRUSTED_PROXY",
        "SWITCH_INTERVAL",
        "CONNECTIONS_PER_ADDRESS",
        "CONNECTION_LIMIT",
        "SIGNING_KEY_FILE",
        "CLI_LOCK_WAIT",
        "PUBLIC_URL",
        "PAIRING_HOURS",
        "EK_HOST",
        "EK_HTTPS_PORT",
        "EK_HTTP_PORT",
        "SQLITE_SYNCHRONOUS",
    }


def test_only_config_py_reads_the_environment():
    files = [ROOT / n for n in ("app.py", "cli.py", "webserver.py")]
    for folder in ("models", "admin", "commands"):
        files += sorted((ROOT / folder).rglob("*.py"))
    readers = [
        f.relative_to(ROOT).as_posix()
        for f in files
        if re.search(r"os\.environ|getenv\(", f.read_text(encoding="utf-8"))
    ]
    assert readers == []


def test_config_defaults_are_the_ones_the_code_falls_back_to():
    from admin.dashboard import views as dashboard
    from admin.districts import views as districts
    from admin.exhibition import exhibitors
    from models.districts import delegations as delegation_service
    from models.exhibition import workflow as exhibitor_rules

    c = config.Config
    assert c.DASHBOARD_REFRESH_SECONDS == dashboard.REFRESH_SECONDS
    assert c.DASHBOARD_SEATMAP_SECONDS == dashboard.SEATMAP_SECONDS
    assert c.DASHBOARD_MIN_RECOMPUTE == dashboard.MIN_RECOMPUTE_SECONDS
    assert c.DASHBOARD_VERSION_SECONDS == dashboard.VERSION_SECONDS
    assert c.DISTRICT_LINK_MAX_AGE == delegation_service.LINK_MAX_AGE
    assert districts.nomination_limiter.limit == c.DISTRICT_RATE_LIMIT
    assert c.EXHIBITOR_LINK_MAX_AGE == exhibitor_rules.LINK_MAX_AGE
    assert exhibitors.submit_limiter.limit == c.EXHIBITOR_RATE_LIMIT


def test_from_environment_types_defaults_and_errors():
    got = config.from_environment(
        {
            "PORT": "8081",
            "THREADS": "",
            "SWITCH_INTERVAL": "0.002",
            "DATABASE_URL": "postgres://u@h/db",
            "PUBLIC_BASE_URL": "http://10.0.0.2:8000",
        }
    )
    assert got["PORT"] == 8081 and got["THREADS"] == 8 and got["SWITCH_INTERVAL"] == 0.002
    assert got["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert got["PUBLIC_BASE_URL"] == "http://10.0.0.2:8000"
    assert config.from_environment({})["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    with pytest.raises(ValueError, match="PORT='eighty' is not an integer"):
        config.from_environment({"PORT": "eighty"})
    with pytest.raises(ValueError, match="SWITCH_INTERVAL='fast' is not a number"):
        config.from_environment({"SWITCH_INTERVAL": "fast"})


def test_the_app_and_serve_take_the_environment(monkeypatch, tmp_path):
    for var, value in {
        "PUBLIC_BASE_URL": "http://192.168.1.10:8000",
        "DB_POOL_SIZE": "7",
        "HOST": "0.0.0.0",
        "PORT": "8123",
        "THREADS": "3",
        "WORKERS": "2",
        "TRUSTED_PROXY": "127.0.0.1",
    }.items():
        monkeypatch.setenv(var, value)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.db'}"})
    assert app.config["PUBLIC_BASE_URL"] == "http://192.168.1.10:8000" and app.config["DB_POOL_SIZE"] == 7
    assert app.config["INSTANCE_DIR"] == app.instance_path
    with app.app_context():
        params = cli.serve.make_context("serve", []).params
    assert params == {
        "host": "0.0.0.0",
        "port": 8123,
        "threads": 3,
        "workers": 2,
        "trusted_proxy": "127.0.0.1",
        "https": False,
    }
    with app.app_context():  # the command line still wins
        assert cli.serve.make_context("serve", ["--port", "9000"]).params["port"] == 9000
    monkeypatch.delenv("PORT")
    assert cli.serve.make_context("serve", []).params["port"] == 8000  # no app: the environment's


def test_sqlite_synchronous_from_the_environment_reaches_the_connections(monkeypatch, tmp_path):
    from sqlalchemy import text

    from models.core import database
    from models.core.base import db

    assert config.from_environment({"SQLITE_SYNCHRONOUS": "full"})["SQLITE_SYNCHRONOUS"] == "FULL"
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS='sometimes' is not one of OFF, NORMAL, FULL, EXTRA"):
        config.from_environment({"SQLITE_SYNCHRONOUS": "sometimes"})
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", "FULL")
    try:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 's.db'}"})
        with app.app_context():
            assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            db.session.remove()
            db.engine.dispose()
    finally:
        database.set_sqlite_synchronous("NORMAL")
    monkeypatch.delenv("SQLITE_SYNCHRONOUS")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'n.db'}"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        db.session.remove()
        db.engine.dispose()
