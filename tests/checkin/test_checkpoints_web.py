"""Checkpoints through the web (issue 24 item 5): the API's two paths give equal answers at a
checkpoint; the kiosk snapshot names the device's checkpoint; /admin/event/checkpoints (roles,
CSRF, escaping, refusing to delete a checkpoint with scans, the devices' checkpoints); the desk's
scanner field; the dashboard, /api/v1/stats and the reports agree on every figure."""

from __future__ import annotations

import html
import io
import json
import re

from openpyxl import load_workbook
from sqlalchemy import select

from models.accounts.models import AuditLog, Device
from models.checkin import checkpoints
from models.checkin.checkin import check_in
from models.checkin.checkpoints import Checkpoint, CheckpointPass
from models.checkin.stats import attendance
from models.core.base import db
from models.dashboard.live import dashboard_data
from models.dashboard.reports import attendance_workbook, checkpoint_rows, summary_pdf
from tests import factories
from tests.factories import attendees

URL = "/api/v1/checkins"


def add(ev, name, kind, rule) -> int:
    cp = Checkpoint(event_id=ev.id, name=name, kind=kind, rule=rule, position=5)
    db.session.add(cp)
    db.session.commit()
    checkpoints.changed()
    return cp.id


def set_device(name: str, cp: int | None) -> None:
    device = db.session.scalar(select(Device).where(Device.name == name))
    device.checkpoint_id = cp
    db.session.commit()
    checkpoints.changed()


def send(client, token, payload: dict, pad: bool = False):
    if pad:  # too large for the fast path: the Flask view answers
        payload = {**payload, "padding": "x" * 70_000}
    return client.post(
        URL, data=json.dumps(payload), headers={"Authorization": f"Bearer {token}"}, content_type="application/json"
    )


def text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def test_fast_path_and_view_answer_alike_at_a_checkpoint(client, event, kiosk_token):
    cp = add(event, "Phòng VIP", "other", "inout")
    set_device("kiosk-test", cp)
    code = attendees(event)[0].current_badge.code
    a = send(client, kiosk_token, {"code": code, "station": "Cửa VIP", "scan_id": "v1"}).get_json()
    b = send(client, kiosk_token, {"code": code, "station": "Cửa VIP", "scan_id": "v2"}, pad=True).get_json()
    assert set(a) == set(b) == {"result", "message", "attendee", "first_checkin", "checkpoint", "direction"}
    assert a["checkpoint"] == b["checkpoint"] == {"id": cp, "name": "Phòng VIP", "rule": "inout", "kind": "other"}
    assert (a["direction"], b["direction"]) == ("in", "out")
    assert a["attendee"] == b["attendee"]
    # retries through either path: the first answer again
    assert send(client, kiosk_token, {"code": code, "station": "Cửa VIP", "scan_id": "v1"}, pad=True).get_json() == a
    assert send(client, kiosk_token, {"code": code, "station": "Cửa VIP", "scan_id": "v2"}).get_json() == b
    # a device back at the entrance (no checkpoint): the arrival, the entrance named
    set_device("kiosk-test", None)
    c = send(client, kiosk_token, {"code": code, "station": "Cổng", "scan_id": "v3"}).get_json()
    d = send(client, kiosk_token, {"code": code, "station": "Cổng", "scan_id": "v4"}, pad=True).get_json()
    assert (c["result"], d["result"]) == ("ok", "already")
    assert c["checkpoint"] == d["checkpoint"] and c["checkpoint"]["kind"] == "entrance"
    assert "direction" not in c and "direction" not in d


def test_snapshot_station_names_the_checkpoint(client, event, kiosk_token):
    headers = {"Authorization": f"Bearer {kiosk_token}"}
    station = client.get("/api/v1/kiosk/snapshot", headers=headers).get_json()["station"]
    assert station["checkpoint"]["name"] == "Cổng hội trường" and station["checkpoint"]["rule"] == "once"
    cp = add(event, "Khu trưng bày", "exhibition", "every")
    set_device("kiosk-test", cp)
    station = client.get("/api/v1/kiosk/snapshot", headers=headers).get_json()["station"]
    assert station["checkpoint"] == {"id": cp, "name": "Khu trưng bày", "rule": "every", "kind": "exhibition"}


