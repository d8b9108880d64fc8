"""The kiosk API's bodies as pydantic models: each one both checks what arrives (admin.api.views,
admin.api.fastpath) and describes itself in ``/api/v1/openapi.json`` (admin.api.openapi).

Request bodies (``CheckinRequest``, ``Heartbeat``) are validated with ``ApiBody.check`` /
``ApiBody.check_json``: the first problem becomes today's 400 ``{error, message}`` (``bad_json``
for a body that is not a JSON object, ``bad_field`` with the field's Vietnamese message).
Answers (``CheckinResult``, ``Snapshot``, ``Stats``, ``HeartbeatAnswer``, ``PairAnswer`` and the errors,
``CheckinConflict`` for the 409 ``scan_id_conflict`` among them) are declared here, every field with its
type and description, ``extra="forbid"`` and strict. The domain still builds them as plain dicts
(models.checkin.checkin.CheckInResult.as_json, models.checkin.stats), so the bytes on the wire and the
fast path's cost are unchanged; the declarations are held to them by tests/api/test_answers.py (real
answers of every outcome, view, fast path and a live waitress server, ``model_validate``), by the
views under TESTING (admin.api.views.answer) and by schemathesis (tests/proofs/test_fuzz_api.py).

Strings and integers are strict (a number is not a string, and a string is not a number: a JSON
"１" or "1" is never read as 1; true is not 1), and patterns use Python's ``re`` (``\\s`` as
str.isspace); the scan_id's pattern is anchored with ``\\A...\\Z`` (``$`` would also match before a
final newline: "abc\\n" passed until issue 22).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WrapValidator,
)
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from admin.core.hostile import bad_text
from models.checkin.checkin import SCAN_ID_PATTERN
from models.checkin.checkpoints import KINDS, RULES
from models.core.timeutil import parse_iso

OUTCOMES = ("ok", "already", "invalid", "revoked", "unknown", "wrong_event")
BAD_JSON = ("bad_json", "Nội dung phải là một đối tượng JSON.")
REF_TEMPLATE = "#/components/schemas/{model}"


# --- request bodies ---------------------------------------------------------------------------


class ApiBody(BaseModel):
    """A JSON request body: unknown fields are ignored (as before), the first problem (in field
    order) is reported with the field's message from ``field_messages``."""

    model_config = ConfigDict(regex_engine="python-re", strict=True)
    field_messages: ClassVar[dict[str, str]] = {}

    @classmethod
    def problem(cls, exc: ValidationError) -> tuple[str, str]:
        """The 400 (error, message) of a failed validation: its first field in declaration order."""
        order = list(cls.model_fields)
        fields = [
            e["loc"][0]
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
            if e["loc"] and e["loc"][0] in cls.field_messages
        ]
        if not fields:
            return BAD_JSON
        return "bad_field", cls.field_messages[min(fields, key=order.index)]

    @classmethod
    def check(cls, body: object) -> tuple[Self | None, tuple[str, str] | None]:
        """A parsed body (anything ``json.loads`` gives): (model, None) or (None, problem)."""
        if not isinstance(body, dict):
            return None, BAD_JSON
        try:
            return cls.model_validate(body), None
        except ValidationError as exc:
            return None, cls.problem(exc)

    @classmethod
    def check_json(cls, raw: bytes) -> tuple[Self | None, tuple[str, str] | None]:
        """The raw bytes, parsed and checked in one step by pydantic-core. What its parser refuses
        but Python's ``json`` reads (a lone surrogate escape, a UTF-8 BOM, NaN...) is read by
        ``json.loads`` and checked as before, so both parsers answer alike."""
        try:
            return cls.model_validate_json(raw), None
        except ValidationError as exc:
            if not any(e["type"] == "json_invalid" for e in exc.errors(include_url=False)):
                return None, cls.problem(exc)
        import json

        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            return None, BAD_JSON
        return cls.check(body)


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _clean_text(value: str) -> str:
    if bad_text(value):
        raise ValueError("NUL or lone surrogate")
    return value


def _whole_scan_id(value: str) -> str:
    """Python's ``$`` also matches before a final newline: the whole text must match."""
    if not re.fullmatch(SCAN_ID_PATTERN, value):
        raise ValueError("scan_id")
    return value


def _iso_time(value: str) -> datetime:
    return parse_iso(value)  # ValueError: a 400 for the field


def _or_none(value: Any, handler) -> Any:
    """An optional field of the wrong type is ignored (None), not refused."""
    try:
        return handler(value)
    except ValidationError:
        return None


