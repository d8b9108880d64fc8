"""Local verification of a scanned code against the cached snapshot from the server.

The snapshot (``GET /api/v1/kiosk/snapshot``) carries the event, the public keys, the revoked
codes and a small roster (id, honorific, name, seat, group). With it a kiosk can tell a real
badge from a forged one, a badge of another event, a revoked badge, and name the attendee,
without the server. Only ``models.codes`` is imported from the project (no Flask, no database).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import codes

#: local outcomes; "no_snapshot" means we cannot judge (no keys cached yet)
LOCAL_RESULTS = ("ok", "invalid", "revoked", "unknown", "wrong_event", "no_snapshot")


class SnapshotError(ValueError):
    """A snapshot document that does not have the expected shape."""


@dataclass
class Snapshot:
    version: str = ""
    generated_at: str = ""
    event: dict = field(default_factory=dict)
    keys: dict[tuple[int, int], bytes] = field(default_factory=dict)
    revoked: frozenset[str] = frozenset()
    roster: dict[int, dict] = field(default_factory=dict)
    station: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)

    @property
    def event_tag(self) -> int | None:
        tag = self.event.get("tag")
        return int(tag) if tag is not None else None

    @property
    def empty(self) -> bool:
        return not self.keys

    @classmethod
    def from_json(cls, doc: Any) -> Snapshot:
        """Parse the server's snapshot document. Raises SnapshotError when it is malformed."""
        if not isinstance(doc, dict):
            raise SnapshotError("snapshot is not an object")
        for name, kind in (("event", dict), ("keys", list), ("roster", list)):
            if not isinstance(doc.get(name), kind):
                raise SnapshotError(f"snapshot without {name}")
        try:
            event = doc["event"]
            if "tag" not in event:
                raise SnapshotError("event without tag")
            keys = codes.keyring((k["event_tag"], k["key_no"], k["public_key"]) for k in doc.get("keys") or [])
            if any(len(v) != 32 for v in keys.values()):
                raise SnapshotError("a public key is not 32 bytes")
            revoked = frozenset(str(c).strip() for c in doc.get("revoked") or [])
            roster = {}
            for person in doc.get("roster") or []:
                if not isinstance(person, dict) or "id" not in person:
                    raise SnapshotError("roster entry without id")
                roster[int(person["id"])] = person
            station = doc.get("station") or {}
            return cls(
                version=str(doc.get("version") or ""),
                generated_at=str(doc.get("generated_at") or ""),
                event=event,
                keys=keys,
                revoked=revoked,
                roster=roster,
                station=station if isinstance(station, dict) else {},
                raw=doc,
            )
        except SnapshotError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise SnapshotError(f"malformed snapshot: {exc}") from exc

    # -- cache on disk -----------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write atomically (temp file + rename), so a crash never leaves half a snapshot."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.raw, fh, ensure_ascii=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> Snapshot:
        """The cached snapshot, or an empty one when there is none or it is unreadable."""
        try:
            return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return cls()


@dataclass(frozen=True)
class LocalVerdict:
    result: str  #: one of LOCAL_RESULTS
    attendee: dict | None = None
    badge: codes.BadgeCode | None = None
    reason: str = ""


def verify_local(code: str, snap: Snapshot) -> LocalVerdict:
    """Judge a scanned text with the snapshot alone.

    Outcomes: "ok" (genuine, this event, not revoked, in the roster), "invalid" (not ours or
    tampered), "wrong_event", "revoked", "unknown" (genuine but not in the roster), and
    "no_snapshot" when no keys are cached and a genuine-looking code cannot be judged.
    Never raises, whatever the text.
    """
    try:
        codes.parse_code(code)
    except codes.CodeError as exc:
        return LocalVerdict("invalid", reason=str(exc))
    except Exception as exc:  # defensive: the parser must not take the kiosk down
        return LocalVerdict("invalid", reason=f"unparseable: {exc}")
    if snap.empty:
        return LocalVerdict("no_snapshot", reason="no keys cached")
    try:
        badge = codes.verify_code(code, snap.keys, event_tag=snap.event_tag)
    except codes.CodeError as exc:
        return LocalVerdict(exc.code, reason=str(exc))
    except Exception as exc:
        return LocalVerdict("invalid", reason=f"verification failed: {exc}")
    if code.strip() in snap.revoked:
        return LocalVerdict("revoked", badge=badge, reason="revoked")
    person = snap.roster.get(badge.attendee_id)
    if person is None:
        return LocalVerdict("unknown", badge=badge, reason="not in roster")
    return LocalVerdict("ok", attendee=person, badge=badge)
