"""Secrets kept out of plain database rows (issues 16 and 22): the events' Ed25519 private keys
are stored encrypted with AES-256-GCM under a key file kept apart from the data: the setting
SIGNING_KEY_FILE, by default ``~/.config/event-kiosk/signing_key`` (0600 in a 0700 folder,
made on first use), never inside instance/ or the SQLite database's folder (the app refuses
to start so). A copy of the database folder or of a backup alone cannot mint badges; `backup`
writes the key only when asked (``--with-key``).

An older instance kept the key as instance/signing_key.aes: the first start moves it to
SIGNING_KEY_FILE (``move_legacy``), and everything keeps working.

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
    """SIGNING_KEY_FILE of the running app (outside an app: as config.py finds it)."""
    import config

    try:
        from flask import current_app

        configured = current_app.config.get("SIGNING_KEY_FILE")
    except RuntimeError:  # no app context
        configured = None
    return Path(configured).expanduser() if configured else config.signing_key_file()


def _within(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def check_apart(path: Path, data_folders: list[Path]) -> None:
    """Refuse (ValueError) a key file inside a folder of the data: whoever copies that folder
    must not get the keys with it."""
    for folder in data_folders:
        if _within(path, folder):
            raise ValueError(
                f"SIGNING_KEY_FILE {path} is inside {folder}, beside the data it protects: "
                "keep it elsewhere (default ~/.config/event-kiosk/signing_key; README, Security)"
            )


def move_legacy(legacy: Path, path: Path) -> str | None:
    """Move an older instance's key file (instance/signing_key.aes) to ``path``; what was done,
    or None when there was nothing to move. The same key already at ``path``: the old copy is
    removed. Another key there: ValueError (both kept; the operator chooses)."""
    if not legacy.exists() or legacy.resolve() == path.resolve():
        return None
    key = _read_key(legacy)
    with _lock:
        if path.exists():
            if _read_key(path) != key:
                raise ValueError(
                    f"{legacy} (this instance's signing key) differs from the key file {path}: set "
                    "SIGNING_KEY_FILE to a new path for this instance and start again (the key is "
                    "moved there); both files are kept untouched"
                )
            legacy.unlink()
            return f"{legacy} removed: the same key is in {path}"
        _write_key(path, key)
        legacy.unlink()
        _sync_dir(legacy.parent)
    return f"signing key moved from {legacy} to {path}"


def _read_key(path: Path) -> bytes:
    key = base64.b64decode(path.read_text().strip())
    if len(key) != 32:
        raise ValueError(f"{path}: not a 32-byte key")
    return key


def _write_key(path: Path, key: bytes, *, exclusive: bool = True) -> None:
    """Write a key file 0600 (its folder 0700), whole or not at all (a partial file renamed)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(key).decode("ascii") + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    try:
        if exclusive:
            os.link(partial, path)  # FileExistsError if another process made the file meanwhile
        else:
            os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_key(out: Path) -> Path:
    """Write the key file's key to ``out`` (0600): `backup --with-key`."""
    _write_key(out, _master_key(), exclusive=False)
    return out


def _master_key(path: Path | None = None) -> bytes:
    """The 32-byte key from the key file, created 0600 on first use (cached per path)."""
    path = path or key_file()
    name = str(path)
    with _lock:
        hit = caches.get(caches.master_keys, name)
        if hit is not None:
            return hit
        if not path.exists():
            try:
                _write_key(path, secrets.token_bytes(32))
            except FileExistsError:  # another process made it first: theirs is the key
                pass
        key = _read_key(path)
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
