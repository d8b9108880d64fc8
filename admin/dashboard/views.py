"""The organiser's live dashboard and the reports (issue 5)."""

from __future__ import annotations

import threading
import time

from flask import Blueprint, Response, abort, current_app, g, jsonify, render_template, request, send_file
from markupsafe import Markup
from sqlalchemy import select

from admin.core.context import event_or_404
from admin.core.exports import log_download
from admin.core.security import role_required
from admin.dashboard import worker as dashboard_worker
from models.core import caches
from models.core.base import db
from models.core.svg import bar_chart
from models.core.timeutil import local
from models.dashboard.live import cached_dashboard, dashboard_version, recent_version
from models.events.models import Event
from models.events.service import current_event
from models.privacy.exports import count_people
from models.privacy.retention import due_events, retention
from models.seating.seatmap import seat_map, seat_map_svg

bp = Blueprint("dashboard", __name__, url_prefix="/admin")
#: fragments and seat maps: caches.fragments; dashboards being polled: caches.watched
_fragments = caches.fragments
_refresher_lock = threading.Lock()


def forget_fragments() -> None:
    """Drop every cached fragment and seat map and stop the refresher (a new app, e.g. in
    tests; caches.clear_all does this too)."""
    caches.clear(caches.fragments)
    caches.clear(caches.watched)
    _stop_refresher()


def _stop_refresher() -> None:
    with _refresher_lock:
        _refresher.update(app=None, healthy=False)  # a running refresher stops
        thread = _refresher.pop("thread", None)
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout=10)


caches.on_clear(_stop_refresher)  # the refresher belongs to the app being replaced


def _context(ev, version: str, mode: str) -> dict:
    data = cached_dashboard(ev, version)
    timeline = [(p["start"].strftime("%H:%M"), p["count"]) for p in data["timeline"]]
    # the SVG is built by models.core.svg, which escapes every text it writes
    return {
        "event": ev,
        "d": data,
        "version": version,
        "mode": mode,
        "local_time": local,
        "timeline_svg": Markup(bar_chart(timeline, label="Chưa có ai đến")),
    }


def view_mode(value: str | None) -> str:
    """The dashboard's colouring asked for by ``?mode=``: "arrival" (default) or "group"."""
    return value if value in ("arrival", "group") else "arrival"


#: the live fragment is recomputed at most this often, however many dashboards poll: a
#: check-in still shows within about a second, and 50 viewers cost what 2 do
MIN_RECOMPUTE_SECONDS = 0.5
#: the database is asked for the dashboard's version at most this often (per process)
VERSION_SECONDS = 0.2
#: the seat map (thousands of seats at a large event) is redrawn at most this often
SEATMAP_SECONDS = 5.0
_compute_lock = threading.Lock()
_seatmap_lock = threading.Lock()


def render_live(event_id: int, mode: str) -> tuple[str, str]:
    """(version, html) of the live fragment, computed now (needs a request context for the
    language). Runs in the dashboard renderer process (admin.dashboard.worker)."""
    ev = db.session.get(Event, event_id)
    version = dashboard_version(ev)
    return version, render_template("dashboard/_live.html", **_context(ev, version, mode))


def render_seatmap(event_id: int, mode: str) -> str:
    """The seat map SVG, drawn now. Runs in the dashboard renderer process."""
    return seat_map_svg(seat_map(db.session.get(Event, event_id), mode))


def live_in_renderer(event_id: int, mode: str, lang: str) -> tuple[str, str]:
    """render_live in the renderer process (dashboard_worker.call), in its app, in ``lang``."""
    with dashboard_worker.renderer_app().test_request_context(f"/admin/live?mode={mode}&lang={lang}"):
        g.lang = lang
        try:
            return render_live(event_id, mode)
        finally:
            db.session.remove()


def seatmap_in_renderer(event_id: int, mode: str) -> str:
    """render_seatmap in the renderer process (dashboard_worker.call), in its app."""
    with dashboard_worker.renderer_app().app_context():
        try:
            return render_seatmap(event_id, mode)
        finally:
            db.session.remove()


