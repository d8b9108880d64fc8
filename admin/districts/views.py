"""District delegations: private links for district officers, review by the organiser (issue 9).

Officer (no account, the signed link is the key): /d/<token> (quota, nominations, form, arrivals,
exhibitors), POST /d/<token>/nominations, POST /d/<token>/nominations/<id>/withdraw,
GET /d/<token>/arrivals.json (polled by static/js/districts.js), GET /d/<token>/letters.pdf.
Organiser: /admin/districts and /admin/districts/<id> (quotas, link, deadline, review, letters), in
admin/districts/organiser.py on the same blueprint.
"""

from __future__ import annotations

from datetime import datetime

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
from sqlalchemy import select

from admin.core.exports import log_download
from admin.core.hostile import arg_int
from admin.core.security import RateLimiter, client_address
from models.core.base import db
from models.core.numbers import is_int, parse_int
from models.core.phones import format_phone
from models.core.timeutil import local, utcnow
from models.core.vndate import time_and_date
from models.districts import delegations as ds
from models.districts.invitations import letter_data, render_letters
from models.events.models import Event
from models.events.notice import CONSENT_REQUIRED, consent_given, stamp_consent
from models.exhibition.models import Exhibitor
from models.guests.attendee_json import ARRIVAL_FIELDS, attendee_summary
from models.guests.models import Attendee
from models.units.models import District

bp = Blueprint("districts", __name__)

#: nomination posts per link: app.config["DISTRICT_RATE_LIMIT"] (default 60) per 10 minutes; per client
#: address five times that (several officers may share one office's address)
nomination_limiter = RateLimiter("district-link", 60, 600)
address_limiter = RateLimiter("district-address", 300, 600)


def _fail(status: int, message: str):
    abort(make_response(render_template("error.html", status=status, message=message), status))


def _link(token: str):
    try:
        link = ds.link_from_token(
            token, current_app.secret_key, current_app.config.get("DISTRICT_LINK_MAX_AGE", ds.LINK_MAX_AGE)
        )
    except ds.LinkError as exc:
        if exc.code == "expired":
            _fail(403, _("Đường liên kết đã hết hạn. Vui lòng liên hệ ban tổ chức để nhận liên kết mới."))
        if exc.code == "revoked":
            _fail(403, _("Đường liên kết này đã bị thu hồi. Vui lòng liên hệ ban tổ chức để nhận liên kết mới."))
        _fail(404, _("Đường liên kết không hợp lệ. Vui lòng kiểm tra lại hoặc liên hệ ban tổ chức."))
    return link, db.session.get(Event, link.district.event_id)


def local_text(ev: Event, value: datetime | None, fmt: str = "") -> str:
    """A UTC time as text in the event's time zone (empty for None): "17:00 06/5/2027" (the date
    with Decree 30's zeros, models.core.vndate), or ``fmt`` for a time alone ("%H:%M")."""
    if not value:
        return ""
    t = local(value, ev.timezone)
    return t.strftime(fmt) if fmt else time_and_date(t)


# --- the district officer ------------------------------------------------------------------


def _officer_page(
    token: str, link, ev: Event, values: dict | None = None, errors: dict | None = None, status: int = 200
):
    d = link.district
    edit_id = arg_int("edit")
    if values is None and edit_id is not None:
        person = db.session.get(Attendee, edit_id)
        if person is not None and person.nominated_by_id == d.id and person.status in ds.PENDING:
            values = {
                "id": person.id,
                "honorific": person.honorific,
                "full_name": person.full_name,
                "position": person.position,
                "organisation": person.organisation,
                "group": str(person.group_id or ""),
                "phone": format_phone(person.phone),
                "email": person.email,
                "notes": person.notes,
            }
    exhibitors = db.session.scalars(
        select(Exhibitor).where(Exhibitor.district_id == d.id).order_by(Exhibitor.name)
    ).all()
    resp = make_response(
        render_template(
            "districts/officer.html",
            event=ev,
            district=d,
            link=link,
            token=token,
            open=ds.is_open(link),
            quotas=ds.quota_rows(d),
            groups=ds.offered_groups(d),
            people=ds.nominations(d),
            over=ds.over_quota_ids(d),
            exhibitors=exhibitors,
            arrivals=_arrivals(ev, d),
            v=values or {},
            errors=errors or {},
            deadline=local_text(ev, link.deadline),
            honorifics=("Ông", "Bà", "Đồng chí", "Anh", "Chị"),
        ),
        status,
    )
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
    if raw_id and not is_int(raw_id):
        _fail(400, _("Yêu cầu không hợp lệ."))
    consent = consent_given(form)  # the notice's box (issue 23): required, nothing stored without it
    try:
        person = ds.save_nomination(link, form, parse_int(raw_id) if raw_id else None)
        if not consent:
            raise ds.NominationError("consent", CONSENT_REQUIRED, {"consent": CONSENT_REQUIRED})
        stamp_consent(person, ev)
    except ds.NominationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        code = {"closed": 403, "not_yours": 404, "locked": 409, "duplicate": 409, "too_many": 429}.get(exc.code, 400)
        errors = dict(exc.fields) if consent else {**exc.fields, "consent": CONSENT_REQUIRED}
        return _officer_page(token, link, ev, values=form, errors=errors, status=code)
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
    rows = [
        {
            **attendee_summary(a, ARRIVAL_FIELDS, display_name=True, blank=""),
            # the officer calls the missing: every missing delegate's phone, grouped ("0905 777 888");
            # none for those already in the hall
            "phone": format_phone(a.phone) if a.checked_in_at is None else "",
            "arrived": a.checked_in_at is not None,
            "arrived_at": local_text(ev, a.checked_in_at, "%H:%M") if a.checked_in_at else None,
        }
        for a in people
    ]
    rows.sort(key=lambda r: r["arrived"])  # the missing ones first: the officer calls them
    arrived = sum(1 for r in rows if r["arrived"])
    return {
        "district": d.name,
        "arrived": arrived,
        "total": len(rows),
        "missing": len(rows) - arrived,
        "people": rows,
        "at": local_text(ev, utcnow(), "%H:%M:%S"),
    }


@bp.get("/d/<token>/arrivals.json")
def arrivals(token: str):
    try:
        link = ds.link_from_token(
            token, current_app.secret_key, current_app.config.get("DISTRICT_LINK_MAX_AGE", ds.LINK_MAX_AGE)
        )
    except ds.LinkError as exc:
        return jsonify(error=exc.code, message=_("Đường liên kết không còn hiệu lực.")), (
            404 if exc.code == "invalid" else 403
        )
    ev = db.session.get(Event, link.district.event_id)
    resp = jsonify(_arrivals(ev, link.district))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def letters_response(ev: Event, d: District, actor: str = ""):
    """The invitation letters of district ``d`` as a PDF download (the officer's link and the
    organiser's page serve the same file). Logged as an export (``actor``: the officer's link
    "district:<id>"; empty: the signed-in user)."""
    letters = letter_data(ev, d)
    if not letters:
        return None
    pdf = render_letters(ev, letters)  # the event's letter settings; no date: blank for the signer
    log_download("letters", len(letters), actor=actor, event_id=ev.id, district_id=d.id)
    resp = make_response(pdf)
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = f'attachment; filename="giay-moi-{d.code}.pdf"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/d/<token>/letters.pdf")
def officer_letters(token: str):
    link, ev = _link(token)
    resp = letters_response(ev, link.district, actor=f"district:{link.district.id}")
    if resp is None:
        flash(_("Chưa có đại biểu nào được chấp nhận để in giấy mời."), "warn")
        return redirect(url_for("districts.officer", token=token))
    return resp
