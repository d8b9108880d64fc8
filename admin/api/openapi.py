"""`GET /api/v1/openapi.json`: the OpenAPI 3 description of the kiosk API (admin/api/views.py).

Public (a description holds no data) and exempt from CSRF. tests/proofs/test_fuzz_api.py runs
schemathesis against it: every documented answer must match, and no request may get a 5xx.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from admin.api.schemas import component_schemas

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

JSON = "application/json"


def _json(schema_ref: str, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": {"$ref": schema_ref}}}}


def _error(description: str) -> dict:
    return _json("#/components/schemas/Error", description)


SCHEMAS: dict = component_schemas()

UNAUTHORIZED = _error("No valid device token (`WWW-Authenticate: Bearer`).")
NO_EVENT = _error("No event on the server yet (`no_event`).")
BAD_BODY = _error("Malformed body: not a JSON object (`bad_json`) or a field of the wrong type (`bad_field`).")

PATHS: dict = {
    "/api/v1/checkins": {
        "post": {
            "operationId": "postCheckin",
            "summary": "Check a badge in (the kiosk's scan).",
            "description": "Outcomes: ok, already, invalid, revoked, unknown, wrong_event. Idempotent per "
            "`scan_id`: a resend returns the first answer and writes nothing.",
            "security": [{"bearer": []}],
            "requestBody": {
                "required": True,
                "content": {JSON: {"schema": {"$ref": "#/components/schemas/CheckinRequest"}}},
            },
            "responses": {
                "200": _json("#/components/schemas/CheckinResult", "The outcome of the scan."),
                "400": BAD_BODY,
                "401": UNAUTHORIZED,
                "409": NO_EVENT,
            },
        }
    },
    "/api/v1/kiosk/snapshot": {
        "get": {
            "operationId": "getSnapshot",
            "summary": "What a kiosk needs to decide offline: keys, revoked codes, minimal roster.",
            "security": [{"bearer": []}],
            "parameters": [
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "A previous `version`/ETag.",
                }
            ],
            "responses": {
                "200": {
                    **_json("#/components/schemas/Snapshot", "The snapshot."),
                    "headers": {"ETag": {"schema": {"type": "string"}}},
                },
                "304": {"description": "Unchanged since the ETag given in If-None-Match."},
                "401": UNAUTHORIZED,
                "409": NO_EVENT,
            },
        }
    },
    "/api/v1/kiosk/heartbeat": {
        "post": {
            "operationId": "postHeartbeat",
            "summary": "A kiosk reports its health (queue length) for the organiser's dashboard.",
            "security": [{"bearer": []}],
            "requestBody": {
                "required": True,
                "content": {JSON: {"schema": {"$ref": "#/components/schemas/Heartbeat"}}},
            },
            "responses": {
                "200": _json("#/components/schemas/HeartbeatAnswer", "Recorded."),
                "400": BAD_BODY,
                "401": UNAUTHORIZED,
            },
        }
    },
    "/api/v1/stats": {
        "get": {
            "operationId": "getStats",
            "summary": "Attendance figures: planned, invited, checked in, per group and district.",
            "security": [{"bearer": []}, {"session": []}],
            "responses": {
                "200": _json("#/components/schemas/Stats", "The figures."),
                "401": UNAUTHORIZED,
                "409": NO_EVENT,
            },
        }
    },
}


def spec() -> dict:
    """The OpenAPI 3.1 document (a plain dict)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Event Kiosk API",
            "version": "1",
            "description": "JSON API for entrance kiosks (device tokens from `flask --app app kiosk-token "
            "NAME`). Errors are JSON `{error, message}`, never HTML.",
        },
        "servers": [{"url": "/"}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
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
    resp = jsonify(spec())
    resp.headers["Cache-Control"] = "no-cache"
    return resp
