"""The phone scanner (issue 24): ``/scan/``, a page that turns a phone's browser into a door
scanner, and ``/vendor/<path>``, the few browser packages it needs, served from node_modules
(installed by ``make install``: npm ci). Nothing is loaded from outside.

The page holds no data and needs no login: the device token kept in the browser
(``localStorage["ek.device_token"]``, set by the pairing link) is the credential of every API call
it makes. Its scripts (static/js/scan.js) decode, verify and queue in the browser.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_file

from admin.core.extensions import SECURITY_HEADERS

bp = Blueprint("scan", __name__)

#: the page's scripts (static/js/)
STATIC_JS = Path(__file__).resolve().parents[2] / "static" / "js"
#: where ``npm ci`` puts the browser packages
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
#: the only files /vendor/ serves (path under node_modules -> content type): the QR reader (an ES
#: module, the chunk it imports, its WebAssembly) and the Ed25519 verifier
VENDOR_FILES = {
    "zxing-wasm/dist/es/reader/index.js": "text/javascript",
    "zxing-wasm/dist/es/share.js": "text/javascript",
    "zxing-wasm/dist/reader/zxing_reader.wasm": "application/wasm",
    "@noble/ed25519/index.js": "text/javascript",
}
#: a week in the browser's cache (the versions are pinned in package-lock.json; an upgrade is seen
#: within a week at worst, and every request after that is answered 304 through the ETag)
VENDOR_MAX_AGE = 7 * 24 * 3600

#: the page compiles WebAssembly (the QR reader): 'wasm-unsafe-eval' allows exactly that and no
#: other eval; every other directive is the site's own (admin/core/extensions.py)
_CSP = dict(SECURITY_HEADERS)["Content-Security-Policy"]
SCAN_CSP = _CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'")


@bp.get("/scan/")
def page():
    """The scanner page: camera, answer panel, queue. The scripts do everything else."""
    resp = render_template("scan/scan.html")
    headers = {
        "Content-Security-Policy": SCAN_CSP,
        # the camera, and nothing else a phone page could ask for
        "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    }
    return resp, 200, headers


@bp.get("/scan/sw.js")
def service_worker():
    """The page's service worker (static/js/scan_sw.js), served under /scan/ so that its scope is
    the page: the scanner opens again during a network cut. Always revalidated."""
    resp = send_file(STATIC_JS / "scan_sw.js", mimetype="text/javascript", max_age=0)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/vendor/<path:path>")
def vendor(path: str):
    """One of VENDOR_FILES from node_modules, cached for a week; 404 for any other path (the
    whitelist is matched as a whole string, so ``..`` or another file never reaches the disk)."""
    mimetype = VENDOR_FILES.get(path)
    if mimetype is None:
        abort(404)
    target = NODE_MODULES / path
    if not target.is_file():  # npm ci was not run: say so in the log, answer 404
        current_app.logger.warning("%s is missing: run `make install` (npm ci)", target)
        abort(404)
    resp = send_file(target, mimetype=mimetype, max_age=VENDOR_MAX_AGE, conditional=True, etag=True)
    resp.headers["Cache-Control"] = f"public, max-age={VENDOR_MAX_AGE}"
    return resp
