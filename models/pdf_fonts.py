"""The one place PDFs get their fonts: DejaVu Sans (Debian's fonts-dejavu-core), which draws
every Vietnamese letter ("Nguyễn", "Đặng"); reportlab's built-in Helvetica cannot."""

from __future__ import annotations

from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"


def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans and its bold once per process; returns (regular, bold) names."""
    # binary (Flate only) streams: the pure-Python ASCII85 step costs about 1 ms per page
    rl_config.useA85 = 0
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    return REGULAR, BOLD
