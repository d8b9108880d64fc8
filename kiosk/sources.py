"""Frame sources: a camera index, a video file, a folder of images (or one image), a stream URL.

Live sources (camera, stream) survive being unplugged: a failed read releases the device and
reopens it every ``reopen_s`` seconds, with ``status`` telling the screen what is going on.
File sources end; their frames carry the file's own time (frame / fps), so "the same code within
3 s" means 3 s of video, however fast the file is processed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"}
VIDEO_SUFFIXES = {".avi", ".mp4", ".mkv", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}
BACKENDS = {
    "auto": cv2.CAP_ANY,
    "v4l2": cv2.CAP_V4L2,
    "dshow": cv2.CAP_DSHOW,
    "msmf": cv2.CAP_MSMF,
    "avfoundation": cv2.CAP_AVFOUNDATION,
    "ffmpeg": cv2.CAP_FFMPEG,
    "gstreamer": cv2.CAP_GSTREAMER,
}


class EndOfSource(Exception):
    """A file source has no more frames."""


@dataclass
class Frame:
    index: int
    t: float  #: seconds: stream time for files, monotonic clock for live sources
    image: np.ndarray
    captured: float  #: time.monotonic() when read


class Source:
    live = False
    description = ""
    status = "ok"  #: "ok" | "opening" | "lost"
    fps = 0.0

    def read(self) -> Frame | None:
        """The next frame; None when none is available right now (live); EndOfSource at the end."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class LiveSource(Source):
    """A camera or stream that is reopened when it disappears."""

    live = True

    def __init__(self, opener: Callable[[], object], description: str, *, reopen_s: float = 1.0, fail_after: int = 5):
        self.opener = opener
        self.description = description
        self.reopen_s = reopen_s
        self.fail_after = fail_after  # consecutive failed reads before calling it lost
        self._cap = None
        self._index = 0
        self._fails = 0
        self._last_open = -1e9
        self.status = "opening"
        self.losses = 0  #: how many times the device went away
        self.open_failures = 0  #: failed attempts to open since the last success

    def _open(self) -> bool:
        now = time.monotonic()
        if now - self._last_open < self.reopen_s:
            time.sleep(min(0.05, self.reopen_s))
            return False
        self._last_open = now
        try:
            cap = self.opener()
        except Exception:
            cap = None
        if cap is not None and cap.isOpened():
            self._cap = cap
            self._fails = 0
            self.open_failures = 0
            return True
        self.open_failures += 1
        if cap is not None:
            try:
                cap.release()
            except Exception:
                pass
        return False

    def read(self) -> Frame | None:
        if self._cap is None and not self._open():
            return None
        try:
            ok, image = self._cap.read()
        except Exception:
            ok, image = False, None
        if not ok or image is None or image.size == 0:
            self._fails += 1
            if self._fails >= self.fail_after:
                self._drop()
            else:
                time.sleep(0.01)
            return None
        self._fails = 0
        self.status = "ok"
        now = time.monotonic()
        frame = Frame(self._index, now, image, now)
        self._index += 1
        return frame

    def _drop(self) -> None:
        if self._cap is not None:
            try:
                self._cap.release()
            except Exception:
                pass
        self._cap = None
        if self.status != "lost":
            self.losses += 1
        self.status = "lost"

    def close(self) -> None:
        self._drop()


class VideoFileSource(Source):
    def __init__(self, path: str | Path, *, realtime: bool = False):
        self.path = Path(path)
        self.description = str(path)
        self.cap = cv2.VideoCapture(str(path))
        if not self.cap.isOpened():
            raise ValueError(f"cannot open video {path}")
        fps = self.cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and 0 < fps < 1000 else 25.0
        self.realtime = realtime
        self._index = 0
        self._start = time.monotonic()

    def read(self) -> Frame:
        ok, image = self.cap.read()
        if not ok or image is None:
            raise EndOfSource
        t = self._index / self.fps
        if self.realtime:
            delay = self._start + t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        frame = Frame(self._index, t, image, time.monotonic())
        self._index += 1
        return frame

    def close(self) -> None:
        self.cap.release()


