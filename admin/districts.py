"""District delegations: private links for district officers, review by the organiser (issue 9).

Officer (no account, the signed link is the key): /d/<token> (quota, nominations, form, arrivals,
exhibitors), POST /d/<token>/nominations, POST /d/<token>/nominations/<id>/withdraw,
GET /d/<token>/arrivals.json (polled by static/js/districts.js), GET /d/<token>/letters.pdf.
Organiser: /admin/districts and /admin/districts/<id> (quotas, link, deadline, review, letters).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from admin.security import RateLimiter, client_address, role_required
from models import delegation_service as ds
from models.base import db
from models.event import District, Event, Group
from models.events import current_event
from models.exhibition import Exhibitor
from models.invitations import issue_missing, letter_data, render_letters
from models.people import Attendee
from models.timeutil import local, to_naive_utc, utcnow

bp = Blueprint("districts", __name__)

#: nomination posts per link: app.config["DISTRICT_RATE_LIMIT"] (default 60) per 10 minutes; per client
#: address five times that (several officers may share one office's address)
nomination_limiter = RateLimiter(60, 600)
address_limiter = RateLimiter(300, 600)


def _actor() -> str:
    return f"user:{current_user.username}"


def _fail(status: int, message: str):
    abort(make_response(render_template("error.html", status=status, message=message), status))


def _link(token: str):
    try:
        link = ds.link_from_token(token, current_app.secret_key,
                                  current_app.config.get("DISTRICT_LINK_MAX_AGE", ds.LINK_MAX_AGE))
    except ds.LinkError as exc:
        if exc.code == "expired":
            _fail(403, _("Đường liên kết đã hết hạn. Vui lòng liên hệ ban tổ chức để nhận liên kết mới."))
        if exc.code == "revoked":
            _fail(403, _("Đường liên kết này đã bị thu hồi. Vui lòng liên hệ ban tổ chức để nhận liên kết mới."))
        _fail(404, _("Đường liên kết không hợp lệ. Vui lòng kiểm tra lại hoặc liên hệ ban tổ chức."))
    return link, db.session.get(Event, link.district.event_id)


def _local_text(ev: Event, value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    return local(value, ev.timezone).strftime(fmt) if value else ""


# --- the district officer ------------------------------------------------------------------

def _officer_page(token: str, link, ev: Event, values: dict | None = None, errors: dict | None = None,
                  status: int = 200):
    d = link.district
    edit_id = request.args.get("edit", "")
    if values is None and edit_id.isdigit():
        person = db.session.get(Attendee, int(edit_id))
        if person is not None and person.nominated_by_id == d.id and person.status in ds.PENDING:
            values = {"id": person.id, "honorific": person.honorific, "full_name": person.full_name,
                      "position": person.position, "organisation": person.organisation,
                      "group": str(person.group_id or ""), "phone": person.phone, "email": person.email,
                      "notes": person.notes}
    exhibitors = db.session.scalars(select(Exhibitor).where(Exhibitor.district_id == d.id)
                                    .order_by(Exhibitor.name)).all()
    resp = make_response(render_template(
        "districts/officer.html", event=ev, district=d, link=link, token=token,
        open=ds.is_open(link), quotas=ds.quota_rows(d), groups=ds.offered_groups(d),
        people=ds.nominations(d), over=ds.over_quota_ids(d), exhibitors=exhibitors,
        arrivals=_arrivals(ev, d), v=values or {}, errors=errors or {},
        deadline=_local_text(ev, link.deadline), honorifics=("Ông", "Bà", "Đồng chí", "Anh", "Chị")), status)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


@bp.get("/d/<token>")
def officer(token: str):
    link, ev = _link(token)
    return _officer_page(token, link, ev)


def _flooding(link) -> bool:
    limit = int(current_app.config.get("DISTRICT_RATE_LIMIT", 60))
    nomination_limiter.limit, address_limiter.limit = limit, limit * 5
    return not (nomination_limiter.hit(str(link.id)) and address_limiter.hit(client_address()))


@bp.post("/d/<token>/nominations")
def nominate(token: str):
    link, ev = _link(token)
    if _flooding(link):
        _fail(429, _("Gửi quá nhiều lần trong thời gian ngắn. Vui lòng đợi vài phút rồi thử lại."))
    form = {k: v for k, v in request.form.items() if isinstance(v, str)}
    raw_id = form.get("id", "")
    if raw_id and not raw_id.isdigit():
        _fail(400, _("Yêu cầu không hợp lệ."))
    try:
        person = ds.save_nomination(link, form, int(raw_id) if raw_id else None)
    except ds.NominationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        code = {"closed": 403, "not_yours": 404, "locked": 409, "duplicate": 409, "too_many": 429}.get(exc.code, 400)
        return _officer_page(token, link, ev, values=form, errors=exc.fields, status=code)
    db.session.commit()
    flash(_("Đã lưu đề cử: %(name)s.", name=person.display_name), "ok")
    return redirect(url_for("districts.officer", token=token) + "#nominations")


@bp.post("/d/<token>/nominations/<int:attendee_id>/withdraw")
def withdraw(token: str, attendee_id: int):
    link, ev = _link(token)
    if _flooding(link):
        _fail(429, _("Gửi quá nhiều lần trong thời gian ngắn. Vui lòng đợi vài phút rồi thử lại."))
    try:
        ds.withdraw_nomination(link, attendee_id)
    except ds.NominationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("districts.officer", token=token))
    db.session.commit()
    flash(_("Đã rút đề cử."), "ok")
    return redirect(url_for("districts.officer", token=token) + "#nominations")


def _arrivals(ev: Event, d: District) -> dict:
    people = ds.delegation(d)
    rows = [{"id": a.id, "name": a.display_name, "organisation": a.organisation,
             "group": a.group.name if a.group else "", "seat": a.seat.label if a.seat else "",
             "phone": a.phone if a.nominated_by_id == d.id else "",
             "arrived": a.checked_in_at is not None,
             "arrived_at": _local_text(ev, a.checked_in_at, "%H:%M") if a.checked_in_at else None}
            for a in people]
    rows.sort(key=lambda r: r["arrived"])  # the missing ones first: the officer calls them
    arrived = sum(1 for r in rows if r["arrived"])
    return {"district": d.name, "arrived": arrived, "total": len(rows), "missing": len(rows) - arrived,
            "people": rows, "at": _local_text(ev, utcnow(), "%H:%M:%S")}


@bp.get("/d/<token>/arrivals.json")
def arrivals(token: str):
    try:
        link = ds.link_from_token(token, current_app.secret_key,
                                  current_app.config.get("DISTRICT_LINK_MAX_AGE", ds.LINK_MAX_AGE))
    except ds.LinkError as exc:
        return jsonify(error=exc.code, message=_("Đường liên kết không còn hiệu lực.")), (
            404 if exc.code == "invalid" else 403)
    ev = db.session.get(Event, link.district.event_id)
    resp = jsonify(_arrivals(ev, link.district))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _letters_response(ev: Event, d: District):
    letters = letter_data(ev, d)
    if not letters:
        return None
    pdf = render_letters(ev, letters, local(utcnow(), ev.timezone).date())
    resp = make_response(pdf)
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = f'attachment; filename="giay-moi-{d.code}.pdf"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/d/<token>/letters.pdf")
def officer_letters(token: str):
    link, ev = _link(token)
    resp = _letters_response(ev, link.district)
    if resp is None:
        flash(_("Chưa có đại biểu nào được chấp nhận để in giấy mời."), "warn")
        return redirect(url_for("districts.officer", token=token))
    return resp


# --- the organiser -------------------------------------------------------------------------

def _event() -> Event:
    ev = current_event()
    if ev is None:
        abort(404)
    return ev


def _district(district_id: int) -> tuple[Event, District]:
    ev = _event()
    d = db.session.get(District, district_id)
    if d is None or d.event_id != ev.id:
        abort(404)
    return ev, d


@bp.get("/admin/districts")
@role_required("admin")
def admin_index():
    ev = _event()
    counts: dict[tuple[int, str], int] = {
        (d, s): n for d, s, n in db.session.execute(
            select(Attendee.nominated_by_id, Attendee.status, func.count())
            .where(Attendee.event_id == ev.id, Attendee.nominated_by_id.is_not(None))
            .group_by(Attendee.nominated_by_id, Attendee.status))}
    rows = []
    for d in ev.districts:
        q = ds.quota_rows(d)
        rows.append({"d": d, "link": ds.current_link(d), "quota": sum(r.quota for r in q),
                     "nominated": counts.get((d.id, "nominated"), 0), "returned": counts.get((d.id, "returned"), 0),
                     "invited": counts.get((d.id, "invited"), 0), "over": len(ds.over_quota_ids(d))})
    return render_template("districts/admin_index.html", event=ev, rows=rows,
                           local=lambda t: _local_text(ev, t))


@bp.get("/admin/districts/<int:district_id>")
@role_required("admin")
def admin_detail(district_id: int):
    ev, d = _district(district_id)
    link = ds.current_link(d)
    url = url_for("districts.officer", token=ds.district_token(link, current_app.secret_key),
                  _external=True) if link else ""
    quotas = {r.group.id: r for r in ds.quota_rows(d)}
    groups = db.session.scalars(select(Group).where(Group.event_id == ev.id).order_by(Group.priority)).all()
    deadline_value = local(link.deadline, ev.timezone).strftime("%Y-%m-%dT%H:%M") if link and link.deadline else ""
    return render_template("districts/admin_detail.html", event=ev, district=d, link=link, url=url,
                           groups=groups, quotas=quotas, people=ds.nominations(d), over=ds.over_quota_ids(d),
                           deadline_value=deadline_value, local=lambda t: _local_text(ev, t),
                           is_open=ds.is_open(link) if link else False)


def _back(d: District):
    return redirect(url_for("districts.admin_detail", district_id=d.id))


@bp.post("/admin/districts/<int:district_id>/quotas")
@role_required("admin")
def save_quotas(district_id: int):
    ev, d = _district(district_id)
    groups = db.session.scalars(select(Group).where(Group.event_id == ev.id)).all()
    try:
        for g in groups:
            raw = request.form.get(f"quota-{g.id}", "").strip()
            if raw == "":
                continue
            if not raw.isdigit():
                raise ds.NominationError("quota", _("Chỉ tiêu của \"%(g)s\" phải là số nguyên từ 0.", g=g.name))
            ds.set_quota(d, g, int(raw), actor=_actor(), user_id=current_user.id)
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
    ds.new_link(d, deadline, actor=_actor(), user_id=current_user.id)
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
        ds.set_deadline(link, _deadline(ev), actor=_actor(), user_id=current_user.id)
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
        ds.revoke_link(link, actor=_actor(), user_id=current_user.id)
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
        ds.accept(a, actor=_actor(), user_id=current_user.id)
    except ds.NominationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _back(d)
    db.session.commit()
    flash(_("Đã chấp nhận %(name)s; ghế %(seat)s.", name=a.display_name,
            seat=a.seat.label if a.seat else _("(hết ghế)")), "ok")
    return _back(d)


@bp.post("/admin/districts/<int:district_id>/accept-within-quota")
@role_required("admin")
def accept_all(district_id: int):
    _ev, d = _district(district_id)
    n = ds.accept_within_quota(d, actor=_actor(), user_id=current_user.id)
    db.session.commit()
    flash(_("Đã chấp nhận %(n)s đề cử trong chỉ tiêu.", n=n), "ok")
    return _back(d)


@bp.post("/admin/districts/<int:district_id>/nominations/<int:attendee_id>/return")
@role_required("admin")
def send_back(district_id: int, attendee_id: int):
    _ev, d = _district(district_id)
    a = _nominee(d, attendee_id)
    try:
        ds.return_nomination(a, request.form.get("comment", ""), actor=_actor(), user_id=current_user.id)
    except ds.NominationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _back(d)
    db.session.commit()
    flash(_("Đã trả lại đề cử %(name)s cho huyện.", name=a.display_name), "ok")
    return _back(d)


@bp.get("/admin/districts/<int:district_id>/letters.pdf")
@role_required("admin")
def admin_letters(district_id: int):
    ev, d = _district(district_id)
    if issue_missing(ev, d):
        db.session.commit()
    resp = _letters_response(ev, d)
    if resp is None:
        flash(_("Huyện chưa có đại biểu nào trong danh sách khách mời."), "warn")
        return _back(d)
    return resp