class CheckinRequest(ApiBody):
    code: str = Field(description="The QR text, whatever it is (any string gets an outcome).")
    station: Annotated[
        str,
        Field(
            min_length=1,
            max_length=80,
            pattern=r"\S",
            description="Where the scan happened (1-80 characters, not blank).",
        ),
        BeforeValidator(_strip),
        AfterValidator(_clean_text),
    ]
    scan_id: Annotated[
        str,
        Field(
            # the document's pattern (ECMA-262: ``$`` is the very end); checked with \A...\Z
            pattern=r"^[A-Za-z0-9._:\-]{1,64}$",
            description="Client-made id of this scan: a resend gets the first answer again.",
        ),
        AfterValidator(_whole_scan_id),
    ]
    scanned_at: Annotated[str, AfterValidator(_iso_time), Field(json_schema_extra={"format": "date-time"})] | None = (
        Field(
            None,
            description="When the kiosk saw the badge (ISO-8601); default: now. A time in the future counts as now.",
        )
    )

    field_messages: ClassVar[dict[str, str]] = {
        "code": "Trường 'code' phải là chuỗi ký tự.",
        "station": "Trường 'station' phải là chuỗi 1–80 ký tự.",
        "scan_id": "Trường 'scan_id' phải gồm 1–64 ký tự chữ, số, . _ : -",
        "scanned_at": "Trường 'scanned_at' phải là thời gian ISO-8601.",
    }

    def fields(self) -> dict:
        """The keyword arguments of models.checkin.checkin.check_in."""
        return {"code": self.code, "station": self.station, "scan_id": self.scan_id, "scanned_at": self.scanned_at}


_Short = Annotated[str, AfterValidator(lambda s: s[:80]), WrapValidator(_or_none)]


class Heartbeat(ApiBody):
    queue_length: int = Field(ge=0, le=10_000_000)
    station: _Short = None  # type: ignore[assignment]  (None: absent or not a string)
    online: Annotated[bool, WrapValidator(_or_none)] = None  # type: ignore[assignment]
    version: _Short = None  # type: ignore[assignment]

    field_messages: ClassVar[dict[str, str]] = {
        "queue_length": "Trường 'queue_length' phải là số nguyên không âm.",
    }

    def status(self) -> dict:
        """What admin.core.security.record_status keeps: the fields given with the right type."""
        status: dict = {"queue_length": self.queue_length}
        for key in ("station", "version", "online"):
            if getattr(self, key) is not None:
                status[key] = getattr(self, key)
        return status


class PairRequest(ApiBody):
    """POST /api/v1/pair (admin.accounts.pairing.pair_api reads it; described here)."""

    code: str = Field(pattern=r"\S", description="The one-time code of the pairing link (/scan/pair/CODE).")


# --- answers (declared; built by the domain as dicts) -------------------------------------------


