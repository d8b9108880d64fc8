#!/usr/bin/env python
"""Benchmark the kiosk's decoding on synthetic webcam frames of real badges.

Measures, at 640x480 and 1280x720:
- decode + local verify time per frame with a badge (median, p95) and per empty frame;
- success per degradation (clean, small, rotated, perspective, motion, blur, dim, glare, noise,
  finger over the code, ...), for the kiosk's cascade and for plain pyzbar in the same run;
- frames from a badge becoming readable (by any decoder, any preprocessing) to the decision,
  frame by frame (file) and with a 30 fps camera where the decoder takes the newest frame;
- each decoder stage's share of the decisions;
- the door images of issue 24 (``kiosk/doorset.py``: pouch glare, curved on a lanyard, motion blur,
  phone screens, low light, tilted, and a clean control): read rate and ms per frame for
  zxing-cpp alone (QR only, defaults), the kiosk's pipeline, zxing-wasm alone (its defaults) and
  the phone page's decoder (``static/js/decoder.js`` run in node on the same frames).

Prints a table, then one JSON summary line (``--json FILE`` also writes it to a file).

    python scripts/bench_kiosk.py [--frames 30] [--approaches 8] [--door 40] [--door-only] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk import doorset, media  # noqa: E402
from kiosk.decode import Decoder, decode_pyzbar_only, decode_zxing_only, pyzbar_available  # noqa: E402
from kiosk.verify import Snapshot, verify_local  # noqa: E402
from models import codes  # noqa: E402

RESOLUTIONS = [(640, 480), (1280, 720)]
TAG = 5150


def pct(values, q):
    if not values:
        return float("nan")
    return float(np.percentile(np.array(values), q))


def make_world(n_people: int = 12):
    priv = codes.new_private_key()
    doc = {
        "version": "bench",
        "event": {"id": 1, "tag": TAG, "name": "Bench"},
        "keys": [{"event_tag": TAG, "key_no": 1, "public_key": codes.b64(codes.public_key_of(priv)), "event_id": 1}],
        "revoked": [],
        "roster": [
            {"id": i, "honorific": "Ông", "name": f"Nguyễn Văn {i}", "seat": f"A-{i}"} for i in range(1, n_people + 1)
        ],
    }
    snap = Snapshot.from_json(doc)
    people = []
    for i in range(1, n_people + 1):
        code = codes.make_code(priv, event_tag=TAG, key_no=1, attendee_id=i, serial=1)
        people.append((code, media.badge_image(code, f"Nguyễn Văn {i}", f"A-{i}")))
    return snap, people


def oracle_readable(frame, want: str) -> bool:
    """Readable by anything we have: every cascade stage, zxing's slow settings, pyzbar 1x/2x."""
    if want in [c.text for c in Decoder().decode(frame).codes]:
        return True
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    for binarizer in (zxingcpp.Binarizer.GlobalHistogram, zxingcpp.Binarizer.FixedThreshold):
        if want in [r.text for r in zxingcpp.read_barcodes(gray, binarizer=binarizer)]:
            return True
    big = cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    return want in [c.text for c in decode_pyzbar_only(big).codes]


