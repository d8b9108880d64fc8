"""Issue 16 item 5: the server's files are private from the start, uploaded lists do not
linger, and the signing keys are not plain database rows (backup and restore still work).
Issue 22 item 7: the key that seals them lives apart from the data (SIGNING_KEY_FILE, never in
instance/), an old instance/signing_key.aes moves out on the first start, and `backup` writes
the key only with --with-key."""

from __future__ import annotations

import base64
import io
import os
import re
import stat
import time
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select, text

import config
from app import create_app
from cli import upgrade_database
from models import codes
from models.core import secretbox
from models.core.base import db
from models.events.models import EventKey
from models.events.service import keyring, private_bytes
from tests.factories import make_event
from tests.guests.helpers import xlsx


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    """Start as a login shell would (022): the app itself must make its files private."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _fresh_app(tmp_path: Path, monkeypatch, **extra):
    inst = tmp_path / "instance"
    monkeypatch.setattr(config, "INSTANCE_DIR", inst)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    secretbox.forget()
    return inst, create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{inst / 'event_kiosk.db'}",
            "DASHBOARD_RENDER_PROCESS": False,
            "SIGNING_KEY_FILE": str(tmp_path / "home" / "signing_key"),
            **extra,
        }
    )


def _key_in(path: Path) -> bytes:
    return base64.b64decode(path.read_text().strip())


def test_database_wal_shm_instance_and_keys_are_private_from_the_start(tmp_path, monkeypatch, loose_umask):
    inst, app = _fresh_app(tmp_path, monkeypatch)
    assert mode(inst) == 0o700
    with app.app_context():
        upgrade_database()
        make_event()  # writes through the WAL and makes the key file
        db_file = inst / "event_kiosk.db"
        assert mode(db_file) == 0o600
        assert mode(Path(f"{db_file}-wal")) == 0o600
        assert mode(Path(f"{db_file}-shm")) == 0o600
        key = tmp_path / "home" / "signing_key"
        assert mode(key) == 0o600 and mode(key.parent) == 0o700
        assert not (inst / secretbox.KEY_FILE_NAME).exists()  # apart from the data
        db.engine.dispose()
    os.umask(0o022)
    config.secret_key()  # the session-signing key file, made without a chmod
    assert mode(inst / "secret_key") == 0o600


def test_signing_key_row_is_sealed_and_needs_the_key_file(app, tmp_path):
    ev = make_event()
    key = ev.keys[0]
    assert key.private_key.startswith("enc1:")
    raw = private_bytes(key)
    assert len(raw) == 32 and base64.b64encode(raw).decode() not in key.private_key
    assert codes.b64(codes.public_key_of(raw)) == key.public_key
    # another key file opens nothing
    app.config["SIGNING_KEY_FILE"] = str(tmp_path / "other.aes")
    secretbox.forget()
    with pytest.raises(InvalidTag):
        secretbox.open_sealed(key.private_key, f"event_key:{ev.id}:{key.key_no}")
    from models.core import caches

    caches.clear(caches.private_keys)
    with pytest.raises(RuntimeError, match="not the key file this database was sealed with"):
        private_bytes(key)
    app.config.pop("SIGNING_KEY_FILE")
    secretbox.forget()
    # the label binds the row to its key number
    with pytest.raises(InvalidTag):
        secretbox.open_sealed(key.private_key, f"event_key:{ev.id}:{key.key_no + 1}")


def test_migration_seals_existing_plain_rows(tmp_path, monkeypatch):
    from flask_migrate import upgrade

    from admin.core.extensions import MIGRATIONS_DIR

    inst, app = _fresh_app(tmp_path, monkeypatch)
    raw = codes.new_private_key()
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="c1a2b3c4d5e6")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO event (id, slug, name, short_name, organiser, address, date, venue, "
                    "planned_seats, timezone, tag, is_current, stage_capacity, created_at) VALUES "
                    "(1, 'old', 'Cũ', '', '', '', '2024-05-22', 'Nha Trang', 250, "
                    "'Asia/Ho_Chi_Minh', 7, 1, 10, '2024-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO event_key (event_id, key_no, public_key, private_key, active, "
                    "created_at) VALUES (1, 1, :pub, :priv, 1, '2024-01-01')"
                ),
                {"pub": codes.b64(codes.public_key_of(raw)), "priv": codes.b64(raw)},
            )
        upgrade_database()
        key = db.session.scalar(select(EventKey))
        assert key.private_key.startswith("enc1:") and codes.b64(raw) not in key.private_key
        assert private_bytes(key) == raw
        db.engine.dispose()


def test_backup_writes_the_key_only_with_key_and_restores_with_it(tmp_path, monkeypatch, loose_umask):
    inst, app = _fresh_app(tmp_path, monkeypatch)
    with app.app_context():
        upgrade_database()
        make_event()
        plain = app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "bk" / "plain.db")])
        assert plain.exit_code == 0, plain.output
        r = app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "bk" / "b.db"), "--with-key"])
        assert r.exit_code == 0, r.output
        db.engine.dispose()
    # without --with-key: no key beside the backup, and the command says where it is and how to restore
    assert not list((tmp_path / "bk").glob("plain.db.*"))
    assert "NOT in the backup" in plain.output and str(tmp_path / "home" / "signing_key") in plain.output
    assert "restore" in plain.output and "rm -f" in plain.output
    backup, key_copy = tmp_path / "bk" / "b.db", tmp_path / "bk" / "b.db.signing_key.aes"
    assert "signing-key file written" in r.output and str(key_copy) in r.output
    assert mode(backup) == 0o600 and mode(key_copy) == 0o600 and mode(backup.parent) == 0o700
    assert _key_in(key_copy) == _key_in(tmp_path / "home" / "signing_key")
    # restore on another machine: the database and its key file (kept elsewhere), nothing else
    other, keys = tmp_path / "restored", tmp_path / "restored-keys"
    other.mkdir()
    keys.mkdir()
    (other / "event_kiosk.db").write_bytes(backup.read_bytes())
    (keys / "signing_key").write_bytes(key_copy.read_bytes())
    secretbox.forget()
    restored = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{other / 'event_kiosk.db'}",
            "SIGNING_KEY_FILE": str(keys / "signing_key"),
            "DASHBOARD_RENDER_PROCESS": False,
        }
    )
    with restored.app_context():
        from models.guests.badges import issue_badge
        from models.guests.models import Attendee

        person = db.session.scalar(select(Attendee).order_by(Attendee.id))
        badge = issue_badge(person)  # signs with the restored, sealed key
        db.session.commit()
        assert codes.verify_code(badge.code, keyring()).attendee_id == person.id
        db.engine.dispose()


def test_a_copied_data_folder_alone_gives_no_signing_key(tmp_path, monkeypatch):
    """Whoever copies instance/ (the database and everything else in it) gets no private key."""
    import shutil

    inst, app = _fresh_app(tmp_path, monkeypatch)
    with app.app_context():
        upgrade_database()
        ev = make_event()
        raw = private_bytes(ev.keys[0])
        db.engine.dispose()
    master = _key_in(tmp_path / "home" / "signing_key")
    stolen = tmp_path / "stolen"
    shutil.copytree(inst, stolen)
    for f in stolen.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for secret in (master, raw, base64.b64encode(master), base64.b64encode(raw)):
                assert secret not in data, f
    # the thief's server, with the copied folder and no key file of ours: nothing opens
    secretbox.forget()
    from models.core import caches

    caches.clear(caches.private_keys)
    thief = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{stolen / 'event_kiosk.db'}",
            "SIGNING_KEY_FILE": str(tmp_path / "thief" / "signing_key"),
            "DASHBOARD_RENDER_PROCESS": False,
        }
    )
    with thief.app_context():
        with pytest.raises(RuntimeError, match="not the key file this database was sealed with"):
            private_bytes(db.session.scalar(select(EventKey)))
        db.engine.dispose()


def test_an_old_instance_key_file_moves_out_on_first_start_and_keeps_working(tmp_path, monkeypatch):
    inst, app = _fresh_app(tmp_path, monkeypatch)
    with app.app_context():
        upgrade_database()
        ev = make_event()
        raw = private_bytes(ev.keys[0])
        db.engine.dispose()
    old = inst / secretbox.KEY_FILE_NAME  # the layout before issue 22
    (tmp_path / "home" / "signing_key").rename(old)
    # the default place (no SIGNING_KEY_FILE): ~/.config/event-kiosk/, here under XDG_CONFIG_HOME
    monkeypatch.delenv("SIGNING_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    secretbox.forget()
    from models.core import caches

    caches.clear(caches.private_keys)
    started = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{inst / 'event_kiosk.db'}",
            "DASHBOARD_RENDER_PROCESS": False,
        }
    )
    moved = tmp_path / "config" / "event-kiosk" / "signing_key"
    assert started.config["SIGNING_KEY_FILE"] == str(moved)
    assert not old.exists() and mode(moved) == 0o600 and mode(moved.parent) == 0o700
    with started.app_context():
        assert private_bytes(db.session.scalar(select(EventKey))) == raw  # still opens
        db.engine.dispose()
    # a second start finds nothing to move
    assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{inst / 'x.db'}"})


def test_an_old_key_file_differing_from_the_new_place_stops_the_start(tmp_path, monkeypatch):
    inst, _app = _fresh_app(tmp_path, monkeypatch)
    old, new = inst / secretbox.KEY_FILE_NAME, tmp_path / "home" / "signing_key"
    old.write_text(base64.b64encode(b"o" * 32).decode() + "\n")
    new.parent.mkdir(exist_ok=True)
    new.write_text(base64.b64encode(b"n" * 32).decode() + "\n")
    with pytest.raises(ValueError, match="differs from the key file"):
        _fresh_app(tmp_path, monkeypatch)
    assert _key_in(old) == b"o" * 32 and _key_in(new) == b"n" * 32  # both untouched


@pytest.mark.parametrize("where", ["instance", "database folder"])
def test_a_key_file_beside_the_data_is_refused(tmp_path, monkeypatch, where):
    inside = tmp_path / "instance" / "keys" / "k" if where == "instance" else tmp_path / "db" / "signing_key"
    with pytest.raises(ValueError, match="beside the data it protects"):
        _fresh_app(
            tmp_path,
            monkeypatch,
            SIGNING_KEY_FILE=str(inside),
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db' / 'event_kiosk.db'}",
        )


def test_uploaded_list_is_private_deleted_on_import_and_after_an_hour(client, auth, event, app):
    auth.as_role("admin")
    header = ["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Thành phần", "Điện thoại"]
    data = xlsx([header, ["1", "Phạm Thị Lan", "Chuyên viên", "Sở A", "Khách mời", ""]])

    def preview() -> tuple[str, Path]:
        page = client.post(
            "/admin/attendees/import", data={"file": (io.BytesIO(data), "ds.xlsx")}, content_type="multipart/form-data"
        ).get_data(as_text=True)
        token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page).group(1)
        return token, Path(app.instance_path) / "imports" / f"{token}.bin"

    token, path = preview()
    assert path.exists() and mode(path) == 0o600 and mode(path.parent) == 0o700
    assert client.post("/admin/attendees/import/confirm", data={"token": token}).status_code == 302
    assert not path.exists()  # deleted once imported
    token, path = preview()
    old = time.time() - app.config["IMPORT_PREVIEW_SECONDS"] - 5
    os.utime(path, (old, old))
    r = client.post("/admin/attendees/import/confirm", data={"token": token}, follow_redirects=True)
    assert "Phiên nhập đã hết hạn" in r.get_data(as_text=True)
    assert not path.exists()  # an expired preview's upload is gone


def test_an_unconfirmed_upload_is_gone_within_the_hour_whoever_visits(client, auth, event, app):
    """Guest lists and structure lists share one folder and one expiry; any request sweeps it
    (at most once a minute), not only a visit to an import page."""
    from admin import web

    auth.as_role("admin")
    folder = Path(app.instance_path) / "imports"
    folder.mkdir(exist_ok=True)
    old, fresh = folder / "s-old.bin", folder / "new.bin"
    for path in (old, fresh):
        path.write_bytes(b"PK")
    then = time.time() - app.config["IMPORT_PREVIEW_SECONDS"] - 5
    os.utime(old, (then, then))
    web._sweep_at[0] = 0.0
    assert client.get("/desk/").status_code == 200
    assert not old.exists() and fresh.exists()
