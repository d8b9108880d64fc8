"""Alembic: the migrations build the same schema as the models and keep data on upgrade."""

import sqlite3

from sqlalchemy import inspect

from app import create_app
from cli import upgrade_database
from models.base import db


def test_upgrade_from_empty_and_again_keeps_data(tmp_path):
    path = tmp_path / "m.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade_database()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        from models.demo import load_demo

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

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path/'c.db'}"})
    with app.app_context():
        upgrade_database()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == []
