"""District delegations, the organiser's side: /admin/districts (overview) and
/admin/districts/<id> (quotas, the private link and its deadline, review, letters)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from admin.core.context import actor_name, event_or_404, owned_or_404
from admin.core.security import role_required
from admin.districts.views import bp, letters_response, local_text
from models.checkin.stats import district_figures
from models.core.base import db
from models.core.numbers import int_or_none
from models.core.qr import qr_svg
from models.core.timeutil import local, to_naive_utc
from models.districts import delegations as ds
from models.districts.invitations import issue_missing
from models.events.models import Event, Group
from models.guests.models import Attendee
from models.units.models import District


def _district(district_id: int) -> tuple[Event, District]:
    ev = event_or_404()
    d = owned_or_404(District, district_id, ev)
    return ev, d


@bp.get("/admin/districts")
@role_required("admin")
def admin_index():
    ev = event_or_404()
    counts: dict[tuple[int, str], int] = {
        (d, s): n
        for d, s, n in db.session.execute(
            select(Attendee.nominated_by_id, Attendee.status, func.count())
            .where(Attendee.event_id == ev.id, Attendee.nominated_by_id.is_not(None))
            .group_by(Attendee.nominated_by_id, Attendee.status)
        )
    }
    # the delegates of each unit: the dashboard's figures (models.checkin.stats.district_figures)
    figures = {f["id"]: f for f in district_figures(ev)}
    rows = []
    for d in ev.districts:
        q = ds.quota_rows(d)
        f = figures.get(d.id, {"invited": 0, "arrived": 0, "nominated": 0})
        rows.append(
            {
                "d": d,
                "link": ds.current_link(d),
                "quota": sum(r.quota for r in q),
                "delegation": f["invited"],
                "arrived": f["arrived"],
                "accepted": f["nominated"],
                "nominated": counts.get((d.id, "nominated"), 0),
                "returned": counts.get((d.id, "returned"), 0),
                "over": len(ds.over_quota_ids(d)),
            }
        )
    return render_template("districts/admin_index.html", event=ev, rows=rows, local=lambda t: local_text(ev, t))


def _link_url(d: District) -> tuple[object, str]:
    """(the district's current link or None, its address as the officer opens it)."""
    link = ds.current_link(d)
    if link is None:
        return None, ""
    return link, url_for("districts.officer", token=ds.district_token(link, current_app.secret_key), _external=True)


@bp.get("/admin/districts/<int:district_id>")
@role_required("admin")
def admin_detail(district_id: int):
    ev, d = _district(district_id)
    link, url = _link_url(d)
    quotas = {r.group.id: r for r in ds.quota_rows(d)}
    people = ds.nominations(d)
    groups = db.session.scalars(select(Group).where(Group.event_id == ev.id).order_by(Group.priority)).all()
    deadline_value = local(link.deadline, ev.timezone).strftime("%Y-%m-%dT%H:%M") if link and link.deadline else ""
    return render_template(
        "districts/admin_detail.html",
        event=ev,
        district=d,
        link=link,
        url=url,
        groups=groups,
        quotas=quotas,
        people=people,
        over=ds.over_quota_ids(d),
        caps={a.id: offer for a in people if a.status == "nominated" and (offer := ds.caps_offers(d, a))},
        deadline_value=deadline_value,
        local=lambda t: local_text(ev, t),
        is_open=ds.is_open(link) if link else False,
        qr=Markup(qr_svg(url)) if url else "",  # drawn by the server from the very text shown
    )


def _fix_caps() -> bool:
    """The review's "fix caps" box, as the guest import offers it."""
    return request.form.get("fix_caps") == "1"


@bp.get("/admin/districts/<int:district_id>/link-qr.svg")
@role_required("admin")
def link_qr(district_id: int):
    """The QR of the district's private link (SVG, drawn by the server; never cached)."""
    _ev, d = _district(district_id)
    _link, url = _link_url(d)
    if not url:
        abort(404)
    resp = Response(qr_svg(url), mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def _back(d: District):
    return redirect(url_for("districts.admin_detail", district_id=d.id))


@bp.post("/admin/districts/<int:district_id>/quotas")
@role_required("admin")
def save_quotas(district_id: int):
    ev, d = _district(district_id)
    groups = db.session.scalars(select(Group).where(Group.event_id == ev.id)).all()
    try:
        for g in groups:
            raw = request.form.get(f"quota-{g.id}", "")
            if raw == "":
                continue
            quota = int_or_none(raw, 0, 10_000)
            if quota is None:
                raise ds.NominationError("quota", _('Chỉ tiêu của "%(g)s" phải là số nguyên từ 0.', g=g.name))
            ds.set_quota(d, g, quota, actor=actor_name(), user_id=current_user.id)
    except ds.NominationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _back(d)
    db.session.commit()
    flash(_("Đã lưu chỉ tiêu."), "ok")
    return _back(d)


def _deadline(ev: Event) -> datetime | None:
    raw = request.form.get("deadline", "").strip()
    if not raw:
        return None
    try:
        value = datetime.strptime(raw[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        raise ds.NominationError("deadline", _("Hạn chót không đúng dạng ngày giờ.")) from None
    return to_naive_utc(value.replace(tzinfo=ZoneInfo(ev.timezone)))


@bp.post("/admin/districts/<int:district_id>/link")
@role_required("admin")
def make_link(district_id: int):
    ev, d = _district(district_id)
    try:
        deadline = _deadline(ev)
    except ds.NominationError as exc:
        flash(str(exc.message), "error")
        return _back(d)
    ds.new_link(d, deadline, actor=actor_name(), user_id=current_user.id)
    db.session.commit()
    flash(_("Đã tạo liên kết mới; liên kết cũ (nếu có) không còn dùng được."), "ok")
    return _back(d)


@bp.post("/admin/districts/<int:district_id>/deadline")
@role_required("admin")
def save_deadline(district_id: int):
    ev, d = _district(district_id)
    link = ds.current_link(d)
    if link is None:
        abort(404)
    try:
        ds.set_deadline(link, _deadline(ev), actor=actor_name(), user_id=current_user.id)
    except ds.NominationError as exc:
        flash(str(exc.message), "error")
        return _back(d)
    db.session.commit()
    flash(_("Đã lưu hạn chót."), "ok")
    return _back(d)


@bp.post("/admin/districts/<int:district_id>/revoke")
@role_required("admin")
def revoke(district_id: int):
    _ev, d = _district(district_id)
    link = ds.current_link(d)
    if link is not None:
        ds.revoke_link(link, actor=actor_name(), user_id=current_user.id)
        db.session.commit()
    flash(_("Đã thu hồi liên kết."), "ok")
    return _back(d)


def _nominee(d: District, attendee_id: int) -> Attendee:
    a = db.session.get(Attendee, attendee_id)
    if a is None or a.nominated_by_id != d.id:
        abort(404)
    return a


@bp.post("/admin/districts/<int:district_id>/nominations/<int:attendee_id>/accept")
@role_required("admin")
def accept(district_id: int, attendee_id: int):
    _ev, d = _district(district_id)
    a = _nominee(d, attendee_id)
    try:
        ds.accept(a, fix_caps=_fix_caps(), actor=actor_name(), user_id=current_user.id)
    except ds.NominationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _back(d)
    db.session.commit()
    flash(
        _("Đã chấp nhận %(name)s; ghế %(seat)s.", name=a.display_name, seat=a.seat.label if a.seat else _("(hết ghế)")),
        "ok",
    )
    return _back(d)


@bp.post("/admin/districts/<int:district_id>/accept-within-quota")
@role_required("admin")
def accept_all(district_id: int):
    _ev, d = _district(district_id)
    n = ds.accept_within_quota(d, fix_caps=_fix_caps(), actor=actor_name(), user_id=current_user.id)
    db.session.commit()
    flash(_("Đã chấp nhận %(n)s đề cử trong chỉ tiêu.", n=n), "ok")
    return _back(d)


@bp.post("/admin/districts/<int:district_id>/nominations/<int:attendee_id>/return")
@role_required("admin")
def send_back(district_id: int, attendee_id: int):
    _ev, d = _district(district_id)
    a = _nominee(d, attendee_id)
    try:
        ds.return_nomination(a, request.form.get("comment", ""), actor=actor_name(), user_id=current_user.id)
    except ds.NominationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _back(d)
    db.session.commit()
    flash(_("Đã trả lại đề cử %(name)s cho %(u)s.", name=a.display_name, u=d.event.unit_label.lower()), "ok")
    return _back(d)


@bp.get("/admin/districts/<int:district_id>/letters.pdf")
@role_required("admin")
def admin_letters(district_id: int):
    ev, d = _district(district_id)
    if issue_missing(ev, d):
        db.session.commit()
    resp = letters_response(ev, d)
    if resp is None:
        flash(_("%(unit)s chưa có đại biểu nào trong danh sách khách mời.", unit=ev.unit_label), "warn")
        return _back(d)
    return resp
