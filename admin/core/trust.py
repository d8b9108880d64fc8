"""/trust (issue 24 item 4): why and how a phone trusts the venue's local certificate authority
(caddy's `tls internal`), its root certificate as a download and a QR of that download's plain-HTTP
address: a phone that does not trust the CA yet cannot open an HTTPS address without a warning,
so the QR names http://<the host it used>:<EK_HTTP_PORT>, where caddy passes /trust on to the
server and sends everything else to HTTPS (docs/Caddyfile); PUBLIC_BASE_URL (the plain-HTTP
address any phone opens) overrides it. Public:
the certificate is no secret (its SHA-256 is shown to compare with what `serve --https` printed)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file
from markupsafe import Markup

from models.core.local_ca import fingerprint, root_cert
from models.core.qr import qr_svg

bp = Blueprint("trust", __name__)


def _http_base() -> str:
    """The plain-HTTP address of this server as the phone reached it."""
    cfg = current_app.config
    if cfg.get("PUBLIC_BASE_URL"):
        return cfg["PUBLIC_BASE_URL"].rstrip("/")
    if not request.is_secure:
        return request.host_url.rstrip("/")
    host = request.host
    host = host[: host.rindex("]") + 1] if host.startswith("[") else host.split(":")[0]
    port = cfg.get("EK_HTTP_PORT") or 80  # an int: config.from_environment read it
    return f"http://{host}" + ("" if port == 80 else f":{port}")


@bp.get("/trust")
def index():
    path = root_cert(current_app.instance_path)
    ready = path.is_file()
    url = _http_base() + "/trust/root.crt"
    return render_template(
        "core/trust.html",
        ready=ready,
        url=url,
        qr=Markup(qr_svg(url)) if ready else "",  # drawn from the very text shown
        sha256=fingerprint(path.read_bytes()) if ready else "",
        https=request.is_secure,
    )


@bp.get("/trust/root.crt")
def root():
    path = root_cert(current_app.instance_path)
    if not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype="application/x-x509-ca-cert",
        as_attachment=True,
        download_name="event-kiosk-ca.crt",
        max_age=0,
    )
