"""Packaging: pyproject's [project] agrees with the requirement files, the lock files pin every
package, and the `event-kiosk` command runs the same commands as `flask --app app`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def requirement_lines(name: str) -> list[str]:
    lines = [line.split("#")[0].strip() for line in (ROOT / name).read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("-")]


def pins(name: str) -> dict[str, str]:
    out = {}
    for line in requirement_lines(name):
        m = re.fullmatch(r"([a-z0-9][a-z0-9._-]*)==([0-9][0-9A-Za-z.+!-]*)", line)
        assert m, f"{name}: {line!r} is not an exact pin"
        out[m.group(1)] = m.group(2)
    return out


def canonical(requirement: str) -> str:
    return re.split(r"[\[<>=~! ;]", requirement, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")


def test_project_metadata_is_the_requirement_files():
    project = PYPROJECT["project"]
    assert project["name"] == "event-kiosk" and project["requires-python"] == ">=3.11"
    assert project["dependencies"] == requirement_lines("requirements.in")
    extras = project["optional-dependencies"]
    assert extras["test"] + extras["dev"] == requirement_lines("requirements-dev.in")
    assert project["scripts"]["event-kiosk"] == "cli:main"


def test_lock_files_pin_everything_the_same_way():
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    for req in requirement_lines("requirements.in"):
        assert canonical(req) in runtime, req
    for req in requirement_lines("requirements-dev.in"):
        assert canonical(req) in dev, req
    assert {k: dev.get(k) for k in runtime} == runtime  # the dev lock installs the runtime's versions
    assert not {"pytest", "ruff", "playwright", "hypothesis"} & set(runtime)  # runtime apart from tests
    assert runtime["zxing-cpp"].startswith("3.")


def run(args: list[str], env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def event_kiosk() -> list[str]:
    """The installed console script when this venv has it (`make install`), else the same entry point."""
    script = Path(sys.executable).parent / "event-kiosk"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; sys.argv[0] = 'event-kiosk'; import cli; cli.main()"]


def commands(help_text: str) -> list[str]:
    section = help_text.split("Commands:", 1)[1]
    return sorted(line.split()[0] for line in section.splitlines() if line.startswith("  ") and line.split())


def test_event_kiosk_lists_the_commands_of_flask_app(tmp_path):
    env = {"EVENT_KIOSK_INSTANCE": str(tmp_path / "instance")}
    flask = run([sys.executable, "-m", "flask", "--app", "app", "--help"], env)
    ours = run([*event_kiosk(), "--help"], env, cwd=tmp_path)  # from any folder
    assert flask.returncode == 0 and ours.returncode == 0, flask.stderr + ours.stderr
    assert "Usage: event-kiosk" in ours.stdout
    assert commands(ours.stdout) == commands(flask.stdout)
    assert {"init-db", "seed-demo", "serve", "db", "routes"} <= set(commands(ours.stdout))


def test_event_kiosk_init_db(tmp_path):
    env = {"EVENT_KIOSK_INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": ""}
    r = run([*event_kiosk(), "init-db"], env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "database is up to date" in r.stdout
    assert (tmp_path / "instance" / "event_kiosk.db").stat().st_size > 0
    bad = run([*event_kiosk(), "serve", "--help"], {**env, "PORT": "eighty"}, cwd=tmp_path)
    assert bad.returncode != 0 and "PORT='eighty' is not an integer" in bad.stderr