def test_exhibition_kiosk_still_sets_up_booths(client, event):
    token = factories.make_device("expo", kind="exhibition")
    code = attendees(event)[0].current_badge.code
    r = send(client, token, {"code": code, "station": "Cổng trưng bày", "scan_id": "x1"}).get_json()
    assert r["result"] == "unknown" and r["attendee"] is None  # not booth staff: unchanged
    assert r["checkpoint"]["kind"] == "entrance"
    assert db.session.scalar(select(CheckpointPass.id)) is None


def test_checkpoints_page_roles(client, auth, event):
    assert client.get("/admin/event/checkpoints").status_code == 302
    auth.as_role("desk")
    assert client.get("/admin/event/checkpoints").status_code == 403
    assert client.post("/admin/event/checkpoints/add", data={"name": "X"}).status_code == 403
    assert client.post("/admin/event/checkpoints/devices", data={}).status_code == 403


def test_checkpoints_page_add_rename_rule_delete(client, auth, event, kiosk_token):
    auth.as_role("admin")
    page = text(client.get("/admin/event/checkpoints"))
    assert "Cổng hội trường" in page and "Điểm kiểm soát" in page and "kiosk-test" in page
    r = client.post(
        "/admin/event/checkpoints/add", data={"name": "<b>Hậu trường</b>", "kind": "backstage", "rule": "once"}
    )
    assert r.status_code == 302
    raw = client.get("/admin/event/checkpoints").get_data(as_text=True)
    assert "<b>Hậu trường</b>" not in raw and "&lt;b&gt;Hậu trường&lt;/b&gt;" in raw
    cp = db.session.scalar(select(Checkpoint).where(Checkpoint.kind == "backstage"))
    # rename and change the rule
    r = client.post(
        f"/admin/event/checkpoints/{cp.id}/edit",
        data={"name": "Hậu trường trao giải", "kind": "backstage", "rule": "daily", "position": "3"},
    )
    assert r.status_code == 302
    db.session.refresh(cp)
    assert (cp.name, cp.rule) == ("Hậu trường trao giải", "daily")
    # a bad rule changes nothing
    r = client.post(
        f"/admin/event/checkpoints/{cp.id}/edit", data={"name": "Khác", "kind": "backstage", "rule": "sometimes"}
    )
    assert r.status_code == 400
    db.session.refresh(cp)
    assert cp.name == "Hậu trường trao giải"
    # the only entrance keeps its rule and cannot be deleted
    entrance = checkpoints.listed(event.id)[0]
    r = client.post(
        f"/admin/event/checkpoints/{entrance.id}/edit", data={"name": "Cổng", "kind": "entrance", "rule": "every"}
    )
    assert r.status_code == 400 and "cổng điểm danh duy nhất" in text(r)
    client.post(f"/admin/event/checkpoints/{entrance.id}/delete", data={})
    assert db.session.get(Checkpoint, entrance.id) is not None
    # a checkpoint with a scan is kept, with a Vietnamese reason
    check_in(
        event_id=event.id, code=attendees(event)[0].current_badge.code, scan_id="p1", station="s", checkpoint_id=cp.id
    )
    r = client.post(f"/admin/event/checkpoints/{cp.id}/delete", data={}, follow_redirects=True)
    assert "đã có lượt quét tại đây" in text(r)
    assert db.session.get(Checkpoint, cp.id) is not None
    # one without scans goes
    spare = add(event, "Bàn quà", "desk", "once")
    client.post(f"/admin/event/checkpoints/{spare}/delete", data={})
    db.session.expire_all()
    assert db.session.get(Checkpoint, spare) is None


