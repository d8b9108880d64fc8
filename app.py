"""create_app(test_config=None): config, extensions, blueprints, CLI. Nothing else."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

import config
from admin.web import init_web
from models.core.base import db
from models.core.caches import clear_all as clear_caches


def create_app(test_config: dict | None = None) -> Flask:
    config.private_files()  # umask 077 before instance/ or the database is created
    app = Flask(__name__, instance_path=str(config.INSTANCE_DIR), instance_relative_config=True)
    app.config.from_object(config.Config)
    app.config.update(config.from_environment())
    app.config["INSTANCE_DIR"] = app.instance_path
    app.config["SECRET_KEY"] = config.secret_key() if not test_config else "test-only-secret"
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    if test_config:
        app.config.update(test_config)
    config.private_dir(Path(app.instance_path))
    _signing_key_apart(app)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        opts = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        opts["connect_args"] = {"check_same_thread": False, "timeout": 15, **opts.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    else:
        opts = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        opts.setdefault("pool_size", int(app.config["DB_POOL_SIZE"]))
        opts.setdefault("pool_pre_ping", True)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = opts

    import models.core.database  # (engine event listeners)
    import models.schema  # noqa: F401  (every model)

    models.core.database.set_sqlite_synchronous(app.config["SQLITE_SYNCHRONOUS"])

    db.init_app(app)
    init_web(app)
    clear_caches()  # every per-process cache (models/core/caches.py), the dashboard refresher too

    import cli

    cli.register(app)
    return app


def _signing_key_apart(app: Flask) -> None:
    """SIGNING_KEY_FILE resolved (default outside instance/), refused inside the data's folders,
    and an older instance/signing_key.aes moved there (models/core/secretbox.py)."""
    from sqlalchemy.engine import make_url

    from models.core import secretbox

    configured = app.config.get("SIGNING_KEY_FILE")
    path = Path(configured).expanduser() if configured else config.signing_key_file()
    app.config["SIGNING_KEY_FILE"] = str(path)
    data = [Path(app.instance_path)]
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        data.append(Path(url.database).parent)
    secretbox.check_apart(path, data)
    moved = secretbox.move_legacy(Path(app.instance_path) / secretbox.KEY_FILE_NAME, path)
    if moved:
        app.logger.warning("%s", moved)
