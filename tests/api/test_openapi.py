"""Issue 25 item 3: /api/v1/openapi.json is derived from the routes (the app's url_map) and the
declared models (admin/api/schemas.py): every API route is in it, every answer model is referenced,
every response has a schema, the 409 scan_id_conflict has its model and example, and the document is
valid OpenAPI 3.1 (the official schema, as shipped with schemathesis)."""

from __future__ import annotations

import jsonschema_rs
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_31
from werkzeug.routing import Map, Rule

from admin.api import openapi, schemas


@pytest.fixture
def backend() -> str:
    """A description holds no data: SQLite only."""
    return "sqlite"


@pytest.fixture
def doc(client) -> dict:
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.is_json
    return r.get_json()


def refs(node) -> set[str]:
    """The component names a part of the document refers to."""
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if "$ref" in node else set()
        return found.union(*(refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node))
    return set()


def reachable(doc: dict) -> set[str]:
    """Every component reached from the paths, through the components' own refs."""
    todo, seen = refs(doc["paths"]), set()
    while todo:
        name = todo.pop()
        seen.add(name)
        todo |= refs(doc["components"]["schemas"][name]) - seen
    return seen


def test_every_api_route_is_described(app, doc):
    routed = {
        (rule.rule, method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule != openapi.SELF
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routed == described
    assert {"/api/v1/checkins", "/api/v1/stats", "/api/v1/kiosk/snapshot", "/api/v1/kiosk/heartbeat"} <= set(
        doc["paths"]
    )
    assert doc["paths"]["/api/v1/pair"]["post"]["security"] == []  # the code is the credential


def test_paths_come_from_the_url_map():
    """A route moved is described where it is; an endpoint not routed is not described."""
    moved = openapi.paths(Map([Rule("/elsewhere/stats", endpoint="api.stats", methods=["GET"])]))
    assert list(moved) == ["/elsewhere/stats"] and list(moved["/elsewhere/stats"]) == ["get"]
    assert moved["/elsewhere/stats"]["get"]["operationId"] == "getStats"
    assert openapi.paths(Map([Rule("/api/v1/new", endpoint="api.new")])) == {}


def test_every_answer_model_is_referenced_and_every_response_has_a_schema(doc):
    declared = {
        m.__name__
        for m in vars(schemas).values()
        if isinstance(m, type) and issubclass(m, schemas.Answer) and m is not schemas.Answer
    }
    assert declared <= reachable(doc), declared - reachable(doc)
    assert {m.__name__ for m in openapi.answer_models()} <= refs(doc["paths"])
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                if status == "304":
                    assert "content" not in response  # no body
                    continue
                assert response["content"]["application/json"]["schema"]["$ref"], (path, method, status)
            if op["security"]:
                assert "401" in op["responses"] and "WWW-Authenticate" in op["responses"]["401"]["headers"]


def test_components_are_the_models_own_schemas(doc):
    components = doc["components"]["schemas"]
    for name in ("CheckinResult", "Stats", "Snapshot", "HeartbeatAnswer", "PairAnswer", "CheckinRequest"):
        model = getattr(schemas, name)
        assert set(components[name]["properties"]) == set(model.model_fields)
        assert components[name]["required"] == [n for n, f in model.model_fields.items() if f.is_required()]
    for name in ("CheckinResult", "Stats", "Attendee", "CheckpointFigure", "CheckinConflict"):
        assert components[name]["additionalProperties"] is False, name  # an undeclared field is refused
    assert all(p.get("description") for p in components["CheckinResult"]["properties"].values())
    # at an inout checkpoint a refused scan answers "direction": null
    assert components["CheckinResult"]["properties"]["direction"]["enum"] == ["in", "out", None]
    assert "direction" not in components["CheckinResult"]["required"]


def test_the_409_scan_id_conflict_is_documented_with_its_model_and_example(doc):
    from models.checkin.checkin import ScanIdConflict

    conflict = doc["paths"]["/api/v1/checkins"]["post"]["responses"]["409"]
    media = conflict["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/CheckinConflict"}
    assert "scan_id_conflict" in conflict["description"]
    example = media["examples"]["scan_id_conflict"]["value"]
    assert example == {"error": "scan_id_conflict", "message": ScanIdConflict.message}
    schemas.CheckinConflict.model_validate(example)
    assert doc["components"]["schemas"]["CheckinConflict"]["properties"]["error"]["enum"] == [
        "no_event",
        "scan_id_conflict",
    ]


def test_every_example_is_valid_against_its_schema(doc):
    checked = 0
    for ops in doc["paths"].values():
        for op in ops.values():
            for response in op["responses"].values():
                media = response.get("content", {}).get("application/json", {})
                for example in media.get("examples", {}).values():
                    schema = {**media["schema"], "components": doc["components"]}
                    jsonschema_rs.validate(schema, example["value"])
                    checked += 1
    assert checked >= 3


def test_the_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"] == "3.1.0"
    errors = [str(e) for e in jsonschema_rs.validator_for(OPENAPI_31).iter_errors(doc)]
    assert errors == []
    for name, schema in doc["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name  # each a JSON Schema 2020-12
    # every $ref resolves
    assert refs(doc) <= set(doc["components"]["schemas"])
    # the structural check catches a broken document
    broken = {**doc, "paths": {"/x": {"get": {"responses": {"200": {"content": {}}}}}}}
    assert not jsonschema_rs.validator_for(OPENAPI_31).is_valid(broken)


def test_the_document_is_built_once_per_app(app, client, doc):
    assert client.get("/api/v1/openapi.json").get_json() == doc
    assert app.extensions["openapi_document"] == doc
