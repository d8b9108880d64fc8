"""Scale benchmark of the guest list (issue 4): 10,000 delegates.

Measures, on a fresh SQLite database in a temporary folder (or DATABASE_URL when given):
  1. import of a 10,000-row .xlsx (read + check + write in one transaction)     target <= 10 s
  2. re-import of the same file (every row recognised by its key, nothing new)
  3. seat assignment of the 10,000 (hall of 10,500 seats in 5 blocks)            target <= 5 s
  4. badges for all: issue 10,000 signed codes + A6 PDF (10,000 pages)           target <= 60 s
     (and the same cards as A4 sheets of four)

Usage: .venv/bin/python scripts/bench_scale.py [--people 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Tôn Nữ",
]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Hữu", "Kim", "Xuân", "Anh"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Giang",
    "Hà",
    "Hải",
    "Hằng",
    "Hùng",
    "Khánh",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Ngọc",
    "Phúc",
    "Quang",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Tuyết",
    "Việt",
    "Yến",
    "Ý",
]
POSITIONS = [
    "Giám đốc",
    "Phó Giám đốc",
    "Trưởng phòng",
    "Chuyên viên",
    "Chủ tịch UBND xã",
    "Chủ nhiệm HTX",
    "Phóng viên",
    "Đại diện",
]
ORGS = [
    "Sở Tài chính",
    "Sở Công Thương",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "UBND xã Suối Tân",
    "HTX Nông nghiệp Diên An",
    "Báo Khánh Hòa",
    "Công ty TNHH Yến sào Hòn Nội Xanh",
    "Liên minh HTX tỉnh",
]


def make_list(n: int, groups: list[str], rng: random.Random) -> bytes:
    from openpyxl import Workbook

    from models.guests.exports import sheet_title

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title("Danh sách"))
    ws.append(["DANH SÁCH ĐẠI BIỂU"])
    ws.append(
        ["STT", "Mã", "Danh xưng", "Họ và tên", "Chức vụ", "Đơn vị", "Thành phần", "Điện thoại", "Thứ tự ưu tiên"]
    )
    for i in range(n):
        hon = rng.choice(["Ông", "Bà"])
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        ws.append(
            [
                i + 1,
                f"DB{i:05d}",
                hon,
                name,
                rng.choice(POSITIONS),
                rng.choice(ORGS),
                groups[i % len(groups)],
                f"09{rng.randrange(10**8):08d}",
                rng.randrange(1, 5000),
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--keep", help="write the list and the PDFs into this folder")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EVENT_KIOSK_INSTANCE", str(work / "instance"))
    from app import create_app
    from models.core.base import db
    from models.events.models import Group
    from models.events.service import create_event
    from models.guests.badge_pdf import prepare_badges, render_badges
    from models.guests.imports import apply, preview
    from models.seating.assignment import assign_seats, build_block, rank_seats

    uri = os.environ.get("DATABASE_URL") or f"sqlite:///{work / 'bench.db'}"
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://") :]
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "TESTING": True})
    figures: list[tuple[str, float, float, str]] = []

    def timed(label: str, target: str = ""):
        """Wall-clock seconds, and this process's CPU seconds (the figure that does not depend on
        what else the machine is doing)."""

        class T:
            def __enter__(self):
                self.t, self.c = time.perf_counter(), time.process_time()

            def __exit__(self, *exc):
                figures.append((label, time.perf_counter() - self.t, time.process_time() - self.c, target))
                print(
                    f"  {label}: {figures[-1][1]:.2f} s wall, {figures[-1][2]:.2f} s CPU "
                    f"{('(target ' + target + ')') if target else ''}",
                    flush=True,
                )

        return T()

    with app.app_context():
        db.drop_all()
        db.create_all()
        ev = create_event(
            slug="bench",
            name="Hội nghị tổng kết Chương trình OCOP tỉnh Khánh Hòa (thử tải)",
            date=date(2025, 5, 22),
            venue="Nha Trang",
            planned_seats=args.people,
        )
        groups = []
        for i, name in enumerate(
            [
                "Lãnh đạo tỉnh",
                "Sở, ban, ngành",
                "Lãnh đạo huyện",
                "UBND xã",
                "Chủ thể OCOP",
                "Doanh nghiệp",
                "Báo chí",
                "Khách mời",
            ]
        ):
            g = Group(
                event_id=ev.id,
                code=f"g{i}",
                name=name,
                priority=i + 1,
                is_leader=i == 0,
                color=["#c62828", "#1565c0", "#6a1b9a", "#2e7d32", "#ef6c00", "#00838f", "#5d4037", "#455a64"][i],
            )
            db.session.add(g)
            groups.append(g)
        db.session.flush()
        per_block = -(-int(args.people * 1.05) // 5)
        rows = -(-per_block // 42)
        for b in range(5):
            build_block(
                ev,
                code="ABCDE"[b],
                name=f"Khu {'ABCDE'[b]}",
                rows=rows,
                seats_per_row=42,
                x=b * 44,
                groups=groups[b * 2 : b * 2 + 2] if b < 4 else [],
            )
        rank_seats(ev)
        db.session.commit()
        data = make_list(args.people, [g.name for g in groups], random.Random(2025))
        (work / "danh-sach.xlsx").write_bytes(data)
        print(f"{args.people} delegates, list {len(data) / 1e6:.1f} MB, database {uri.split(':')[0]}, folder {work}")
        with timed(f"import {args.people} rows (.xlsx)", "<= 10 s"):
            report = preview(ev, data, "danh-sach.xlsx")
            apply(ev, report, actor="bench")
        assert report.created == args.people, report.lines()[:5]
        with timed("re-import, same list (all recognised, nothing new)"):
            again = preview(ev, data, "danh-sach.xlsx")
            apply(ev, again, actor="bench")
        assert again.created == 0
        with timed(f"assign seats to {args.people}", "<= 5 s"):
            given = assign_seats(ev)
            db.session.commit()
        assert given == args.people, given
        with timed(f"badges for all: issue {args.people} signed codes + A6 PDF", "<= 60 s"):
            cards = prepare_badges(ev)
            pdf = render_badges(cards, "a6")
        print(f"  A6 PDF: {len(cards)} pages, {len(pdf) / 1e6:.1f} MB")
        (work / "badges-a6.pdf").write_bytes(pdf)
        with timed(f"badge PDF A4 x4, {len(cards)} cards"):
            pdf4 = render_badges(cards, "a4")
        (work / "badges-a4.pdf").write_bytes(pdf4)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{os.cpu_count()} CPUs, load average {load:.1f} at the end\n")
    print("| step | wall s | CPU s | target |\n|---|---|---|---|")
    for label, secs, cpu, target in figures:
        print(f"| {label} | {secs:.2f} | {cpu:.2f} | {target} |")


if __name__ == "__main__":
    main()
