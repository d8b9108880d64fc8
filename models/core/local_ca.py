"""The venue's local certificate authority: caddy's `tls internal` CA, kept in the instance
folder by `serve --https` (XDG_DATA_HOME=<instance>/caddy, so the same CA signs every run and the
phones trust it once). /trust offers its root certificate; docs/https.md."""

from __future__ import annotations

import hashlib
import ssl
from pathlib import Path


def caddy_home(instance: str | Path) -> Path:
    """caddy's XDG_DATA_HOME under `serve --https` (caddy adds caddy/ itself)."""
    return Path(instance) / "caddy"


def root_cert(instance: str | Path) -> Path:
    """Where caddy keeps its local CA's root certificate (PEM)."""
    return caddy_home(instance) / "caddy" / "pki" / "authorities" / "local" / "root.crt"


def fingerprint(pem: bytes) -> str:
    """SHA-256 of the certificate (DER), as phones and browsers show it: "AB:CD:..."."""
    der = ssl.PEM_cert_to_DER_cert(pem.decode("ascii"))
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