def bench_resolution(size, snap, people, n_frames, rng):
    w, h = size
    bgs = [media.background(w, h, seed=s) for s in range(4)]
    decoder = Decoder()
    per_deg = {}
    times_cascade, times_zbar, share = [], [], Counter()
    for name, pose in media.DEGRADATIONS.items():
        ok_c = ok_z = wrong = wrong_z = 0
        for i in range(n_frames):
            code, badge = people[i % len(people)]
            frame = media.compose(badge, bgs[i % len(bgs)], media.jitter(pose, rng), seed=int(rng.integers(1 << 30)))
            t0 = time.perf_counter()
            res = decoder.decode(frame)
            verdicts = [verify_local(c.text, snap) for c in res.codes]
            dt = (time.perf_counter() - t0) * 1000
            texts = [c.text for c in res.codes]
            if code in texts:
                ok_c += 1
                share[res.codes[texts.index(code)].decoder] += 1
                if name in media.MILD:
                    times_cascade.append(dt)
                assert verdicts[texts.index(code)].result == "ok"
            wrong += sum(1 for t in texts if t != code)
            t0 = time.perf_counter()
            z = decode_pyzbar_only(frame)
            zv = [verify_local(c.text, snap) for c in z.codes]  # same work as the kiosk
            dz = (time.perf_counter() - t0) * 1000
            del zv
            wrong_z += sum(1 for c in z.codes if c.text != code)
            if code in [c.text for c in z.codes]:
                ok_z += 1
                if name in media.MILD:
                    times_zbar.append(dz)
        per_deg[name] = {
            "cascade": ok_c / n_frames,
            "pyzbar": ok_z / n_frames,
            "wrong_texts": wrong,
            "wrong_texts_pyzbar": wrong_z,
            "mild": name in media.MILD,
        }
    # empty frames: what the decoder spends while nobody is in front of the camera
    empty_c, empty_z = [], []
    for i in range(max(20, n_frames)):
        frame = bgs[i % len(bgs)]
        t0 = time.perf_counter()
        decoder.decode(frame)
        empty_c.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        decode_pyzbar_only(frame)
        empty_z.append((time.perf_counter() - t0) * 1000)
    mild = [d for d in per_deg.values() if d["mild"]]
    return {
        "size": f"{w}x{h}",
        "badge_frame_ms": {
            "cascade": {"median": statistics.median(times_cascade), "p95": pct(times_cascade, 95)},
            "pyzbar": {"median": statistics.median(times_zbar) if times_zbar else None, "p95": pct(times_zbar, 95)},
        },
        "empty_frame_ms": {
            "cascade": {"median": statistics.median(empty_c), "p95": pct(empty_c, 95)},
            "pyzbar": {"median": statistics.median(empty_z), "p95": pct(empty_z, 95)},
        },
        "success": per_deg,
        "mild_success": {
            "cascade": sum(d["cascade"] for d in mild) / len(mild),
            "pyzbar": sum(d["pyzbar"] for d in mild) / len(mild),
        },
        "decoder_share": dict(share),
    }


def simulate_camera(decode_ms: list[float], first_decodable: int, fps: float = 30.0) -> int:
    """With a camera at ``fps`` and a decoder that always takes the newest frame, the index of
    the first decodable frame the decoder actually looks at (frames it skipped are dropped)."""
    t = 0.0
    n = len(decode_ms)
    while True:
        i = min(n - 1, int(t * fps))  # newest frame delivered by time t
        if i >= first_decodable:
            return i
        t = max(t + decode_ms[i] / 1000, (i + 1) / fps)
        if i == n - 1:
            return n


def bench_approach(size, people, n_seq, rng):
    """A badge brought towards the camera: lag (frames) from readable to decided."""
    w, h = size
    lags_file, lags_cam, lags_zbar, never = [], [], [], 0
    decoder = Decoder()
    for s in range(n_seq):
        code, badge = people[s % len(people)]
        bg = media.background(w, h, seed=100 + s)
        poses = media.approach_poses(24, start_scale=0.06, end_scale=0.55, start_motion=int(rng.integers(8, 20)))
        frames = [media.compose(badge, bg, p, seed=s * 100 + i) for i, p in enumerate(poses)]
        readable = next((i for i, f in enumerate(frames) if oracle_readable(f, code)), None)
        if readable is None:
            never += 1
            continue
        decided, times = None, []
        for i, f in enumerate(frames):
            t0 = time.perf_counter()
            res = decoder.decode(f)
            times.append((time.perf_counter() - t0) * 1000)
            if decided is None and code in [c.text for c in res.codes]:
                decided = i
        zb = next(
            (i for i, f in enumerate(frames) if code in [c.text for c in decode_pyzbar_only(f).codes]), len(frames)
        )
        decided = len(frames) if decided is None else decided
        lags_file.append(decided - readable)
        lags_zbar.append(zb - readable)
        # live camera: the decoder only sees the frames it has time for
        lags_cam.append(simulate_camera(times, decided) - readable)
    return {
        "size": f"{w}x{h}",
        "sequences": n_seq,
        "never_readable": never,
        "lag_frames_file": lags_file,
        "lag_frames_camera30": lags_cam,
        "lag_frames_pyzbar": lags_zbar,
    }


