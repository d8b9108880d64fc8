"""The organiser's live dashboard and the reports (issue 5)."""

from __future__ import annotations

import threading

from flask import Blueprint, Response, abort, g, jsonify, render_template, request, send_file
from markupsafe import Markup

from admin.security import role_required
from models.dashboard import cached_dashboard, dashboard_version
from models.events import current_event
from models.svg import bar_chart, seat_map
from models.timeutil import local

bp = Blueprint("dashboard", __name__, url_prefix="/admin")
_fragments: dict[tuple, str] = {}
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
    # both SVGs are built by models.svg, which escapes every text it writes
    return {
        "event": ev, "d": data, "version": version, "mode": mode, "local_time": local,
        "seatmap_svg": Markup(seat_map(data["seats"], mode=mode)),
        "timeline_svg": Markup(bar_chart(timeline, label="Chưa có ai đến")),
    }


@bp.get("/")
@role_required("admin")
def index():
    ev = current_event()
    if ev is None:
        return render_template("dashboard/empty.html")
    version = dashboard_version(ev)
    return render_template("dashboard/index.html", **_context(ev, version))


@bp.get("/live")
@role_required("admin")
def live():
    """The dashboard body, or 204 when nothing changed since version ``v`` (cheap to poll)."""
    ev = _event()
    version = dashboard_version(ev)
    if request.args.get("v") == version:
        return Response(status=204, headers={"X-Version": version, "Cache-Control": "no-store"})
    key = (version, request.args.get("mode", "arrival"), g.lang)
    with _fragments_lock:
        html = _fragments.get(key)
    if html is None:  # rendered once per version, whatever the number of open dashboards
        html = render_template("dashboard/_live.html", **_context(ev, version))
        with _fragments_lock:
            _fragments.clear()
            _fragments[key] = html
    resp = Response(html)
    resp.headers["X-Version"] = version
    resp.headers["Cache-Control"] = "no-store"
    return resp


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
    ev = _event()
    ctx = _context(ev, dashboard_version(ev))
    return Response(str(ctx["seatmap_svg"]), mimetype="image/svg+xml")


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
