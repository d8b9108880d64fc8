"""The organiser's live dashboard and the reports (issue 5)."""

from __future__ import annotations

import threading
import time

from flask import Blueprint, Response, abort, current_app, g, jsonify, render_template, request, send_file
from markupsafe import Markup

from admin.security import role_required
from models.dashboard import cached_dashboard, dashboard_version, seat_states
from models.events import current_event
from models.svg import bar_chart, seat_map
from models.timeutil import local

bp = Blueprint("dashboard", __name__, url_prefix="/admin")
_fragments: dict[tuple, tuple[str, str, float]] = {}
_fragments_lock = threading.Lock()


def _event():
    ev = current_event()
    if ev is None:
        abort(404)
    return ev


def _context(ev, version: str) -> dict:
    data = cached_dashboard(ev, version)
    mode = request.args.get("mode", "arrival")
    mode = mode if mode in ("arrival", "group") else "arrival"
    timeline = [(p["start"].strftime("%H:%M"), p["count"]) for p in data["timeline"]]
    # the SVG is built by models.svg, which escapes every text it writes
    return {
        "event": ev, "d": data, "version": version, "mode": mode, "local_time": local,
        "timeline_svg": Markup(bar_chart(timeline, label="Chưa có ai đến")),
    }


#: the live fragment is recomputed at most this often, however many dashboards poll: a
#: check-in still shows within about a second, and 50 viewers cost what 2 do
MIN_RECOMPUTE_SECONDS = 0.5
#: the seat map (thousands of seats at a large event) is redrawn at most this often
SEATMAP_SECONDS = 5.0
_compute_lock = threading.Lock()


def _fragment(ev, key: tuple) -> tuple[str, str]:
    """(version, html) of the live fragment, from the cache when fresh enough (single flight)."""
    now = time.monotonic()
    floor = current_app.config.get("DASHBOARD_MIN_RECOMPUTE", MIN_RECOMPUTE_SECONDS)
    version = dashboard_version(ev)
    with _fragments_lock:
        hit = _fragments.get(key)
    if hit and (hit[0] == version or now - hit[2] < floor):
        return hit[0], hit[1]
    with _compute_lock:  # one thread renders; the others wait and take its result
        with _fragments_lock:
            hit = _fragments.get(key)
        if hit and (hit[0] == version or time.monotonic() - hit[2] < floor):
            return hit[0], hit[1]
        html = render_template("dashboard/_live.html", **_context(ev, version))
        with _fragments_lock:
            _fragments[key] = (version, html, time.monotonic())
    return version, html


@bp.get("/")
@role_required("admin")
def index():
    ev = current_event()
    if ev is None:
        return render_template("dashboard/empty.html")
    version, _ = _fragment(ev, (ev.id, request.args.get("mode", "arrival"), g.lang))
    return render_template("dashboard/index.html", **_context(ev, version))


@bp.get("/live")
@role_required("admin")
def live():
    """The dashboard body, or 204 when the version ``v`` the page has is still current."""
    ev = _event()
    version, html = _fragment(ev, (ev.id, request.args.get("mode", "arrival"), g.lang))
    headers = {"X-Version": version, "Cache-Control": "no-store"}
    if request.args.get("v") == version:
        return Response(status=204, headers=headers)
    return Response(html, headers=headers)


@bp.get("/dashboard.json")
@role_required("admin")
def data_json():
    ev = _event()
    version = dashboard_version(ev)
    d = cached_dashboard(ev, version)
    return jsonify({
        "version": version,
        "stats": d["stats"],
        "groups": d["groups"],
        "districts": d["districts"],
        "timeline": [{"start": p["start"].isoformat(), "count": p["count"]} for p in d["timeline"]],
        "leaders_missing": d["leaders_missing"],
        "recipients_missing": d["recipients_missing"],
        "exhibitors_missing": d["exhibitors_missing"],
        "kiosks": [{**k, "last_seen": k["last_seen"].isoformat() if k["last_seen"] else None,
                    "last_scan": k["last_scan"].isoformat() if k["last_scan"] else None}
                   for k in d["kiosks"]],
    })


@bp.get("/seatmap.svg")
@role_required("admin")
def seatmap_svg():
    """The hall filling up (the dashboard reloads it every 10 s); redrawn at most every 5 s."""
    ev = _event()
    mode = request.args.get("mode", "arrival")
    mode = mode if mode in ("arrival", "group") else "arrival"
    key = ("seatmap", ev.id, mode)
    with _fragments_lock:
        hit = _fragments.get(key)
    if hit is None or time.monotonic() - hit[2] > current_app.config.get("DASHBOARD_SEATMAP_SECONDS",
                                                                          SEATMAP_SECONDS):
        svg = seat_map(seat_states(ev), mode=mode)
        hit = ("", svg, time.monotonic())
        with _fragments_lock:
            _fragments[key] = hit
    return Response(hit[1], mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.get("/reports")
@role_required("admin")
def reports():
    return render_template("dashboard/reports.html", event=_event())


@bp.get("/reports/attendance.xlsx")
@role_required("admin")
def report_xlsx():
    from models.reports import attendance_workbook

    ev = _event()
    buf = attendance_workbook(ev)
    return send_file(buf, as_attachment=True, download_name=f"bao-cao-diem-danh-{ev.slug}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/reports/summary.pdf")
@role_required("admin")
def report_pdf():
    from models.reports import summary_pdf

    ev = _event()
    return send_file(summary_pdf(ev), as_attachment=False, download_name=f"tong-hop-{ev.slug}.pdf",
                     mimetype="application/pdf")