def test_devices_are_assigned_to_checkpoints(client, auth, event, kiosk_token):
    auth.as_role("admin")
    cp = add(event, "Khu trưng bày", "exhibition", "every")
    device = db.session.scalar(select(Device).where(Device.name == "kiosk-test"))
    assert client.post("/admin/event/checkpoints/devices", data={f"device-{device.id}": str(cp)}).status_code == 302
    db.session.refresh(device)
    assert device.checkpoint_id == cp
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "device_checkpoint"))
    # another event's checkpoint (or garbage) changes nothing
    other = factories.make_event()
    foreign = checkpoints.listed(other.id)[0].id
    from models.events.models import Event

    for ev in db.session.scalars(select(Event)):
        ev.is_current = ev.id == event.id
    db.session.commit()
    for bad in (str(foreign), "abc", "١", "9" * 5000, "-1"):
        r = client.post("/admin/event/checkpoints/devices", data={f"device-{device.id}": bad}, follow_redirects=True)
        assert "Điểm kiểm soát không hợp lệ" in text(r)
        db.session.refresh(device)
        assert device.checkpoint_id == cp
    client.post("/admin/event/checkpoints/devices", data={f"device-{device.id}": ""})
    db.session.refresh(device)
    assert device.checkpoint_id is None


def test_checkpoint_forms_need_csrf(csrf_app):
    client = csrf_app.test_client()
    ev = factories.make_event()
    factories.make_device("phone-1")
    factories.make_user("adm", "admin")
    page = text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "adm", "password": "secret-pass-123", "csrf_token": token})
    assert client.post("/admin/event/checkpoints/add", data={"name": "Không token"}).status_code == 400
    assert db.session.scalar(select(Checkpoint).where(Checkpoint.name == "Không token")) is None
    device = db.session.scalar(select(Device))
    cp = checkpoints.listed(ev.id)[0].id
    client.post("/admin/event/checkpoints/devices", data={f"device-{device.id}": str(cp)})
    db.session.refresh(device)
    assert device.checkpoint_id is None


def test_desk_scanner_field_scans_at_a_checkpoint(client, auth, event):
    auth.as_role("desk")
    cp = add(event, "Bàn nhận tài liệu", "desk", "once")
    page = text(client.get("/desk/"))
    assert 'name="checkpoint"' in page and "Bàn nhận tài liệu" in page
    code = attendees(event)[0].current_badge.code
    headers = {"Accept": "application/json"}
    r = client.post("/desk/scan", data={"code": code, "scan_id": "desk-1", "checkpoint": str(cp)}, headers=headers)
    data = r.get_json()
    assert data["result"] == "ok" and data["label"] == "Đã ghi nhận" and data["checkpoint"]["id"] == cp
    assert attendees(event)[0].checked_in_at is None
    r = client.post("/desk/scan", data={"code": code, "scan_id": "desk-2", "checkpoint": str(cp)}, headers=headers)
    assert r.get_json()["result"] == "already" and r.get_json()["label"] == "Đã qua trước đó"
    for n, bad in enumerate(("99999", "9" * 5000, "x")):
        r = client.post("/desk/scan", data={"code": code, "scan_id": f"desk-3{n}", "checkpoint": bad}, headers=headers)
        assert r.status_code == 400 and r.get_json()["message"] == "Điểm kiểm soát không hợp lệ."
    r = client.post("/desk/scan", data={"code": code, "scan_id": "desk-4"}, headers=headers)
    assert r.get_json()["result"] == "ok" and r.get_json()["label"] == "Đã điểm danh"  # the entrance


