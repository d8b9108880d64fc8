"""The current event's settings (name, date, venue, bodies, unit level, letters, badge logo).

SETTING_FIELDS: the Event columns the settings page edits.
update_settings(ev, values, actor=, user_id=) -> dict of changed fields {name: [old, new]};
    audit-logged ("event_settings"), not committed. Unknown keys raise KeyError.
check_logo(data) -> PNG bytes of a checked, re-encoded logo. Raises LogoError (a Vietnamese
    message) for an empty or too large file, a file that is not PNG/JPEG by its magic bytes,
    an image Pillow cannot decode, or one wider or taller than LOGO_MAX_PX.
set_logo(ev, png | None, actor=, user_id=): store or remove the logo (audit-logged).
"""

from __future__ import annotations

import io
from datetime import date, time

from PIL import Image, UnidentifiedImageError

from models.accounts.models import audit
from models.events.models import Event
from models.events.notice import bump_if_changed, notice_snapshot

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PX = 2000
_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}

SETTING_FIELDS = (
    "name",
    "short_name",
    "date",
    "start_time",
    "venue",
    "address",
    "planned_seats",
    "timezone",
    "stage_capacity",
    "parent_body",
    "issuing_body",
    "unit_level",
    "unit_label",
    "unit_label_en",
    "retention_days",
    "letter_number",
    "letter_place",
    "letter_date",
    "signer_authority",
    "signer_title",
    "signer_name",
    "letter_recipients",
    "privacy_notice",
    "privacy_notice_en",
    "privacy_contact",
)
#: multi-line texts: kept as typed (only outer blank lines dropped, line ends made "\n")
_MULTILINE = ("letter_recipients", "privacy_notice", "privacy_notice_en")


class LogoError(ValueError):
    """The upload is not a usable logo. ``str(exc)`` is a Vietnamese message."""


def _plain(value: object) -> object:
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


def update_settings(
    ev: Event, values: dict[str, object], *, actor: str = "", user_id: int | None = None
) -> dict[str, list]:
    """Write the given settings; returns what changed (old, new) and audits it. When the personal
    data notice shown on the public forms changes, its version goes up (models.events.notice).
    No commit."""
    notice_before = notice_snapshot(ev)
    changed: dict[str, list] = {}
    for key, new in values.items():
        if key not in SETTING_FIELDS:
            raise KeyError(key)
        old = getattr(ev, key)
        if isinstance(new, str):
            new = new.strip() if key not in _MULTILINE else new.replace("\r\n", "\n").strip("\n")
        if old != new:
            changed[key] = [_plain(old), _plain(new)]
            setattr(ev, key, new)
    if "timezone" in changed:  # the check-in path keeps (tag, timezone) per event in memory
        from models.core import caches

        caches.clear(caches.event_info)
    if changed:
        audit("event_settings", "event", ev.id, actor=actor, user_id=user_id, changed=changed)
        bump_if_changed(ev, notice_before, actor=actor, user_id=user_id)
    return changed


def check_logo(data: bytes) -> bytes:
    """A PNG re-encoding of an uploaded PNG/JPEG logo; LogoError for anything else."""
    if not data:
        raise LogoError("Tệp logo rỗng.")
    if len(data) > LOGO_MAX_BYTES:
        raise LogoError(f"Logo quá lớn: tối đa {LOGO_MAX_BYTES // (1024 * 1024)} MB.")
    kind = next((k for magic, k in _MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        raise LogoError("Logo phải là ảnh PNG hoặc JPEG.")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != kind:
                raise LogoError("Logo phải là ảnh PNG hoặc JPEG.")
            w, h = img.size
            if w > LOGO_MAX_PX or h > LOGO_MAX_PX or w < 1 or h < 1:
                raise LogoError(f"Logo quá lớn: tối đa {LOGO_MAX_PX} × {LOGO_MAX_PX} điểm ảnh (ảnh này {w} × {h}).")
            img.load()
            out = img.convert("RGBA")
    except LogoError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise LogoError("Không đọc được ảnh logo (tệp hỏng hoặc không phải ảnh).") from exc
    buf = io.BytesIO()
    out.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def set_logo(ev: Event, png: bytes | None, *, actor: str = "", user_id: int | None = None) -> None:
    """Store a checked logo (from check_logo), or remove it with None. Audited; no commit."""
    ev.logo = png
    ev.logo_mime = "image/png" if png else ""
    audit("event_logo", "event", ev.id, actor=actor, user_id=user_id, removed=png is None, size=len(png) if png else 0)


#: English for the unit labels Vietnamese events use (folded, lower case), when the event has no
#: ``unit_label_en`` of its own
_UNIT_EN = {
    "huyen": "District",
    "xa/phuong": "Commune/ward",
    "xa, phuong": "Commune/ward",
    "xa": "Commune",
    "phuong": "Ward",
    "tinh": "Province",
    "don vi": "Unit",
    "dia phuong": "Locality",
}


def english_unit_label(ev: Event | None) -> str:
    """The event's word for one unit in English: its ``unit_label_en``, else the English of a
    known Vietnamese label ("Huyện" → "District", "Xã/phường" → "Commune/ward"), else "Unit"."""
    from models.core.names import fold

    if ev is None:
        return "Unit"
    if (ev.unit_label_en or "").strip():
        return ev.unit_label_en.strip()
    return _UNIT_EN.get(fold(ev.unit_label or "").strip(), "Unit")
