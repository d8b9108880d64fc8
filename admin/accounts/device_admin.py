"""/admin/devices (issue 24 item 2): every kiosk and phone, with its last report; add a phone and
show its one-time pairing link as text and as a QR (drawn here, never by an outside service);
make a new link for a phone; revoke a device (it stops at once: models/accounts/pairing.py).
A kiosk's token is never shown here: a kiosk row has no pairing link."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from admin.core.forms import ActionForm
from admin.core.security import role_required
from models.accounts import pairing
from models.accounts.models import Device
from models.core.base import db
from models.core.qr import qr_svg
from models.core.timeutil import local

bp = Blueprint("devices", __name__)


class PhoneForm(FlaskForm):
    name = StringField(
        _l("Tên điện thoại"), validators=[DataRequired(_l("Vui lòng nhập tên điện thoại.")), Length(max=80)]
    )


def _actor() -> str:
    return f"user:{current_user.username}"


def _base_url() -> str:
    """PUBLIC_URL when set, else the address this page was opened at (behind caddy: the HTTPS one)."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


def _rows() -> list[dict]:
    tz = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    out = []
    for dev in db.session.scalars(select(Device).order_by(Device.platform.desc(), Device.name)):
        status = dev.last_status if isinstance(dev.last_status, dict) else {}
        seen = local(dev.last_seen_at, tz)
        out.append(
            {
                "device": dev,
                "phone": dev.platform == pairing.PHONE,
                "seen": seen.strftime("%H:%M:%S %d/%m/%Y") if seen else "",
                "queue": status.get("queue_length"),
                "online": status.get("online"),
            }
        )
    return out


def _page(link: dict | None = None, form: PhoneForm | None = None, status: int = 200):
    html = render_template(
        "accounts/devices.html",
        rows=_rows(),
        form=form or PhoneForm(formdata=None),
        action=ActionForm(),
        link=link,
        hours=current_app.config["PAIRING_HOURS"],
    )
    resp = current_app.make_response((html, status))
    resp.headers["Referrer-Policy"] = "no-referrer"  # a pairing link may be on the page
    return resp


def _link_for(dev: Device) -> dict:
    """A new code for ``dev`` (committed) and what the page shows of it."""
    code = pairing.new_code(dev, actor=_actor())
    db.session.commit()
    url = pairing.pairing_link(_base_url(), code)
    return {"name": dev.name, "url": url, "qr": Markup(qr_svg(url))}  # drawn from the very text shown


@bp.get("/admin/devices")
@role_required("admin")
def index():
    return _page()


@bp.post("/admin/devices/phones")
@role_required("admin")
def add_phone():
    form = PhoneForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for msg in errors:
                flash(msg, "error")
        return _page(form=form, status=400)
    try:
        dev = pairing.phone_device(form.name.data, actor=_actor())
    except pairing.NotAPhone:
        db.session.rollback()
        name = form.name.data.strip()
        flash(_("%(name)s là máy kiosk: mã của kiosk không bao giờ dùng trên điện thoại.", name=name), "error")
        return _page(form=form, status=400)
    except ValueError:
        db.session.rollback()
        flash(_("Tên thiết bị phải có từ 1 đến 80 ký tự."), "error")
        return _page(form=form, status=400)
    return _page(link=_link_for(dev))


def _device(device_id: int) -> Device:
    dev = db.session.get(Device, device_id)
    if dev is None:
        abort(404)
    return dev


@bp.post("/admin/devices/<int:device_id>/pairing")
@role_required("admin")
def new_link(device_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    dev = _device(device_id)
    if dev.platform != pairing.PHONE:
        flash(_("%(name)s là máy kiosk: không có liên kết ghép nối.", name=dev.name), "error")
        return _page(status=400)
    return _page(link=_link_for(dev))


@bp.post("/admin/devices/<int:device_id>/revoke")
@role_required("admin")
def revoke(device_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    dev = _device(device_id)
    if dev.revoked_at is None:
        pairing.revoke(dev, actor=_actor())
    flash(_("Đã thu hồi %(name)s: thiết bị không quét được nữa.", name=dev.name), "ok")
    return redirect(url_for("devices.index"))
