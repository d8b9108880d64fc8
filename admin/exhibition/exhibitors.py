"""Exhibition: public booth registration, status link, admin workflow, per district (issue 6)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from admin.core.context import actor_name, event_or_404, owned_or_404
from admin.core.exports import log_download
from admin.core.forms import ActionForm
from admin.core.hostile import arg_int, form_int
from admin.core.security import RateLimiter, client_address, role_required
from admin.exhibition.public import public_base_url
from models.core.base import db
from models.core.numbers import int_or_none
from models.core.phones import format_phone
from models.core.timeutil import local, utcnow
from models.events.models import Event
from models.events.notice import CONSENT_REQUIRED, consent_given
from models.exhibition.form_input import HONEYPOT, PRODUCT_FIELDS, RATINGS, STAFF_FIELDS, clean_registration
from models.exhibition.models import EXHIBITOR_KINDS, EXHIBITOR_STATUSES, OCOP_GROUPS, Exhibitor, ExhibitTable
from models.exhibition.reports import district_overview, export_xlsx, table_cards_pdf
from models.exhibition.tables import add_table_and_assign, set_capacity, set_district_tables
from models.exhibition.workflow import (
    ExhibitorError,
    LinkError,
    approve,
    assign_table,
    ensure_tables,
    exhibitor_from_token,
    find_exhibitors,
    mark_set_up,
    register_exhibitor,
    reissue_link,
    reject,
    remove,
    status_token,
    table_load,
    update_registration,
)
from models.units.models import District

bp = Blueprint("exhibitors", __name__)

#: public submissions (registration and edits) per client address; the limit is
#: app.config["EXHIBITOR_RATE_LIMIT"] (default 5) per 10 minutes
submit_limiter = RateLimiter("exhibitor", 5, 600)
MIN_PRODUCT_ROWS, MIN_STAFF_ROWS = 3, 2


def _today(ev):
    return local(utcnow(), ev.timezone).date()


def _form_context(ev, values: dict, errors: dict) -> dict:
    products = list(values.get("product_rows") or [])
    staff = list(values.get("staff_rows") or [])
    products += [dict.fromkeys(PRODUCT_FIELDS, "") for _ in range(max(0, MIN_PRODUCT_ROWS - len(products)))]
    staff += [dict.fromkeys(STAFF_FIELDS, "") for _ in range(max(0, MIN_STAFF_ROWS - len(staff)))]
    return {
        "event": ev,
        "v": values,
        "errors": errors,
        "product_rows": products,
        "staff_rows": staff,
        "districts": ev.districts,
        "kinds": EXHIBITOR_KINDS,
        "groups": OCOP_GROUPS,
        "ratings": RATINGS,
        "honeypot": HONEYPOT,
    }


def _values_of(ex: Exhibitor) -> dict:
    """An exhibitor as the registration form's values (for the edit page)."""
    return {
        "name": ex.name,
        "kind": ex.kind,
        "district_id": ex.district_id,
        "address": ex.address,
        "contact_name": ex.contact_name,
        "phone": format_phone(ex.phone),
        "email": ex.email,
        "needs_power": ex.needs_power,
        "needs_cold": ex.needs_cold,
        "extra_table": ex.extra_table,
        "product_rows": [
            {
                "name": p.name,
                "group": p.ocop_group,
                "rating": str(p.stars) if p.stars else "potential",
                "decision_no": p.decision_no,
                "decision_date": p.decision_date.isoformat() if p.decision_date else "",
            }
            for p in ex.products
        ],
        "staff_rows": [
            {
                "honorific": s.attendee.honorific,
                "name": s.attendee.full_name,
                "position": s.attendee.position,
                "phone": format_phone(s.attendee.phone),
            }
            for s in ex.staff
        ],
    }


def _over_limit() -> bool:
    submit_limiter.limit = int(current_app.config.get("EXHIBITOR_RATE_LIMIT", 5))
    return not submit_limiter.hit(client_address())


#: fields shown back as they were typed when the form comes back with errors (an invalid phone
#: must stay in its box, not be cleared)
TYPED_FIELDS = ("name", "address", "contact_name", "phone", "email")


def _submitted(ev):
    """Validate the posted form: (data, errors, bot). With errors, ``data`` carries the text as
    typed for TYPED_FIELDS (the rows are kept as typed by clean_registration)."""
    if _over_limit():
        abort(429)
    form = {k: v for k, v in request.form.items() if isinstance(v, str)}
    data, errors = clean_registration(form, today=_today(ev), district_ids={d.id for d in ev.districts})
    data["consent"] = consent_given(form)  # the notice's box (issue 23): required, kept with the record
    if not data["consent"]:
        errors = {**errors, "consent": str(CONSENT_REQUIRED)}
    if errors:
        data = {**data, **{k: form.get(k, "").strip()[:400] for k in TYPED_FIELDS}}
    return data, errors, form.get(HONEYPOT, "").strip() != ""


