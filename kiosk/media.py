"""Synthetic camera frames of real badges, for tests and the benchmark (no camera needed).

A badge is rendered with the project's own QR code text (see ``models.codes``), then placed in a
frame with a chosen pose and degraded the way a webcam at an entrance degrades it: motion blur,
defocus, rotation, perspective, dim light, glare, a finger over part of it, sensor noise, JPEG.
Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def qr_image(text: str | bytes, *, box: int = 6, border: int = 4, ec: str = "M") -> np.ndarray:
    """A grayscale QR image (uint8, black modules on white)."""
    levels = {
        "L": qrcode.constants.ERROR_CORRECT_L,
        "M": qrcode.constants.ERROR_CORRECT_M,
        "Q": qrcode.constants.ERROR_CORRECT_Q,
        "H": qrcode.constants.ERROR_CORRECT_H,
    }
    qr = qrcode.QRCode(error_correction=levels[ec], box_size=box, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    return np.asarray(img, dtype=np.uint8).copy()


def badge_image(code: str, name: str = "", seat: str = "", *, width: int = 420, band=(40, 120, 200)) -> np.ndarray:
    """A BGR badge card: colour band, the QR, name and seat (drawn with a Vietnamese font)."""
    height = int(width * 1.45)
    card = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle([0, 0, width, int(height * 0.12)], fill=tuple(reversed(band)))
    qr = Image.fromarray(qr_image(code, box=4, border=4))
    side = int(width * 0.78)
    qr = qr.resize((side, side), Image.NEAREST)
    card.paste(qr.convert("RGB"), ((width - side) // 2, int(height * 0.15)))
    font_path = FONT_DIR / "DejaVuSans-Bold.ttf"
    if name and font_path.exists():
        font = ImageFont.truetype(str(font_path), max(12, width // 16))
        y = int(height * 0.15) + side + 10
        draw.text((width // 2, y), name, font=font, fill="black", anchor="ma")
        if seat:
            draw.text((width // 2, y + width // 12), seat, font=font, fill=(90, 90, 90), anchor="ma")
    return cv2.cvtColor(np.asarray(card), cv2.COLOR_RGB2BGR)


@dataclass
class Pose:
    """Where the badge is in the frame and how it is degraded."""

    cx: float = 0.5  #: centre x as a fraction of the frame width
    cy: float = 0.5
    scale: float = 0.5  #: badge height as a fraction of the frame height
    angle: float = 0.0  #: in-plane rotation, degrees
    tilt: float = 0.0  #: perspective: -1..1, how much one side is farther away
    motion: int = 0  #: motion blur length, pixels of a 720-line frame (horizontal)
    blur: float = 0.0  #: defocus, gaussian sigma in pixels of a 720-line frame
    light: float = 1.0  #: brightness factor (0.3 = dim room)
    glare: float = 0.0  #: 0..1 strength of a specular blob over the code
    cover: float = 0.0  #: fraction of the QR width covered by a finger from the right
    noise: float = 0.0  #: sensor noise sigma
    jpeg: int = 0  #: JPEG quality (0 = none)
    extra: dict = field(default_factory=dict)


def background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A busy but QR-free background: gradients, blobs and a few edges (a hall, people, a table)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = 90 + 60 * np.sin(x / (width / 3.1) + seed) * np.cos(y / (height / 2.3))
    img = np.dstack([base * 0.9, base, base * 1.1]).clip(0, 255).astype(np.uint8)
    for _ in range(12):
        c = tuple(int(v) for v in rng.integers(20, 230, 3))
        p1 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        p2 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        cv2.rectangle(img, p1, p2, c, -1 if rng.random() < 0.5 else 3)
    return cv2.GaussianBlur(img, (0, 0), 1.2)


def compose(badge: np.ndarray, bg: np.ndarray, pose: Pose, seed: int = 0) -> np.ndarray:
    """Place ``badge`` on a copy of ``bg`` with ``pose`` and its degradations (BGR uint8)."""
    rng = np.random.default_rng(seed)
    frame = bg.copy()
    fh, fw = frame.shape[:2]
    bh, bw = badge.shape[:2]
    target_h = pose.scale * fh
    pts = _badge_corners(pose, bw, bh, fw, fh, target_h / bh)
    src = np.array([[0, 0], [bw, 0], [bw, bh], [0, bh]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, pts.astype(np.float32))
    warped = cv2.warpPerspective(badge, m, (fw, fh), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((bh, bw), 255, np.uint8), m, (fw, fh))
    frame[mask > 127] = warped[mask > 127]
    if pose.cover:
        _cover_with_finger(frame, m, bw, bh, pose.cover)
    return _degrade(frame, pose, pts, target_h, rng)


def _badge_corners(pose: Pose, bw: int, bh: int, fw: int, fh: int, s: float) -> np.ndarray:
    """Where the badge's four corners land in the frame: scaled by ``s``, tilted, turned, moved."""
    # corners of the badge, centred on the origin, scaled
    pts = np.array([[-bw / 2, -bh / 2], [bw / 2, -bh / 2], [bw / 2, bh / 2], [-bw / 2, bh / 2]])
    pts = pts * s
    if pose.tilt:
        # one side narrower: perspective shrink of the right (tilt>0) or left edge
        k = abs(pose.tilt) * 0.35
        side = [1, 2] if pose.tilt > 0 else [0, 3]
        pts[side, 1] *= 1 - k
        pts[side, 0] *= 1 - k / 2
    a = math.radians(pose.angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return pts @ rot.T + np.array([pose.cx * fw, pose.cy * fh])


def _cover_with_finger(frame: np.ndarray, m: np.ndarray, bw: int, bh: int, cover: float) -> None:
    """A finger (skin-coloured rounded bar) over the right part of the QR area, in place."""
    qr_left = bw * 0.11
    qr_right = bw * 0.89
    x0 = qr_right - cover * (qr_right - qr_left)
    finger = np.array([[x0, bh * 0.35], [bw * 1.2, bh * 0.35], [bw * 1.2, bh * 0.5], [x0, bh * 0.5]], dtype=np.float32)
    fpts = cv2.perspectiveTransform(finger[None], m)[0].astype(np.int32)
    cv2.fillConvexPoly(frame, fpts, (120, 150, 200))


def _degrade(frame: np.ndarray, pose: Pose, pts: np.ndarray, target_h: float, rng) -> np.ndarray:
    """The camera's faults on the composed frame: glare, light, motion, defocus, noise, JPEG."""
    fh, fw = frame.shape[:2]
    out = frame.astype(np.float32)
    if pose.glare:
        gx, gy = pts.mean(axis=0)
        yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
        r = target_h * 0.22
        blob = np.exp(-(((xx - gx - r * 0.3) ** 2) + ((yy - gy) ** 2)) / (2 * r * r))
        out += (pose.glare * 255 * blob)[..., None]
    if pose.light != 1.0:
        out *= pose.light
    out = out.clip(0, 255).astype(np.uint8)
    # motion and defocus are given for a 720-line frame; the same physical blur covers
    # proportionally fewer pixels at a lower resolution
    px = fh / 720
    motion = int(round(pose.motion * px))
    if motion > 1:
        k = np.zeros((motion, motion), np.float32)
        k[motion // 2, :] = 1.0 / motion
        out = cv2.filter2D(out, -1, k)
    if pose.blur:
        out = cv2.GaussianBlur(out, (0, 0), pose.blur * px)
    if pose.noise:
        out = (out + rng.normal(0, pose.noise, out.shape)).clip(0, 255).astype(np.uint8)
    if pose.jpeg:
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, pose.jpeg])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return out


