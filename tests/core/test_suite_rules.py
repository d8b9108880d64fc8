"""The suite's own rules (issue 25 item 4): every skip is listed with its reason; under CI a skipped
database test fails the run while other skips stay skips; `TEST_DATABASE_URL=none` runs SQLite
only, and CI refuses that. Each case is a pytest of its own on tests/core/skips_sample.py (it
reuses this session's PostgreSQL: TEST_DATABASE_URL is exported)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "tests/core/skips_sample.py"


def _pytest(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "REQUIRE_POSTGRES")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", SAMPLE],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_skips_are_listed_with_their_reason():
    run = _pytest()
    assert run.returncode == 0, run.stdout[-2000:]
    assert "SKIPPED [1] tests/core/skips_sample.py:9: sample: no PostgreSQL here" in run.stdout
    assert "sample: nothing to do with a database" in run.stdout
    assert "1 passed, 2 skipped" in run.stdout


def test_under_ci_a_skipped_database_test_fails_the_run():
    run = _pytest(CI="1")
    assert run.returncode == 1, run.stdout[-2000:]
    assert "test_skips_on_postgresql[postgresql]" in run.stdout
    assert "a database test may not be skipped under CI: Skipped: sample: no PostgreSQL here" in run.stdout
    assert "1 failed, 1 passed, 1 skipped" in run.stdout  # the other skip is no database test


def test_none_runs_sqlite_only_and_ci_refuses_it():
    run = _pytest(TEST_DATABASE_URL="none")
    assert run.returncode == 0 and "2 passed" not in run.stdout and "1 passed, 1 skipped" in run.stdout
    refused = _pytest(TEST_DATABASE_URL="none", REQUIRE_POSTGRES="1")
    assert refused.returncode == 4 and "the PostgreSQL half of the suite would be skipped" in refused.stderr
