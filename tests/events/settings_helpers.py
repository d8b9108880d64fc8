"""Images and files for the event settings tests."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def logo_bytes(fmt: str = "PNG", size: tuple[int, int] = (400, 300)) -> bytes:
    """A red disc with a yellow star (a stand-in for a province's emblem)."""
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    w, h = size
    d.ellipse((w * 0.05, h * 0.03, w * 0.95, h * 0.97), fill="#c62828")
    d.polygon(
        [
            (w * 0.5, h * 0.13),
            (w * 0.6, h * 0.47),
            (w * 0.85, h * 0.47),
            (w * 0.65, h * 0.67),
            (w * 0.72, h * 0.93),
            (w * 0.5, h * 0.77),
            (w * 0.28, h * 0.93),
            (w * 0.35, h * 0.67),
            (w * 0.15, h * 0.47),
            (w * 0.4, h * 0.47),
        ],
        fill="#ffd600",
    )
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()
