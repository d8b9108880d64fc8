"""Not collected by the suite (no test_ prefix): run by tests/core/test_suite_rules.py in a pytest
of its own, to see what a skip does there."""

import pytest


def test_skips_on_postgresql(backend):
    if backend == "postgresql":
        pytest.skip("sample: no PostgreSQL here")


def test_skips_without_a_database():
    pytest.skip("sample: nothing to do with a database")
