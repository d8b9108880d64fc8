"""District delegations: how heavy are the officer's page, its arrivals poll and the letters?

    .venv/bin/python scripts/bench_districts.py [--delegates 100]

A temporary SQLite database with the demo event (250 delegates, 9 districts) plus one district
with --delegates accepted nominations (seats and badges), a third of them checked in. Prints
the median time of: GET /d/<token>/arrivals.json (what every officer's phone polls every 4 s),
GET /d/<token> (the whole page), POST /d/<token>/nominations (validation, duplicate check,
insert), accepting a nomination (seat + badge), and rendering the district's letters PDF
(time and size per page).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, n: int) -> float:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--delegates", type=int, default=100)
    args = ap.parse_args()

    from app import create_app
    from models.checkin.checkin import check_in
    from models.core.base import db
    from models.demo.districts import prepare_demo_delegations
    from models.demo.load import load_demo
    from models.districts import delegations as ds
    from models.districts.invitations import letter_data, render_letters
    from models.events.models import Group
    from models.seating.assignment import build_block, rank_seats

    tmp = tempfile.mkdtemp()
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
            "WTF_CSRF_ENABLED": False,
            "DISTRICT_RATE_LIMIT": 100000,
        }
    )
    with app.app_context():
        db.create_all()
        ev, _ = load_demo(with_users=False)
        prepare_demo_delegations(ev)
        build_block(ev, code="Z", name="Khu thêm", rows=max(1, args.delegates // 20 + 1), seats_per_row=20, x=40)
        rank_seats(ev)
        d = ev.districts[5]
        g = db.session.scalars(db.select(Group).where(Group.event_id == ev.id, Group.code == "doanh-nghiep")).one()
        ds.set_quota(d, g, args.delegates)
        link = ds.current_link(d)
        link.deadline = None
        people = [
            ds.save_nomination(
                link,
                {
                    "honorific": "Ông",
                    "full_name": f"Nguyễn Văn Thử {i}",
                    "organisation": f"HTX số {i}",
                    "group": str(g.id),
                    "phone": "",
                },
            )
            for i in range(args.delegates)
        ]
        db.session.commit()
        t = time.perf_counter()
        for p in people[:-1]:
            ds.accept(p)
        db.session.commit()
        accept_ms = (time.perf_counter() - t) * 1000 / max(1, len(people) - 1)
        for i, p in enumerate(people[: len(people) // 3]):
            check_in(event_id=ev.id, code=p.current_badge.code, scan_id=f"b-{i}", station="Cửa")
        token = ds.district_token(link, app.secret_key)
        client = app.test_client()
        n_deleg = len(ds.delegation(d))
        arrivals = timed(lambda: client.get(f"/d/{token}/arrivals.json"), 30)
        page = timed(lambda: client.get(f"/d/{token}"), 10)
        counter = iter(range(10**6))
        post = timed(
            lambda: client.post(
                f"/d/{token}/nominations",
                data={
                    "honorific": "Bà",
                    "full_name": f"Trần Thị Đo {next(counter)}",
                    "organisation": "Tổ hợp tác",
                    "group": str(g.id),
                    "phone": "",
                },
            ),
            20,
        )
        letters = letter_data(ev, d)
        t = time.perf_counter()
        pdf = render_letters(ev, letters, ev.date)
        pdf_ms = (time.perf_counter() - t) * 1000
    print(f"district {d.name}: {n_deleg} delegates on the guest list, {len(people) // 3} arrived")
    print(f"GET arrivals.json           median {arrivals:7.1f} ms")
    print(f"GET officer page            median {page:7.1f} ms")
    print(f"POST nomination             median {post:7.1f} ms")
    print(f"accept (seat + badge)       mean   {accept_ms:7.1f} ms")
    print(
        f"letters PDF: {len(letters)} pages in {pdf_ms:.0f} ms ({pdf_ms / len(letters):.1f} ms/page), "
        f"{len(pdf) / 1024:.0f} KiB ({len(pdf) / 1024 / len(letters):.1f} KiB/page)"
    )


if __name__ == "__main__":
    main()
