"""What a scan costs at each kind of checkpoint (issue 24 item 5), in process, one thread:
the hall entrance (the arrival: the driver-level hall path of models.checkin.checkin) against
a checkpoint with each rule (once, daily, every, inout: the ORM write transaction of
_checkpoint_scan and the pass of models.checkin.checkpoints).

    .venv/bin/python scripts/bench_checkpoints.py [--delegates 400] [--db postgresql://...]

A fresh database (real migrations, scripts/chaos_kill.populate: an event of --delegates people);
each rule scans every delegate once (once, daily: all "ok") and then every delegate again (once,
daily: "already"; every, inout: "ok", the second pass / "out"). Prints one JSON line per
checkpoint: scans per second, median and 95th percentile in ms.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from chaos_kill import populate  # noqa: E402


def run(db_url: str, delegates: int) -> list[dict]:
    from app import create_app
    from models.checkin import checkpoints
    from models.checkin.checkin import check_in
    from models.checkin.checkpoints import Checkpoint
    from models.core.base import db
    from models.events.service import current_event_id

    instance = Path(tempfile.mkdtemp(prefix="bench-ckpt-", dir=ROOT))
    try:
        people, _token = populate(db_url, delegates, instance)
        app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
        out = []
        with app.app_context():
            ev = current_event_id()
            places = [("entrance", None)]
            for rule in checkpoints.RULES:
                cp = Checkpoint(event_id=ev, name=f"Bench {rule}", kind="other", rule=rule)
                db.session.add(cp)
                db.session.commit()
                places.append((rule, cp.id))
            checkpoints.changed()
            for label, cp_id in places:
                lat, outcomes = [], {}
                for round_no in range(2):
                    for _aid, code in people:
                        t = time.perf_counter()
                        r = check_in(
                            event_id=ev,
                            code=code,
                            station="bench",
                            scan_id=f"{label}-{round_no}-{len(lat)}",
                            checkpoint_id=cp_id,
                        )
                        lat.append(time.perf_counter() - t)
                        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
                lat.sort()
                out.append(
                    {
                        "checkpoint": label,
                        "scans": len(lat),
                        "outcomes": outcomes,
                        "per_s": round(len(lat) / sum(lat), 1),
                        "p50_ms": round(statistics.median(lat) * 1000, 2),
                        "p95_ms": round(lat[int(len(lat) * 0.95)] * 1000, 2),
                    }
                )
            db.engine.dispose()
        return out
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delegates", type=int, default=400)
    parser.add_argument("--db", default="", help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-ckpt-db-", dir=ROOT))
    try:
        url = args.db or f"sqlite:///{scratch / 'bench.db'}"
        for line in run(url, args.delegates):
            print(json.dumps(line, ensure_ascii=False))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
