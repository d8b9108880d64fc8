"""The kiosk API's bodies as pydantic models: each one both checks what arrives (admin.api.views,
admin.api.fastpath) and describes itself in ``/api/v1/openapi.json`` (admin.api.openapi).

Request bodies (``CheckinRequest``, ``Heartbeat``) are validated with ``ApiBody.check`` /
``ApiBody.check_json``: the first problem becomes today's 400 ``{error, message}`` (``bad_json``
for a body that is not a JSON object, ``bad_field`` with the field's Vietnamese message).
Answers (``CheckinResult``, ``Snapshot``, ``Stats``...) are built by the domain (models.checkin.checkin,
models.checkin.stats) as plain dicts; their models here describe them (schemathesis checks every answer
against the description: tests/proofs/test_fuzz_api.py).

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
from pydantic.json_schema import GenerateJsonSchema

from admin.core.hostile import bad_text
from models.checkin.checkin import SCAN_ID_PATTERN
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


# --- answers (described; built by the domain as dicts) ----------------------------------------


class Error(BaseModel):
    """Every error of the API: a machine code and a Vietnamese message. Never HTML."""

    error: str = Field(examples=["bad_field", "unauthorized", "no_event"])
    message: str


class Attendee(BaseModel):
    id: int
    honorific: str | None
    name: str
    position: str | None
    organisation: str | None
    group: str | None
    seat: str | None = Field(description="The seat's short label, e.g. B-08-06.")
    seat_text: str = Field(
        description='The seat spelled out for the person: "Khu giữa · Hàng 8 · Ghế 6"; empty without a seat.'
    )
    seat_needed: bool = Field(
        None,
        description="Needs a hall seat (booth staff usually do not). An `ok` "
        "with `seat` null and this true: the hall was full; the "
        "message sends the delegate to the desk for a seat.",
    )


class FirstCheckin(BaseModel):
    """For `already`: when and where the first check-in was (event's time zone)."""

    at: str | None
    station: str | None
    checkpoint: str = Field(None, description="At a checkpoint other than the hall entrance: its name.")


class CheckpointRef(BaseModel):
    """Where a scan is: a checkpoint of the event (/admin/event/checkpoints)."""

    id: int | None
    name: str = Field(examples=["Cổng hội trường", "Hậu trường trao giải"])
    rule: Literal["once", "daily", "every", "inout"] = Field(
        description="once: the arrival (at the entrance) or once; daily: once per local day; every: every pass "
        "counted; inout: entry / exit alternately (who is inside now)."
    )
    kind: Literal["entrance", "exhibition", "backstage", "desk", "other"] = Field(
        description="Only an `entrance` with rule `once` records the hall arrival."
    )


class CheckinResult(BaseModel):
    result: Literal[OUTCOMES]  # type: ignore[valid-type]
    message: str = Field(description="Vietnamese, ready to show.")
    attendee: Attendee | None
    first_checkin: FirstCheckin | None
    checkpoint: CheckpointRef = Field(description="The device's checkpoint (the event's entrance by default).")
    direction: Literal["in", "out"] = Field(None, description="Only at an `inout` checkpoint: this pass's direction.")


class SnapshotEvent(BaseModel):
    id: int
    tag: int
    name: str
    date: str
    venue: str | None
    timezone: str


class PublicKey(BaseModel):
    event_id: int
    event_tag: int
    key_no: int
    public_key: str = Field(description="base64, 32 bytes Ed25519")


class RosterEntry(BaseModel):
    id: int
    honorific: str | None
    name: str
    seat: str | None
    seat_text: str
    group: str | None
    seat_needed: bool = None  # type: ignore[assignment]


class Station(BaseModel):
    name: str = None  # type: ignore[assignment]
    kind: str = None  # type: ignore[assignment]
    checkpoint: CheckpointRef = Field(None, description="Where this device scans; the kiosk follows its rule offline.")


class Snapshot(BaseModel):
    version: str
    generated_at: str
    event: SnapshotEvent
    keys: list[PublicKey]
    revoked: list[str]
    roster: list[RosterEntry]
    station: Station


class HeartbeatAnswer(BaseModel):
    ok: Literal[True]


class Counts(BaseModel):
    invited: int = Field(ge=0)
    checked_in: int = Field(ge=0)


class CheckpointFigure(BaseModel):
    id: int
    name: str
    rule: str
    kind: str
    people: int = Field(ge=0, description="once: people passed (entrance: arrived); daily: people today.")
    invited: int = Field(ge=0)
    passes_today: int = Field(ge=0, description="every: passes today (the event's time zone).")
    passes_total: int = Field(ge=0, description="Every accepted pass (entrance: arrivals).")
    inside: int = Field(None, ge=0, description="inout: people inside now.")


class Stats(BaseModel):
    """Delegates: on the guest list, booth staff not included (the dashboard's figures)."""

    planned_seats: int | None
    invited: int = Field(ge=0)
    checked_in: int = Field(ge=0)
    percent: int = Field(None, ge=0, description="checked_in of invited, a whole percentage.")
    booth_staff: int = Field(None, ge=0, description="Booth staff on the guest list: never counted in invited.")
    booth_staff_arrived: int = Field(None, ge=0)
    by_group: dict[str, Counts]
    by_district: dict[str, Counts]
    checkpoints: list[CheckpointFigure] = Field(
        None, description="Each checkpoint with its figure (the dashboard's and the report's)."
    )


# --- the description --------------------------------------------------------------------------


class _OpenApi31(GenerateJsonSchema):
    """JSON Schema as the document had it: no per-field titles, ``type: [X, "null"]`` for an
    optional scalar, no ``default: null`` (an absent optional field)."""

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def nullable_schema(self, schema):
        inner = self.generate_inner(schema["schema"])
        if isinstance(inner.get("type"), str) and "$ref" not in inner:
            return {**inner, "type": [inner["type"], "null"]}
        return super().nullable_schema(schema)

    def default_schema(self, schema):
        out = super().default_schema(schema)
        if out.get("default", 0) is None:
            out.pop("default")
        return out


MODELS = (Error, CheckinRequest, Attendee, FirstCheckin, CheckinResult, Snapshot, Heartbeat, HeartbeatAnswer, Stats)


def component_schemas() -> dict:
    """``components.schemas`` of the OpenAPI document: every model above and the ones they use."""
    out: dict = {}
    for model in MODELS:
        schema = model.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=_OpenApi31)
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out
