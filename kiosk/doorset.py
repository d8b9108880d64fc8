"""Door images: badges photographed the way a door photographs them, category by category.

A set of hard frames for measuring decoders (issue 24, item 6), made from real signed badge codes
(``models.codes``, a fixed key, so the same seed gives the same bytes) rendered by
``kiosk.media.badge_image``. Nothing here is a photograph: there is no camera on the build machine.
Each category imitates one way a door is hard:

- ``clean``: the control, a badge held still in good light.
- ``pouch``: a badge in a plastic pouch: a haze over the card, one to three specular highlights
  (hard-edged, saturated) and a long reflection band across the code.
- ``lanyard``: a badge curved on a lanyard: bent round a vertical cylinder (the code's columns
  squeezed towards the edges, its rows bowed), shaded towards the edges, a little tilted.
- ``motion``: the badge moving: motion blur of 6 to 13 px (at 720 lines) in any direction.
- ``phone``: a code shown on a phone screen: a dark surround, a small bright screen, the screen's
  pixel grid beating against the camera's (moiré), sometimes a reflection on the glass.
- ``lowlight``: a dim entrance: light at 5 to 16 %, sensor noise, the camera's gain and JPEG.
- ``tilted``: the card turned 45 to 62 degrees away from the camera (a real 3-D rotation, seen
  through a pinhole camera).

``door_frames(category, size, n, seed)`` returns ``(code, frame)`` pairs; ``scripts/door_images.py``
writes them to a folder on demand.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from kiosk import media
from models import codes

CATEGORIES = ("clean", "pouch", "lanyard", "motion", "phone", "lowlight", "tilted")
SIZES = ((640, 480), (1280, 720))
EVENT_TAG = 240024
NAMES = [
    ("Nguyễn Văn An", "A-01"),
    ("Đặng Thị Bích Ngọc", "A-02"),
    ("Huỳnh Thị Ánh Tuyết", "B-14"),
    ("Trần Quốc Dũng", "C-07"),
    ("Lê Hữu Phước", "D-03"),
    ("Phạm Thị Thu Hằng", "E-11"),
]


def door_key() -> bytes:
    """The fixed Ed25519 key the door set's badges are signed with (Ed25519 signs deterministically)."""
    return hashlib.sha256(b"event-kiosk door images").digest()


def door_people() -> list[tuple[str, np.ndarray]]:
    """(code, badge image) for the set's six people, signed with ``door_key``."""
    key = door_key()
    out = []
    for i, (name, seat) in enumerate(NAMES, start=1):
        code = codes.make_code(key, event_tag=EVENT_TAG, key_no=1, attendee_id=i, serial=1)
        out.append((code, media.badge_image(code, name, seat)))
    return out


def _jitter(rng: np.random.Generator, scale: float, angle: float = 12) -> media.Pose:
    return media.Pose(
        cx=0.5 + rng.uniform(-0.15, 0.15),
        cy=0.5 + rng.uniform(-0.06, 0.06),
        scale=scale * rng.uniform(0.9, 1.1),
        angle=rng.uniform(-angle, angle),
    )


def _qr_box(badge: np.ndarray) -> tuple[int, int, int]:
    """Left, top and side of the QR on a ``media.badge_image`` card."""
    h, w = badge.shape[:2]
    side = int(w * 0.78)
    return (w - side) // 2, int(h * 0.15), side


# -- the categories ---------------------------------------------------------------------------
def _clean(badge, bg, rng):
    return media.compose(badge, bg, _jitter(rng, 0.55), seed=int(rng.integers(1 << 30)))


