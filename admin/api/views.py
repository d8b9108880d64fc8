"""JSON API for kiosks (device tokens) and pages. Errors are JSON, never HTML.

Every answer is declared in admin/api/schemas.py (CheckinResult, Snapshot, Stats, HeartbeatAnswer,
the errors) and described from there in /api/v1/openapi.json (admin/api/openapi.py). The domain
builds them as dicts; under TESTING each 200 is validated against its model before it is sent
(``answer``), so any test that reaches a view checks the declaration too (production pays nothing)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user
from pydantic import BaseModel
from werkzeug.exceptions import HTTPException

from admin.api.schemas import CheckinRequest, CheckinResult, Heartbeat, HeartbeatAnswer, Snapshot, Stats
from admin.core.security import device_from_request, record_status
from models.checkin.checkin import ScanIdConflict
from models.checkin.stats import attendance, kiosk_snapshot
from models.core.base import db
from models.core.numbers import NumberError
from models.events.service import current_event, current_event_id

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error(status: int, code: str, message: str):
    resp = jsonify({"error": code, "message": message})
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="event-kiosk"'
    return resp


def answer(model: type[BaseModel], data: dict):
    """``data`` as JSON; under TESTING first checked against its declared ``model`` (a mismatch raises)."""
    if current_app.testing:
        model.model_validate(data)
    return jsonify(data)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    message = getattr(exc, "user_message", None) or exc.description or exc.name
    return error(exc.code or 500, exc.name.lower().replace(" ", "_"), message)


@bp.errorhandler(NumberError)
def _number_error(exc: NumberError):
    db.session.rollback()
    return error(400, "bad_field", exc.message)


@bp.errorhandler(Exception)
def _any_error(exc: Exception):
    current_app.logger.exception("API error")
    db.session.rollback()
    return error(500, "server_error", "Lỗi máy chủ. Vui lòng thử lại.")


def _require_device():
    if device_from_request() is None:
        return error(401, *NO_DEVICE)
    return None


def _event_or_error():
    ev = current_event()
    if ev is None:
        return None, error(409, "no_event", "Chưa có sự kiện nào trên máy chủ.")
    return ev, None


def checkin_fields(body: object) -> tuple[dict | None, tuple[str, str] | None]:
    """Check the parsed JSON body of POST /checkins against ``CheckinRequest``: (fields, None),
    or (None, (error, message)) for a 400."""
    found, problem = CheckinRequest.check(body)
    return (found.fields() if found else None), problem


def checkin_fields_json(raw: bytes) -> tuple[dict | None, tuple[str, str] | None]:
    """The same from the raw body (the WSGI fast path, admin.api.fastpath): parsed and checked at once."""
    found, problem = CheckinRequest.check_json(raw)
    return (found.fields() if found else None), problem


NO_EVENT = ("no_event", "Chưa có sự kiện nào trên máy chủ.")
NO_DEVICE = ("unauthorized", "Thiếu hoặc sai mã thiết bị (Bearer token).")


def checkin_answer(device: tuple[int, str] | None, read_fields: Callable) -> tuple[int, dict, list]:
    """THE answer of POST /api/v1/checkins, for the Flask view below and the WSGI fast path
    (admin.api.fastpath) alike: (status, JSON payload, extra headers). ``device``: (id, kind) of
    the bearer token's device, None when the token is missing or wrong; ``read_fields()``: the
    body checked against CheckinRequest, (fields, None) or (None, (error, message)), called only
    for a known device."""
    from models.checkin.checkin import check_in  # looked up per call, as the fast path always did

    if device is None:
        return (
            401,
            {"error": NO_DEVICE[0], "message": NO_DEVICE[1]},
            [("WWW-Authenticate", 'Bearer realm="event-kiosk"')],
        )
    fields, problem = read_fields()
    if problem:
        return 400, {"error": problem[0], "message": problem[1]}, []
    event_id = current_event_id()
    if event_id is None:
        return 409, {"error": NO_EVENT[0], "message": NO_EVENT[1]}, []
    try:
        result = check_in(
            event_id=event_id, device_id=device[0], method="kiosk", exhibition=(device[1] == "exhibition"), **fields
        )
    except ScanIdConflict as exc:
        return 409, {"error": exc.code, "message": exc.message}, []
    return 200, result.as_json(), []


@bp.post("/checkins")
def post_checkin():
    """Normally answered by admin.api.fastpath before Flask sees the request; this view answers
    what the fast path hands over (e.g. a body that is not declared as JSON), with the same
    function (``checkin_answer``)."""
    device = (g.device_id, g.device_kind) if device_from_request() is not None else None
    status, payload, headers = checkin_answer(device, lambda: checkin_fields(request.get_json(silent=True)))
    resp = answer(CheckinResult, payload) if status == 200 else jsonify(payload)
    resp.status_code = status
    resp.headers.extend(headers)
    return resp


@bp.get("/kiosk/snapshot")
def snapshot():
    denied = _require_device()
    if denied:
        return denied
    ev, err = _event_or_error()
    if err:
        return err
    data = kiosk_snapshot(ev, {"name": g.device_name, "kind": g.device_kind}, g.device_id)
    etag = data["version"]
    if request.headers.get("If-None-Match", "").strip('"') == etag:
        return "", 304, {"ETag": f'"{etag}"'}
    resp = answer(Snapshot, data)
    resp.headers["ETag"] = f'"{etag}"'
    resp.headers["Cache-Control"] = "no-store"  # names and seats: never kept (the ETag still works)
    return resp


@bp.get("/stats")
def stats():
    if not current_user.is_authenticated and device_from_request() is None:
        return error(401, "unauthorized", "Cần đăng nhập hoặc mã thiết bị.")
    ev, err = _event_or_error()
    if err:
        return err
    return answer(Stats, attendance(ev))


@bp.post("/kiosk/heartbeat")
def heartbeat():
    """A kiosk reports its own health: `{"station", "queue_length", "online"?, "version"?}`.
    Shown on the organiser's dashboard (queued scans per kiosk)."""
    denied = _require_device()
    if denied:
        return denied
    found, problem = Heartbeat.check(request.get_json(silent=True))
    if problem:
        return error(400, *problem)
    status = found.status()
    record_status(g.device_id, status)
    return answer(HeartbeatAnswer, {"ok": True})
