"""Phones as scanners (issue 24 item 2): one-time pairing codes and the devices' token stamp.

A phone is a ``Device`` with platform "phone". It gets its token by opening a pairing link
(``scan-link NAME`` or /admin/devices): the link carries a random code (``secrets.token_urlsafe(24)``,
192 bits) that is stored only as its sha256, works once and for PAIRING_HOURS. Using it makes a new
token for the device (the previous phone stops) and hands it to the browser that opened the link:
a kiosk's token is never typed on a phone.

The API trusts a token from a per-process cache for a few seconds (admin/core/security.py). So
that a revocation or a re-pairing stops the old token at once in every server process, each of
them writes the *devices stamp*, a small file in the instance folder replaced on every such change
(new inode); every token check compares the file's identity (one ``os.stat``, ~1 us) with the one it
made its cached answer under, and asks the database again when they differ. The database stays the
truth; the stamp only says "look again".
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from models.accounts.models import Device, audit, hash_token
from models.core import caches
from models.core.base import db
from models.core.timeutil import utcnow

PHONE, KIOSK = "phone", "kiosk"
#: what a used, expired or unknown code gets (the page and the API)
GONE_MESSAGE = "Mã ghép nối đã được dùng hoặc đã hết hạn; xin ban tổ chức tạo mã mới."
#: a code as the links carry it: token_urlsafe(24) is 32 characters
MAX_CODE = 100


class DevicePairing(db.Model):
    """One pairing code of a phone: hashed, single use, with an end."""

    __tablename__ = "device_pairing"
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id", ondelete="CASCADE"), index=True)
    #: sha256 (hex) of the code; the code itself is shown once (the link)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: set when a phone used it (or when the device was revoked): never usable again
    used_at: Mapped[datetime | None]
    #: "cli" or "user:NAME"
    created_by: Mapped[str] = mapped_column(String(120), default="")


class NotAPhone(ValueError):
    """The name belongs to a kiosk: it is never paired with a phone."""


def phone_device(name: str, actor: str) -> Device:
    """The phone device NAME, created (kind "hall") when there is none. NotAPhone for a kiosk;
    ValueError for an empty or too long name."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValueError("Tên thiết bị phải có từ 1 đến 80 ký tự.")
    dev = db.session.scalar(select(Device).where(Device.name == name))
    if dev is not None:
        if dev.platform != PHONE:
            raise NotAPhone(
                f"{name} là máy kiosk, không phải điện thoại: mã của kiosk không bao giờ dùng trên điện thoại. "
                "Hãy đặt tên khác cho điện thoại."
            )
        return dev
    # a token nobody knows until the phone pairs (token_hash is unique and required)
    dev = Device(name=name, token_hash=hash_token(Device.new_token()), kind="hall", platform=PHONE)
    db.session.add(dev)
    db.session.flush()
    audit("add_phone", "device", dev.id, actor=actor)
    return dev


def new_code(dev: Device, actor: str) -> str:
    """A new pairing code for the phone ``dev`` (added to the session; the caller commits).
    Older unused codes of the device keep working until they end or one is used."""
    code = secrets.token_urlsafe(24)
    hours = float(current_app.config["PAIRING_HOURS"])
    now = utcnow()
    db.session.add(
        DevicePairing(
            device_id=dev.id,
            code_hash=hash_token(code),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            created_by=actor,
        )
    )
    audit("pairing_code", "device", dev.id, actor=actor, hours=hours)
    return code


def pairing_link(base: str, code: str) -> str:
    """The link a phone opens: BASE/scan/pair/CODE."""
    return f"{base.rstrip('/')}/scan/pair/{code}"


def code_state(code: str) -> str:
    """ "ok" (usable now), "gone" (used or expired) or "unknown". Reads only."""
    if not isinstance(code, str) or not code or len(code) > MAX_CODE:
        return "unknown"
    row = db.session.execute(
        select(DevicePairing.used_at, DevicePairing.expires_at).where(DevicePairing.code_hash == hash_token(code))
    ).first()
    db.session.rollback()
    if row is None:
        return "unknown"
    return "ok" if row.used_at is None and row.expires_at > utcnow() else "gone"


def pair(code: str) -> tuple[Device, str] | str:
    """Use the code: exactly once, even when two phones race (a conditional UPDATE ... WHERE
    used_at IS NULL AND expires_at > now; the database lets one of them change the row). Gives
    (device, its new token) and commits, or "gone" / "unknown" with nothing changed."""
    state = code_state(code)
    if state != "ok":
        return state
    digest, now = hash_token(code), utcnow()
    done = db.session.execute(
        update(DevicePairing)
        .where(DevicePairing.code_hash == digest, DevicePairing.used_at.is_(None), DevicePairing.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        db.session.rollback()
        return "gone"
    device_id = db.session.scalar(select(DevicePairing.device_id).where(DevicePairing.code_hash == digest))
    dev = db.session.get(Device, device_id)
    token = Device.new_token()
    dev.token_hash, dev.revoked_at, dev.last_status = hash_token(token), None, None
    audit("pair_device", "device", dev.id, actor=f"device:{dev.name}")
    db.session.commit()
    devices_changed()
    return dev, token


def revoke(dev: Device, actor: str) -> None:
    """Stop the device at once: revoked_at set, its unused codes spent; commits and tells every
    server process (the stamp)."""
    now = utcnow()
    dev.revoked_at = now
    db.session.execute(
        update(DevicePairing)
        .where(DevicePairing.device_id == dev.id, DevicePairing.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    audit("revoke_token", "device", dev.id, actor=actor)
    db.session.commit()
    devices_changed()


# --- the devices stamp: a token change seen at once by every server process ------------------------


def _stamp_path() -> Path:
    return Path(current_app.instance_path) / "devices.stamp"


def stamp() -> tuple[int, int, int]:
    """The stamp file's identity now (inode, mtime, size); (0, 0, 0) before any change. A cached
    token check is trusted only while the stamp is the one it was made under."""
    try:
        st = os.stat(os.path.join(current_app.instance_path, "devices.stamp"))
    except FileNotFoundError:
        return (0, 0, 0)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def devices_changed() -> None:
    """A device's token was revoked or replaced (after the commit): replace the stamp file, so
    that every process's cached token checks, made under the old stamp, are looked up again."""
    path = _stamp_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"devices.stamp.{os.getpid()}.{secrets.token_hex(4)}")
    tmp.write_text(secrets.token_hex(8))
    os.replace(tmp, path)  # a new inode each time (the old file still exists when it is made)
    caches.clear(caches.devices)
