"""QR decoding: zxing-cpp first, then preprocessed retries, then pyzbar as the last fallback.

Each stage runs only when the previous ones found nothing, so a frame with a readable badge costs
one zxing-cpp call (about 1 ms at 1280x720 when restricted to QR codes). The stages and their
order come from measurements on synthetic webcam frames (``scripts/bench_kiosk.py``):

- ``zxing``: zxing-cpp, QR only, no 90-degree retries (QR is rotation invariant), with its own
  downscaling and inverted-code retry. Restricting the formats to QR is 10x faster than the default.
- ``zxing_sharp``: unsharp mask; recovers mildly defocused codes at 640x480 (15/20 -> 20/20).
- ``zxing_clahe``: local contrast (CLAHE); recovers codes under strong glare (9/20 -> 17/20).
- ``zxing_up``: 2x upscale of a small frame; helps codes far from a 640x480 camera. Frames wider
  than 960 px (up to 1920) get 1.5x: curved badges on a lanyard at 1280x720, 18/40 -> 20/40 (door
  images; about 5 ms a frame).
- ``zxing_bright``: the histogram stretched (1st to 99th percentile) and brightened (gamma 0.5);
  added for the door images of issue 24 (``kiosk/doorset.py``, 30 frames per category and size):
  codes on a phone screen 0/30 -> 21/30 at 640x480 and 7/30 -> 26/30 at 1280x720, low light
  11/30 -> 25/30 and 21/30 -> 30/30. About 1.5 ms (640x480) to 6 ms (1280x720).
- ``zxing_flat``: the frame divided by its own blurred copy (flat field: an uneven screen, a
  shadow, a reflection band) read with zxing-cpp's global-histogram binarizer; phone screens at
  640x480 after every other stage: +5 of 30 (27/30 alone), curved badges +2 of 30. About 1-3 ms.
- ``pyzbar``: ZBar; on real photo sets it reads some codes zxing-cpp does not (issue 3 figures);
  on the door images it adds 12 frames of 420 that no zxing stage read (pouch, phone, tilted).

Measured and left out on the door images (no frame gained after the stages above): morphological
black-hat and closing normalisation, saturated pixels painted grey or inpainted (glare),
a stronger unsharp mask (sigma 3, amount 2: one phone frame), CLAHE with clip limit 4 (one pouch
frame), zxing-cpp's fixed-threshold binarizer, a half-scale pass.

Every result carries the text, its four corners in frame coordinates and the stage that read it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

try:  # pyzbar needs the system libzbar; without it the fallback is simply absent
    from pyzbar import pyzbar as _pyzbar
except Exception:  # pragma: no cover - depends on the machine
    _pyzbar = None

Point = tuple[int, int]

#: the codes looked for: badges are QR Code Model 2, what ``QRCode`` meant in zxing-cpp 2.3. In
#: zxing-cpp 3 ``QRCode`` names the family (Model 1, Micro QR, rMQR too: codes no badge carries);
#: measured the same on the bench frames either way (docs/kiosk.md). The fallback keeps 2.3 usable.
QR_FORMATS = getattr(zxingcpp.BarcodeFormat, "QRCodeModel2", zxingcpp.BarcodeFormat.QRCode)

ALL_STAGES = ("zxing", "zxing_sharp", "zxing_clahe", "zxing_up", "zxing_bright", "zxing_flat", "pyzbar")
DEFAULT_STAGES = ALL_STAGES


@dataclass(frozen=True)
class Decoded:
    """One code found in a frame."""

    text: str
    points: tuple[Point, Point, Point, Point]  #: corners, clockwise from top-left
    decoder: str  #: the stage that read it

    @property
    def area(self) -> float:
        pts = np.array(self.points, dtype=np.float32)
        return float(abs(cv2.contourArea(pts)))

    def to_json(self) -> dict:
        return {"text": self.text, "points": [list(p) for p in self.points]}


@dataclass
class DecodeResult:
    codes: list[Decoded]
    ms: float
    stage: str | None  #: the stage that found something, or None


def pyzbar_available() -> bool:
    return _pyzbar is not None


def to_gray(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def _text_of(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _zxing(gray: np.ndarray, scale: float = 1.0, binarizer=zxingcpp.Binarizer.LocalAverage) -> list[Decoded]:
    out = []
    for r in zxingcpp.read_barcodes(
        gray, formats=QR_FORMATS, try_rotate=False, try_downscale=True, binarizer=binarizer
    ):
        p = r.position
        pts = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
        corners = tuple((int(round(q.x / scale)), int(round(q.y / scale))) for q in pts)
        text = r.text if r.content_type != zxingcpp.ContentType.Binary else _text_of(r.bytes)
        out.append(Decoded(text, corners, "zxing"))  # type: ignore[arg-type]
    return out


def brighten(gray: np.ndarray) -> np.ndarray:
    """The 1st..99th percentile stretched to 0..255, then gamma 0.5 (dark frames, dim screens)."""
    cdf = np.bincount(gray.ravel(), minlength=256).cumsum()
    lo = int(np.searchsorted(cdf, cdf[-1] * 0.01))
    hi = int(np.searchsorted(cdf, cdf[-1] * 0.99))
    x = np.clip((np.arange(256) - lo) / max(1, hi - lo), 0, 1)
    return cv2.LUT(gray, (x**0.5 * 255).astype(np.uint8))


def flatten(gray: np.ndarray) -> np.ndarray:
    """The frame divided by its blurred copy (blurred at a quarter size: 3x faster, same reads)."""
    h, w = gray.shape
    small = cv2.resize(gray, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    bg = cv2.resize(cv2.GaussianBlur(small, (0, 0), 2.0), (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, bg, scale=160)


def _order_corners(pts: np.ndarray) -> tuple[Point, Point, Point, Point]:
    """Four corners of a polygon's minimum-area box, clockwise from the top-left one."""
    box = cv2.boxPoints(cv2.minAreaRect(pts.astype(np.float32)))
    s = box.sum(axis=1)
    start = int(np.argmin(s))
    box = np.roll(box, -start, axis=0)
    # make it clockwise in image coordinates (y down)
    (ax, ay), (bx, by) = box[1] - box[0], box[2] - box[1]
    if ax * by - ay * bx < 0:
        box = np.array([box[0], box[3], box[2], box[1]])
    return tuple((int(round(x)), int(round(y))) for x, y in box)  # type: ignore[return-value]


