"""Secrets kept out of plain database rows (issue 16): the events' Ed25519 private keys are
stored encrypted with AES-256-GCM under a key file in instance/ (``signing_key.aes``, 0600,
made on first use). A copy of the database alone cannot mint badges; the database and this
file must be backed up together (`backup` copies it beside the backup).

Stored form: ``"enc1:" + base64(nonce 12 bytes | ciphertext | tag 16 bytes)``; the event key's
number is the associated data, so a row copied onto another key number does not decrypt.
Plain base64 rows (before migration d16a00000001) are still read.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.core import caches

PREFIX = "enc1:"
KEY_FILE_NAME = "signing_key.aes"

#: held while a key file is read or created; the keys read: caches.master_keys
_lock = threading.Lock()


def key_file() -> Path:
    """instance/signing_key.aes of the running app (or EVENT_KIOSK_INSTANCE outside an app)."""
    try:
        from flask import current_app

        configured = current_app.config.get("SIGNING_KEY_FILE")
        if configured:
            return Path(configured)
        return Path(current_app.instance_path) / KEY_FILE_NAME
    except RuntimeError:  # no app context
        import config

        return config.INSTANCE_DIR / KEY_FILE_NAME


def _master_key(path: Path | None = None) -> bytes:
    """The 32-byte key from the key file, created 0600 on first use (cached per path)."""
    path = path or key_file()
    name = str(path)
    with _lock:
        hit = caches.get(caches.master_keys, name)
        if hit is not None:
            return hit
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = base64.b64decode(path.read_text().strip())
        else:
            key = secrets.token_bytes(32)
            with os.fdopen(fd, "w") as fh:
                fh.write(base64.b64encode(key).decode("ascii") + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        if len(key) != 32:
            raise ValueError(f"{path}: not a 32-byte key")
        caches.put(caches.master_keys, name, key)
        return key


def forget() -> None:
    """Drop the cached keys (tests; a key file replaced while running)."""
    with _lock:
        caches.clear(caches.master_keys)


def seal(secret: bytes, label: str) -> str:
    """Encrypt ``secret`` for a database row; ``label`` (e.g. the key number) must match on
    opening."""
    nonce = secrets.token_bytes(12)
    box = AESGCM(_master_key()).encrypt(nonce, secret, label.encode("utf-8"))
    return PREFIX + base64.b64encode(nonce + box).decode("ascii")


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def open_sealed(stored: str, label: str) -> bytes:
    """The secret of a stored row (plain base64 rows of older versions are read as they are).
    Raises cryptography.exceptions.InvalidTag with the wrong key file or label."""
    if not is_sealed(stored):
        return base64.b64decode(stored)
    raw = base64.b64decode(stored[len(PREFIX) :])
    return AESGCM(_master_key()).decrypt(raw[:12], raw[12:], label.encode("utf-8"))
