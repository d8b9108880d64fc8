"""Awards, the MC tablet (/mc/) and the stage screen (/stage/) (issue 7).

/mc/ (role mc): the page; /mc/state.json?since=TAG answers 204 when nothing changed (polled
every 500 ms; never held open: waitress has a fixed thread pool); /mc/action (POST, CSRF)
applies start/next/back/absent/substitute by compare-and-set (409 with the fresh state when
another tablet acted first); /mc/people.json finds present people to receive on someone's
behalf; /mc/script.pdf is the paper backup.
/stage/ is public and read-only: the projector shows what the whole hall sees anyway (title,
names and products on stage), so the AV laptop needs no staff account.
The organiser's pages (/admin/awards) are in admin/ceremony/awards.py on this blueprint.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from admin.core.context import actor_name, event_or_404
from admin.core.exports import log_download
from admin.core.security import role_required
from models.ceremony.live import mc_action, presenter_candidates, state_tag, state_version
from models.ceremony.models import AwardBatch
from models.ceremony.sequence import ceremony_state, ensure_batches
from models.ceremony.view import mc_snapshot, person_json, stage_snapshot
from models.core.base import db
from models.core.numbers import int_or_none
from models.guests.attendee_json import PICK_FIELDS, attendee_summary
from models.guests.search import search_attendees
from models.privacy.exports import count_people

bp = Blueprint("mc", __name__)


def _lang() -> str:
    return "en" if getattr(g, "lang", "vi") == "en" else "vi"


def labels() -> dict[str, str]:
    """The words mc.js writes into the page (translated here, escaped by textContent there)."""
    return {
        "arrived": _("Có mặt"),
        "missing": _("CHƯA ĐẾN"),
        "seat": _("ghế"),
        "no_seat": _("chưa có ghế"),
        "presenter": _("Người trao"),
        "batch": _("Đợt"),
        "absent": _("Vắng"),
        "undo_absent": _("Bỏ vắng"),
        "substitute": _("Người nhận thay"),
        "on_behalf": _("nhận thay cho"),
        "late": _("Chậm {n} phút"),
        "early": _("Sớm {n} phút"),
        "on_time": _("Đúng giờ"),
        "overrun": _("Quá giờ"),
        "planned": _("Dự kiến"),
        "actual": _("Thực tế"),
        "start": _("Bắt đầu chương trình"),
        "start_awards": _("Bắt đầu trao thưởng"),
        "none_missing": _("Tất cả người nhận đã có mặt."),
        "no_recipient": _("chưa có người nhận"),
        "before": _("Chương trình chưa bắt đầu."),
        "finished": _("Chương trình đã kết thúc."),
        "conflict": _("Máy khác vừa thao tác; đã cập nhật trạng thái mới."),
        "offline": _("Mất kết nối máy chủ"),
        "clear_sub": _("Bỏ người nhận thay"),
        "no_people": _("Không có ai đang có mặt khớp với tên này."),
        "next_item": _("Tiếp theo"),
        "now": _("Đang diễn ra"),
        "none": _("—"),
        "call_up": _("Mời chuẩn bị (đợt sau)"),
        "status_absent": _("vắng"),
        # counts in people with the awards beside them ("23 người · 30 giải"); mc.js picks
        # the form by n (English: 1 person / 2 people, 1 award / 2 awards)
        "people_one": ngettext("%(count)s người", "%(count)s người", 1, count="{n}"),
        "people_other": ngettext("%(count)s người", "%(count)s người", 2, count="{n}"),
        "awards_one": ngettext("%(count)s giải", "%(count)s giải", 1, count="{n}"),
        "awards_other": ngettext("%(count)s giải", "%(count)s giải", 2, count="{n}"),
        "arrived_of": _("có mặt"),
        "presenter_change": _("Đổi người trao"),
        "cancelled": _("ĐÃ HỦY"),
        "presenting": _("đang trao đợt"),
        "presenter_for": _("Chọn người trao cho đợt {n}"),
        # a scan at a backstage checkpoint (models.checkin.checkpoints)
        "backstage_in": _("Đã vào hậu trường {t}"),
        "backstage_out": _("Chưa vào hậu trường"),
        "backstage_of": _("đã vào hậu trường"),
    }


@bp.get("/mc/")
@role_required("mc")
def index():
    ev = event_or_404()
    ensure_batches(ev)
    ceremony_state(ev.id)
    db.session.commit()  # the state row exists before the page shows its version
    return render_template("ceremony/index.html", event=ev, version=state_version(ev.id), labels=labels())


def action_message(text: str) -> str:
    """The domain's Vietnamese messages, translated."""
    return {
        "Thao tác không hợp lệ.": _("Thao tác không hợp lệ."),
        "Thiếu phiên bản trạng thái.": _("Thiếu phiên bản trạng thái."),
        "Trạng thái đã thay đổi trên máy khác.": _("Trạng thái đã thay đổi trên máy khác."),
        "Chương trình đã kết thúc.": _("Chương trình đã kết thúc."),
        "Chương trình chưa bắt đầu.": _("Chương trình chưa bắt đầu."),
        "Chưa có chương trình.": _("Chưa có chương trình."),
        "Chưa có đợt trao thưởng.": _("Chưa có đợt trao thưởng."),
        "Lễ trao thưởng đã bắt đầu.": _("Lễ trao thưởng đã bắt đầu."),
        "Không tìm thấy giải thưởng.": _("Không tìm thấy giải thưởng."),
        "Không tìm thấy người nhận thay.": _("Không tìm thấy người nhận thay."),
        "Người nhận thay chưa có mặt trong hội trường.": _("Người nhận thay chưa có mặt trong hội trường."),
        "Không tìm thấy đợt trao.": _("Không tìm thấy đợt trao."),
        "Người trao phải là lãnh đạo trong danh sách.": _("Người trao phải là lãnh đạo trong danh sách."),
    }.get(text, text)


