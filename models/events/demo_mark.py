"""The "DEMO" mark printed on the demo event's badges and letters (issue 13): a small red box
with white capitals, clearly visible, drawn where it covers neither text nor the QR code."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from models.core.pdf_fonts import BOLD, register_fonts

TEXT = "DEMO"


def draw_demo_mark(c: Canvas, cx: float, top: float, *, size: float = 8.0) -> float:
    """Draw the mark centred on ``cx`` with its top edge at ``top``; returns its height."""
    register_fonts()
    pad_x, pad_y = 2.2 * mm, 0.9 * mm
    width = c.stringWidth(TEXT, BOLD, size) + 2 * pad_x
    height = size + 2 * pad_y
    c.saveState()
    c.setFillColorRGB(0.83, 0.18, 0.18)
    c.roundRect(cx - width / 2, top - height, width, height, 1.2 * mm, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(BOLD, size)
    c.drawCentredString(cx, top - height + pad_y + size * 0.18, TEXT)
    c.restoreState()
    return height
