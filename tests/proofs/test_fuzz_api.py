"""schemathesis against the project's own OpenAPI description (/api/v1/openapi.json), on the
real app (WSGI, SQLite): no 5xx, every answer matches the documented schema, status code and
content type, with and without a valid device token, on valid and on invalid input."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as oa_checks

from models.core.base import db
from tests import factories
from tests.conftest import make_app

CHECKS = [
    schemathesis.checks.not_a_server_error,
    oa_checks.status_code_conformance,
    oa_checks.content_type_conformance,
    oa_checks.response_schema_conformance,
    oa_checks.response_headers_conformance,
]
PAIR = "POST /api/v1/pair"  # public: the pairing code is the credential
SETTINGS = settings(
    max_examples=50, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    app = make_app("sqlite", tmp_path_factory.mktemp("fuzz"))
    with app.app_context():
        factories.make_event()
        token = factories.make_device("kiosk-fuzz")
        db.session.remove()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    yield app, schema, token
    with app.app_context():
        db.engine.dispose()


def _operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def test_the_description_is_served_and_covers_the_kiosk_api(api):
    app, schema, _ = api
    doc = app.test_client().get("/api/v1/openapi.json")
    assert doc.status_code == 200 and doc.is_json
    spec = doc.get_json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/v1/checkins",
        "/api/v1/kiosk/snapshot",
        "/api/v1/kiosk/heartbeat",
        "/api/v1/stats",
        "/api/v1/pair",
    }
    assert spec["components"]["securitySchemes"]["bearer"] == {
        **spec["components"]["securitySchemes"]["bearer"],
        "type": "http",
        "scheme": "bearer",
    }
    for path in spec["paths"].values():
        for op in path.values():
            assert "401" in op["responses"] or op["security"] == []  # the pairing code is its credential
    assert {op.label for op in _operations(schema)} == {
        "POST /api/v1/checkins",
        "GET /api/v1/kiosk/snapshot",
        "POST /api/v1/kiosk/heartbeat",
        "GET /api/v1/stats",
        "POST /api/v1/pair",
    }


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("authorised", [True, False], ids=["token", "no-token"])
def test_every_operation_answers_as_documented(api, mode, authorised):
    app, schema, token = api
    headers = {"Authorization": f"Bearer {token}"} if authorised else {}
    seen: dict[str, set[int]] = {}
    calls = []
    for operation in _operations(schema):

        @SETTINGS
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            with app.app_context():
                response = case.call_and_validate(headers=headers, checks=CHECKS)
            seen.setdefault(case.operation.label, set()).add(response.status_code)
            calls.append(response.status_code)

        run()
    assert len(seen) == 5
    print(f"{mode.name} {'token' if authorised else 'no token'}: {len(calls)} requests, statuses {seen}")
    if not authorised:
        assert all(codes == {401} for label, codes in seen.items() if label != PAIR), seen
    elif mode == GenerationMode.POSITIVE:
        assert 200 in seen["POST /api/v1/checkins"] and 200 in seen["GET /api/v1/stats"]
    else:
        assert 400 in seen["POST /api/v1/checkins"] and 400 in seen["POST /api/v1/kiosk/heartbeat"]


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.datetimes(
        timezones=st.one_of(
            st.none(),
            st.timezones(),
            st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-23 * 60, 23 * 60)),
        )
    )
)
@example(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))))
@example(datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-1))))
def test_any_iso_time_as_scanned_at_is_answered_not_a_500(api_client, moment):
    client, token = api_client
    resp = client.post(
        "/api/v1/checkins",
        headers={"Authorization": f"Bearer {token}"},
        json={"code": "EK1", "station": "fuzz", "scan_id": "t" + uuid.uuid4().hex, "scanned_at": moment.isoformat()},
    )
    assert resp.status_code in (200, 400), (moment.isoformat(), resp.status_code)


@pytest.fixture(scope="module")
def api_client(api):
    app, _, token = api
    return app.test_client(), token
