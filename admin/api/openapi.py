"""`GET /api/v1/openapi.json`: the OpenAPI 3 description of the kiosk API (admin/api/views.py).

Public (a description holds no data) and exempt from CSRF. tests/proofs/test_fuzz_api.py runs
schemathesis against it: every documented answer must match, and no request may get a 5xx.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

OUTCOMES = ["ok", "already", "invalid", "revoked", "unknown", "wrong_event"]
JSON = "application/json"


def _json(schema_ref: str, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": {"$ref": schema_ref}}}}


def _error(description: str) -> dict:
    return _json("#/components/schemas/Error", description)


COUNTS = {
    "type": "object",
    "required": ["invited", "checked_in"],
    "properties": {"invited": {"type": "integer", "minimum": 0},
                   "checked_in": {"type": "integer", "minimum": 0}},
}

SCHEMAS: dict = {
    "Error": {
        "type": "object",
        "description": "Every error of the API: a machine code and a Vietnamese message. Never HTML.",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "examples": ["bad_field", "unauthorized", "no_event"]},
            "message": {"type": "string"},
        },
    },
    "CheckinRequest": {
        "type": "object",
        "required": ["code", "station", "scan_id"],
        "properties": {
            "code": {"type": "string", "description": "The QR text, whatever it is (any string gets an outcome)."},
            "station": {"type": "string", "minLength": 1, "maxLength": 80,
                        "pattern": r"\S", "description": "Where the scan happened (1-80 characters, not blank)."},
            "scan_id": {"type": "string", "pattern": r"^[A-Za-z0-9._:\-]{1,64}$",
                        "description": "Client-made id of this scan: a resend gets the first answer again."},
            "scanned_at": {"type": ["string", "null"], "format": "date-time",
                           "description": "When the kiosk saw the badge (ISO-8601); default: now. "
                                          "A time in the future counts as now."},
        },
    },
    "Attendee": {
        "type": ["object", "null"],
        "required": ["id", "honorific", "name", "position", "organisation", "group", "seat",
                     "seat_text"],
        "properties": {
            "id": {"type": "integer"},
            "honorific": {"type": ["string", "null"]},
            "name": {"type": "string"},
            "position": {"type": ["string", "null"]},
            "organisation": {"type": ["string", "null"]},
            "group": {"type": ["string", "null"]},
            "seat": {"type": ["string", "null"], "description": "The seat's short label, e.g. B-08-06."},
            "seat_text": {"type": "string", "description": "The seat spelled out for the person: "
                          "\"Khu giữa · Hàng 8 · Ghế 6\"; empty without a seat."},
            "seat_needed": {"type": "boolean",
                            "description": "Needs a hall seat (booth staff usually do not). An `ok` "
                                           "with `seat` null and this true: the hall was full; the "
                                           "message sends the delegate to the desk for a seat."},
        },
    },
    "FirstCheckin": {
        "type": ["object", "null"],
        "description": "For `already`: when and where the first check-in was (event's time zone).",
        "required": ["at", "station"],
        "properties": {"at": {"type": ["string", "null"]}, "station": {"type": ["string", "null"]}},
    },
    "CheckinResult": {
        "type": "object",
        "required": ["result", "message", "attendee", "first_checkin"],
        "properties": {
            "result": {"type": "string", "enum": OUTCOMES},
            "message": {"type": "string", "description": "Vietnamese, ready to show."},
            "attendee": {"$ref": "#/components/schemas/Attendee"},
            "first_checkin": {"$ref": "#/components/schemas/FirstCheckin"},
        },
    },
    "Snapshot": {
        "type": "object",
        "required": ["version", "generated_at", "event", "keys", "revoked", "roster", "station"],
        "properties": {
            "version": {"type": "string"},
            "generated_at": {"type": "string"},
            "event": {
                "type": "object",
                "required": ["id", "tag", "name", "date", "venue", "timezone"],
                "properties": {
                    "id": {"type": "integer"}, "tag": {"type": "integer"}, "name": {"type": "string"},
                    "date": {"type": "string"}, "venue": {"type": ["string", "null"]},
                    "timezone": {"type": "string"},
                },
            },
            "keys": {"type": "array", "items": {
                "type": "object", "required": ["event_id", "event_tag", "key_no", "public_key"],
                "properties": {"event_id": {"type": "integer"}, "event_tag": {"type": "integer"},
                               "key_no": {"type": "integer"},
                               "public_key": {"type": "string", "description": "base64, 32 bytes Ed25519"}},
            }},
            "revoked": {"type": "array", "items": {"type": "string"}},
            "roster": {"type": "array", "items": {
                "type": "object", "required": ["id", "honorific", "name", "seat", "seat_text", "group"],
                "properties": {"id": {"type": "integer"}, "honorific": {"type": ["string", "null"]},
                               "name": {"type": "string"}, "seat": {"type": ["string", "null"]},
                               "seat_text": {"type": "string"},
                               "group": {"type": ["string", "null"]},
                               "seat_needed": {"type": "boolean"}},
            }},
            "station": {"type": "object", "properties": {"name": {"type": "string"},
                                                          "kind": {"type": "string"}}},
        },
    },
    "Heartbeat": {
        "type": "object",
        "required": ["queue_length"],
        "properties": {
            "queue_length": {"type": "integer", "minimum": 0, "maximum": 10_000_000},
            "station": {"type": "string"},
            "online": {"type": "boolean"},
            "version": {"type": "string"},
        },
    },
    "Stats": {
        "type": "object",
        "description": "Delegates: on the guest list, booth staff not included (the dashboard's figures).",
        "required": ["planned_seats", "invited", "checked_in", "by_group", "by_district"],
        "properties": {
            "planned_seats": {"type": ["integer", "null"]},
            "invited": {"type": "integer", "minimum": 0},
            "checked_in": {"type": "integer", "minimum": 0},
            "percent": {"type": "integer", "minimum": 0,
                        "description": "checked_in of invited, a whole percentage."},
            "booth_staff": {"type": "integer", "minimum": 0,
                            "description": "Booth staff on the guest list: never counted in invited."},
            "booth_staff_arrived": {"type": "integer", "minimum": 0},
            "by_group": {"type": "object", "additionalProperties": COUNTS},
            "by_district": {"type": "object", "additionalProperties": COUNTS},
        },
    },
}

UNAUTHORIZED = _error("No valid device token (`WWW-Authenticate: Bearer`).")
NO_EVENT = _error("No event on the server yet (`no_event`).")
BAD_BODY = _error("Malformed body: not a JSON object (`bad_json`) or a field of the wrong type (`bad_field`).")

PATHS: dict = {
    "/api/v1/checkins": {"post": {
        "operationId": "postCheckin",
        "summary": "Check a badge in (the kiosk's scan).",
        "description": "Outcomes: ok, already, invalid, revoked, unknown, wrong_event. Idempotent per "
                       "`scan_id`: a resend returns the first answer and writes nothing.",
        "security": [{"bearer": []}],
        "requestBody": {"required": True,
                        "content": {JSON: {"schema": {"$ref": "#/components/schemas/CheckinRequest"}}}},
        "responses": {
            "200": _json("#/components/schemas/CheckinResult", "The outcome of the scan."),
            "400": BAD_BODY, "401": UNAUTHORIZED, "409": NO_EVENT,
        },
    }},
    "/api/v1/kiosk/snapshot": {"get": {
        "operationId": "getSnapshot",
        "summary": "What a kiosk needs to decide offline: keys, revoked codes, minimal roster.",
        "security": [{"bearer": []}],
        "parameters": [{"name": "If-None-Match", "in": "header", "required": False,
                        "schema": {"type": "string"}, "description": "A previous `version`/ETag."}],
        "responses": {
            "200": {**_json("#/components/schemas/Snapshot", "The snapshot."),
                    "headers": {"ETag": {"schema": {"type": "string"}}}},
            "304": {"description": "Unchanged since the ETag given in If-None-Match."},
            "401": UNAUTHORIZED, "409": NO_EVENT,
        },
    }},
    "/api/v1/kiosk/heartbeat": {"post": {
        "operationId": "postHeartbeat",
        "summary": "A kiosk reports its health (queue length) for the organiser's dashboard.",
        "security": [{"bearer": []}],
        "requestBody": {"required": True,
                        "content": {JSON: {"schema": {"$ref": "#/components/schemas/Heartbeat"}}}},
        "responses": {
            "200": {"description": "Recorded.", "content": {JSON: {"schema": {
                "type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}}}}},
            "400": BAD_BODY, "401": UNAUTHORIZED,
        },
    }},
    "/api/v1/stats": {"get": {
        "operationId": "getStats",
        "summary": "Attendance figures: planned, invited, checked in, per group and district.",
        "security": [{"bearer": []}, {"session": []}],
        "responses": {
            "200": _json("#/components/schemas/Stats", "The figures."),
            "401": UNAUTHORIZED, "409": NO_EVENT,
        },
    }},
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
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "Device token: `Authorization: Bearer <token>`."},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "A logged-in staff member's session (stats only)."},
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    resp = jsonify(spec())
    resp.headers["Cache-Control"] = "no-cache"
    return resp
