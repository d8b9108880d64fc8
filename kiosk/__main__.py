"""Command line: ``python -m kiosk [run] ...``, ``python -m kiosk sync ...``,
``python -m kiosk decode FILE...``, ``python -m kiosk cameras``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path

from . import config as cfg

USAGE_EXAMPLES = """\
examples:
  python -m kiosk --server http://192.168.1.10:8000 --token TOKEN --station "Cổng chính" --source 0
  python -m kiosk --source recording.mp4 --headless --server URL --token TOKEN --station test
  python -m kiosk sync --server URL --token TOKEN --state-dir instance/kiosk
  python -m kiosk decode photo.jpg badge_test.mp4
  python -m kiosk cameras          # which camera indices deliver frames

Every option can also come from kiosk.toml (--config) or an environment variable
KIOSK_<OPTION> (KIOSK_SERVER, KIOSK_TOKEN, KIOSK_STATION, KIOSK_SOURCE, KIOSK_STATE_DIR, ...).
"""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="kiosk.toml to read (default ./kiosk.toml if present)")
    p.add_argument("--server", help="server base URL, e.g. http://192.168.1.10:8000")
    p.add_argument("--token", help="kiosk device token")
    p.add_argument("--state-dir", dest="state_dir", help=f"snapshot cache and queue (default {cfg.DEFAULT_STATE_DIR}/)")
    p.add_argument("--timeout", type=float, help="seconds to wait for the server (default 1.5)")
    p.add_argument("-v", "--verbose", action="store_true")


def run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m kiosk",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Entrance kiosk: scan badges with a webcam, check attendees in.",
        epilog=USAGE_EXAMPLES,
    )
    _common(p)
    p.add_argument("--station", help="station name (shown and recorded)")
    p.add_argument(
        "--source", help="camera index (0), /dev/videoN, video file, image folder or stream URL (rtsp://, http://)"
    )
    p.add_argument(
        "--headless",
        action="store_true",
        default=None,
        help="no window, no sound; one JSON line per decision on stdout",
    )
    p.add_argument("--width", type=int, help="camera width to ask for (default 1280)")
    p.add_argument("--height", type=int, help="camera height to ask for (default 720)")
    p.add_argument("--fps", type=float, help="camera frame rate to ask for; image folder pace")
    p.add_argument(
        "--backend",
        choices=["auto", "v4l2", "dshow", "msmf", "avfoundation", "ffmpeg", "gstreamer"],
        help="camera capture API",
    )
    p.add_argument("--fourcc", help="camera pixel format, e.g. MJPG")
    p.add_argument(
        "--realtime",
        action="store_true",
        default=None,
        help="play a file at its own speed, dropping frames like a camera",
    )
    p.add_argument(
        "--windowed",
        dest="fullscreen",
        action="store_false",
        default=None,
        help="a normal window instead of full screen",
    )
    p.add_argument("--screen-width", dest="screen_width", type=int)
    p.add_argument("--screen-height", dest="screen_height", type=int)
    p.add_argument("--no-sound", dest="sound", action="store_false", default=None)
    p.add_argument("--hold", type=float, help="seconds an answer stays on screen (default 3)")
    p.add_argument("--repeat", type=float, help="ignore the same code until unseen this many seconds (default 3)")
    p.add_argument("--snapshot-interval", dest="snapshot_interval", type=float)
    p.add_argument(
        "--decoders",
        help="decoder stages in order (default zxing,zxing_sharp,zxing_clahe,zxing_up,zxing_bright,zxing_flat,pyzbar)",
    )
    p.add_argument(
        "--screenshot",
        metavar="DIR",
        help="save each answer's screen as a PNG in DIR (NNNN-RESULT.png), also when --headless",
    )
    return p


def sync_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m kiosk sync",
        description="Refresh the cached snapshot and send every queued scan; "
        "exit 0 when the queue is empty, 1 when scans are left, 2 on a bad token.",
    )
    _common(p)
    return p


def decode_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m kiosk decode",
        description="Decode QR codes in images or videos; one JSON line per file "
        '{"file", "codes": [{"text", "points"}], "ms"}.',
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--decoders", default=cfg.Config.decoders)
    return p


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s kiosk %(levelname)s %(message)s",
        stream=sys.stderr,
    )


def _load(ns: argparse.Namespace) -> cfg.Config:
    values = {k: v for k, v in vars(ns).items() if k not in ("config", "verbose")}
    return cfg.load(values, config_path=ns.config)


def decode_files(files: list[str], stages: list[str], out=None) -> int:
    """One JSON line per file; videos report every distinct code seen in any frame."""
    import cv2

    from .decode import Decoder
    from .sources import IMAGE_SUFFIXES

    out = out or sys.stdout
    decoder = Decoder(stages)
    status = 0
    expanded: list[str] = []
    for name in files:  # a folder stands for the images in it (measuring a photo set)
        p = Path(name)
        if p.is_dir():
            expanded += [str(f) for f in sorted(p.iterdir()) if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES]
        else:
            expanded.append(name)
    found, times, shares = 0, [], Counter()
    for name in expanded:
        t0 = time.perf_counter()
        line: dict = {"file": name, "codes": []}
        path = Path(name)
        try:
            if not path.is_file():
                raise ValueError("no such file")
            if path.suffix.lower() in IMAGE_SUFFIXES:
                image = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if image is None:
                    raise ValueError("not an image")
                frames = [image]
            else:
                frames = _video_frames(path)
            seen: dict[str, dict] = {}
            for image in frames:
                res = decoder.decode(image)
                for c in res.codes:
                    if c.text not in seen:
                        seen[c.text] = c.to_json()
                        shares[c.decoder] += 1
            line["codes"] = list(seen.values())
            found += bool(seen)
        except (ValueError, OSError, cv2.error) as exc:
            line["error"] = str(exc)
            status = 1
        line["ms"] = round((time.perf_counter() - t0) * 1000, 2)
        times.append(line["ms"])
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()
    if len(expanded) > 1:  # a summary for photo sets, on stderr (stdout stays one line per file)
        times.sort()
        print(
            f"decode: codes found in {found} of {len(expanded)} files, median "
            f"{times[len(times) // 2]:.1f} ms per file; decoder share: "
            + (", ".join(f"{k} {v}" for k, v in shares.most_common()) or "none"),
            file=sys.stderr,
        )
    return status


def _video_frames(path: Path):
    import cv2

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise ValueError("not an image or video")
    try:
        while True:
            ok, image = cap.read()
            if not ok:
                return
            yield image
    finally:
        cap.release()


def list_cameras(argv: list[str], out=None) -> int:
    """`python -m kiosk cameras [--max N] [--backend B]`: one JSON line per camera index that
    opens and delivers a frame, with the resolution it gives by default."""
    import cv2

    from .sources import BACKENDS

    p = argparse.ArgumentParser(
        prog="python -m kiosk cameras", description="List the camera indices that deliver frames."
    )
    p.add_argument("--max", type=int, default=8, help="indices 0..N-1 to try (default 8)")
    p.add_argument("--backend", default="auto", choices=sorted(BACKENDS))
    ns = p.parse_args(argv)
    cv2.setLogLevel(1)  # fatal only: a missing index is the normal case here, not an error
    out = out or sys.stdout
    found = 0
    for index in range(ns.max):
        cap = cv2.VideoCapture(index, BACKENDS[ns.backend])
        try:
            ok, frame = cap.read() if cap.isOpened() else (False, None)
            if ok and frame is not None:
                found += 1
                out.write(
                    json.dumps(
                        {
                            "source": str(index),
                            "width": frame.shape[1],
                            "height": frame.shape[0],
                            "fps": cap.get(cv2.CAP_PROP_FPS),
                        }
                    )
                    + "\n"
                )
        finally:
            cap.release()
    if not found:
        print("no camera found", file=sys.stderr)
    return 0 if found else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = "run"
    if argv and argv[0] in ("run", "sync", "decode", "cameras"):
        command = argv.pop(0)
    if command == "cameras":
        return list_cameras(argv)
    if command == "decode":
        ns = decode_parser().parse_args(argv)
        return decode_files(ns.files, [s.strip() for s in ns.decoders.split(",") if s.strip()])
    if command == "sync":
        ns = sync_parser().parse_args(argv)
        _setup_logging(ns.verbose)
        conf = _load(ns)
        if not conf.server:
            print("kiosk sync: --server is required (or KIOSK_SERVER)", file=sys.stderr)
            return 2
        from .app import sync_command

        return sync_command(conf)
    ns = run_parser().parse_args(argv)
    _setup_logging(ns.verbose)
    try:
        conf = _load(ns)
    except (OSError, ValueError) as exc:
        print(f"kiosk: bad configuration: {exc}", file=sys.stderr)
        return 2
    if not conf.server:
        logging.getLogger("kiosk").warning("no --server given: working offline from the cached snapshot only")
    from .app import Kiosk

    try:
        kiosk = Kiosk(conf)
    except ValueError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    return kiosk.run()


if __name__ == "__main__":
    sys.exit(main())