class ImageFolderSource(Source):
    """Images in name order (or a single image file); unreadable files are skipped."""

    def __init__(self, path: str | Path, *, fps: float = 10.0, realtime: bool = False):
        p = Path(path)
        self.description = str(path)
        if p.is_dir():
            self.files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
        else:
            self.files = [p]
        self.fps = fps
        self.realtime = realtime
        self._pos = 0
        self._index = 0
        self._start = time.monotonic()
        self.skipped: list[str] = []

    def read(self) -> Frame:
        while self._pos < len(self.files):
            f = self.files[self._pos]
            self._pos += 1
            image = cv2.imread(str(f), cv2.IMREAD_COLOR)
            if image is None:
                self.skipped.append(str(f))
                continue
            t = self._index / self.fps
            if self.realtime:
                delay = self._start + t - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            frame = Frame(self._index, t, image, time.monotonic())
            self._index += 1
            return frame
        raise EndOfSource


def camera_opener(
    index: int, *, width: int = 0, height: int = 0, fps: float = 0, backend: str = "auto", fourcc: str = ""
) -> Callable[[], cv2.VideoCapture]:
    api = BACKENDS.get(backend, cv2.CAP_ANY)
    # OpenCV would log two lines per failed open, every second while the camera is unplugged;
    # the kiosk reports the camera's state itself (screen and log)
    cv2.setLogLevel(1)

    def open_camera() -> cv2.VideoCapture:
        cap = cv2.VideoCapture(index, api)
        if cap.isOpened():
            if fourcc:
                cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*fourcc[:4].ljust(4)))
            if width:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            if height:
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
            if fps:
                cap.set(cv2.CAP_PROP_FPS, fps)
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # we want the newest frame, not a backlog
        return cap

    return open_camera


def open_source(
    spec: str,
    *,
    width: int = 0,
    height: int = 0,
    fps: float = 0,
    backend: str = "auto",
    fourcc: str = "",
    realtime: bool = False,
    reopen_s: float = 1.0,
) -> Source:
    """Interpret SOURCE: an integer is a camera index, ``scheme://`` a stream URL, a directory a
    folder of images, an image or video file itself. Raises ValueError when it is none of these."""
    spec = str(spec).strip()
    if spec.lstrip("-").isdigit():
        index = int(spec)
        return LiveSource(
            camera_opener(index, width=width, height=height, fps=fps, backend=backend, fourcc=fourcc),
            f"camera {index}",
            reopen_s=reopen_s,
        )
    if spec.startswith("/dev/video"):
        return LiveSource(
            camera_opener(
                spec,
                width=width,
                height=height,
                fps=fps,  # type: ignore[arg-type]
                backend=backend,
                fourcc=fourcc,
            ),
            spec,
            reopen_s=reopen_s,
        )
    if "://" in spec:

        def open_stream() -> cv2.VideoCapture:
            cap = cv2.VideoCapture(spec, cv2.CAP_FFMPEG)
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
            return cap

        return LiveSource(open_stream, spec, reopen_s=reopen_s)
    p = Path(spec)
    if p.is_dir():
        return ImageFolderSource(p, fps=fps or 10.0, realtime=realtime)
    if not p.exists():
        raise ValueError(f"source not found: {spec}")
    if p.suffix.lower() in IMAGE_SUFFIXES:
        return ImageFolderSource(p, fps=fps or 10.0, realtime=realtime)
    return VideoFileSource(p, realtime=realtime)


class LatestFrame:
    """A one-frame mailbox between the capture thread and the decoder.

    Live sources overwrite it (stale frames are dropped: the decoder always gets the newest).
    With ``lossless`` (file sources), ``put`` waits until the decoder took the previous frame,
    so a file is decoded frame by frame, as fast as the machine allows.
    """

    def __init__(self, lossless: bool = False):
        self.lossless = lossless
        self._frame: Frame | None = None
        self._cond = threading.Condition()
        self.closed = False
        self.dropped = 0
        self.latest_shown: Frame | None = None  #: for the preview (never consumed)

    def put(self, frame: Frame, stop: threading.Event | None = None) -> None:
        with self._cond:
            if self.lossless:
                while self._frame is not None and not self.closed and not (stop and stop.is_set()):
                    self._cond.wait(0.1)
            elif self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self.latest_shown = frame
            self._cond.notify_all()

    def get(self, timeout: float = 0.1) -> Frame | None:
        with self._cond:
            if self._frame is None and not self.closed:
                self._cond.wait(timeout)
            frame, self._frame = self._frame, None
            self._cond.notify_all()
            return frame

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()
