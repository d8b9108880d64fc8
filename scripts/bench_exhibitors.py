"""Benchmark the exhibition pages and files at the size of a provincial fair.

    .venv/bin/python scripts/bench_exhibitors.py [--booths 200]

On a temporary SQLite database: loads the demo event, registers BOOTHS more exhibitors through
the public form (POST /exhibitors/register, in-process test client, CSRF off, rate limit raised),
approves them and puts them at tables, then times the admin list, the per-district view, the A5
table cards PDF and the .xlsx export. Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--booths", type=int, default=200)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-ex-")
    os.environ["EVENT_KIOSK_INSTANCE"] = tmp
    from app import create_app
    from models.core.base import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
            "WTF_CSRF_ENABLED": False,
            "EXHIBITOR_RATE_LIMIT": 10**9,
            "TESTING": True,
        }
    )
    with app.app_context():
        db.create_all()
        from models.demo.exhibition import prepare_demo_exhibition
        from models.demo.load import load_demo
        from models.exhibition.workflow import approve, find_exhibitors
        from models.units.models import District

        ev, _ = load_demo(with_users=False)
        for d in db.session.scalars(db.select(District).where(District.event_id == ev.id)):
            d.table_count = max(d.table_count, args.booths // 8 + 6)
        db.session.commit()
        districts = [d.id for d in ev.districts]
        client = app.test_client()
        t0 = time.perf_counter()
        for i in range(args.booths):
            form = {
                "name": f"Chủ thể thử {i}",
                "kind": "household",
                "district_id": str(districts[i % 9]),
                "address": "Nha Trang",
                "contact_name": "Nguyễn Văn A",
                "phone": "0905123456",
                "product-0-name": f"Sản phẩm {i}",
                "product-0-group": "thuc_pham",
                "product-0-rating": "3",
                "product-0-decision_no": "1/QĐ",
                "product-0-decision_date": "2024-06-01",
                "product-1-name": f"Sản phẩm tiềm năng {i}",
                "product-1-rating": "potential",
                "product-1-group": "do_uong",
                "staff-0-name": f"Trần Thị Bình {i}",
            }
            assert client.post("/exhibitors/register", data=form).status_code == 302
        dt = time.perf_counter() - t0
        print(f"register via the public form: {args.booths} in {dt:.2f} s ({1000 * dt / args.booths:.1f} ms each)")
        for ex in find_exhibitors(ev, status="registered"):
            approve(ex)
        placed, staff = prepare_demo_exhibition(ev)
        people = find_exhibitors(ev)
        print(f"exhibitors: {len(people)}, placed at tables now: {placed}, staff added: {staff}")
        from models.accounts.models import User

        u = User(username="bench", role="admin")
        u.set_password("bench-pass-123")
        db.session.add(u)
        db.session.commit()
        client.post("/login", data={"username": "bench", "password": "bench-pass-123"})
        for label, url in (
            ("admin list", "/admin/exhibitors"),
            ("per-district view", "/admin/exhibitors/districts"),
            ("table cards PDF", "/admin/exhibitors/cards.pdf"),
            ("xlsx export", "/admin/exhibitors/export.xlsx"),
        ):
            client.get(url)  # warm up
            t0 = time.perf_counter()
            resp = client.get(url)
            dt = time.perf_counter() - t0
            assert resp.status_code == 200, (url, resp.status_code)
            print(f"{label}: {1000 * dt:.0f} ms, {len(resp.data) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
