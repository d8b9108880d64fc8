"""Making and choosing events: from nothing, from a template of the plan, or from an earlier
event (year after year); listing them; deleting the demo.

new_event(...) -> Event       a current event with its own key pair (EventError when refused)
use_event(slug) -> Event      make an existing event current (EventError when there is none)
list_events() -> list[EventRow]
delete_demo(demo_logins) -> dict   remove the demo event(s), their people and the demo logins
templates() -> dict[str, dict]     the templates under models/events/event_templates/*.json

A template is data (a JSON file), never code per event. Earlier events stay in the database,
readable, not current; their badges answer ``wrong_event`` at the door (their keys stay known).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from pathlib import Path

from sqlalchemy import delete, func, select, update

from models.accounts.models import User, audit
from models.ceremony.models import AwardTier
from models.checkin.models import CheckIn
from models.core.base import db
from models.core.names import clean, fold
from models.core.vndate import numeric_date
from models.events.models import Event, Group, ProgrammeItem
from models.events.protocol import copy_table
from models.events.service import create_event, forget_current_event
from models.exhibition.models import ExhibitorStaff, ExhibitTable
from models.guests.badge_pdf import issue_badges_bulk
from models.guests.models import Attendee, Badge
from models.hall.models import Block, Seat
from models.seating.assignment import build_block, rank_seats
from models.units.models import District

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "events" / "event_templates"
#: settings an event inherits from the one it is copied from (not its name, short name, date or
#: venue: last year's short name would show on this year's stage, tablet and letters)
COPIED_SETTINGS = (
    "organiser",
    "address",
    "planned_seats",
    "timezone",
    "stage_capacity",
    "start_time",
    "parent_body",
    "issuing_body",
    "unit_level",
    "unit_label",
    "unit_label_en",
    "retention_days",
    "logo",
    "logo_mime",
    "letter_place",
    "signer_authority",
    "signer_title",
    "signer_name",
    "letter_recipients",
)
_GROUP_FIELDS = (
    "code",
    "name",
    "name_en",
    "color",
    "priority",
    "is_leader",
    "is_press",
    "is_exhibitor_staff",
    "seats_reserved",
)
_DISTRICT_FIELDS = ("code", "name", "kind", "sort_order", "exhibit_area", "table_count")
_BLOCK_FIELDS = ("code", "name", "rows", "seats_per_row", "x", "y", "side", "aisle")
_ITEM_FIELDS = ("position", "title", "title_en", "speaker", "planned_start", "planned_minutes", "kind", "notes")
_TIER_FIELDS = ("code", "name", "name_en", "stars", "kind", "recognised_by", "sort_order")
_PERSON_FIELDS = (
    "honorific",
    "full_name",
    "position",
    "organisation",
    "phone",
    "email",
    "precedence",
    "precedence_typed",
    "external_key",
    "notes",
)


class EventError(ValueError):
    """A request to make or choose an event that cannot be done; ``str(exc)`` is Vietnamese.
    Nothing was written."""


class PastDateError(EventError):
    """The new event's date has passed: asked to confirm (``allow_past``) rather than refused."""


