"""Issue 13 item 6, the CLI half: from an empty database to one ceremony batch with the
commands alone (the delegation unit through import-structure), on SQLite and PostgreSQL.
Real .xlsx files built here, the real badge PDF rasterised and its QR decoded, the check-in
through POST /api/v1/checkins, the batch run through the MC JSON endpoints."""

from __future__ import annotations

import subprocess

import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from models.core.base import db
from models.events.models import Event
from models.events.service import current_event
from models.guests.models import Attendee
from models.units.models import District
from tests.guests.helpers import xlsx

GUESTS = [
    ["STT", "Danh xưng", "Họ và tên", "Chức vụ", "Đơn vị", "Thành phần", "Địa phương"],
    [1, "Đồng chí", "Trần Quốc Hưng", "Phó Chủ tịch UBND tỉnh", "UBND tỉnh", "Lãnh đạo UBND tỉnh", ""],
    [
        2,
        "Bà",
        "Đặng Thị Ánh Tuyết",
        "Chủ nhiệm HTX",
        "HTX Nông nghiệp Vĩnh Lương",
        "Chủ thể có sản phẩm OCOP",
        "Phường Bắc Nha Trang",
    ],
    [3, "Ông", "Lê Văn Đức", "Phóng viên", "Báo Khánh Hòa", "Báo chí, truyền hình", ""],
]
UNITS = [
    ["Mã", "Tên", "Loại", "Thứ tự", "Khu trưng bày", "Số bàn"],
    ["bac-nha-trang", "Phường Bắc Nha Trang", "phường", 1, "Khu A", 2],
]
AWARDS = [
    ["Sản phẩm", "Chủ thể", "Địa phương", "Hạng", "Người nhận"],
    ["Nước mắm cá cơm", "HTX Nông nghiệp Vĩnh Lương", "Phường Bắc Nha Trang", "4 sao", "Đặng Thị Ánh Tuyết"],
]


def ok(runner, *args, input=None):  # noqa: A002  (CliRunner.invoke's own name)
    r = runner.invoke(args=list(args), input=input)
    assert r.exit_code == 0, (args, r.output)
    return r.output


def test_empty_database_to_a_ceremony_batch_by_cli(runner, client, tmp_path):
    assert db.session.scalar(select(func.count(Event.id))) == 0
    ok(
        runner,
        "new-event",
        "--name",
        "Hội nghị tổng kết OCOP năm 2025",
        "--date",
        "2026-05-21",
        "--venue",
        "Trung tâm Hội nghị tỉnh",
        "--template",
        "ocop-review",
        "--allow-past",
    )
    units = tmp_path / "don-vi.xlsx"
    units.write_bytes(xlsx(UNITS))
    assert "thêm mới 1" in ok(runner, "import-structure", "units", str(units), "--dry-run")
    assert db.session.scalar(select(func.count(District.id))) == 0  # a dry run writes nothing
    assert "Đã nhập: 1 mới, 0 cập nhật" in ok(runner, "import-structure", "units", str(units))
    unit = db.session.scalar(select(District).where(District.event_id == current_event().id))
    assert (unit.code, unit.name, unit.kind, unit.exhibit_area, unit.table_count) == (
        "bac-nha-trang",
        "Phường Bắc Nha Trang",
        "phường",
        "Khu A",
        2,
    )

    guests = tmp_path / "khach-moi.xlsx"
    guests.write_bytes(xlsx(GUESTS))
    ok(runner, "import-attendees", str(guests))
    people = {a.full_name: a for a in db.session.scalars(select(Attendee))}
    assert len(people) == 3 and people["Đặng Thị Ánh Tuyết"].district.name == "Phường Bắc Nha Trang"
    assert people["Trần Quốc Hưng"].group.code == "lanh-dao-tinh"

    assert "Đã xếp 3 ghế; còn 0" in ok(runner, "assign-seats")
    db.session.expire_all()
    leader = people["Trần Quốc Hưng"]
    assert leader.seat.label.startswith("B-01-")  # the leaders' block, front row

    pdf = tmp_path / "the.pdf"
    assert "3 thẻ" in ok(runner, "badges", "--out", str(pdf))
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(pdf), str(tmp_path / "p")], check=True)
    scanned = [
        r.text
        for p in sorted(tmp_path.glob("p-*.png"))
        for r in zxingcpp.read_barcodes(Image.open(p), formats=zxingcpp.BarcodeFormat.QRCode)
    ]
    db.session.expire_all()
    by_code = {a.current_badge.code: a.full_name for a in db.session.scalars(select(Attendee))}
    assert sorted(by_code[c] for c in scanned) == sorted(people)

    token = ok(runner, "kiosk-token", "Cổng chính").strip().splitlines()[-1]
    code = next(c for c in scanned if by_code[c] == "Đặng Thị Ánh Tuyết")
    r = client.post(
        "/api/v1/checkins",
        headers={"Authorization": f"Bearer {token}"},
        json={"code": code, "station": "Cổng chính", "scan_id": "proof-1"},
    )
    answer = r.get_json()
    assert answer["result"] == "ok" and answer["attendee"]["name"] == "Đặng Thị Ánh Tuyết"
    assert answer["attendee"]["seat"]

    awards = tmp_path / "giai-thuong.xlsx"
    awards.write_bytes(xlsx(AWARDS))
    assert "created 1" in ok(runner, "import-awards", str(awards))
    batches = ok(runner, "award-batches")
    assert "4-sao" in batches and "Trần Quốc Hưng" in batches  # the leader presents

    ok(runner, "create-user", "mc1", "--role", "mc", input="mat-khau-mc-2026\n")
    assert client.post("/login", data={"username": "mc1", "password": "mat-khau-mc-2026"}).status_code == 302
    state = client.get("/mc/state.json").get_json()
    assert state["phase"] == "before"
    action = "start"
    for _ in range(12):  # through the programme items to the award segment's first batch
        r = client.post("/mc/action", json={"action": action, "version": state["version"]})
        assert r.status_code == 200, r.get_json()
        state, action = r.get_json(), "next"
        if state["batch"]:
            break
    batch = state["batch"]
    assert batch["number"] == 1 and batch["presenter"]["name"] == "Trần Quốc Hưng"
    (call,) = batch["calls"]  # one call per person, with every product listed
    (award,) = call["awards"]
    assert award["product"] == "Nước mắm cá cơm" and call["status"] == "on_stage"
    assert call["recipient"]["name"] == "Đặng Thị Ánh Tuyết" and call["recipient"]["arrived"]
    assert "Trao giấy chứng nhận" in state["current_item"]["title"]
    stage = client.get("/stage/state.json").get_json()
    assert "Đặng Thị Ánh Tuyết" in str(stage)
    r = client.post("/mc/action", json={"action": "next", "version": state["version"]})
    assert r.status_code == 200
    done = r.get_json()
    assert done["batch"] is None and done["current_item"]["title"].startswith("Phát biểu")
