"""/admin/audit (admin only): the exports of personal data (who, when, what, how many people;
models.privacy.exports) and, below, the recent audit entries; both filterable by actor and dates,
the exports by kind and the entries by action. Times in the current event's time zone."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, g, render_template, request

from admin.core.security import role_required
from models.core.timeutil import local, to_naive_utc
from models.events.service import current_event
from models.privacy.exports import EXPORT_KINDS, audit_actions, recent_audit, recent_exports

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
LIMIT = 200


def _day(text: str, tz: str, *, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD typed in the filter as naive UTC: the start of that day in the event's time
    zone (``end``: the start of the next day). Anything else: None (the filter is ignored)."""
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None
    start = datetime.combine(day + timedelta(days=1 if end else 0), time(0), tzinfo=ZoneInfo(tz))
    return to_naive_utc(start)


def _detail(row) -> str:
    """An entry's detail as short text (the page is admin only; long values are cut)."""
    if not row.detail:
        return ""
    text = json.dumps(row.detail, ensure_ascii=False, default=str)
    return text if len(text) <= 240 else text[:239] + "…"


@bp.get("")
@role_required("admin")
def index():
    ev = current_event()
    tz = ev.timezone if ev is not None else "Asia/Ho_Chi_Minh"
    args = {k: (request.args.get(k) or "").strip()[:100] for k in ("what", "actor", "action", "since", "until")}
    what = args["what"] if args["what"] in EXPORT_KINDS else ""
    since, until = _day(args["since"], tz), _day(args["until"], tz, end=True)
    exports = recent_exports(limit=LIMIT, what=what, actor=args["actor"], since=since, until=until)
    entries = recent_audit(limit=LIMIT, action=args["action"], actor=args["actor"], since=since, until=until)
    en = g.get("lang") == "en"
    return render_template(
        "privacy/audit.html",
        args={**args, "what": what},
        kinds={k: (v[1] if en else v[0]) for k, v in EXPORT_KINDS.items()},
        actions=audit_actions(),
        exports=exports,
        entries=entries,
        people=sum((r.detail or {}).get("people") or 0 for r in exports),
        when=lambda t: local(t, tz).strftime("%H:%M:%S %d/%m/%Y"),
        detail=_detail,
        limit=LIMIT,
        bad_dates=[k for k in ("since", "until") if args[k] and _day(args[k], tz) is None],
    )