def local_today(tz: str = "Asia/Ho_Chi_Minh") -> date:
    """Today's date where the events happen (the default time zone of a new event)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(tz)).date()


@dataclass
class EventRow:
    id: int
    slug: str
    name: str
    date: date
    venue: str
    is_current: bool
    is_demo: bool
    attendees: int
    checked_in: int


@cache
def templates() -> dict[str, dict]:
    """key -> template (the JSON files of models/events/event_templates/)."""
    out = {}
    for path in sorted(TEMPLATE_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out[data["key"]] = data
    return out


def slug_for(name: str, year: int) -> str:
    """A unique slug from the name and the year: "Hội nghị OCOP" 2026 -> "hoi-nghi-ocop-2026"
    (then "-2", "-3" … when taken)."""
    base = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:50].rstrip("-") or "su-kien"
    if not re.search(rf"(^|-){year}$", base):
        base = f"{base}-{year}"
    taken = set(db.session.scalars(select(Event.slug).where(Event.slug.like(f"{base}%"))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _hhmm(text: str) -> time:
    h, m = map(int, text.split(":"))
    return time(h, m)


def new_event(
    *,
    name: str,
    date: date,
    venue: str,
    template: str | None = None,
    from_event: str | None = None,
    with_guests: bool = False,
    actor: str = "",
    allow_past: bool = False,
    today: date | None = None,
) -> Event:
    """Make a new current event with its own key pair (earlier events stay, not current).

    ``template``: a key of templates() (its groups, programme, award tiers, hall, settings);
    Every new event gets the default protocol table (models/events/protocol.py); one copied
    from an earlier event gets that event's table instead.
    ``from_event``: the slug of an earlier event whose groups, units (with exhibit tables),
    hall (blocks, seats, block reservations), programme, award tiers and settings are copied;
    with ``with_guests`` also its invited guests (no check-ins, seats or badges: new badges
    are issued under the new event's key). Adds an audit row; does not commit.

    Raises EventError (Vietnamese message, nothing written) for an empty or too long name or
    venue, an unknown template or source event, a template together with a source event, or
    ``with_guests`` without a source event, and PastDateError for a date before ``today`` (the
    date in Việt Nam by default) unless ``allow_past`` (an earlier event entered for its records).
    """
    name, venue, tpl, source = _checked_request(name, date, venue, template, from_event, with_guests)
    today = today or local_today()
    if date < today and not allow_past:
        raise PastDateError(
            f"Ngày tổ chức {numeric_date(date)} đã qua (hôm nay là {numeric_date(today)}). Nếu đúng là một sự kiện "
            "đã diễn ra (nhập lại để lưu hồ sơ), xác nhận “Ngày đã qua: vẫn tạo” (lệnh: thêm --allow-past)."
        )
    ev = create_event(slug=slug_for(name, date.year), name=name, date=date, venue=venue)
    if tpl is not None:
        _apply_template(ev, tpl)
    if source is not None:
        _copy_from(ev, source, with_guests=with_guests)
    audit(
        "new_event",
        "event",
        ev.id,
        actor=actor,
        slug=ev.slug,
        template=template,
        from_event=from_event,
        with_guests=with_guests,
    )
    db.session.flush()
    return ev


def _checked_request(
    name: str, date: date, venue: str, template: str | None, from_event: str | None, with_guests: bool
) -> tuple[str, str, dict | None, Event | None]:
    """(name, venue cleaned, the template, the source event) of a new-event request, or EventError."""
    name, venue = clean(name), clean(venue)
    if not name:
        raise EventError("Vui lòng nhập tên sự kiện.")
    if len(name) > 300:
        raise EventError("Tên sự kiện tối đa 300 ký tự.")
    if not venue:
        raise EventError("Vui lòng nhập địa điểm.")
    if len(venue) > 300:
        raise EventError("Địa điểm tối đa 300 ký tự.")
    if not 2000 <= date.year <= 2100:
        raise EventError("Ngày tổ chức không hợp lệ (năm 2000–2100).")
    if template and from_event:
        raise EventError("Chọn một mẫu hoặc một sự kiện trước để sao chép, không chọn cả hai.")
    if with_guests and not from_event:
        raise EventError("Muốn chép danh sách khách mời thì phải chọn sự kiện trước để sao chép.")
    tpl = source = None
    if template:
        tpl = templates().get(template)
        if tpl is None:
            raise EventError(f"Không có mẫu “{template}”. Các mẫu: {', '.join(templates())}.")
    if from_event:
        source = db.session.scalar(select(Event).where(Event.slug == from_event.strip()))
        if source is None:
            raise EventError(f"Không có sự kiện “{from_event}” để sao chép (xem danh sách: flask --app app events).")
    return name, venue, tpl, source


def _apply_template(ev: Event, tpl: dict) -> None:
    for key, value in tpl.get("event", {}).items():
        setattr(ev, key, _hhmm(value) if key == "start_time" else value)
    groups = {}
    for g in tpl.get("groups", []):
        groups[g["code"]] = Group(event_id=ev.id, **g)
        db.session.add(groups[g["code"]])
    year = ev.date.year
    for i, item in enumerate(tpl.get("programme", []), start=1):
        db.session.add(
            ProgrammeItem(
                event_id=ev.id,
                position=i,
                title=item["title"].format(year=year, prev=year - 1),
                title_en=item.get("title_en", "").format(year=year, prev=year - 1),
                speaker=item.get("speaker", ""),
                planned_start=_hhmm(item["start"]),
                planned_minutes=item["minutes"],
                kind=item.get("kind", "item"),
            )
        )
    for i, t in enumerate(tpl.get("tiers", []), start=1):
        db.session.add(AwardTier(event_id=ev.id, sort_order=i, **t))
    db.session.flush()
    for b in tpl.get("hall", []):
        spec = {k: v for k, v in b.items() if k != "groups"}
        build_block(ev, groups=[groups[c] for c in b.get("groups", [])], **spec)
    if tpl.get("hall"):
        rank_seats(ev)


def _copy_from(ev: Event, src: Event, *, with_guests: bool) -> None:
    for key in COPIED_SETTINGS:
        setattr(ev, key, getattr(src, key))
    copy_table(src, ev)  # the protocol ranks as last year's organiser left them

    def rows(model, **where):
        return db.session.scalars(select(model).filter_by(**where).order_by(model.id)).all()

    def copy(obj, fields, **extra):
        new = type(obj)(**{f: getattr(obj, f) for f in fields}, **extra)
        db.session.add(new)
        return new

    groups = {g.id: copy(g, _GROUP_FIELDS, event_id=ev.id) for g in rows(Group, event_id=src.id)}
    districts = {d.id: copy(d, _DISTRICT_FIELDS, event_id=ev.id) for d in rows(District, event_id=src.id)}
    for item in rows(ProgrammeItem, event_id=src.id):
        copy(item, _ITEM_FIELDS, event_id=ev.id)
    for tier in rows(AwardTier, event_id=src.id):
        copy(tier, _TIER_FIELDS, event_id=ev.id)
    from models.checkin.checkpoints import Checkpoint

    have = {c.name for c in rows(Checkpoint, event_id=ev.id)}  # the entrance create_event made
    for cp in rows(Checkpoint, event_id=src.id):
        if cp.name not in have:
            copy(cp, ("name", "kind", "rule", "position"), event_id=ev.id)
    db.session.flush()
    for old_id, d in districts.items():
        for t in rows(ExhibitTable, district_id=old_id):
            copy(t, ("number", "label", "capacity"), district_id=d.id)
    for block in rows(Block, event_id=src.id):
        new = copy(block, _BLOCK_FIELDS, event_id=ev.id)
        new.groups = [groups[g.id] for g in block.groups if g.id in groups]
        db.session.flush()
        for s in rows(Seat, block_id=block.id):
            copy(
                s,
                ("row", "number", "label", "is_aisle", "disabled", "stage_rank", "x", "y"),
                event_id=ev.id,
                block_id=new.id,
            )
    db.session.flush()
    if with_guests:
        staff = select(ExhibitorStaff.attendee_id)
        for a in db.session.scalars(
            select(Attendee)
            .where(
                Attendee.event_id == src.id,
                Attendee.status == "invited",
                Attendee.merged_into_id.is_(None),
                Attendee.id.not_in(staff),
            )
            .order_by(Attendee.id)
        ):
            person = copy(
                a,
                _PERSON_FIELDS,
                event_id=ev.id,
                source="copy",
                group_id=groups[a.group_id].id if a.group_id in groups else None,
                district_id=districts[a.district_id].id if a.district_id in districts else None,
            )
            person.refresh_keys()
        db.session.flush()
        issue_badges_bulk(ev)


def use_event(slug: str, *, actor: str = "") -> Event:
    """Make the event ``slug`` the current one (every other one stops being current).
    Raises EventError when there is no such event. Does not commit."""
    ev = db.session.scalar(select(Event).where(Event.slug == (slug or "").strip()))
    if ev is None:
        raise EventError(f"Không có sự kiện “{slug}” (xem danh sách: flask --app app events).")
    db.session.execute(update(Event).where(Event.id != ev.id).values(is_current=False))
    ev.is_current = True
    forget_current_event()
    audit("use_event", "event", ev.id, actor=actor, slug=ev.slug)
    db.session.flush()
    return ev


def list_events() -> list[EventRow]:
    """Every event, newest first, with its invited and arrived counts."""
    invited = (
        select(
            Attendee.event_id, func.count(Attendee.id).label("n"), func.count(Attendee.checked_in_at).label("arrived")
        )
        .where(Attendee.status == "invited")
        .group_by(Attendee.event_id)
        .subquery()
    )
    stmt = (
        select(Event, invited.c.n, invited.c.arrived)
        .outerjoin(invited, invited.c.event_id == Event.id)
        .order_by(Event.date.desc(), Event.id.desc())
    )
    return [
        EventRow(e.id, e.slug, e.name, e.date, e.venue, e.is_current, e.is_demo, n or 0, arrived or 0)
        for e, n, arrived in db.session.execute(stmt)
    ]


def delete_demo(demo_logins: dict[str, str] | None = None, *, actor: str = "") -> dict:
    """Delete the demo event(s) with everything hanging off them (people, badges, check-ins,
    hall, exhibitors, awards, district links…: the database's ON DELETE CASCADE), and the demo
    logins of ``demo_logins`` ({username: password} from instance/demo_logins.json) whose
    password is still the demo one (a login given a new password is kept and reported).
    If the demo was current, the newest other event becomes current.
    Returns {"events": [slugs], "users": [deleted], "kept_users": [kept], "current": slug|None}.
    Raises EventError when there is no demo event. Does not commit."""
    demos = db.session.scalars(select(Event).where(Event.is_demo.is_(True))).all()
    if not demos:
        raise EventError("Không có sự kiện mẫu (DEMO) nào để xóa.")
    ids = [e.id for e in demos]
    slugs = [e.slug for e in demos]
    was_current = any(e.is_current for e in demos)
    people = select(Attendee.id).where(Attendee.event_id.in_(ids))
    # rows that point at the demo's people from outside the cascade order (SET NULL cycles)
    db.session.execute(update(Attendee).where(Attendee.event_id.in_(ids)).values(first_checkin_id=None, seat_id=None))
    db.session.execute(delete(CheckIn).where(CheckIn.attendee_id.in_(people)))
    db.session.execute(delete(Badge).where(Badge.event_id.in_(ids)))
    db.session.execute(delete(Event).where(Event.id.in_(ids)))
    deleted, kept = [], []
    for username, password in (demo_logins or {}).items():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            continue
        if user.check_password(password):
            db.session.delete(user)
            deleted.append(username)
        else:
            kept.append(username)
    current = None
    if was_current:
        newest = db.session.scalar(select(Event).order_by(Event.date.desc(), Event.id.desc()))
        if newest is not None:
            newest.is_current = True
            current = newest.slug
    else:
        current = db.session.scalar(select(Event.slug).where(Event.is_current.is_(True)))
    forget_current_event()
    db.session.expire_all()
    audit("delete_demo", "event", None, actor=actor, events=slugs, users=deleted)
    db.session.flush()
    return {"events": slugs, "users": deleted, "kept_users": kept, "current": current}


def demo_was_deleted() -> bool:
    """True when delete-demo ran on this database (seed-demo --if-empty then loads nothing)."""
    from models.accounts.models import AuditLog

    return db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "delete_demo")) > 0
