"""`GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the JSON API, derived from the routes and
the pydantic models (admin/api/schemas.py), not written by hand.

``ROUTES`` is the small table of what the routes do not say themselves: per Flask endpoint its request
model, its answer model per status, its security and a summary. The path and the method of each come
from the app's own ``url_map`` (a route renamed or moved is described where it is; an endpoint of the
table that is not routed is left out), the schemas from the models' ``model_json_schema`` (every model
under ``components.schemas``, referenced by ``$ref``). Every response with a body has a schema; the 409 of a
check-in (``no_event``, ``scan_id_conflict``) carries an example of each. tests/api/test_openapi.py
checks that every route under /api/ is described, every answer model is referenced and the document
is valid OpenAPI 3.1 (the official schema); tests/proofs/test_fuzz_api.py runs schemathesis against it.

No library: apispec, spectree and flask-openapi3 would each add a dependency (and the last two their
own route decorators, i.e. changed routes) for what is ~60 lines here; pydantic already writes the
schemas. Built at the first request of each app (10 ms: the old hand-written paths with the models'
schemas cost 8 ms at import) and kept.

Public (a description holds no data) and exempt from CSRF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, current_app, jsonify
from pydantic import BaseModel

from admin.api.schemas import (
    BadBody,
    BadRequest,
    CheckinConflict,
    CheckinRequest,
    CheckinResult,
    Error,
    Heartbeat,
    HeartbeatAnswer,
    NoEvent,
    PairAnswer,
    PairRefused,
    PairRequest,
    Snapshot,
    Stats,
    TooLarge,
    Unauthorized,
    component_schemas,
)
from admin.api.views import NO_DEVICE, NO_EVENT
from models.checkin.checkin import ScanIdConflict

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

JSON = "application/json"
#: the document's own address: it describes the others, not itself
SELF = "/api/v1/openapi.json"


@dataclass(frozen=True)
class Reply:
    """One documented response: its model (None: no body), what it means, examples by name, headers."""

    model: type[BaseModel] | None
    description: str
    examples: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """What the document says of a Flask endpoint beyond its path and method."""

    operation_id: str
    summary: str
    replies: dict[int, Reply]
    request: type[BaseModel] | None = None
    security: tuple[str, ...] = ("bearer",)
    description: str = ""
    parameters: tuple[dict, ...] = ()


CHALLENGE = {"WWW-Authenticate": {"description": 'Bearer realm="event-kiosk"', "schema": {"type": "string"}}}
UNAUTHORIZED = Reply(
    Unauthorized,
    "No valid device token.",
    {"unauthorized": {"error": NO_DEVICE[0], "message": NO_DEVICE[1]}},
    CHALLENGE,
)
NO_EVENT_REPLY = Reply(NoEvent, "No event on the server yet (`no_event`).")
BAD_BODY = Reply(
    BadBody,
    "Malformed body: not a JSON object (`bad_json`), a field of the wrong type (`bad_field`), or hostile "
    "text (`bad_request`).",
)
BAD_QUERY = Reply(BadRequest, "A NUL or a lone surrogate in the address or the query (`bad_request`).")
SERVER_ERROR = Reply(Error, "An unexpected failure (`server_error`): logged, nothing half-written; send again.")
TOO_LARGE = Reply(TooLarge, "The body is over the server's limit (MAX_CONTENT_LENGTH, 20 MB).")
CONFLICT = Reply(
    CheckinConflict,
    "No event on the server yet (`no_event`), or this `scan_id` was used before with another code "
    "(`scan_id_conflict`: nothing is written; the kiosk scans again with a new scan_id).",
    {
        "scan_id_conflict": {"error": ScanIdConflict.code, "message": ScanIdConflict.message},
        "no_event": {"error": NO_EVENT[0], "message": NO_EVENT[1]},
    },
)

ROUTES: dict[str, Route] = {
    "api.post_checkin": Route(
        "postCheckin",
        "Check a badge in (the kiosk's scan).",
        {
            200: Reply(CheckinResult, "The outcome of the scan."),
            400: BAD_BODY,
            401: UNAUTHORIZED,
            409: CONFLICT,
            413: TOO_LARGE,
            500: SERVER_ERROR,
        },
        request=CheckinRequest,
        description="Outcomes: ok, already, invalid, revoked, unknown, wrong_event. Idempotent per `scan_id`: a "
        "resend returns the first answer and writes nothing; the same `scan_id` with another code is a 409 "
        "`scan_id_conflict`. Every answer names its `checkpoint` (`direction` at an inout one).",
    ),
    "api.snapshot": Route(
        "getSnapshot",
        "What a kiosk needs to decide offline: keys, revoked codes, minimal roster.",
        {
            200: Reply(Snapshot, "The snapshot.", headers={"ETag": {"schema": {"type": "string"}}}),
            304: Reply(None, "Unchanged since the ETag given in If-None-Match."),
            400: BAD_QUERY,
            401: UNAUTHORIZED,
            409: NO_EVENT_REPLY,
            500: SERVER_ERROR,
        },
        parameters=(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "A previous `version`/ETag.",
            },
        ),
    ),
    "api.heartbeat": Route(
        "postHeartbeat",
        "A kiosk reports its health (queue length) for the organiser's dashboard.",
        {200: Reply(HeartbeatAnswer, "Recorded."), 400: BAD_BODY, 401: UNAUTHORIZED, 413: TOO_LARGE, 500: SERVER_ERROR},
        request=Heartbeat,
    ),
    "api.stats": Route(
        "getStats",
        "Attendance figures: planned, invited, checked in, per group, district and checkpoint.",
        {200: Reply(Stats, "The figures."), 400: BAD_QUERY, 401: UNAUTHORIZED, 409: NO_EVENT_REPLY, 500: SERVER_ERROR},
        security=("bearer", "session"),
    ),
    "pairing.pair_api": Route(
        "postPair",
        "A phone pairs with a one-time code (a pairing link's) and gets its device token.",
        {
            200: Reply(PairAnswer, "Paired: the phone's new token."),
            400: Reply(PairRefused, "No code in the body (`bad_request`)."),
            404: Reply(PairRefused, "Unknown code (`pairing_unknown`)."),
            410: Reply(PairRefused, "Code used or expired (`pairing_gone`)."),
            429: Reply(PairRefused, "Too many attempts from this address (`too_many_requests`)."),
        },
        request=PairRequest,
        security=(),
        description="The code is the credential: no token, no cookie, no CSRF token. Limited per client address.",
    ),
}


def answer_models() -> list[type[BaseModel]]:
    """Every model an answer of ROUTES is declared with (each once, in table order)."""
    seen = [r.model for route in ROUTES.values() for r in route.replies.values() if r.model is not None]
    return list(dict.fromkeys(seen))


def _reply(reply: Reply) -> dict:
    out: dict = {"description": reply.description}
    if reply.model is not None:
        media: dict = {"schema": {"$ref": f"#/components/schemas/{reply.model.__name__}"}}
        if reply.examples:
            media["examples"] = {name: {"value": value} for name, value in reply.examples.items()}
        out["content"] = {JSON: media}
    if reply.headers:
        out["headers"] = reply.headers
    return out


def _operation(route: Route) -> dict:
    op: dict = {"operationId": route.operation_id, "summary": route.summary}
    if route.description:
        op["description"] = route.description
    op["security"] = [{name: []} for name in route.security]
    if route.parameters:
        op["parameters"] = list(route.parameters)
    if route.request is not None:
        ref = {"$ref": f"#/components/schemas/{route.request.__name__}"}
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": ref}}}
    op["responses"] = {str(status): _reply(reply) for status, reply in sorted(route.replies.items())}
    return op


def paths(url_map) -> dict:
    """``paths`` of the document: each routed endpoint of ROUTES at its rule, per method."""
    out: dict = {}
    for rule in sorted(url_map.iter_rules(), key=lambda r: r.rule):
        route = ROUTES.get(rule.endpoint)
        if route is None:
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.setdefault(path, {})[method.lower()] = _operation(route)
    return out


def spec(app=None) -> dict:
    """The OpenAPI 3.1 document of ``app`` (default: the current one) as a plain dict."""
    app = app or current_app
    requests = [r.request for r in ROUTES.values() if r.request is not None]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Event Kiosk API",
            "version": "1",
            "description": "JSON API for entrance kiosks (device tokens from `flask --app app kiosk-token "
            "NAME`) and paired phones. Errors are JSON `{error, message}`, never HTML. Every answer is a "
            "declared pydantic model (admin/api/schemas.py).",
        },
        "servers": [{"url": "/"}],
        "paths": paths(app.url_map),
        "components": {
            "schemas": component_schemas(requests + answer_models()),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Device token: `Authorization: Bearer <token>`.",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "A logged-in staff member's session (stats only).",
                },
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    doc = current_app.extensions.get("openapi_document")
    if doc is None:
        doc = current_app.extensions["openapi_document"] = spec()
    resp = jsonify(doc)
    resp.headers["Cache-Control"] = "no-cache"
    return resp
