"""The event's structure pages: /admin/event/<kind> for kind in programme, groups, units, tiers,
protocol (the protocol rank table, with a box that tries a title against it).
Each: list, add, edit, delete (with the domain's checks), .xlsx export and import (preview,
then confirm; nothing written while any row is bad). Programme items also move up/down and
delay. Every rule is in models/services/event_structure.py."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Regexp

from admin.core.context import actor_name, event_or_404, owned_or_404
from admin.core.forms import IntegerField
from admin.core.security import role_required
from admin.core.uploads import imports_dir
from admin.events.settings import bp
from models.core.base import db
from models.core.names import clean
from models.events.protocol import UNRANKED, Ranker
from models.guests.reading import MAX_BYTES, ImportFileError
from models.services import event_structure as structure
from models.services.event_structure import KINDS, StructureError

_TOKEN = re.compile(r"^[0-9a-f]{32}$")

#: the column headers and choice labels of models/services/event_structure.py, for the translation catalogue
_HEADERS = (
    _l("STT"),
    _l("Giờ"),
    _l("Nội dung"),
    _l("Nội dung (tiếng Anh)"),
    _l("Người thực hiện"),
    _l("Số phút"),
    _l("Loại"),
    _l("Ghi chú"),
    _l("Mã"),
    _l("Tên"),
    _l("Tên tiếng Anh"),
    _l("Màu"),
    _l("Thứ tự ưu tiên"),
    _l("Số ghế dành riêng"),
    _l("Lãnh đạo"),
    _l("Báo chí"),
    _l("Nhân viên gian hàng"),
    _l("Thứ tự"),
    _l("Khu trưng bày"),
    _l("Số bàn"),
    _l("Thứ tự trao"),
    _l("Hình thức"),
    _l("Cấp công nhận"),
    _l("Số sao"),
    _l("Mục chương trình"),
    _l("Trao thưởng"),
    _l("Giấy chứng nhận"),
    _l("Hoa"),
    _l("Chương trình"),
    _l("Thành phần"),
    _l("Đơn vị"),
    _l("Hạng giải"),
    _l("Chức vụ"),
    _l("Cơ quan"),
    _l("Thứ tự lễ tân"),
    _l("Điểm kiểm soát"),
    _l("Quy tắc"),
    _l("Lối vào"),
    _l("Hậu trường"),
    _l("Bàn phục vụ"),
    _l("Khác"),
    _l("Một lần (điểm danh)"),
    _l("Một lần mỗi ngày"),
    _l("Đếm mọi lượt"),
    _l("Vào / ra (ai đang ở trong)"),
)

_FORMS: dict[str, type[FlaskForm]] = {}


def form_class(kind: str) -> type[FlaskForm]:
    """A FlaskForm with one field per column of the kind (the domain's parse() types them)."""
    if kind not in _FORMS:
        fields: dict[str, object] = {}
        for c in KINDS[kind].cols:
            label = _l(c.header)
            if c.type == "bool":
                fields[c.attr] = BooleanField(label)
            elif c.type == "choice":
                fields[c.attr] = SelectField(
                    label, choices=[(v, _l(t)) for v, t in c.choices], validate_choice=False
                )  # parse() checks it
            else:
                fields[c.attr] = StringField(
                    label, validators=[Length(max=max(c.max_len, 20), message=_l("Quá dài (tối đa %(max)d ký tự)."))]
                )
        _FORMS[kind] = type(f"{kind.title()}Form", (FlaskForm,), fields)
    return _FORMS[kind]


class ImportForm(FlaskForm):
    file = FileField(_l("Tệp Excel (.xlsx)"))


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$")])


class DelayForm(FlaskForm):
    minutes = IntegerField(
        _l("Số phút"), validators=[InputRequired(_l("Vui lòng nhập số phút.")), NumberRange(-720, 720)]
    )


def _kind(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


def _row(ev, kind: str, row_id: int):
    return owned_or_404(KINDS[kind].model, row_id, ev)


def _display(kind: str, row) -> dict:
    out = {}
    for c in KINDS[kind].cols:
        v = getattr(row, c.attr)
        out[c.attr] = v.strftime("%H:%M") if c.type == "time" and v else ("" if v is None else v)
    return out


def _trial(ev, kind: str) -> dict | None:
    """The protocol page's "try a title" box: the rank ?position=&organisation= would get."""
    if kind != "protocol" or not request.args.get("position"):
        return None
    position = clean(request.args.get("position", ""))[:300]
    organisation = clean(request.args.get("organisation", ""))[:300]
    line = Ranker.of(ev).line(position, organisation)
    return {
        "position": position,
        "organisation": organisation,
        "rank": line.rank if line else UNRANKED,
        "line": line.label if line else "",
    }


def _page(ev, kind: str, *, form=None, error=None, preview=None, confirm=None, status=200):
    delay = DelayForm(formdata=None, minutes=10) if kind == "programme" else None
    return render_template(
        "events/structure.html",
        event=ev,
        kind=kind,
        spec=KINDS[kind],
        rows=structure.rows_of(ev, kind),
        form=form or form_class(kind)(formdata=None),
        import_form=ImportForm(formdata=None),
        delay_form=delay,
        order_issues=structure.programme_order_issues(ev) if kind == "programme" else [],
        error=error,
        preview=preview,
        confirm=confirm,
        trial=_trial(ev, kind),
        unranked=UNRANKED,
        devices=_devices() if kind == "checkpoints" else [],
    ), status


def _devices() -> list:
    from admin.events.checkpoints import devices

    return devices()


def _parsed(kind: str, form) -> dict:
    return structure.parse(kind, {c.attr: form[c.attr].data for c in KINDS[kind].cols})


@bp.get("/<kind>")
@role_required("admin")
def structure_list(kind: str):
    return _page(event_or_404(), _kind(kind))


@bp.post("/<kind>/add")
@role_required("admin")
def structure_add(kind: str):
    ev, kind = event_or_404(), _kind(kind)
    form = form_class(kind)()
    if not form.validate_on_submit():
        return _page(ev, kind, form=form, error=_("Biểu mẫu không hợp lệ."), status=400)
    try:
        row = structure.save(ev, kind, _parsed(kind, form), actor=actor_name(), user_id=current_user.id)
    except StructureError as exc:
        db.session.rollback()
        return _page(ev, kind, form=form, error=str(exc), status=400)
    db.session.commit()
    flash(_('Đã thêm "%(name)s".', name=KINDS[kind].label(row)), "ok")
    return redirect(url_for("event_settings.structure_list", kind=kind))


@bp.route("/<kind>/<int:row_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def structure_edit(kind: str, row_id: int):
    ev, kind = event_or_404(), _kind(kind)
    row = _row(ev, kind, row_id)
    cls = form_class(kind)
    form = cls(formdata=None, data=_display(kind, row)) if request.method == "GET" else cls()
    error, status = None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            error, status = _("Biểu mẫu không hợp lệ."), 400
        else:
            try:
                structure.save(ev, kind, _parsed(kind, form), row, actor=actor_name(), user_id=current_user.id)
                db.session.commit()
                flash(_("Đã lưu."), "ok")
                return redirect(url_for("event_settings.structure_list", kind=kind))
            except StructureError as exc:
                db.session.rollback()
                row = _row(ev, kind, row_id)
                error, status = str(exc), 400
    return render_template(
        "events/structure_edit.html", event=ev, kind=kind, spec=KINDS[kind], row=row, form=form, error=error
    ), status


@bp.post("/<kind>/<int:row_id>/delete")
@role_required("admin")
def structure_delete(kind: str, row_id: int):
    ev, kind = event_or_404(), _kind(kind)
    row = _row(ev, kind, row_id)
    if not FlaskForm().validate_on_submit():
        flash(_("Biểu mẫu không hợp lệ."), "error")
    else:
        try:
            structure.delete(ev, kind, row, actor=actor_name(), user_id=current_user.id)
            db.session.commit()
            flash(_("Đã xóa."), "ok")
        except StructureError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return redirect(url_for("event_settings.structure_list", kind=kind))


@bp.post("/programme/<int:row_id>/move")
@role_required("admin")
def programme_move(row_id: int):
    ev = event_or_404()
    row = _row(ev, "programme", row_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if not FlaskForm().validate_on_submit() or step is None:
        flash(_("Biểu mẫu không hợp lệ."), "error")
    elif structure.move_item(ev, row, step, actor=actor_name(), user_id=current_user.id):
        db.session.commit()
    return redirect(url_for("event_settings.structure_list", kind="programme"))


@bp.post("/programme/<int:row_id>/delay")
@role_required("admin")
def programme_delay(row_id: int):
    ev = event_or_404()
    row = _row(ev, "programme", row_id)
    form = DelayForm()
    if not form.validate_on_submit():
        flash(_("Số phút lùi lịch phải là số nguyên từ -720 đến 720."), "error")
        return redirect(url_for("event_settings.structure_list", kind="programme"))
    try:
        n = structure.delay_from(ev, row, form.minutes.data, actor=actor_name(), user_id=current_user.id)
        db.session.commit()
        flash(_("Đã dời %(n)d mục %(m)d phút.", n=n, m=form.minutes.data), "ok")
    except StructureError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("event_settings.structure_list", kind="programme"))


@bp.post("/programme/sort")
@role_required("admin")
def programme_sort():
    """Number the programme in time order (when its numbers and times disagree)."""
    ev = event_or_404()
    if not FlaskForm().validate_on_submit():
        flash(_("Biểu mẫu không hợp lệ."), "error")
    else:
        n = structure.sort_by_time(ev, actor=actor_name(), user_id=current_user.id)
        db.session.commit()
        flash(_("Đã sắp chương trình theo giờ (%(n)d mục đổi chỗ).", n=n), "ok")
    return redirect(url_for("event_settings.structure_list", kind="programme"))


@bp.get("/<kind>/export.xlsx")
@role_required("admin")
def structure_export(kind: str):
    ev, kind = event_or_404(), _kind(kind)
    return Response(
        structure.export_xlsx(ev, kind),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{kind}.xlsx"'},
    )


def _imports_dir() -> Path:
    return imports_dir()  # one folder, one expiry (1 h), shared with the guest lists


@bp.post("/<kind>/import")
@role_required("admin")
def structure_import(kind: str):
    ev, kind = event_or_404(), _kind(kind)
    form = ImportForm()
    upload = request.files.get("file")
    if not form.validate_on_submit():
        return _page(ev, kind, error=_("Biểu mẫu không hợp lệ."), status=400)
    if upload is None or not upload.filename:
        return _page(ev, kind, error=_("Chưa chọn tệp."), status=400)
    data = upload.read(MAX_BYTES + 1)
    try:
        preview = structure.import_preview(ev, kind, data, upload.filename)
    except ImportFileError as exc:
        return _page(ev, kind, error=str(exc), status=400)
    confirm = None
    if preview.ok:
        token = secrets.token_hex(16)
        (_imports_dir() / f"s-{token}.bin").write_bytes(data)
        session["structure_import"] = {"token": token, "kind": kind, "filename": upload.filename[:200]}
        confirm = ConfirmForm(formdata=None, token=token)
    return _page(ev, kind, preview=preview, confirm=confirm, status=200 if preview.ok else 400)


@bp.post("/<kind>/import/confirm")
@role_required("admin")
def structure_import_confirm(kind: str):
    ev, kind = event_or_404(), _kind(kind)
    form = ConfirmForm()
    info = session.pop("structure_import", None) or {}
    token = form.token.data or ""
    path = _imports_dir() / f"s-{token}.bin"
    if (
        not form.validate_on_submit()
        or not _TOKEN.match(token)
        or info.get("token") != token
        or info.get("kind") != kind
        or not path.exists()
    ):
        flash(_("Phiên nhập đã hết hạn. Vui lòng chọn lại tệp."), "error")
        return redirect(url_for("event_settings.structure_list", kind=kind))
    try:
        preview = structure.import_preview(ev, kind, path.read_bytes(), info.get("filename", ""))
        created, updated = structure.import_apply(ev, kind, preview, actor=actor_name(), user_id=current_user.id)
        db.session.commit()
        flash(_("Đã nhập: %(c)d mới, %(u)d cập nhật.", c=created, u=updated), "ok")
    except (ImportFileError, StructureError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    finally:
        path.unlink(missing_ok=True)
    return redirect(url_for("event_settings.structure_list", kind=kind))
