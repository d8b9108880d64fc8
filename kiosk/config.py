"""Kiosk settings: defaults < kiosk.toml < environment (KIOSK_*) < command line."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

DEFAULT_STATE_DIR = "instance/kiosk"


@dataclass
class Config:
    server: str = ""  #: base URL of the server, e.g. http://192.168.1.10:8000
    token: str = ""  #: kiosk device token (flask --app app kiosk-token NAME)
    station: str = ""  #: station name shown on screen and recorded with each scan
    source: str = "0"  #: camera index, /dev/videoN, video file, image folder or stream URL
    headless: bool = False
    state_dir: str = DEFAULT_STATE_DIR
    width: int = 1280  #: camera resolution asked for
    height: int = 720
    fps: float = 0.0  #: camera frame rate asked for (0 = device default); image folder pace
    backend: str = "auto"  #: capture API: auto, v4l2, dshow, msmf, avfoundation, ffmpeg
    fourcc: str = ""  #: camera pixel format, e.g. MJPG (lets USB webcams deliver 720p at 30 fps)
    realtime: bool = False  #: play files at their own speed (dropping frames like a camera)
    fullscreen: bool = True
    screen_width: int = 1280  #: size of the drawn screen (the window scales it)
    screen_height: int = 720
    sound: bool = True
    timeout: float = 1.5  #: seconds to wait for the server's answer
    hold: float = 3.0  #: seconds an answer stays on screen
    repeat: float = 3.0  #: the same code is ignored until unseen for this many seconds
    snapshot_interval: float = 5.0  #: seconds between snapshot refreshes when online
    retry_interval: float = 2.0  #: seconds between background queue flushes
    decoders: str = "zxing,zxing_sharp,zxing_clahe,zxing_up,zxing_bright,zxing_flat,pyzbar"
    sync_timeout: float = 20.0  #: how long the end-of-file / `sync` flush may take
    #: a folder: each answer panel is also saved there as a PNG (NNNN-RESULT.png), e.g. to check
    #: a headless run or a rehearsal's answers by eye; empty: none saved
    screenshot: str = ""

    @property
    def decoder_stages(self) -> list[str]:
        return [s.strip() for s in self.decoders.split(",") if s.strip()]


FIELD_TYPES = {f.name: f.type for f in fields(Config)}


def _coerce(name: str, value: Any) -> Any:
    kind = FIELD_TYPES[name]
    if kind in ("bool", bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if kind in ("int", int):
        return int(value)
    if kind in ("float", float):
        return float(value)
    return str(value)


def from_toml(path: str | Path) -> dict[str, Any]:
    """Settings from a TOML file: top-level keys or a [kiosk] table, dashes or underscores."""
    import tomllib  # local: ruff without a target version files it as third-party

    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    table = doc.get("kiosk", doc)
    out = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name in FIELD_TYPES:
            out[name] = _coerce(name, value)
    return out


def from_env(env: dict[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if env is None else env
    out = {}
    for name in FIELD_TYPES:
        value = env.get("KIOSK_" + name.upper())
        if value not in (None, ""):
            out[name] = _coerce(name, value)
    return out


def load(cli: dict[str, Any], *, config_path: str | None = None, env: dict[str, str] | None = None) -> Config:
    """Merge the layers. ``cli`` holds only the options given on the command line."""
    merged: dict[str, Any] = {}
    env = os.environ if env is None else env
    path = config_path or env.get("KIOSK_CONFIG")
    if path:
        merged.update(from_toml(path))
    elif Path("kiosk.toml").is_file():
        merged.update(from_toml("kiosk.toml"))
    merged.update(from_env(env))
    merged.update({k: _coerce(k, v) for k, v in cli.items() if v is not None and k in FIELD_TYPES})
    return Config(**merged)