DOOR_DECODERS = ("zxing-cpp alone", "kiosk pipeline", "zxing-wasm alone", "page decoder.js")


def bench_door(n: int) -> list[dict]:
    """Per size and category: frames read and median ms per frame for the four decoders."""
    door_snap = Snapshot.from_json(
        {
            "version": "door",
            "event": {"id": 1, "tag": doorset.EVENT_TAG, "name": "Door"},
            "keys": [
                {
                    "event_tag": doorset.EVENT_TAG,
                    "key_no": 1,
                    "public_key": codes.b64(codes.public_key_of(doorset.door_key())),
                    "event_id": 1,
                }
            ],
            "revoked": [],
            "roster": [{"id": i, "name": name, "seat": seat} for i, (name, seat) in enumerate(doorset.NAMES, 1)],
        }
    )
    decoder = Decoder()
    rows = []
    for size in doorset.SIZES:
        for category in doorset.CATEGORIES:
            pairs = list(doorset.door_frames(category, size, n))
            frames = [f for _, f in pairs]
            js = doorset.decode_in_node(frames)
            ok = dict.fromkeys(DOOR_DECODERS, 0)
            ms = {k: [] for k in DOOR_DECODERS}
            wrong = accepted_wrong = 0
            for (code, frame), j in zip(pairs, js, strict=True):
                z = decode_zxing_only(frame)
                k = decoder.decode(frame)
                got = {
                    "zxing-cpp alone": ([c.text for c in z.codes], z.ms),
                    "kiosk pipeline": ([c.text for c in k.codes], k.ms),
                    "zxing-wasm alone": (j["alone"], j["alone_ms"]),
                    "page decoder.js": (j["page"], j["page_ms"]),
                }
                for name, (texts, t) in got.items():
                    ok[name] += code in texts
                    ms[name].append(t)
                    wrong += sum(1 for t2 in texts if t2 != code)
                # what the kiosk would accept: only texts whose signature verifies
                accepted_wrong += sum(
                    1 for c in k.codes if c.text != code and verify_local(c.text, door_snap).result == "ok"
                )
            rows.append(
                {
                    "size": f"{size[0]}x{size[1]}",
                    "category": category,
                    "frames": n,
                    "read": ok,
                    "median_ms": {k: statistics.median(v) for k, v in ms.items()},
                    "wrong_texts": wrong,
                    "wrong_accepted": accepted_wrong,
                }
            )
    return rows


def print_door(rows: list[dict]) -> None:
    print("\n== door images (kiosk/doorset.py): frames read / frames, median ms per frame")
    head = " ".join(f"{d:>22s}" for d in DOOR_DECODERS)
    for size in dict.fromkeys(r["size"] for r in rows):
        print(f"  {size:8s} {'category':9s} {head}")
        total = dict.fromkeys(DOOR_DECODERS, 0)
        frames = 0
        for r in (r for r in rows if r["size"] == size):
            cells = []
            for d in DOOR_DECODERS:
                total[d] += r["read"][d]
                cells.append(f"{r['read'][d]:3d}/{r['frames']:<3d}{r['median_ms'][d]:8.1f} ms")
            frames += r["frames"]
            print(f"  {'':8s} {r['category']:9s} " + " ".join(f"{c:>22s}" for c in cells))
        print(f"  {'':8s} {'all':9s} " + " ".join(f"{f'{total[d]}/{frames}':>22s}" for d in DOOR_DECODERS))
    print(
        f"  wrong texts returned: {sum(r['wrong_texts'] for r in rows)}; "
        f"wrong texts the kiosk would accept: {sum(r['wrong_accepted'] for r in rows)}"
    )


def print_resolutions(results: list[dict]) -> None:
    for r in results:
        b, e = r["badge_frame_ms"], r["empty_frame_ms"]
        print(f"== {r['size']}")
        print(
            f"  decode+verify, frame with badge (mild set): cascade median "
            f"{b['cascade']['median']:.2f} ms, p95 {b['cascade']['p95']:.2f} ms | pyzbar "
            f"median {b['pyzbar']['median'] or float('nan'):.2f} ms, "
            f"p95 {b['pyzbar']['p95']:.2f} ms"
        )
        print(
            f"  empty frame: cascade median {e['cascade']['median']:.2f} ms, p95 "
            f"{e['cascade']['p95']:.2f} ms | pyzbar median {e['pyzbar']['median']:.2f} ms"
        )
        print(f"  {'degradation':15s} {'cascade':>8s} {'pyzbar':>8s}  wrong (cascade/pyzbar)")
        for name, d in r["success"].items():
            mark = "" if d["mild"] else "  (hard)"
            print(
                f"  {name:15s} {100 * d['cascade']:7.1f}% {100 * d['pyzbar']:7.1f}%  "
                f"{d['wrong_texts']:5d} / {d['wrong_texts_pyzbar']}{mark}"
            )
        m = r["mild_success"]
        print(f"  {'mild, overall':15s} {100 * m['cascade']:7.1f}% {100 * m['pyzbar']:7.1f}%")
        total = sum(r["decoder_share"].values())
        print(
            "  decoder share: "
            + ", ".join(
                f"{k} {v} ({100 * v / total:.1f}%)"
                for k, v in sorted(r["decoder_share"].items(), key=lambda kv: -kv[1])
            )
        )


def print_approach(approach: list[dict]) -> None:
    for a in approach:

        def fmt(xs):
            return (
                (
                    f"median {statistics.median(xs):.0f}, max {max(xs)}, "
                    f"on first readable {sum(1 for x in xs if x == 0)}/{len(xs)}"
                )
                if xs
                else "-"
            )

        print(
            f"== approach {a['size']}: frames from readable to decision: "
            f"file {fmt(a['lag_frames_file'])}; 30 fps camera {fmt(a['lag_frames_camera30'])};"
            f" pyzbar alone {fmt(a['lag_frames_pyzbar'])}"
        )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--frames", type=int, default=30, help="frames per degradation (default 30)")
    p.add_argument("--approaches", type=int, default=8, help="approach sequences per size")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--door", type=int, default=40, help="door images per category and size (0: skip)")
    p.add_argument("--door-only", action="store_true", help="only the door images")
    p.add_argument("--json", help="also write the JSON summary to this file")
    args = p.parse_args(argv)
    if not pyzbar_available():
        print("warning: pyzbar/libzbar missing: no fallback, no baseline", file=sys.stderr)
    cv2.setNumThreads(1)  # the kiosk decodes in one worker thread
    rng = np.random.default_rng(args.seed)
    snap, people = make_world()
    t_start = time.time()
    if args.door_only:
        door = bench_door(args.door)
        print_door(door)
        print("\nJSON " + json.dumps({"door": door, "seconds": round(time.time() - t_start, 1)}))
        return 0
    results = [bench_resolution(s, snap, people, args.frames, rng) for s in RESOLUTIONS]
    approach = [bench_approach(s, people, args.approaches, rng) for s in RESOLUTIONS]
    door = bench_door(args.door) if args.door else []

    print(
        f"\nKiosk decode benchmark ({platform.processor() or platform.machine()}, "
        f"{args.frames} frames per degradation)\n"
    )
    print_resolutions(results)
    print_approach(approach)
    if door:
        print_door(door)
    summary = {
        "door": door,
        "machine": platform.platform(),
        "cpus": __import__("os").cpu_count(),
        "frames_per_degradation": args.frames,
        "seconds": round(time.time() - t_start, 1),
        "resolutions": results,
        "approach": approach,
    }
    line = json.dumps(summary, ensure_ascii=False)
    print("\nJSON " + line)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
