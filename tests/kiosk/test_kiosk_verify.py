"""Local verification with the cached snapshot, the snapshot cache, and the import boundary."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from kiosk_testdata import PEOPLE, ROOT

from kiosk.verify import Snapshot, SnapshotError, verify_local


@pytest.fixture
def snap(keys):
    return Snapshot.from_json(keys.snapshot_doc(revoked=[keys.code(2, serial=1)]))


def test_genuine_badge_in_roster_is_ok(keys, snap):
    v = verify_local(keys.code(1), snap)
    assert v.result == "ok"
    assert v.attendee["name"] == PEOPLE[0]["name"] and v.badge.attendee_id == 1


def test_revoked_badge(keys, snap):
    assert verify_local(keys.code(2, serial=1), snap).result == "revoked"
    assert verify_local(keys.code(2, serial=2), snap).result == "ok"  # the reissued one


def test_badge_of_another_event(keys, snap):
    assert verify_local(keys.other_event_code(1), snap).result == "wrong_event"


def test_forged_and_tampered_badges_are_invalid(keys, snap):
    assert verify_local(keys.forged_code(1), snap).result == "invalid"
    code = keys.code(1)
    flipped = code[:20] + ("A" if code[20] != "A" else "B") + code[21:]
    assert verify_local(flipped, snap).result == "invalid"


def test_genuine_badge_not_in_roster_is_unknown(keys, snap):
    assert verify_local(keys.code(999), snap).result == "unknown"


@pytest.mark.parametrize(
    "text", ["", "hello", "EK1", "ek1" + "a" * 120, "X" * 5000, "EK1" + "=" * 120, "\x00\xff", "http://x.y/?q=EK1"]
)
def test_any_text_is_invalid_never_an_exception(snap, text):
    assert verify_local(text, snap).result == "invalid"


def test_without_snapshot_a_well_formed_code_cannot_be_judged(keys):
    assert verify_local(keys.code(1), Snapshot()).result == "no_snapshot"
    assert verify_local("garbage", Snapshot()).result == "invalid"


def test_snapshot_cache_round_trip(tmp_path, keys, snap):
    path = tmp_path / "state" / "snapshot.json"
    snap.save(path)
    again = Snapshot.load(path)
    assert again.version == snap.version and again.roster == snap.roster
    assert verify_local(keys.code(1), again).result == "ok"
    assert list(path.parent.glob(".snapshot-*")) == []  # no temp files left


def test_unreadable_cache_gives_an_empty_snapshot(tmp_path):
    p = tmp_path / "snapshot.json"
    p.write_text("{half a file")
    assert Snapshot.load(p).empty
    assert Snapshot.load(tmp_path / "missing.json").empty


@pytest.mark.parametrize(
    "doc",
    [
        [],
        "x",
        {"keys": [{"event_tag": 1}]},
        {"keys": [{"event_tag": 1, "key_no": 1, "public_key": "QUJD"}]},
        {"roster": [{"name": "no id"}]},
        {"event": "not an object"},
    ],
)
def test_malformed_snapshot_is_rejected(doc):
    with pytest.raises(SnapshotError):
        Snapshot.from_json(doc)


def test_kiosk_imports_no_flask_or_database():
    """The kiosk process imports only models.codes from the project: no Flask, no SQLAlchemy."""
    script = (
        "import sys, json\n"
        "import kiosk.app, kiosk.__main__, kiosk.display, kiosk.sound, kiosk.media\n"
        "mods = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'flask_sqlalchemy', 'admin', 'models', 'app', 'werkzeug'))\n"
        "print(json.dumps(mods))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert json.loads(out) == ["models", "models.codes"]


def test_models_codes_is_pure():
    text = (ROOT / "models" / "codes.py").read_text()
    for bad in ("import flask", "from flask", "sqlalchemy", "import cv2", "from kiosk"):
        assert bad not in text