def fresh_fragment(key: tuple) -> tuple[str, str, float] | None:
    """The cached (version, html, at) for key = (event id, mode, language) when it may still
    be shown: its version is the current one, or it is younger than the recompute floor."""
    cfg = current_app.config
    hit = caches.get(_fragments, key)
    if hit is None:
        return None
    if time.monotonic() - hit[2] < cfg.get("DASHBOARD_MIN_RECOMPUTE", MIN_RECOMPUTE_SECONDS):
        return hit
    if hit[0] == recent_version(key[0], cfg.get("DASHBOARD_VERSION_SECONDS", VERSION_SECONDS)):
        return hit
    return None


def _draw(key: tuple, here: bool) -> tuple[str, str, float] | None:
    """Draw the fragment of key = (event id, mode, language) in the renderer process and cache
    it, one drawing at a time (single flight: a thread that waited takes the fresh result).
    Without a renderer: drawn in this process when ``here`` (needs a request context in that
    language), else None."""
    with _compute_lock:
        hit = fresh_fragment(key)
        if hit is not None:
            return hit
        app = current_app._get_current_object()
        result = dashboard_worker.call(app, live_in_renderer, *key)
        if result is None:
            if not here:
                return None
            result = render_live(key[0], key[1])
        hit = (result[0], result[1], time.monotonic())
        caches.put(_fragments, key, hit)
    return hit


def _fragment(ev, mode: str) -> tuple[str, str]:
    """(version, html) of the live fragment, from the cache when fresh enough, else drawn."""
    key = (ev.id, mode, g.lang)
    hit = fresh_fragment(key) or _draw(key, here=True)
    return hit[0], hit[1]


#: seconds between the refresher's looks at the version of the dashboards being watched
REFRESH_SECONDS = 0.2
#: a dashboard (event, mode, language) is watched while polled within this many seconds
WATCH_SECONDS = caches.WATCH_SECONDS
_refresher: dict[str, object] = {"pid": None, "app": None, "healthy": False}


def watch(key: tuple) -> bool:
    """A dashboard polls ``key``. With a renderer process, a refresher thread keeps the
    fragments of watched dashboards up to date (asking the renderer, never holding this
    process's GIL for the drawing) and polls are answered from memory without ever waiting.
    Returns True when that is the case (the refresher is running and healthy)."""
    import os

    caches.put(caches.watched, key, True)
    app = current_app._get_current_object()
    if not dashboard_worker.enabled(app):
        return False
    with _refresher_lock:
        if _refresher["pid"] != os.getpid() or _refresher["app"] is not app:
            thread = threading.Thread(target=_refresh_loop, args=(app,), name="dashboard-refresher", daemon=True)
            _refresher.update(pid=os.getpid(), app=app, healthy=True, thread=thread)
            thread.start()
    return bool(_refresher["healthy"])


def _refresh_loop(app) -> None:
    import os

    while _refresher["app"] is app and _refresher["pid"] == os.getpid():
        time.sleep(app.config.get("DASHBOARD_REFRESH_SECONDS", REFRESH_SECONDS))
        with caches.watched.lock:  # a dashboard not polled for WATCH_SECONDS has expired
            keys = list(caches.watched)
        for key in keys:
            if _refresher["app"] is not app:
                return
            try:
                with app.app_context():
                    if fresh_fragment(key) is not None:
                        continue
                    hit = _draw(key, here=False)
                    db.session.remove()
            except Exception:  # the database away for a moment: try again next round
                app.logger.exception("dashboard refresher")
                hit = None
            # without a renderer the polls go back to Flask, which draws in this process
            _refresher["healthy"] = hit is not None


def cached_fragment(key: tuple) -> tuple[str, str, float] | None:
    return caches.get(_fragments, key)


@bp.get("/")
@role_required("admin")
def index():
    ev = current_event()
    if ev is None:
        return render_template("dashboard/empty.html")
    mode = view_mode(request.args.get("mode"))
    version, html = _fragment(ev, mode)
    keep = retention(ev)
    due = due_events()
    return render_template(
        "dashboard/index.html", event=ev, version=version, mode=mode, live_html=Markup(html), keep=keep, due=due
    )


