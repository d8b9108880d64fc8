"""Alembic: the migrations build the same schema as the models and keep data on upgrade."""

import sqlite3

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from cli import upgrade_database
from models.core.base import db
from tests.conftest import PG_URL


def test_upgrade_from_empty_and_again_keeps_data(tmp_path):
    path = tmp_path / "m.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade_database()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        from models.demo.load import load_demo

        load_demo(with_users=False)
        before = db.session.execute(db.text("select count(*) from attendee")).scalar()
        assert before >= 250
        db.session.remove()
        upgrade_database()  # the morning of the event: upgrade again
        db.engine.dispose()
    con = sqlite3.connect(path)
    assert con.execute("select count(*) from attendee").fetchone()[0] == before
    assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    con.close()


def test_models_and_migrations_agree(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.db'}"})
    with app.app_context():
        upgrade_database()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == []


@pytest.fixture
def pg_scratch():
    """A scratch PostgreSQL database of its own (the suite's shared one is built by create_all)."""
    if not PG_URL:
        pytest.skip("PostgreSQL half: TEST_DATABASE_URL not set")
    url = make_url(PG_URL)
    name = f"{url.database}_migrations"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
def test_postgresql_upgrade_keeps_data_and_agrees_with_models(pg_scratch):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": pg_scratch})
    with app.app_context():
        upgrade_database()
        from models.demo.load import load_demo

        load_demo(with_users=False)
        before = db.session.execute(text("select count(*) from attendee")).scalar()
        db.session.commit()
        db.session.remove()
        upgrade_database()  # again, as on the morning of the event
        assert db.session.execute(text("select count(*) from attendee")).scalar() == before >= 250
        db.session.remove()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == []
