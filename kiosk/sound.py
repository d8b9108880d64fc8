"""A short, distinct sound per outcome: generated WAV files, played without blocking.

The WAVs are made with the standard ``wave`` module (no downloads, no assets to ship). Playback
uses the first player found (``aplay``, ``paplay``, ``afplay``) in a background process, or
``winsound`` on Windows; with no player or no sound card the kiosk is simply silent.
"""

from __future__ import annotations

import math
import os
import shutil
import struct
import subprocess
import wave
from pathlib import Path

RATE = 22050

#: (frequency Hz, duration s) notes per outcome: rising = welcome, flat = already, low = problem
TUNES: dict[str, list[tuple[float, float]]] = {
    "ok": [(880, 0.09), (1320, 0.14)],
    "already": [(660, 0.12), (0, 0.05), (660, 0.12)],
    "error": [(220, 0.35)],
    "problem": [(330, 0.1), (0, 0.05), (247, 0.25)],
}


def tune_for(result: str) -> str:
    if result in ("ok", "already"):
        return result
    if result in ("invalid", "revoked", "unknown", "wrong_event"):
        return "error"
    return "problem"


def synth(notes: list[tuple[float, float]], rate: int = RATE) -> bytes:
    """16-bit mono PCM of the notes, with short fades so there are no clicks."""
    frames = bytearray()
    for freq, dur in notes:
        n = int(rate * dur)
        fade = max(1, int(rate * 0.008))
        for i in range(n):
            env = min(1.0, i / fade, (n - i) / fade)
            v = 0.0
            if freq:
                v = math.sin(2 * math.pi * freq * i / rate)
                v = 0.75 * v + 0.25 * math.sin(4 * math.pi * freq * i / rate)
            frames += struct.pack("<h", int(12000 * env * v))
    return bytes(frames)


def write_wavs(directory: str | Path) -> dict[str, Path]:
    """Write one WAV per tune into ``directory`` (only when missing); return their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, notes in TUNES.items():
        path = directory / f"{name}.wav"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            with wave.open(str(tmp), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(RATE)
                w.writeframes(synth(notes))
            os.replace(tmp, path)
        paths[name] = path
    return paths


def find_player() -> list[str] | None:
    if os.name == "nt":
        return ["winsound"]  # the standard library plays WAVs asynchronously on Windows
    for cmd in (["aplay", "-q"], ["paplay"], ["afplay"]):
        if shutil.which(cmd[0]):
            return cmd
    return None


def audio_device_present() -> bool:
    if os.name != "posix" or not Path("/proc/asound").exists():
        return os.name != "posix" or shutil.which("afplay") is not None
    return any(Path("/proc/asound").glob("card[0-9]*"))


class Sounds:
    """``play(result)`` starts the outcome's sound and returns at once; never raises."""

    def __init__(self, directory: str | Path, *, enabled: bool = True):
        self.player = find_player() if enabled else None
        if self.player and not audio_device_present():
            self.player = None
        self.paths: dict[str, Path] = {}
        try:
            self.paths = write_wavs(directory)
        except OSError:
            self.player = None
        self._proc: subprocess.Popen | None = None

    @property
    def active(self) -> bool:
        return self.player is not None

    def play(self, result: str) -> bool:
        if not self.player:
            return False
        path = self.paths.get(tune_for(result))
        if path is None:
            return False
        if self.player == ["winsound"]:
            try:
                import winsound

                winsound.PlaySound(str(path), winsound.SND_FILENAME | winsound.SND_ASYNC)
                return True
            except (ImportError, RuntimeError):
                self.player = None
                return False
        try:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()  # a new answer cuts the previous sound short
            self._proc = subprocess.Popen(
                [*self.player, str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            return True
        except OSError:
            self.player = None
            return False