def _pyzbar_decode(gray: np.ndarray) -> list[Decoded]:
    if _pyzbar is None:
        return []
    out = []
    for r in _pyzbar.decode(gray, symbols=[_pyzbar.ZBarSymbol.QRCODE]):
        poly = np.array([(p.x, p.y) for p in r.polygon] or [(0, 0)], dtype=np.float32)
        out.append(Decoded(_text_of(r.data), _order_corners(poly), "pyzbar"))
    return out


class Decoder:
    """A reusable decoder; not thread-safe (give each thread its own)."""

    def __init__(self, stages: Sequence[str] = DEFAULT_STAGES):
        unknown = set(stages) - set(ALL_STAGES)
        if unknown:
            raise ValueError(f"unknown decoder stage(s): {', '.join(sorted(unknown))}")
        self.stages = [s for s in stages if s != "pyzbar" or pyzbar_available()]
        self._clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))

    def _run(self, stage: str, gray: np.ndarray) -> list[Decoded]:
        if stage == "zxing":
            return _zxing(gray)
        if stage == "zxing_sharp":
            soft = cv2.GaussianBlur(gray, (0, 0), 2.0)
            return _zxing(cv2.addWeighted(gray, 1.8, soft, -0.8, 0))
        if stage == "zxing_clahe":
            return _zxing(self._clahe.apply(gray))
        if stage == "zxing_up":
            if gray.shape[1] > 1920:  # a full-HD frame gains nothing worth its time
                return []
            f = 2.0 if gray.shape[1] <= 960 else 1.5
            big = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
            return _zxing(big, scale=f)
        if stage == "zxing_bright":
            return _zxing(brighten(gray))
        if stage == "zxing_flat":
            return _zxing(flatten(gray), binarizer=zxingcpp.Binarizer.GlobalHistogram)
        if stage == "pyzbar":
            return _pyzbar_decode(gray)
        raise ValueError(stage)

    def decode(self, frame: np.ndarray) -> DecodeResult:
        """All QR codes in a BGR or grayscale frame, largest first. Never raises on odd input."""
        t0 = time.perf_counter()
        if frame is None or getattr(frame, "size", 0) == 0:
            return DecodeResult([], 0.0, None)
        gray = np.ascontiguousarray(to_gray(frame))
        found: list[Decoded] = []
        stage_hit = None
        for stage in self.stages:
            try:
                found = self._run(stage, gray)
            except Exception:  # a decoder library failing on one frame must not stop the kiosk
                found = []
            if found:
                stage_hit = stage
                found = [Decoded(d.text, d.points, stage) for d in found]
                break
        # the same code reported twice (e.g. by two zxing passes) counts once
        unique: dict[str, Decoded] = {}
        for d in sorted(found, key=lambda d: d.area, reverse=True):
            unique.setdefault(d.text, d)
        ms = (time.perf_counter() - t0) * 1000
        return DecodeResult(list(unique.values()), ms, stage_hit)


def decode_zxing_only(frame: np.ndarray) -> DecodeResult:
    """zxing-cpp alone with its defaults, QR codes only: the baseline of the door images."""
    t0 = time.perf_counter()
    gray = np.ascontiguousarray(to_gray(frame))
    texts = [r.text for r in zxingcpp.read_barcodes(gray, formats=QR_FORMATS)]
    codes = [Decoded(t, ((0, 0), (0, 0), (0, 0), (0, 0)), "zxing") for t in dict.fromkeys(texts)]
    return DecodeResult(codes, (time.perf_counter() - t0) * 1000, "zxing" if codes else None)


def decode_pyzbar_only(frame: np.ndarray) -> DecodeResult:
    """Plain pyzbar on the grayscale frame: the baseline the benchmark compares against."""
    t0 = time.perf_counter()
    codes = _pyzbar_decode(np.ascontiguousarray(to_gray(frame)))
    return DecodeResult(codes, (time.perf_counter() - t0) * 1000, "pyzbar" if codes else None)