def _pouch_badge(badge: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The card seen through a glossy plastic pouch: haze, highlights, a reflection band."""
    h, w = badge.shape[:2]
    out = badge.astype(np.float32) * rng.uniform(0.78, 0.9) + rng.uniform(25, 45)
    qx, qy, side = _qr_box(badge)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(1, 4))):
        cx, cy = qx + rng.uniform(0.15, 0.85) * side, qy + rng.uniform(0.15, 0.85) * side
        rx, ry = side * rng.uniform(0.08, 0.2), side * rng.uniform(0.05, 0.14)
        a = rng.uniform(0, math.pi)
        dx, dy = xx - cx, yy - cy
        u = (dx * math.cos(a) + dy * math.sin(a)) / rx
        v = (-dx * math.sin(a) + dy * math.cos(a)) / ry
        d = u * u + v * v
        # a saturated core with a soft rim: a specular reflection of a ceiling lamp
        light = np.maximum(light, np.clip(1.6 - d, 0, 1) ** 0.6 * rng.uniform(180, 280))
    # a long reflection band across the pouch (a window, a strip light)
    a = rng.uniform(-0.6, 0.6)
    off = qy + rng.uniform(0.2, 0.8) * side
    dist = np.abs((yy - off) * math.cos(a) - (xx - w / 2) * math.sin(a))
    band = np.exp(-((dist / (side * rng.uniform(0.04, 0.09))) ** 2)) * rng.uniform(60, 150)
    out = out + light[..., None] + band[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def _pouch(badge, bg, rng):
    pose = _jitter(rng, 0.55)
    pose.blur = rng.uniform(0, 0.8)
    return media.compose(_pouch_badge(badge, rng), bg, pose, seed=int(rng.integers(1 << 30)))


def _cylinder(badge: np.ndarray, curve: float) -> np.ndarray:
    """The card bent round a vertical cylinder, seen from in front: ``curve`` is the arc's half
    angle (radians). Columns squeeze towards the edges, rows bow, the edges darken."""
    h, w = badge.shape[:2]
    r = (w / 2) / curve
    out_w = int(round(2 * r * math.sin(curve)))
    xs = (np.arange(out_w, dtype=np.float32) - out_w / 2) / r  # sin(theta)
    theta = np.arcsin(np.clip(xs, -1, 1))
    src_x = theta * r + w / 2
    # the parts nearer the camera look larger: rows bow outwards in the middle
    depth = r * (1 - np.cos(theta))  # how far behind the front line
    zoom = 1 / (1 + depth / (3.0 * w))
    pad = int(h * 0.02) + 2
    out_h = h + 2 * pad
    ys = np.arange(out_h, dtype=np.float32) - out_h / 2
    map_x = np.broadcast_to(src_x[None, :], (out_h, out_w)).astype(np.float32)
    map_y = (ys[:, None] / zoom[None, :] + h / 2).astype(np.float32)
    bent = cv2.remap(badge, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    shade = (0.55 + 0.45 * np.cos(theta)).astype(np.float32)
    return (bent.astype(np.float32) * shade[None, :, None]).clip(0, 255).astype(np.uint8)


def _lanyard(badge, bg, rng):
    bent = _cylinder(badge, rng.uniform(0.75, 1.25))
    pose = _jitter(rng, 0.55, angle=10)
    pose.tilt = rng.uniform(-0.3, 0.3)
    return media.compose(bent, bg, pose, seed=int(rng.integers(1 << 30)))


def _motion_kernel(length: int, angle: float) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    c = (length - 1) / 2
    dx, dy = math.cos(angle), math.sin(angle)
    for t in np.linspace(-c, c, length * 3):
        k[int(round(c + t * dy)), int(round(c + t * dx))] = 1
    return k / k.sum()


def _motion(badge, bg, rng):
    frame = media.compose(badge, bg, _jitter(rng, 0.55), seed=int(rng.integers(1 << 30)))
    px = frame.shape[0] / 720
    length = max(3, int(round(rng.uniform(6, 13) * px)))
    frame = cv2.filter2D(frame, -1, _motion_kernel(length, rng.uniform(0, math.pi)))
    return (frame + rng.normal(0, 2, frame.shape)).clip(0, 255).astype(np.uint8)


def _screen(code: str, rng: np.random.Generator) -> np.ndarray:
    """A phone showing the code: black body, a bright screen with the QR on white."""
    qr = media.qr_image(code, box=1, border=2)
    n = qr.shape[0]
    sw, sh = int(n * 1.25), int(n * 2.6)
    scr = np.full((sh, sw), 250, np.uint8)
    y0 = int(sh * 0.28)
    x0 = (sw - n) // 2
    scr[y0 : y0 + n, x0 : x0 + n] = qr
    scr = cv2.cvtColor(scr, cv2.COLOR_GRAY2BGR)
    scr[: int(sh * 0.08)] = (40, 40, 40)  # the status bar
    body = np.full((sh + 24, sw + 10, 3), 15, np.uint8)
    body[12 : 12 + sh, 5 : 5 + sw] = scr
    return body


def _subpixel(img: np.ndarray, pitch: float, rng) -> np.ndarray:
    """The screen's pixel grid: RGB stripes and dark gaps at ``pitch`` frame pixels, which beat
    against the camera's own pixels (moiré) once resampled."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    phase = rng.uniform(0, 2 * math.pi)
    cols = 0.72 + 0.28 * np.cos(2 * math.pi * xx / pitch + phase)
    rows = 0.8 + 0.2 * np.cos(2 * math.pi * yy / pitch + phase)
    grid = cols * rows
    out = img.astype(np.float32) * grid[..., None]
    sub = np.stack([np.cos(2 * math.pi * (xx / pitch + k / 3)) for k in range(3)], axis=-1)
    out *= 1 + 0.12 * sub
    return out.clip(0, 255).astype(np.uint8)


def _phone(badge, bg, rng, code: str = ""):
    fh, fw = bg.shape[:2]
    dark = (bg.astype(np.float32) * rng.uniform(0.25, 0.45)).astype(np.uint8)
    phone = _screen(code, rng)
    pose = _jitter(rng, rng.uniform(0.45, 0.62), angle=15)
    pose.tilt = rng.uniform(-0.3, 0.3)
    # render the phone at a large scale with the grid, then let compose shrink it: moiré
    big = cv2.resize(phone, None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST)
    big = _subpixel(big, rng.uniform(2.2, 3.4), rng)
    frame = media.compose(big, dark, pose, seed=int(rng.integers(1 << 30)))
    if rng.random() < 0.5:  # a reflection on the glass
        yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
        g = np.exp(-(((xx - fw * pose.cx) / (fw * 0.08)) ** 2)) * rng.uniform(40, 90)
        frame = (frame + g[..., None]).clip(0, 255).astype(np.uint8)
    frame = cv2.GaussianBlur(frame, (0, 0), 0.6 * fh / 720)
    return (frame + rng.normal(0, 2.5, frame.shape)).clip(0, 255).astype(np.uint8)


def _lowlight(badge, bg, rng):
    pose = _jitter(rng, 0.5)
    pose.blur = rng.uniform(0.3, 1.0)
    frame = media.compose(badge, bg, pose, seed=int(rng.integers(1 << 30))).astype(np.float32)
    light = rng.uniform(0.05, 0.16)
    signal = frame * light
    noisy = signal + rng.normal(0, 1, frame.shape) * np.sqrt(signal + 1.0) * rng.uniform(0.9, 1.6)
    raw = noisy.clip(0, 255).round()  # the sensor's levels before gain
    gain = rng.uniform(1.0, 3.0) if rng.random() < 0.6 else 1.0
    out = (raw * gain).clip(0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(55, 80))])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def _turned_corners(bw, bh, fw, fh, yaw, pitch, roll, size_frac, cx, cy) -> np.ndarray:
    """The card's corners after a 3-D rotation, through a pinhole camera of ~60° field of view."""
    f = fw / (2 * math.tan(math.radians(30)))
    s = size_frac * fh / bh  # the card's height on screen when facing the camera
    pts = np.array([[-bw / 2, -bh / 2, 0], [bw / 2, -bh / 2, 0], [bw / 2, bh / 2, 0], [-bw / 2, bh / 2, 0]]) * s
    cy_, sy = math.cos(yaw), math.sin(yaw)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cr, sr = math.cos(roll), math.sin(roll)
    ry = np.array([[cy_, 0, sy], [0, 1, 0], [-sy, 0, cy_]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    p = pts @ (rz @ rx @ ry).T
    p[:, 2] += f  # the card at the distance where its facing height is size_frac of the frame
    return np.stack([p[:, 0] * f / p[:, 2] + cx * fw, p[:, 1] * f / p[:, 2] + cy * fh], axis=1)


def _tilted(badge, bg, rng):
    fh, fw = bg.shape[:2]
    bh, bw = badge.shape[:2]
    turn = math.radians(rng.uniform(45, 62))
    split = rng.uniform(0, 1)  # how much of the turn is about the vertical axis
    yaw = turn * split * rng.choice([-1, 1])
    pitch = turn * math.sqrt(1 - split * split) * rng.choice([-1, 1])
    pts = _turned_corners(
        bw, bh, fw, fh, yaw, pitch, math.radians(rng.uniform(-10, 10)), 0.5, rng.uniform(0.42, 0.58), 0.5
    )
    src = np.array([[0, 0], [bw, 0], [bw, bh], [0, bh]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, pts.astype(np.float32))
    warped = cv2.warpPerspective(badge, m, (fw, fh), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((bh, bw), 255, np.uint8), m, (fw, fh))
    frame = bg.copy()
    frame[mask > 127] = warped[mask > 127]
    frame = cv2.GaussianBlur(frame, (0, 0), 0.5 * fh / 720)
    return (frame + rng.normal(0, 2, frame.shape)).clip(0, 255).astype(np.uint8)


_MAKERS = {
    "clean": _clean,
    "pouch": _pouch,
    "lanyard": _lanyard,
    "motion": _motion,
    "lowlight": _lowlight,
    "tilted": _tilted,
}


def door_frames(
    category: str, size: tuple[int, int], n: int, seed: int = 0, codes_shown: list[str] | None = None
) -> Iterator[tuple[str, np.ndarray]]:
    """``n`` frames of ``category`` at ``size`` (width, height): (the code shown, BGR frame).
    The same arguments give the same frames. ``codes_shown``: other codes to put on the badges
    (an event's real ones) instead of the set's own six."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}; one of {', '.join(CATEGORIES)}")
    people = [(c, media.badge_image(c)) for c in codes_shown] if codes_shown else door_people()
    w, h = size
    base = int.from_bytes(hashlib.sha256(f"{category}/{w}x{h}/{seed}".encode()).digest()[:4], "big")
    bgs = [media.background(w, h, seed=(base + s) % 1000) for s in range(3)]
    for i in range(n):
        rng = np.random.default_rng(base + i)
        code, badge = people[i % len(people)]
        bg = bgs[i % len(bgs)]
        frame = _phone(badge, bg, rng, code) if category == "phone" else _MAKERS[category](badge, bg, rng)
        yield code, frame


NODE_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "node" / "decode_frames.mjs"


#: the phone page scales camera frames to at most this many pixels a side before decoding
#: (static/js/scan.js MAX_SIDE); the node runs do the same, so they see what the page sees
PAGE_MAX_SIDE = 960


def _page_sized(frame: np.ndarray, max_side: int) -> np.ndarray:
    h, w = frame.shape[:2]
    s = min(1.0, max_side / max(h, w))
    if s >= 1.0:
        return frame
    return cv2.resize(frame, (round(w * s), round(h * s)), interpolation=cv2.INTER_LINEAR)


def decode_in_node(
    frames: list[np.ndarray], *, baseline: bool = True, max_side: int = PAGE_MAX_SIDE, timeout: float = 600
) -> list[dict]:
    """Run the phone page's decoder (static/js/decoder.js, zxing-wasm) in node on BGR frames,
    each first scaled to ``max_side`` like the page scales its camera frames.

    One dict per frame: ``page`` (texts, best first), ``page_ms``, ``stage``, and with ``baseline``
    zxing-wasm alone with its defaults on the same frame: ``alone``, ``alone_ms``. Needs node and
    ``npm ci``."""
    root = NODE_SCRIPT.parents[2]
    frames = [_page_sized(f, max_side) for f in frames]
    payload = b"".join(
        struct.pack("<III", f.shape[1], f.shape[0], i) + cv2.cvtColor(f, cv2.COLOR_BGR2RGBA).tobytes()
        for i, f in enumerate(frames)
    )
    cmd = ["node", "--disable-warning=MODULE_TYPELESS_PACKAGE_JSON", "--import", "./scripts/node/vendor_hooks.mjs"]
    cmd += [str(NODE_SCRIPT.relative_to(root))] + ([] if baseline else ["--page-only"])
    proc = subprocess.run(cmd, input=payload, capture_output=True, cwd=root, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"node decoder failed: {proc.stderr.decode(errors='replace')[-1000:]}")
    out = [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]
    if len(out) != len(frames):
        raise RuntimeError(f"node decoder answered {len(out)} of {len(frames)} frames")
    return out