@bp.get("/live")
@role_required("admin")
def live():
    """The dashboard body, or 204 when the version ``v`` the page has is still current.
    (The 204 is normally answered by admin.dashboard.fastpath before Flask sees the request.)"""
    ev = event_or_404()
    version, html = _fragment(ev, view_mode(request.args.get("mode")))
    headers = {"X-Version": version, "Cache-Control": "no-store"}
    if request.args.get("v") == version:
        return Response(status=204, headers=headers)
    return Response(html, headers=headers)


@bp.get("/dashboard.json")
@role_required("admin")
def data_json():
    ev = event_or_404()
    version = dashboard_version(ev)
    d = cached_dashboard(ev, version)
    return jsonify(
        {
            "version": version,
            "stats": d["stats"],
            "seats": {k: v for k, v in d["seats"].items() if k != "lacking_by_group"}
            | {"lacking_by_group": [{"group": name, "count": n} for name, n in d["seats"]["lacking_by_group"]]},
            "groups": d["groups"],
            "districts": d["districts"],
            "timeline": [{"start": p["start"].isoformat(), "count": p["count"]} for p in d["timeline"]],
            "leaders_missing": d["leaders_missing"],
            "leaders_missing_count": d["leaders_missing_count"],
            "recipients_missing": d["recipients_missing"],
            "seatless_arrivals": [
                {**p, "checked_in_at": p["checked_in_at"].isoformat()} for p in d["seatless_arrivals"]
            ],
            "seatless_arrivals_count": d["seatless_arrivals_count"],
            "exhibitors_missing": d["exhibitors_missing"],
            "kiosks": [
                {
                    **k,
                    "last_seen": k["last_seen"].isoformat() if k["last_seen"] else None,
                    "last_scan": k["last_scan"].isoformat() if k["last_scan"] else None,
                }
                for k in d["kiosks"]
            ],
        }
    )


@bp.get("/seatmap.svg")
@role_required("admin")
def seatmap_svg():
    """The hall filling up (the dashboard reloads it every 10 s); redrawn at most every 5 s,
    by the renderer process."""
    ev = event_or_404()
    mode = view_mode(request.args.get("mode"))
    key = ("seatmap", ev.id, mode)
    limit = current_app.config.get("DASHBOARD_SEATMAP_SECONDS", SEATMAP_SECONDS)
    hit = caches.get(_fragments, key)
    if hit is None or time.monotonic() - hit[2] > limit:
        with _seatmap_lock:
            hit = caches.get(_fragments, key)
            if hit is None or time.monotonic() - hit[2] > limit:
                app = current_app._get_current_object()
                svg = dashboard_worker.call(app, seatmap_in_renderer, ev.id, mode)
                hit = ("", svg if svg is not None else render_seatmap(ev.id, mode), time.monotonic())
                caches.put(_fragments, key, hit)
    return Response(hit[1], mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


def _report_event():
    """The current event, or an earlier one named by ``?event=SLUG`` (its reports stay readable
    without making it current, which would switch the kiosks too)."""
    slug = request.args.get("event", "")
    if not slug:
        return event_or_404()
    ev = db.session.scalar(select(Event).where(Event.slug == slug[:64]))
    if ev is None:
        abort(404)
    return ev


@bp.get("/reports")
@role_required("admin")
def reports():
    return render_template("dashboard/reports.html", event=_report_event(), slug=request.args.get("event") or None)


@bp.get("/reports/attendance.xlsx")
@role_required("admin")
def report_xlsx():
    from models.dashboard.reports import attendance_workbook

    ev = _report_event()
    buf = attendance_workbook(ev)
    log_download("report", count_people(ev, "report"), event_id=ev.id)
    return send_file(
        buf,
        as_attachment=True,
        download_name=f"bao-cao-diem-danh-{ev.slug}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.get("/reports/summary.pdf")
@role_required("admin")
def report_pdf():
    from models.dashboard.reports import summary_pdf

    ev = _report_event()  # figures only, no one's name: not a personal data export
    return send_file(
        summary_pdf(ev), as_attachment=False, download_name=f"tong-hop-{ev.slug}.pdf", mimetype="application/pdf"
    )