class Answer(BaseModel):
    """An answer of the API: every field declared (an undeclared one fails ``model_validate``,
    and the document says ``additionalProperties: false``), types strict (true is not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Error(Answer):
    """Every error of the API: a machine code and a message (Vietnamese where the API writes it;
    Flask's own English description for a 413). Never HTML."""

    error: str = Field(description="Machine-readable code.", examples=["bad_field", "unauthorized", "no_event"])
    message: str = Field(description="For people: ready to show.")


class BadRequest(Error):
    """400 before any view (admin.core.hostile): a NUL or a lone surrogate in the address, the query or a
    JSON body, or JSON nested too deep (Flask's own message, in English)."""

    error: Literal["bad_request"] = Field(description="Always `bad_request`.")


class BadBody(Error):
    """400 of a check-in or heartbeat: the first problem of the body."""

    error: Literal["bad_json", "bad_field", "bad_request"] = Field(
        description="`bad_json`: not a JSON object; `bad_field`: a field missing or of the wrong type "
        "(the message names it); `bad_request`: refused before the view (admin.core.hostile: NUL, lone "
        "surrogate, JSON nested too deep)."
    )


class Unauthorized(Error):
    """401: no valid device token (stats: nor a staff login). Sent with `WWW-Authenticate: Bearer`."""

    error: Literal["unauthorized"] = Field(description="Always `unauthorized`.")


class NoEvent(Error):
    """409: the server has no event yet."""

    error: Literal["no_event"] = Field(description="Always `no_event`.")


class CheckinConflict(Error):
    """409 of a check-in: no event on the server (`no_event`), or this `scan_id` was used before with
    another code (`scan_id_conflict`: nothing written; scan again with a new scan_id)."""

    error: Literal["no_event", "scan_id_conflict"] = Field(description="`no_event` or `scan_id_conflict`.")


class TooLarge(Error):
    """413: a body over the server's MAX_CONTENT_LENGTH (Flask's own message, in English)."""

    error: Literal["request_entity_too_large"] = Field(description="Always `request_entity_too_large`.")


class PairRefused(Error):
    """400 / 404 / 410 / 429 of a pairing: no code, an unknown code, a used or expired one, too many
    attempts from this address."""

    error: Literal["bad_request", "pairing_unknown", "pairing_gone", "too_many_requests"] = Field(
        description="400 `bad_request`, 404 `pairing_unknown`, 410 `pairing_gone`, 429 `too_many_requests`."
    )


class CheckpointRef(Answer):
    """Where a scan is: a checkpoint of the event (/admin/event/checkpoints)."""

    id: int | None = Field(description="The checkpoint's id; null for the stand-in entrance of an event without one.")
    name: str = Field(examples=["Cổng hội trường", "Hậu trường trao giải"], description="Its name.")
    rule: Literal[RULES] = Field(  # type: ignore[valid-type]
        description="once: the arrival (at the entrance) or once; daily: once per local day; every: every pass "
        "counted; inout: entry / exit alternately (who is inside now)."
    )
    kind: Literal[KINDS] = Field(  # type: ignore[valid-type]
        description="Only an `entrance` with rule `once` records the hall arrival."
    )


class Attendee(Answer):
    """The person of a check-in answer (models.guests.attendee_json.CHECKIN_FIELDS)."""

    id: int = Field(description="The attendee's id.")
    honorific: str | None = Field(description="Ông, Bà...")
    name: str = Field(description="Full name, without the honorific.")
    position: str | None = Field(description="Position (chức vụ).")
    organisation: str | None = Field(description="Organisation (đơn vị).")
    group: str | None = Field(description="The guest group's name.")
    seat: str | None = Field(description="The seat's short label, e.g. B-08-06.")
    seat_text: str = Field(
        description='The seat spelled out for the person: "Khu giữa · Hàng 8 · Ghế 6"; empty without a seat.'
    )
    seat_needed: bool = Field(
        description="Needs a hall seat (booth staff usually do not). An `ok` with `seat` null and this true: "
        "the hall was full; the message sends the delegate to the desk for a seat."
    )


class FirstCheckin(Answer):
    """For `already`: when and where the first check-in (or pass, or booth set-up) was."""

    at: str | None = Field(description="Local time of the event's time zone, ISO-8601 to the second.")
    station: str | None = Field(description="The station (kiosk or desk) of that first scan.")
    checkpoint: str = Field(None, description="At a checkpoint other than the hall entrance: its name.")


class CheckinResult(Answer):
    """200 of POST /api/v1/checkins: the outcome of one scan (models.checkin.checkin.CheckInResult.as_json)."""

    result: Literal[OUTCOMES] = Field(  # type: ignore[valid-type]
        description="ok: welcome (this scan counted); already: seen before (`first_checkin`); invalid: not a "
        "genuine code; revoked: a replaced or cancelled badge; unknown: not on the guest list; wrong_event: a "
        "badge of another event."
    )
    message: str = Field(description="Vietnamese, ready to show.")
    attendee: Attendee | None = Field(description="Who it is, when the kiosk may be told (null otherwise).")
    first_checkin: FirstCheckin | None = Field(description="For `already`: the first check-in; null otherwise.")
    checkpoint: CheckpointRef = Field(description="The device's checkpoint (the event's entrance by default).")
    direction: Literal["in", "out"] | None = Field(
        None, description="Only at an `inout` checkpoint (absent elsewhere): this pass's direction; null when refused."
    )


class SnapshotEvent(Answer):
    """The current event, as a kiosk needs it."""

    id: int = Field(description="The event's id.")
    tag: int = Field(description="The event's tag, inside every badge code (a badge of another tag: wrong_event).")
    name: str = Field(description="The event's name.")
    date: str = Field(description="Its date, ISO-8601 (YYYY-MM-DD).")
    venue: str | None = Field(description="Where it is.")
    timezone: str = Field(description="IANA time zone, e.g. Asia/Ho_Chi_Minh.")


class PublicKey(Answer):
    """A valid signing key of an event on this server (badges are checked offline against them)."""

    event_id: int = Field(description="The event of the key.")
    event_tag: int = Field(description="That event's tag.")
    key_no: int = Field(description="The key's number within the event (in every badge code).")
    public_key: str = Field(description="base64, 32 bytes Ed25519")


class RosterEntry(Answer):
    """A person of the kiosk's roster (models.guests.attendee_json.ROSTER_FIELDS: least data)."""

    id: int = Field(description="The attendee's id.")
    honorific: str | None = Field(description="Ông, Bà...")
    name: str = Field(description="Full name, without the honorific.")
    seat: str | None = Field(description="The seat's short label.")
    seat_text: str = Field(description="The seat spelled out; empty without a seat.")
    group: str | None = Field(description="The guest group's name.")
    seat_needed: bool = Field(description="Needs a hall seat (booth staff usually do not).")


class Station(Answer):
    """The device asking."""

    name: str = Field(description="The device's name (kiosk-token NAME).")
    kind: str = Field(description="The device's kind: hall, exhibition, phone...")
    checkpoint: CheckpointRef = Field(description="Where this device scans; the kiosk follows its rule offline.")


class Snapshot(Answer):
    """200 of GET /api/v1/kiosk/snapshot (models.checkin.stats.kiosk_snapshot)."""

    version: str = Field(description="A hash of the content (also the ETag): equal versions, equal data.")
    generated_at: str = Field(description="When it was made, UTC ISO-8601 with Z.")
    event: SnapshotEvent = Field(description="The current event.")
    keys: list[PublicKey] = Field(description="Every valid public key of every event on this server.")
    revoked: list[str] = Field(description="Codes of replaced or cancelled badges of the event.")
    roster: list[RosterEntry] = Field(description="The guest list (an exhibition device: booth staff only).")
    station: Station = Field(description="The device asking, with its checkpoint.")


class HeartbeatAnswer(Answer):
    """200 of POST /api/v1/kiosk/heartbeat."""

    ok: Literal[True] = Field(description="Recorded.")


class Counts(Answer):
    """Delegates of a group."""

    invited: int = Field(ge=0, description="On the guest list.")
    checked_in: int = Field(ge=0, description="Arrived in the hall.")


class DistrictCounts(Counts):
    """Delegates of a district (delegation)."""

    nominated: int = Field(ge=0, description="Nominated by the district and not yet on the guest list.")


class CheckpointFigure(Answer):
    """A checkpoint with its figures (models.checkin.checkpoints.figures: the dashboard's and the report's)."""

    id: int = Field(description="The checkpoint's id.")
    name: str = Field(description="Its name.")
    rule: Literal[RULES] = Field(description="once, daily, every or inout.")  # type: ignore[valid-type]
    kind: Literal[KINDS] = Field(description="entrance, exhibition, backstage, desk or other.")  # type: ignore[valid-type]
    people: int = Field(ge=0, description="once: people passed (entrance: arrived); daily: people today.")
    invited: int = Field(ge=0, description="Delegates on the guest list.")
    passes_today: int = Field(ge=0, description="every: passes today (the event's time zone).")
    passes_total: int = Field(ge=0, description="Every accepted pass (entrance: arrivals).")
    inside: int | None = Field(ge=0, description="inout: people inside now; null for the other rules.")


class Stats(Answer):
    """200 of GET /api/v1/stats (models.checkin.stats.attendance). Delegates: on the guest list, booth
    staff not included (the dashboard's figures)."""

    planned_seats: int | None = Field(description="Seats planned for the event.")
    invited: int = Field(ge=0, description="Delegates on the guest list.")
    checked_in: int = Field(ge=0, description="Delegates arrived.")
    percent: int = Field(ge=0, description="checked_in of invited, a whole percentage.")
    booth_staff: int = Field(ge=0, description="Booth staff on the guest list: never counted in invited.")
    booth_staff_arrived: int = Field(ge=0, description="Booth staff arrived.")
    by_group: dict[str, Counts] = Field(description="Per guest group (by name).")
    by_district: dict[str, DistrictCounts] = Field(description="Per district with delegates invited (by name).")
    checkpoints: list[CheckpointFigure] = Field(
        description="Each checkpoint with its figure (the dashboard's and the report's)."
    )


class PairAnswer(Answer):
    """200 of POST /api/v1/pair: the phone's new device token (any older one of the device stops)."""

    token: str = Field(description="The bearer token for the API (kept by the phone's browser).")
    name: str = Field(description="The device's name.")
    device_id: int = Field(description="The device's id.")


# --- the description --------------------------------------------------------------------------


class _OpenApi31(GenerateJsonSchema):
    """JSON Schema as the document had it: no per-field titles, ``type: [X, "null"]`` for an
    optional scalar (``null`` in its ``enum`` too), no ``default: null`` (an absent optional field)."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def nullable_schema(self, schema):
        inner = self.generate_inner(schema["schema"])
        if isinstance(inner.get("type"), str) and "$ref" not in inner:
            out = {**inner, "type": [inner["type"], "null"]}
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
            return out
        return super().nullable_schema(schema)

    def default_schema(self, schema):
        out = super().default_schema(schema)
        if out.get("default", 0) is None:
            out.pop("default")
        return out


def component_schemas(models: list[type[BaseModel]]) -> dict:
    """``components.schemas`` of the OpenAPI document: ``models`` and the ones they use, each under its
    class name (refs ``#/components/schemas/Name``)."""
    _, top = models_json_schema(
        [(m, "validation") for m in models], ref_template=REF_TEMPLATE, schema_generator=_OpenApi31
    )
    return dict(sorted(top.get("$defs", {}).items()))