def test_dashboard_api_and_reports_agree(client, auth, event):
    people = attendees(event)
    once = add(event, "Hậu trường", "backstage", "once")
    daily = add(event, "Bàn tài liệu", "desk", "daily")
    every = add(event, "Khu trưng bày", "exhibition", "every")
    inout = add(event, "Phòng VIP", "other", "inout")
    n = iter(range(1000))

    def scan(person, cp=None):
        check_in(
            event_id=event.id, code=person.current_badge.code, scan_id=f"a{next(n)}", station="s", checkpoint_id=cp
        )

    for p in people[:3]:
        scan(p)  # arrivals
    for p in people[:2]:
        scan(p, once)
        scan(p, once)
        scan(p, daily)
    for _ in range(3):
        scan(people[0], every)
    scan(people[1], every)
    for p in people[:3]:
        scan(p, inout)
    scan(people[0], inout)  # out again
    figures = {c["name"]: c for c in dashboard_data(event)["checkpoints"]}
    assert figures["Cổng hội trường"]["people"] == 3 and figures["Cổng hội trường"]["invited"] == 6
    assert figures["Hậu trường"]["people"] == 2
    assert figures["Bàn tài liệu"]["people"] == 2
    assert (figures["Khu trưng bày"]["passes_today"], figures["Khu trưng bày"]["passes_total"]) == (4, 4)
    assert figures["Phòng VIP"]["inside"] == 2
    auth.as_role("admin")
    api = client.get("/api/v1/stats").get_json()["checkpoints"]
    assert api == dashboard_data(event)["checkpoints"] == attendance(event)["checkpoints"]
    page = text(client.get("/admin/"))
    assert "Điểm kiểm soát" in page
    for c in api:
        row = re.search(rf'data-checkpoint="{c["id"]}">(.*?)</tr>', page, re.S).group(1)
        shown = re.search(r"data-figure>(.*?)</td>", row, re.S).group(1).strip()
        assert shown == [r[6] for r in checkpoint_rows(event, attendance(event)) if r[0] == c["name"]][0]
    wb = load_workbook(io.BytesIO(attendance_workbook(event).read()))
    sheet = [list(r) for r in wb["Điểm kiểm soát"].iter_rows(min_row=2, values_only=True)]
    assert {r[0]: r[6] for r in sheet} == {
        "Cổng hội trường": "3 / 6 người",
        "Hậu trường": "2 / 6 người",
        "Bàn tài liệu": "2 người hôm nay",
        "Khu trưng bày": "4 lượt hôm nay · 4 tổng",
        "Phòng VIP": "2 người đang ở trong",
    }
    assert summary_pdf(event).read(4) == b"%PDF"


def test_checkpoints_export_and_import(event):
    from openpyxl import Workbook

    from models.services.event_structure import export_xlsx, import_apply, import_preview

    add(event, "Khu trưng bày", "exhibition", "every")
    sheet = load_workbook(io.BytesIO(export_xlsx(event, "checkpoints"))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Tên", "Loại", "Quy tắc", "Thứ tự"]
    assert rows[1][:3] == ["Cổng hội trường", "Lối vào", "Một lần (điểm danh)"]
    wb = Workbook()
    ws = wb.active
    ws.append(rows[0])
    ws.append(["Khu trưng bày", "Khu trưng bày", "Vào / ra (ai đang ở trong)", 2])  # updated
    ws.append(["Bàn nhận quà", "Bàn phục vụ", "Một lần mỗi ngày", 3])  # new
    buf = io.BytesIO()
    wb.save(buf)
    preview = import_preview(event, "checkpoints", buf.getvalue(), "cp.xlsx")
    assert preview.ok and (preview.created, preview.updated) == (1, 1)
    import_apply(event, "checkpoints", preview)
    db.session.commit()
    got = {c.name: (c.kind, c.rule) for c in checkpoints.listed(event.id)}
    assert got == {
        "Cổng hội trường": ("entrance", "once"),
        "Khu trưng bày": ("exhibition", "inout"),
        "Bàn nhận quà": ("desk", "daily"),
    }
    # a bad rule: every error listed, nothing written
    ws.append(["Điểm lạ", "Khác", "thỉnh thoảng", 4])
    buf = io.BytesIO()
    wb.save(buf)
    assert not import_preview(event, "checkpoints", buf.getvalue(), "cp.xlsx").ok