# --- public pages --------------------------------------------------------------------------


@bp.route("/exhibitors/register", methods=["GET", "POST"])
def register():
    ev = event_or_404()
    if request.method == "GET":
        return render_template("exhibition/register.html", **_form_context(ev, {}, {}))
    data, errors, bot = _submitted(ev)
    if bot:  # the honeypot was filled in: look like success, store nothing
        return render_template("exhibition/received.html", event=ev)
    if errors:
        return render_template("exhibition/register.html", **_form_context(ev, data, errors)), 400
    ex = register_exhibitor(ev, data)
    flash(
        _(
            "Đã nhận đăng ký. Hãy lưu lại đường liên kết của trang này: đây là cách duy nhất "
            "để xem trạng thái và sửa hồ sơ."
        ),
        "ok",
    )
    return redirect(url_for("exhibitors.status", token=status_token(ex, current_app.secret_key)))


def _from_link(token: str) -> Exhibitor:
    try:
        ex = exhibitor_from_token(
            token, current_app.secret_key, current_app.config.get("EXHIBITOR_LINK_MAX_AGE", 180 * 24 * 3600)
        )
    except LinkError as exc:
        if exc.code == "expired":
            msg = _("Đường liên kết đã hết hạn. Vui lòng liên hệ ban tổ chức để nhận liên kết mới.")
            abort(make_response(render_template("error.html", status=403, message=msg), 403))
        msg = _("Đường liên kết không hợp lệ hoặc đã được thay bằng liên kết mới.")
        abort(make_response(render_template("error.html", status=404, message=msg), 404))
    return ex


@bp.get("/exhibitors/status/<token>")
def status(token: str):
    ex = _from_link(token)
    ev = db.session.get(Event, ex.event_id)
    return render_template(
        "exhibition/status.html", ex=ex, event=ev, token=token, local=lambda t: local(t, ev.timezone)
    )


@bp.route("/exhibitors/status/<token>/edit", methods=["GET", "POST"])
def edit(token: str):
    ex = _from_link(token)
    ev = db.session.get(Event, ex.event_id)
    if ex.status not in ("registered", "rejected"):
        flash(_("Hồ sơ đã được duyệt, không thể sửa. Vui lòng liên hệ ban tổ chức."), "warn")
        return redirect(url_for("exhibitors.status", token=token))
    if request.method == "GET":
        return render_template(
            "exhibition/register.html", editing=True, token=token, **_form_context(ev, _values_of(ex), {})
        )
    data, errors, bot = _submitted(ev)
    if bot:
        return render_template("exhibition/received.html", event=ev)
    if errors:
        return render_template(
            "exhibition/register.html", editing=True, token=token, **_form_context(ev, data, errors)
        ), 400
    try:
        update_registration(ex, data)
    except ExhibitorError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Đã lưu thay đổi."), "ok")
    return redirect(url_for("exhibitors.status", token=token))


# --- the organiser -------------------------------------------------------------------------


def _filters() -> dict:
    status = request.args.get("status", "")
    stars = request.args.get("stars", "")
    return {
        "district_id": arg_int("district"),
        "status": status if status in EXHIBITOR_STATUSES else None,
        "stars": stars if stars in RATINGS else None,
    }


@bp.get("/admin/exhibitors")
@role_required("admin")
def admin_list():
    ev = event_or_404()
    f = _filters()
    return render_template(
        "exhibition/admin_list.html",
        event=ev,
        exhibitors=find_exhibitors(ev, **f),
        f=f,
        districts=ev.districts,
        statuses=EXHIBITOR_STATUSES,
        args=request.args,
        fmt_phone=format_phone,
    )


@bp.get("/admin/exhibitors/<int:ex_id>")
@role_required("admin")
def admin_detail(ex_id: int):
    ev = event_or_404()
    ex = _exhibitor(ev, ex_id)
    tables = []
    if ex.district is not None:
        tables = [(t, table_load(t.id)) for t in ensure_tables(ex.district)]
        db.session.commit()
    # a district without a free place says so in the table choice and offers "Thêm bàn"
    full = [t for t, load in tables if load >= t.capacity]
    link = url_for("exhibitors.status", token=status_token(ex, current_app.secret_key), _external=True)
    return render_template(
        "exhibition/admin_detail.html",
        event=ev,
        ex=ex,
        tables=tables,
        link=link,
        district_full=ex.district is not None and len(full) == len(tables),
        full_count=len(full),
        form=ActionForm(),
        local=lambda t: local(t, ev.timezone),
        fmt_phone=format_phone,
    )


