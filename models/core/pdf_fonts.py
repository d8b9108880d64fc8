"""The one place PDFs get their fonts.

- DejaVu Sans (Debian's fonts-dejavu-core) for badges, reports and scripts: it draws every
  Vietnamese letter ("Nguyễn", "Đặng"); reportlab's built-in Helvetica cannot.
- Liberation Serif (Debian's fonts-liberation2, 2.x), metric-compatible with Times New Roman, for
  official documents (giấy mời, Decree 30/2020/NĐ-CP) and the exhibition catalogue. The older
  fonts-liberation 1.07 lacks letters such as "ợ"; tests check every Vietnamese letter is in the cmap.
"""

from __future__ import annotations

from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"

SERIF_DIR = Path("/usr/share/fonts/truetype/liberation2")
#: reportlab names of Liberation Serif's four faces (also the embedded PDF base font names)
SERIF, SERIF_BOLD, SERIF_ITALIC, SERIF_BOLD_ITALIC = (
    "LiberationSerif",
    "LiberationSerif-Bold",
    "LiberationSerif-Italic",
    "LiberationSerif-BoldItalic",
)
_SERIF_FILES = {
    SERIF: "LiberationSerif-Regular.ttf",
    SERIF_BOLD: "LiberationSerif-Bold.ttf",
    SERIF_ITALIC: "LiberationSerif-Italic.ttf",
    SERIF_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}


def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans and its bold once per process; returns (regular, bold) names."""
    # binary (Flate only) streams: the pure-Python ASCII85 step costs about 1 ms per page
    rl_config.useA85 = 0
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    return REGULAR, BOLD


def serif_path(name: str) -> Path:
    """The .ttf file of one of the four Liberation Serif faces."""
    return SERIF_DIR / _SERIF_FILES[name]


def register_serif() -> tuple[str, str, str, str]:
    """Register Liberation Serif (regular, bold, italic, bold-italic) once per process and return
    their names. Raises RuntimeError naming the Debian package when it is not installed."""
    rl_config.useA85 = 0
    registered = pdfmetrics.getRegisteredFontNames()
    for name in _SERIF_FILES:
        if name in registered:
            continue
        path = serif_path(name)
        if not path.exists():
            raise RuntimeError(f"Thiếu phông chữ {path} (cài gói fonts-liberation2).")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        SERIF, normal=SERIF, bold=SERIF_BOLD, italic=SERIF_ITALIC, boldItalic=SERIF_BOLD_ITALIC
    )
    return SERIF, SERIF_BOLD, SERIF_ITALIC, SERIF_BOLD_ITALIC
