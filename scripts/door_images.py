#!/usr/bin/env python
"""Write the door images (kiosk/doorset.py) to a folder, on demand: CATEGORY_WxH_NNN.png.

Synthetic, not photographed (there is no camera on the build machine); the same arguments give
the same files. The name of each file's badge code is in FOLDER/codes.tsv, so any decoder can be
scored on them (``python -m kiosk decode FOLDER/`` reads a folder of photos too).

    python scripts/door_images.py OUT_DIR [--n 40] [--categories pouch,phone] [--sizes 640x480,1280x720]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk import doorset  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--n", type=int, default=40, help="images per category and size (default 40)")
    p.add_argument("--categories", default=",".join(doorset.CATEGORIES))
    p.add_argument("--sizes", default="640x480,1280x720")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    lines = []
    for size in [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]:
        for cat in args.categories.split(","):
            for i, (code, frame) in enumerate(doorset.door_frames(cat, size, args.n, seed=args.seed)):
                name = f"{cat}_{size[0]}x{size[1]}_{i:03d}.png"
                cv2.imwrite(str(args.out / name), frame)
                lines.append(f"{name}\t{code}")
    (args.out / "codes.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} images in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
