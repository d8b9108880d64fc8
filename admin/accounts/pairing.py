"""Pairing an usher's phone (issue 24 item 2): the page a pairing link opens and the API call its
script makes. The code in the link is the credential: the API call carries no cookie and no CSRF
token (it is exempt), it is limited per client address, and the code works once
(models/accounts/pairing.py). The page is never cached and sends no Referer (the code is in
its address)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext as _

from admin.core.extensions import csrf
from admin.core.security import RateLimiter, client_address
from models.accounts import pairing

bp = Blueprint("pairing", __name__)

#: pairing attempts per client address; the limit is app.config["PAIRING_RATE_LIMIT"] per 10 minutes
pair_limiter = RateLimiter("pair", 30, 600)
#: where a paired phone goes: the scanner page (its own area serves it; not routed here)
SCAN_PAGE = "/scan/"


def _private(resp, status: int = 200):
    """No cache, no Referer: the code is in this page's address."""
    resp = current_app.make_response((resp, status))
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def _gone_message() -> str:
    return _("Mã ghép nối đã được dùng hoặc đã hết hạn; xin ban tổ chức tạo mã mới.")


@bp.get("/scan/pair/<code>")
def pair_page(code: str):
    """The page a pairing link opens: its script (static/js/pair.js) uses the code once, keeps the
    token in this browser and opens /scan/. A used, expired or unknown code: 410 / 404, nothing done."""
    state = pairing.code_state(code)
    if state != "ok":
        html = render_template("accounts/pair.html", code=None, message=_gone_message())
        return _private(html, 410 if state == "gone" else 404)
    html = render_template("accounts/pair.html", code=code, message="", scan_url=SCAN_PAGE)
    return _private(html)


def _error(status: int, code: str, message: str):
    return _private(jsonify({"error": code, "message": message}), status)


@bp.post("/api/v1/pair")
@csrf.exempt
def pair_api():
    """{"code": ...} -> {"token", "name", "device_id"}: the phone's new token (any older one of the
    device stops). 410 used or expired, 404 unknown, 400 bad body, 429 too many attempts."""
    pair_limiter.limit = int(current_app.config.get("PAIRING_RATE_LIMIT", 30))
    if not pair_limiter.hit(client_address()):
        return _error(429, "too_many_requests", _("Quá nhiều yêu cầu. Vui lòng thử lại sau ít phút."))
    body = request.get_json(silent=True)
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not code.strip():
        return _error(400, "bad_request", _("Thiếu mã ghép nối."))
    done = pairing.pair(code.strip())
    if done == "gone":
        return _error(410, "pairing_gone", _gone_message())
    if done == "unknown":
        return _error(404, "pairing_unknown", _gone_message())
    dev, token = done
    return _private(jsonify({"token": token, "name": dev.name, "device_id": dev.id}))