def _state_response(ev, status: int = 200, **extra):
    data = mc_snapshot(ev, lang=_lang())
    data.update(extra)
    resp = jsonify(data)
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    resp.set_etag(data["tag"])
    return resp


@bp.get("/mc/state.json")
@role_required("mc")
def state():
    ev = event_or_404()
    since = request.args.get("since", "")[:80]
    tag = state_tag(ev.id)
    if since and since == tag or request.if_none_match.contains(tag):
        resp = Response(status=204 if since else 304)
        resp.headers["Cache-Control"] = "no-store"
        resp.set_etag(tag)
        return resp
    return _state_response(ev)


@bp.post("/mc/action")
@role_required("mc")
def action():
    ev = event_or_404()
    body = request.get_json(silent=True) if request.is_json else request.form
    body = body if hasattr(body, "get") else {}

    def as_int(name: str) -> int | None:
        """Absent: None; a whole number (JSON integer or ASCII digits): it; else -1 (refused)."""
        value = body.get(name)
        if value is None or value == "":
            return None
        found = int_or_none(value)
        return -1 if found is None else found

    version = as_int("version")
    result = mc_action(
        ev,
        str(body.get("action", ""))[:20],
        version if version is not None else -1,
        award_id=as_int("award_id"),
        attendee_id=as_int("attendee_id"),
        batch_id=as_int("batch_id"),
        actor=actor_name(),
        user_id=current_user.id,
    )
    status = {"ok": 200, "conflict": 409}.get(result.outcome, 400)
    message = action_message(result.message)
    return _state_response(ev, status, outcome=result.outcome, message=message)


@bp.get("/mc/people.json")
@role_required("mc")
def people():
    """Present people whose name or organisation matches ``q`` (to receive on someone's behalf)."""
    ev = event_or_404()
    found = [
        p
        for p in search_attendees(ev.id, (request.args.get("q") or "")[:100], limit=200)
        if p.checked_in_at is not None
    ][:20]
    return jsonify([attendee_summary(p, PICK_FIELDS, display_name=True) for p in found])


@bp.get("/mc/presenters.json")
@role_required("mc")
def presenters():
    """The leaders who may present (and anyone presenting already), with their presence and
    the batches they present now."""
    ev = event_or_404()
    presenting: dict[int, list[int]] = {}
    for number, pid in db.session.execute(
        select(AwardBatch.number, AwardBatch.presenter_id)
        .where(AwardBatch.event_id == ev.id)
        .order_by(AwardBatch.number)
    ):
        presenting.setdefault(pid, []).append(number)
    resp = jsonify(
        [{**person_json(p, ev.timezone), "batches": presenting.get(p.id, [])} for p in presenter_candidates(ev.id)]
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/mc/script.pdf")
@role_required("mc")
def script_pdf():
    from models.ceremony.mc_script import mc_script_pdf

    ev = event_or_404()
    ensure_batches(ev)
    data = mc_script_pdf(ev)
    log_download("mc_script", count_people(ev, "mc_script"), event_id=ev.id)
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="kich-ban-mc-{ev.slug}.pdf"', "Cache-Control": "no-store"},
    )


@bp.get("/stage/")
def stage():
    ev = event_or_404()
    # drawn on the server too: the projector shows who is on stage before its first poll
    return render_template("ceremony/stage.html", event=ev, stage=stage_snapshot(ev, _lang()))


@bp.get("/stage/state.json")
def stage_state():
    ev = event_or_404()
    since = request.args.get("since", "")[:20]
    if since and since == str(state_version(ev.id)):
        return Response(status=204, headers={"Cache-Control": "no-store"})
    resp = jsonify(stage_snapshot(ev, _lang()))
    resp.headers["Cache-Control"] = "no-store"
    return resp