def _exhibitor(ev, ex_id: int) -> Exhibitor:
    return owned_or_404(Exhibitor, ex_id, ev)


@bp.post("/admin/exhibitors/<int:ex_id>/<action>")
@role_required("admin")
def admin_action(ex_id: int, action: str):
    ev = event_or_404()
    ex = _exhibitor(ev, ex_id)
    who = {"actor": actor_name(), "user_id": current_user.id}
    try:
        if action == "approve":
            approve(ex, **who)
            flash(_("Đã duyệt hồ sơ; nhân viên gian hàng đã có thẻ."), "ok")
        elif action == "reject":
            reject(ex, (request.form.get("reason") or "")[:500], **who)
            flash(_("Đã từ chối hồ sơ."), "ok")
        elif action == "assign":
            table = assign_table(ex, form_int("table_id", default=-1), **who)
            flash(_("Đã xếp vào bàn %(n)s.", n=table.number), "ok")
        elif action == "add-table":
            table = add_table_and_assign(ex, **who)
            flash(
                _("Đã thêm bàn %(n)s cho %(d)s và xếp gian hàng vào bàn này.", n=table.number, d=ex.district.name), "ok"
            )
        elif action == "set-up":
            mark_set_up(ex, **who)
            flash(_("Đã ghi nhận gian hàng bày xong."), "ok")
        elif action == "remove":
            remove(ex, **who)
            flash(_("Đã ghi nhận gian hàng rút khỏi khu trưng bày."), "ok")
        elif action == "link":
            reissue_link(ex, **who)
            flash(_("Đã tạo liên kết mới; liên kết cũ không còn dùng được."), "ok")
        else:
            abort(404)
    except ExhibitorError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for("exhibitors.admin_detail", ex_id=ex_id))


@bp.get("/admin/exhibitors/cards.pdf")
@role_required("admin")
def cards_pdf():
    ev = event_or_404()
    f = _filters()
    people = [x for x in find_exhibitors(ev, **f) if f["status"] or x.status in ("approved", "assigned", "set_up")]
    people.sort(
        key=lambda x: (x.district.sort_order if x.district else 999, x.table.number if x.table else 999, x.name)
    )
    resp = make_response(table_cards_pdf(ev, people, public_base_url()))
    log_download("table_cards", len(people), event_id=ev.id, filters={k: v for k, v in f.items() if v})
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Content-Disposition"] = 'inline; filename="the-ban-trung-bay.pdf"'
    return resp


@bp.get("/admin/exhibitors/export.xlsx")
@role_required("admin")
def export():
    ev = event_or_404()
    f = _filters()
    exhibitors = find_exhibitors(ev, **f)
    resp = make_response(export_xlsx(ev, exhibitors))
    people = sum(1 + len(x.staff) for x in exhibitors)  # the contact and the staff of each
    log_download("exhibitors", people, event_id=ev.id, filters={k: v for k, v in f.items() if v})
    resp.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp.headers["Content-Disposition"] = 'attachment; filename="gian-hang-trung-bay.xlsx"'
    return resp


def _number(name: str) -> int | None:
    """The field as a whole number; None when empty, -1 when not one (ASCII digits only: "１２" or
    "²" too), so that set_district_tables says what it needs."""
    raw = request.form.get(name) or ""
    value = int_or_none(raw, 0, 99_999)
    return None if raw == "" else (-1 if value is None else value)


@bp.post("/admin/exhibitors/districts/<int:district_id>")
@role_required("admin")
def admin_district_tables(district_id: int):
    ev = event_or_404()
    d = owned_or_404(District, district_id, ev)
    try:
        set_district_tables(
            d, _number("table_count"), request.form.get("exhibit_area"), actor=actor_name(), user_id=current_user.id
        )
        flash(_("Đã lưu khu trưng bày và số bàn."), "ok")
    except ExhibitorError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for("exhibitors.admin_districts", _anchor=f"d{district_id}"))


@bp.post("/admin/exhibitors/tables/<int:table_id>")
@role_required("admin")
def admin_table_capacity(table_id: int):
    ev = event_or_404()
    t = db.session.get(ExhibitTable, table_id)
    if t is None or t.district is None or t.district.event_id != ev.id:
        abort(404)
    district_id = t.district_id
    try:
        set_capacity(t, _number("capacity"), actor=actor_name(), user_id=current_user.id)
        flash(_("Đã lưu sức chứa của bàn."), "ok")
    except ExhibitorError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for("exhibitors.admin_districts", _anchor=f"d{district_id}"))


@bp.get("/admin/exhibitors/districts")
@role_required("admin")
def admin_districts():
    ev = event_or_404()
    return render_template(
        "exhibition/districts.html",
        event=ev,
        overview=district_overview(ev),
        form=ActionForm(),
        local=lambda t: local(t, ev.timezone),
    )
