"""Badge code format: make / parse / verify.

Pure: no Flask, no database. The kiosk imports this module to verify badges offline.

Version 1 layout (all QR-alphanumeric, so the QR stays small):

    "EK1" + BASE32( event_tag:u32 | key_no:u8 | attendee_id:u32 | serial:u16 | signature:64 )

75 bytes -> 120 base32 characters (no padding) -> 123 characters in all, QR version 6 at level M.
The signature is Ed25519 over b"EK1" + the 11 header bytes. No personal data is in the code:
the event tag is a random number chosen when the event is made, the attendee id a row number.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

PREFIX = "EK1"
MAX_CODE_LENGTH = 512
_HEADER = struct.Struct(">IBIH")  # event_tag, key_no, attendee_id, serial
_SIG_LEN = 64
_BODY_LEN = _HEADER.size + _SIG_LEN  # 75
_B32_LEN = 120
CODE_LENGTH = len(PREFIX) + _B32_LEN  # 123

#: outcomes of verify_code that are not a success
INVALID = "invalid"
WRONG_EVENT = "wrong_event"


@dataclass(frozen=True)
class BadgeCode:
    """What a verified code says."""

    event_tag: int
    key_no: int
    attendee_id: int
    serial: int


class CodeError(ValueError):
    """A code that is not one of ours, or is tampered with. ``code`` is the outcome name."""

    def __init__(self, message: str, code: str = INVALID):
        super().__init__(message)
        self.code = code


def new_private_key() -> bytes:
    """A fresh Ed25519 private key as its 32 raw bytes."""
    return Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_key_of(private_raw: bytes) -> bytes:
    """The 32 raw bytes of the public key that belongs to a raw private key."""
    return Ed25519PrivateKey.from_private_bytes(private_raw).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def make_code(private_raw: bytes, *, event_tag: int, key_no: int, attendee_id: int, serial: int) -> str:
    """Sign a badge code. Raises ValueError when a number does not fit its field."""
    for name, value, top in (
        ("event_tag", event_tag, 2**32),
        ("key_no", key_no, 2**8),
        ("attendee_id", attendee_id, 2**32),
        ("serial", serial, 2**16),
    ):
        if not (0 <= int(value) < top):
            raise ValueError(f"{name} out of range: {value}")
    header = _HEADER.pack(event_tag, key_no, attendee_id, serial)
    key = Ed25519PrivateKey.from_private_bytes(private_raw)
    signature = key.sign(PREFIX.encode() + header)
    text = base64.b32encode(header + signature).decode("ascii")
    assert len(text) == _B32_LEN and "=" not in text
    return PREFIX + text


def parse_code(code: object) -> tuple[BadgeCode, bytes, bytes]:
    """Split a code into its fields, the signed message and the signature, without verifying.

    Raises CodeError("...", "invalid") for anything that is not a well-formed version-1 code.
    """
    if not isinstance(code, str):
        raise CodeError("not text")
    text = code.strip()
    if len(text) > MAX_CODE_LENGTH:
        raise CodeError("too long")
    if not text.startswith(PREFIX):
        raise CodeError("unknown prefix")
    body = text[len(PREFIX) :]
    if len(body) != _B32_LEN or not body.isascii():
        raise CodeError("wrong length")
    try:
        raw = base64.b32decode(body, casefold=False)
    except (binascii.Error, ValueError) as exc:
        raise CodeError("not base32") from exc
    if len(raw) != _BODY_LEN:
        raise CodeError("wrong length")
    header, signature = raw[: _HEADER.size], raw[_HEADER.size :]
    event_tag, key_no, attendee_id, serial = _HEADER.unpack(header)
    return BadgeCode(event_tag, key_no, attendee_id, serial), PREFIX.encode() + header, signature


def verify_code(
    code: object,
    keys: Mapping[tuple[int, int], bytes],
    *,
    event_tag: int | None = None,
) -> BadgeCode:
    """Verify a code against the public keys we trust.

    ``keys`` maps (event_tag, key_no) to a raw 32-byte public key; it may hold several keys per
    event (rotation) and keys of other events (so their badges are told apart). ``event_tag``
    is the event this station serves.

    Returns the BadgeCode. Raises CodeError with ``.code``:
      - "invalid": not one of ours, malformed, unknown key, or the signature does not match;
      - "wrong_event": a genuine badge of another event we know (only when event_tag is given).
    Never raises anything else, whatever the input.
    """
    fields, message, signature = parse_code(code)
    public_raw = keys.get((fields.event_tag, fields.key_no))
    if public_raw is None:
        raise CodeError("unknown key")
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
    except (InvalidSignature, ValueError) as exc:
        raise CodeError("bad signature") from exc
    if event_tag is not None and fields.event_tag != event_tag:
        raise CodeError("badge of another event", WRONG_EVENT)
    return fields


def keyring(entries: Iterable[tuple[int, int, str | bytes]]) -> dict[tuple[int, int], bytes]:
    """Build the ``keys`` mapping from (event_tag, key_no, public key as raw bytes or base64)."""
    ring: dict[tuple[int, int], bytes] = {}
    for tag, no, pub in entries:
        raw = base64.b64decode(pub) if isinstance(pub, str) else bytes(pub)
        ring[(int(tag), int(no))] = raw
    return ring


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
