"""The seat plan pages (on the "guests" blueprint): blocks editor, assign, manual moves, seat map."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

from admin.core.context import actor_name, event_or_404, owned_or_404
from admin.core.exports import log_download
from admin.core.forms import IntegerField, ascii_int, flash_form_errors
from admin.core.security import role_required
from admin.guests.views import MoveForm, bp
from models.accounts.models import audit
from models.core.base import db
from models.events.models import Group
from models.guests.models import Attendee
from models.hall.models import Block, Seat
from models.privacy.exports import count_people
from models.seating.assignment import (
    SeatingError,
    assign_seats,
    build_block,
    move_attendee,
    rank_seats,
    reshape_block,
    seat_balance,
)
from models.seating.assignment import set_seat_disabled as lock_seat
from models.seating.seatmap import MODES, seat_map, seat_map_pdf


class BlockForm(FlaskForm):
    code = StringField(
        _l("Mã khu"),
        validators=[
            DataRequired(_l("Nhập mã khu.")),
            Regexp(r"^[A-Za-z0-9]{1,4}$", message=_l("Mã khu: 1–4 chữ cái hoặc chữ số, không dấu.")),
        ],
    )
    name = StringField(_l("Tên khu"), validators=[Length(max=100)])
    rows = IntegerField(_l("Số hàng"), validators=[NumberRange(1, 200, _l("Số hàng từ 1 đến 200."))])
    seats_per_row = IntegerField(_l("Ghế mỗi hàng"), validators=[NumberRange(1, 200, _l("Số ghế từ 1 đến 200."))])
    x = IntegerField(_l("Vị trí ngang (ô)"), validators=[NumberRange(0, 1000, _l("Vị trí từ 0 đến 1000."))])
    y = IntegerField(
        _l("Cách sân khấu (hàng)"), validators=[NumberRange(0, 1000, _l("Vị trí từ 0 đến 1000."))], default=2
    )
    side = SelectField(_l("Phía"), choices=[("left", _l("Trái")), ("centre", _l("Giữa")), ("right", _l("Phải"))])
    aisle = SelectField(
        _l("Lối đi"),
        choices=[
            ("both", _l("Hai đầu hàng")),
            ("first", _l("Đầu hàng (ghế 1)")),
            ("last", _l("Cuối hàng")),
            ("none", _l("Không có")),
        ],
    )
    groups = SelectMultipleField(_l("Dành cho thành phần"), coerce=ascii_int)


class AssignForm(FlaskForm):
    pass


class LockForm(FlaskForm):
    seat = StringField(_l("Ghế"), validators=[DataRequired(_l("Nhập mã ghế.")), Length(max=20)])
    disabled = BooleanField(_l("Khóa ghế"))


def _groups(ev):
    return list(db.session.scalars(select(Group).where(Group.event_id == ev.id).order_by(Group.priority)))


def _block_form(ev, block: Block | None = None, formdata=None) -> BlockForm:
    form = BlockForm(formdata=formdata, obj=block, prefix=f"b{block.id}" if block else "new")
    form.groups.choices = [(g.id, g.name) for g in _groups(ev)]
    if block is not None and formdata is None:
        form.groups.data = [g.id for g in block.groups]
    return form


@bp.get("/seats")
@role_required("admin")
def seats():
    ev = event_or_404()
    mode = request.args.get("mode", "group")
    blocks = list(db.session.scalars(select(Block).where(Block.event_id == ev.id).order_by(Block.x, Block.code)))
    return render_template(
        "seating/seats.html",
        event=ev,
        blocks=blocks,
        forms={b.id: _block_form(ev, b) for b in blocks},
        new_form=_block_form(ev),
        assign_form=AssignForm(formdata=None),
        lock_form=LockForm(formdata=None),
        sm=seat_map(ev, mode),
        balance=seat_balance(ev),
        modes=MODES,
        groups=_groups(ev),
    )


def lacking_text(balance) -> str:
    """ "Báo chí: 3, Khách mời: 2": the groups of the people without a seat."""
    return ", ".join(f"{name or _('không thành phần')}: {n}" for name, n in balance.lacking_by_group)


@bp.post("/seats/blocks")
@bp.post("/seats/blocks/<int:block_id>")
@role_required("admin")
def save_block(block_id: int | None = None):
    ev = event_or_404()
    block = db.session.get(Block, block_id) if block_id else None
    if block_id and (block is None or block.event_id != ev.id):
        abort(404)
    form = _block_form(ev, block, formdata=request.form)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("guests.seats"))
    code = form.code.data.upper()
    clash = db.session.scalar(select(Block).where(Block.event_id == ev.id, Block.code == code))
    if clash is not None and clash is not block:
        flash(_("Đã có khu mã %(code)s.", code=code), "error")
        return redirect(url_for("guests.seats"))
    groups = [g for g in _groups(ev) if g.id in (form.groups.data or [])]
    fields = {
        "code": code,
        "name": form.name.data or code,
        "rows": form.rows.data,
        "seats_per_row": form.seats_per_row.data,
        "x": form.x.data,
        "y": form.y.data,
        "side": form.side.data,
        "aisle": form.aisle.data,
    }
    if block is None:
        block = build_block(ev, groups=groups, **fields)
        rank_seats(ev)
        audit("add_block", "block", block.id, actor=actor_name(), **fields)
        lost = []
    else:
        for k, v in fields.items():
            setattr(block, k, v)
        block.groups = groups
        lost = reshape_block(block, actor=actor_name())
        audit("edit_block", "block", block.id, actor=actor_name(), **fields)
    db.session.commit()
    if lost:
        flash(_('%(n)d đại biểu mất ghế vì khu nhỏ lại; bấm "Xếp chỗ" để xếp lại.', n=len(lost)), "warn")
    flash(_("Đã lưu khu %(code)s.", code=code), "ok")
    return redirect(url_for("guests.seats"))


@bp.post("/seats/blocks/<int:block_id>/delete")
@role_required("admin")
def delete_block(block_id: int):
    ev = event_or_404()
    block = db.session.get(Block, block_id)
    if block is None or block.event_id != ev.id or not AssignForm().validate_on_submit():
        abort(404 if block is None else 400)
    seat_ids = select(Seat.id).where(Seat.block_id == block.id)
    n = 0
    for a in db.session.scalars(select(Attendee).where(Attendee.seat_id.in_(seat_ids))):
        a.seat_id = None
        n += 1
    audit("delete_block", "block", block.id, actor=actor_name(), code=block.code, unseated=n)
    db.session.execute(db.delete(Seat).where(Seat.block_id == block.id))
    db.session.delete(block)
    db.session.commit()
    flash(_("Đã xóa khu %(code)s (%(n)d đại biểu mất ghế).", code=block.code, n=n), "ok")
    return redirect(url_for("guests.seats"))


@bp.post("/seats/assign")
@role_required("admin")
def assign():
    ev = event_or_404()
    if not AssignForm().validate_on_submit():
        abort(400)
    given = assign_seats(ev, actor=actor_name())
    db.session.commit()
    b = seat_balance(ev)
    flash(_("Đã xếp %(n)d ghế.", n=given), "ok")
    if b.lacking:
        flash(
            _(
                "Còn %(n)d đại biểu chưa có ghế (%(groups)s): hội trường có %(usable)d ghế dùng được cho "
                '%(needing)d đại biểu cần ghế. Thêm khu hoặc hàng ghế rồi bấm "Xếp chỗ" lại; đại biểu '
                "chưa có ghế được mời đến bàn đón tiếp khi điểm danh.",
                n=b.lacking,
                groups=lacking_text(b),
                usable=b.usable,
                needing=b.needing,
            ),
            "warn",
        )
    else:
        flash(
            _(
                "Mọi đại biểu cần ghế đều đã có ghế (%(needing)d đại biểu, %(free)d ghế trống).",
                needing=b.needing,
                free=b.free,
            ),
            "ok",
        )
    return redirect(url_for("guests.seats"))


@bp.post("/seats/lock")
@role_required("admin")
def lock():
    ev = event_or_404()
    form = LockForm()
    if not form.validate_on_submit():
        flash(_("Nhập mã ghế, ví dụ B-03-07."), "error")
        return redirect(url_for("guests.seats"))
    seat = db.session.scalar(select(Seat).where(Seat.event_id == ev.id, Seat.label == form.seat.data.strip().upper()))
    if seat is None:
        flash(_('Không có ghế "%(s)s".', s=form.seat.data), "error")
        return redirect(url_for("guests.seats"))
    person = lock_seat(seat, form.disabled.data, actor=actor_name())
    db.session.commit()
    flash(_("Đã khóa ghế %(s)s.", s=seat.label) if seat.disabled else _("Đã mở ghế %(s)s.", s=seat.label), "ok")
    if person is not None:
        flash(_("%(name)s mất ghế; hãy xếp lại.", name=person.display_name), "warn")
    return redirect(url_for("guests.seats"))


@bp.post("/attendees/<int:attendee_id>/seat")
@role_required("admin")
def move(attendee_id: int):
    ev = event_or_404()
    person = owned_or_404(Attendee, attendee_id, ev)
    form = MoveForm()
    back = request.form.get("next") or url_for("guests.index", q=person.full_name)
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("guests.index")
    if not form.validate_on_submit():
        flash(_("Mã ghế không hợp lệ."), "error")
        return redirect(back)
    try:
        other = move_attendee(person, form.seat.data, swap=form.swap.data, actor=actor_name(), user_id=current_user.id)
    except SeatingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    seat = person.seat.label if person.seat else "—"
    flash(_("%(name)s: ghế %(seat)s.", name=person.display_name, seat=seat), "ok")
    if other is not None:
        flash(
            _(
                "%(name)s: ghế %(seat)s (đổi chỗ).",
                name=other.display_name,
                seat=other.seat.label if other.seat else "—",
            ),
            "ok",
        )
    return redirect(back)


@bp.get("/seats/map")
@role_required("admin")
def seat_map_page():
    ev = event_or_404()
    return render_template(
        "seating/seatmap.html", event=ev, sm=seat_map(ev, request.args.get("mode", "group")), modes=MODES
    )


@bp.get("/seats/map.svg")
@role_required("admin")
def seat_map_svg():
    ev = event_or_404()
    sm = seat_map(ev, request.args.get("mode", "group"))
    svg = render_template("seating/_seatmap_svg.html", sm=sm, standalone=True)
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/seats/map.pdf")
@role_required("admin")
def seat_map_pdf_view():
    ev = event_or_404()
    mode = request.args.get("mode", "group")
    pdf = seat_map_pdf(ev, mode)
    log_download("seat_map", count_people(ev, "seat_map"), event_id=ev.id, mode=mode)
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": 'inline; filename="so-do-cho-ngoi.pdf"'}
    )