#: named degradations used by tests and the benchmark; "mild" ones must decode >= 99%
DEGRADATIONS: dict[str, Pose] = {
    "clean": Pose(),
    "small": Pose(scale=0.33),
    "rotated": Pose(angle=25),
    "upside_down": Pose(angle=170),
    "perspective": Pose(tilt=0.6, angle=-8),
    "motion_mild": Pose(motion=5),
    "blur_mild": Pose(blur=1.0),
    "dim": Pose(light=0.35, noise=3),
    "glare": Pose(glare=0.55),
    "noise_jpeg": Pose(noise=6, jpeg=60),
    "cover_10": Pose(cover=0.10),
    # hard ones: reported, not required
    "motion_strong": Pose(motion=13),
    "blur_strong": Pose(blur=2.6),
    "very_dim": Pose(light=0.12, noise=4),
    "glare_strong": Pose(glare=1.0),
    "cover_30": Pose(cover=0.30),
    "far": Pose(scale=0.2),
}
MILD = (
    "clean",
    "small",
    "rotated",
    "upside_down",
    "perspective",
    "motion_mild",
    "blur_mild",
    "dim",
    "glare",
    "noise_jpeg",
    "cover_10",
)


def jitter(pose: Pose, rng: np.random.Generator) -> Pose:
    """The same degradation at a slightly different place, size and angle."""
    return Pose(
        **{
            **pose.__dict__,
            "cx": 0.5 + rng.uniform(-0.18, 0.18),
            "cy": 0.5 + rng.uniform(-0.08, 0.08),
            "scale": pose.scale * rng.uniform(0.9, 1.1),
            "angle": pose.angle + rng.uniform(-6, 6),
        }
    )


