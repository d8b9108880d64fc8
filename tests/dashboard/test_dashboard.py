"""The organiser's dashboard: figures with data-stat, live updates, lists, kiosks, reports."""

import io
import re
import unicodedata

import openpyxl
import pypdf
import requests
from playwright.sync_api import expect

from models.checkin.checkin import check_in
from models.core.base import db
from models.guests.models import Attendee
from tests.conftest import login_page, screenshot
from tests.factories import attendees, make_device


def stat(html: str, name: str) -> int:
    return int(re.search(rf'data-stat="{name}">(\d+)<', html).group(1))


def scan(ev, a, sid):
    return check_in(event_id=ev.id, code=a.current_badge.code, scan_id=sid, station="Cổng 1")


def test_only_admin(client, auth, event):
    auth.as_role("desk")
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/live").status_code == 403
    assert client.get("/admin/reports/attendance.xlsx").status_code == 403


def test_figures_and_live_fragment(client, auth, event):
    auth.as_role("admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert stat(html, "checked_in") == 0 and stat(html, "invited") == 6
    assert stat(html, "planned") == 20
    version = re.search(r'id="live" data-version="([^"]+)"', html).group(1)
    assert client.get(f"/admin/live?v={version}").status_code == 204  # nothing changed
    scan(event, attendees(event)[0], "d1")
    r = client.get(f"/admin/live?v={version}")
    assert r.status_code == 200 and r.headers["X-Version"] != version
    body = r.get_data(as_text=True)
    assert stat(body, "checked_in") == 1 and stat(body, "leaders_missing") == 0
    svg = client.get("/admin/seatmap.svg").get_data(as_text=True)
    assert svg.count('data-state="arrived"') == 1  # the seat map fills


def test_leaders_and_recipients_missing(client, auth, app):
    from models.demo.load import load_demo

    ev, _ = load_demo(with_users=False)
    auth.as_role("admin")
    data = client.get("/admin/dashboard.json").get_json()
    assert len(data["leaders_missing"]) == 26  # provincial leaders and departments
    from models.ceremony.models import Award

    recipients = set(db.session.scalars(db.select(Award.recipient_id)))
    assert {p["id"] for p in data["recipients_missing"]} == recipients
    first = data["recipients_missing"][0]
    assert first["phone"] and first["first_position"] == 0
    # the first recipient arrives: off the list
    a = db.session.get(Attendee, first["id"])
    scan(ev, a, "r1")
    data = client.get("/admin/dashboard.json").get_json()
    assert first["id"] not in [p["id"] for p in data["recipients_missing"]]
    assert data["stats"]["checked_in"] == 1
    assert sum(g["arrived"] for g in data["groups"]) == 1
    assert {d["name"] for d in data["districts"]} >= {"TP Nha Trang", "Huyện Trường Sa"}
    assert data["exhibitors_missing"]  # approved demo exhibitors not set up yet


def test_timeline_buckets(client, auth, event):
    from datetime import datetime

    for i, a in enumerate(attendees(event)[:3]):
        check_in(
            event_id=event.id,
            code=a.current_badge.code,
            scan_id=f"t{i}",
            station="k",
            now=lambda i=i: datetime(2025, 5, 22, 0, 1 + 8 * i),
        )  # 07:01, 07:09, 07:17
    check_in(
        event_id=event.id,
        code=attendees(event)[3].current_badge.code,
        scan_id="t3",
        station="k",
        now=lambda: datetime(2025, 5, 22, 0, 4, 59),
    )  # 07:04:59: same bucket
    auth.as_role("admin")
    tl = client.get("/admin/dashboard.json").get_json()["timeline"]
    assert [p["count"] for p in tl] == [2, 1, 0, 1]
    assert tl[0]["start"].startswith("2025-05-22T07:00:00+07:00")


def test_kiosk_state_and_heartbeat(client, auth, event):
    token = make_device("cong-chinh")
    h = {"Authorization": f"Bearer {token}"}
    a = attendees(event)[0]
    for i, code in enumerate([a.current_badge.code, "junk", "junk2", a.current_badge.code]):
        client.post("/api/v1/checkins", json={"code": code, "station": "Cổng chính", "scan_id": f"k{i}"}, headers=h)
    r = client.post("/api/v1/kiosk/heartbeat", json={"station": "Cổng chính", "queue_length": 3}, headers=h)
    assert r.status_code == 200
    assert client.post("/api/v1/kiosk/heartbeat", json={"queue_length": -1}, headers=h).status_code == 400
    assert client.post("/api/v1/kiosk/heartbeat", json={"queue_length": 1}).status_code == 401
    auth.as_role("admin")
    kiosk = client.get("/admin/dashboard.json").get_json()["kiosks"][0]
    assert kiosk["name"] == "cong-chinh" and kiosk["online"] is True
    assert kiosk["scans"] == 4 and kiosk["invalid_share"] == 50 and kiosk["queued"] == 3


def test_user_text_escaped_on_dashboard(client, auth, event):
    a = attendees(event)[0]  # a leader: listed as not arrived
    a.full_name = "<img src=x onerror=alert(1)>"
    db.session.commit()
    auth.as_role("admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_attendance_workbook(client, auth, event):
    a = attendees(event)
    a[2].organisation = '=HYPERLINK("http://evil","x")'
    db.session.commit()
    scan(event, a[0], "w1")
    auth.as_role("admin")
    r = client.get("/admin/reports/attendance.xlsx")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == [
        "Theo thành phần",
        "Danh sách",
        "Vắng mặt",
        "Theo thời gian",
        "Theo địa phương",
        "Điểm kiểm soát",
    ]
    by_group = list(wb["Theo thành phần"].iter_rows(min_row=2, max_row=4, values_only=True))
    assert by_group[0][:3] == ("Lãnh đạo", 1, 1) and by_group[-1][:3] == ("Tổng cộng", 6, 1)
    absent = [row[2] for row in wb["Vắng mặt"].iter_rows(min_row=2, values_only=True)]
    assert len(absent) == 5 and "Nguyễn Văn An" not in absent
    cells = [c for row in wb["Danh sách"].iter_rows() for c in row if str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula


def test_summary_pdf_and_cli(client, auth, event, runner, tmp_path):
    scan(event, attendees(event)[1], "p1")
    auth.as_role("admin")
    r = client.get("/admin/reports/summary.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.data)).pages)
    text = unicodedata.normalize("NFC", text)
    assert "BÁO CÁO TỔNG HỢP ĐIỂM DANH ĐẠI BIỂU" in text and "Khách mời" in text
    out = tmp_path / "r.xlsx"
    res = runner.invoke(args=["report", "--out", str(out)])
    assert res.exit_code == 0 and openpyxl.load_workbook(out)["Theo thành phần"]
    res = runner.invoke(args=["report", "--out", str(tmp_path / "r.doc")])
    assert res.exit_code != 0


def test_dashboard_live_in_browser(page, live_server):
    login_page(page, live_server, "admin")
    page.goto(live_server.url + "/admin/")
    assert page.inner_text('[data-stat="checked_in"]') == "0"
    with live_server.app.app_context():
        codes = [a.current_badge.code for a in db.session.scalars(db.select(Attendee).order_by(Attendee.id)).all()]
    h = {"Authorization": f"Bearer {live_server.token}"}
    for i, code in enumerate(codes[:2]):
        r = requests.post(
            live_server.url + "/api/v1/checkins",
            headers=h,
            timeout=5,
            json={"code": code, "station": "Cổng 1", "scan_id": f"b{i}"},
        )
        assert r.json()["result"] == "ok"
    expect(page.locator('[data-stat="checked_in"]')).to_have_text("2", timeout=2000)
    assert page.get_attribute("#live-state", "data-state") == "live"
    screenshot(page, "dashboard")


def test_kiosk_client_heartbeat_reaches_dashboard(live_server):
    from kiosk.client import ApiClient
    from models.accounts.models import Device

    ApiClient(live_server.url, live_server.token).post_heartbeat("Cổng phụ", 4)
    with live_server.app.app_context():
        dev = db.session.scalar(db.select(Device).where(Device.name == "kiosk-live"))
        assert dev.last_status == {"queue_length": 4, "station": "Cổng phụ", "online": True}
