#!/usr/bin/env python
"""Make a test video (and optionally badge images) from exported badge codes.

For rehearsing a kiosk without people: export the codes (``flask --app app export-codes --out
codes.csv``), make a video of badges being shown one after the other, and run the kiosk on it:

    python scripts/make_test_media.py codes.csv --out entrance.avi --count 20 --degradation dim
    python -m kiosk --source entrance.avi --headless --server URL --token TOKEN --station test

With ``--images DIR`` it also writes one PNG per badge (print them, or show them to a camera).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk import media  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("codes_csv", help="CSV with at least a 'code' column (export-codes output)")
    p.add_argument("--out", default="entrance.avi", help="video file (.avi MJPG or .mp4)")
    p.add_argument("--count", type=int, default=10, help="how many badges (default 10)")
    p.add_argument("--size", default="1280x720", help="frame size WxH (default 1280x720)")
    p.add_argument("--fps", type=float, default=15.0)
    p.add_argument("--hold", type=float, default=1.0, help="seconds each badge is shown")
    p.add_argument("--gap", type=float, default=3.5, help="seconds between badges")
    p.add_argument("--degradation", default="clean", choices=sorted(media.DEGRADATIONS))
    p.add_argument("--images", help="also write one badge PNG per code into this folder")
    args = p.parse_args(argv)
    w, h = (int(x) for x in args.size.lower().split("x"))
    with open(args.codes_csv, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("code")][: args.count]
    if not rows:
        print("no codes found (need a 'code' column)", file=sys.stderr)
        return 1
    badges = [media.badge_image(r["code"], r.get("name", ""), r.get("seat", "")) for r in rows]
    if args.images:
        folder = Path(args.images)
        folder.mkdir(parents=True, exist_ok=True)
        for i, b in enumerate(badges):
            cv2.imwrite(str(folder / f"badge_{i + 1:03d}.png"), b)
    pose = media.DEGRADATIONS[args.degradation]
    pose = media.Pose(
        **{**pose.__dict__, "scale": max(pose.scale, 0.55) if args.degradation == "clean" else pose.scale}
    )
    frames = media.badge_sequence(badges, size=(w, h), fps=args.fps, hold_s=args.hold, gap_s=args.gap, pose=pose)
    media.write_video(args.out, frames, fps=args.fps)
    print(f"{args.out}: {len(rows)} badges, {len(frames)} frames at {w}x{h}, {args.fps:g} fps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