def approach_poses(n: int, *, start_scale=0.08, end_scale=0.6, start_motion=15) -> list[Pose]:
    """A badge brought towards the camera: small and blurred first, then large and still."""
    poses = []
    for i in range(n):
        t = i / max(1, n - 1)
        poses.append(
            Pose(
                cx=0.2 + 0.3 * t,
                cy=0.55 - 0.05 * t,
                scale=start_scale + (end_scale - start_scale) * t,
                angle=12 * (1 - t),
                motion=int(round(start_motion * (1 - t) ** 2)),
            )
        )
    return poses


def write_video(path: str | Path, frames: Iterable[np.ndarray], fps: float = 10.0) -> Path:
    """Write BGR frames to an MJPG .avi (or whatever cv2 picks for the suffix)."""
    path = Path(path)
    writer = None
    for frame in frames:
        if writer is None:
            h, w = frame.shape[:2]
            fourcc = cv2.VideoWriter_fourcc(*("MJPG" if path.suffix == ".avi" else "mp4v"))
            writer = cv2.VideoWriter(str(path), fourcc, fps, (w, h))
            if not writer.isOpened():
                raise RuntimeError(f"cannot write video {path}")
        writer.write(frame)
    if writer is not None:
        writer.release()
    return path


def badge_sequence(
    badges: Sequence[np.ndarray],
    *,
    size: tuple[int, int] = (480, 360),
    fps: float = 10.0,
    hold_s: float = 1.0,
    gap_s: float = 0.6,
    pose: Pose | None = None,
    seed: int = 0,
) -> list[np.ndarray]:
    """Frames of people presenting badges one after the other, with empty frames between."""
    rng = np.random.default_rng(seed)
    bg = background(size[0], size[1], seed)
    frames: list[np.ndarray] = []
    hold, gap = max(1, int(hold_s * fps)), max(1, int(gap_s * fps))
    for b in badges:
        frames.extend(bg.copy() for _ in range(gap))
        for _ in range(hold):
            p = jitter(pose or Pose(scale=0.6), rng)
            frames.append(compose(b, bg, p, seed=int(rng.integers(1 << 30))))
    frames.extend(bg.copy() for _ in range(gap))
    return frames


def write_y4m(path: str | Path, frames: Iterable[np.ndarray], fps: int = 10) -> Path:
    """Write BGR frames as a YUV4MPEG2 (.y4m, 4:2:0) file: what Chromium's fake camera plays
    (``--use-fake-device-for-media-stream --use-file-for-fake-video-capture=F.y4m``; it loops
    the file). Width and height are cropped to even numbers (4:2:0 needs them)."""
    path = Path(path)
    with path.open("wb") as fh:
        header = False
        for frame in frames:
            h, w = frame.shape[:2]
            h, w = h - h % 2, w - w % 2
            if not header:
                fh.write(f"YUV4MPEG2 W{w} H{h} F{int(fps)}:1 Ip A1:1 C420jpeg\n".encode())
                header = True
            yuv = cv2.cvtColor(np.ascontiguousarray(frame[:h, :w]), cv2.COLOR_BGR2YUV_I420)
            fh.write(b"FRAME\n")
            fh.write(yuv.tobytes())
    return path
