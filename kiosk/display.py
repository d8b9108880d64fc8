"""The kiosk screen: live preview with a box around the code, and a large result panel.

All text is drawn with Pillow and a TrueType font (DejaVu Sans has every Vietnamese glyph);
``cv2.putText`` only knows ASCII and would turn "Nguyễn" into "Nguy?n". OpenCV is only used for
the preview, the box, and the full-screen window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path(__file__).parent / "fonts"]
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"

IDLE_PROMPT = "Xin mời quý đại biểu đưa mã QR vào khung hình"

GREEN, AMBER, RED = (22, 128, 56), (222, 150, 0), (190, 30, 45)
IDLE_BG, BAR_BG, WHITE, DARK = (24, 38, 64), (12, 18, 30), (255, 255, 255), (20, 20, 20)

COLOURS = {"ok": GREEN, "already": AMBER}
TITLES = {
    "ok": "XIN CHÀO",
    "already": "ĐÃ ĐIỂM DANH TRƯỚC ĐÓ",
    "invalid": "MÃ KHÔNG HỢP LỆ",
    "revoked": "THẺ ĐÃ BỊ THU HỒI",
    "unknown": "KHÔNG TÌM THẤY ĐẠI BIỂU",
    "wrong_event": "THẺ CỦA SỰ KIỆN KHÁC",
    "no_snapshot": "CHƯA KIỂM TRA ĐƯỢC THẺ",
}
DEFAULT_MESSAGES = {
    "ok": "Mời quý đại biểu vào hội trường",
    "already": "Thẻ này đã được dùng để vào hội trường",
    "invalid": "Mã QR này không phải thẻ đại biểu. Xin mời đến bàn đón tiếp.",
    "revoked": "Thẻ đã được thay thế hoặc hủy. Xin mời đến bàn đón tiếp.",
    "unknown": "Không có đại biểu này trong danh sách. Xin mời đến bàn đón tiếp.",
    "wrong_event": "Thẻ này thuộc sự kiện khác. Xin mời đến bàn đón tiếp.",
    "no_snapshot": "Máy chưa có dữ liệu sự kiện và không kết nối được máy chủ. Xin mời đến bàn đón tiếp.",
}
#: welcomed ("ok") without a seat though one is needed (the hall was full)
DESK_SEAT_LINE = "Chỗ ngồi: nhận tại bàn đón tiếp"
DESK_SEAT_MESSAGE = "Xin mời quý đại biểu đến bàn đón tiếp để nhận chỗ ngồi."
DESK_BOX = (255, 214, 64)


def colour_for(result: str | None) -> tuple[int, int, int]:
    if result is None:
        return IDLE_BG
    return COLOURS.get(result, RED)


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = BOLD if bold else REGULAR
    for d in FONT_DIRS:
        if (d / name).exists():
            return ImageFont.truetype(str(d / name), size)
    raise FileNotFoundError(f"{name} not found (install fonts-dejavu-core)")


def text_width(text: str, f: ImageFont.FreeTypeFont) -> float:
    return f.getlength(text)


def fit(
    text: str, max_width: int, size: int, min_size: int, bold: bool = False
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font (<= size) at which ``text`` fits ``max_width`` on one line, or on two
    lines (split at a word boundary) at ``min_size`` and below."""
    s = size
    while s > min_size:
        f = font(s, bold)
        if text_width(text, f) <= max_width:
            return f, [text]
        s -= 2
    words = text.split()
    s = min_size
    while s >= 10:
        f = font(s, bold)
        # the most balanced split into two lines that fit
        best = None
        for cut in range(1, len(words)):
            a, b = " ".join(words[:cut]), " ".join(words[cut:])
            widest = max(text_width(a, f), text_width(b, f))
            if widest <= max_width and (best is None or widest < best[0]):
                best = (widest, [a, b])
        if best:
            return f, best[1]
        if text_width(text, f) <= max_width:
            return f, [text]
        s -= 2
    return font(10, bold), [text]


def ellipsize(text: str, f: ImageFont.FreeTypeFont, max_width: int) -> str:
    """``text`` cut at a word (or letter) boundary with "…" so that it fits ``max_width``."""
    if text_width(text, f) <= max_width:
        return text
    while text and text_width(text + "…", f) > max_width:
        cut = text.rstrip().rfind(" ")
        text = text[:cut] if cut > len(text) // 2 else text[:-1]
    return text.rstrip(" ,—-") + "…"


def wrap(text: str, f: ImageFont.FreeTypeFont, max_width: int, max_lines: int = 3) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(lines[-1] + " " + word, f) <= max_width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(".") + "…"
    return lines


def format_time(iso: str | None, tz: str | None = None) -> str:
    """'08:12' from an ISO timestamp, in the event's timezone when known."""
    if not iso:
        return ""
    try:
        dt = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return str(iso)[:16]
    if dt.tzinfo is not None:
        try:
            from zoneinfo import ZoneInfo

            dt = dt.astimezone(ZoneInfo(tz)) if tz else dt.astimezone()
        except Exception:
            dt = dt.astimezone()
    return dt.strftime("%H:%M")


@dataclass
class PanelState:
    """What the panel shows. ``result`` None is the idle screen."""

    result: str | None = None
    name: str = ""  #: honorific + full name
    seat: str = ""  #: the short label, "B-08-06"
    seat_text: str = ""  #: the seat spelled out, "Khu giữa · Hàng 8 · Ghế 6"
    #: "ok" without a seat though one is needed: a highlighted "seat at the desk" line
    seat_at_desk: bool = False
    group: str = ""
    message: str = ""
    first_at: str = ""  #: "08:12", for "already"
    first_station: str = ""
    source: str = ""  #: "server" | "offline"
    station: str = ""
    event_name: str = ""
    online: bool | None = None
    queue_len: int = 0
    problem: str = ""  #: configuration / camera / server trouble, shown in a strip
    extra: str = ""  #: e.g. "2 mã trong khung hình"
    #: the checkpoint's name when it is not the hall entrance ("Hậu trường trao giải"): shown above the title
    checkpoint: str = ""
    layout: dict = field(default_factory=dict)


def health_line(state: PanelState) -> str:
    if state.online is None:
        server = "Máy chủ: đang kết nối…"
    elif state.online:
        server = "Máy chủ: trực tuyến"
    else:
        server = "Máy chủ: NGOẠI TUYẾN"
    return f"{server}   •   Hàng đợi: {state.queue_len}"


def render_panel(state: PanelState, size: tuple[int, int]) -> Image.Image:
    """The result panel as an RGB Pillow image; ``state.layout`` gets the text boxes drawn
    (name/seat/title), so tests can compare them with a reference rendering."""
    w, h = size
    bg = colour_for(state.result)
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    fg = DARK if state.result == "already" else WHITE
    pad = max(12, w // 24)
    inner = w - 2 * pad
    layout: dict = {}

    bar_h, bottom = _draw_bars(d, state, layout, size, pad, inner)
    if state.result is None:
        _draw_idle(d, layout, size, bar_h, bottom, inner, state.checkpoint)
        state.layout = layout
        return img

    y = _draw_title(d, state, layout, pad, bar_h + pad, inner, h, fg)
    if state.name:
        y = _draw_name(d, state, layout, pad, y, inner, h, fg)
    if state.seat or state.seat_text:
        y = _draw_seat(d, state, layout, pad, y, inner, h, fg)
    elif state.seat_at_desk and state.result == "ok":
        y = _draw_desk_seat(d, layout, size, pad, y, inner)
    _draw_message(d, state, layout, pad, y, inner, h, bottom, fg)
    state.layout = layout
    return img


def _draw_bars(
    d: ImageDraw.ImageDraw, state: PanelState, layout: dict, size: tuple[int, int], pad: int, inner: int
) -> tuple[int, int]:
    """Top bar: station + event; bottom bar: health (+ the problem strip above it). Returns
    the bar height and the y where the content area ends."""
    w, h = size
    bar_h = max(28, h // 14)
    d.rectangle([0, 0, w, bar_h], fill=BAR_BG)
    top = state.station or "Trạm check-in"
    if state.event_name:
        top = f"{top}  —  {state.event_name}"
    f_bar = font(max(12, bar_h // 2), False)
    d.text((pad, bar_h // 2), ellipsize(top, f_bar, inner), font=f_bar, fill=WHITE, anchor="lm")
    d.rectangle([0, h - bar_h, w, h], fill=BAR_BG)
    dot = (60, 200, 90) if state.online else ((230, 70, 60) if state.online is False else (200, 200, 200))
    r = bar_h // 5
    d.ellipse([pad, h - bar_h // 2 - r, pad + 2 * r, h - bar_h // 2 + r], fill=dot)
    d.text((pad + 3 * r, h - bar_h // 2), health_line(state), font=f_bar, fill=WHITE, anchor="lm")
    layout["health"] = health_line(state)
    bottom = h - bar_h
    if state.problem:
        f_p = font(max(12, bar_h // 2), True)
        lines = wrap(state.problem, f_p, inner, 2)
        ph = (f_p.size + 6) * len(lines) + 10
        d.rectangle([0, bottom - ph, w, bottom], fill=(250, 220, 60))
        for i, line in enumerate(lines):
            d.text((pad, bottom - ph + 5 + i * (f_p.size + 6)), line, font=f_p, fill=DARK)
        layout["problem"] = lines
        bottom -= ph
    return bar_h, bottom


def _draw_idle(
    d: ImageDraw.ImageDraw,
    layout: dict,
    size: tuple[int, int],
    bar_h: int,
    bottom: int,
    inner: int,
    checkpoint: str = "",
) -> None:
    """No result: the prompt, centred between the bars; under it the checkpoint's name when
    this kiosk is not at the hall entrance."""
    w, h = size
    f_idle, lines = fit(IDLE_PROMPT, inner, max(20, h // 12), max(16, h // 18), True)
    lines = wrap(IDLE_PROMPT, f_idle, inner, 4)
    total = len(lines) * int(f_idle.size * 1.3)
    y = bar_h + (bottom - bar_h - total) // 2
    for line in lines:
        d.text((w // 2, y), line, font=f_idle, fill=WHITE, anchor="ma")
        y += int(f_idle.size * 1.3)
    layout["idle"] = lines
    if checkpoint:
        f_cp = font(max(16, h // 20), True)
        d.text((w // 2, y + f_cp.size // 2), ellipsize(checkpoint, f_cp, inner), font=f_cp, fill=WHITE, anchor="ma")
        layout["checkpoint"] = checkpoint


def _draw_title(
    d: ImageDraw.ImageDraw, state: PanelState, layout: dict, pad: int, y: int, inner: int, h: int, fg
) -> int:
    """The result's title ("(ngoại tuyến)" added to an offline ok). Returns the next y."""
    title = TITLES.get(state.result, state.result.upper())
    if state.source == "offline" and state.result == "ok":
        title += " (ngoại tuyến)"
    if state.checkpoint:
        f_cp = font(max(14, h // 26), True)
        d.text((pad, y), ellipsize(state.checkpoint, f_cp, inner), font=f_cp, fill=fg)
        layout["checkpoint"] = state.checkpoint
        y += int(f_cp.size * 1.3)
    f_title, tl = fit(title, inner, max(18, h // 14), max(14, h // 22), True)
    for line in tl:
        d.text((pad, y), line, font=f_title, fill=fg)
        y += int(f_title.size * 1.25)
    layout["title"] = {"text": tl, "size": f_title.size}
    return y + pad // 2


def _draw_name(
    d: ImageDraw.ImageDraw, state: PanelState, layout: dict, pad: int, y: int, inner: int, h: int, fg
) -> int:
    """The guest's name in large type (at most two lines). Returns the next y."""
    f_name, nl = fit(state.name, inner, max(28, h // 7), max(20, h // 13), True)
    layout["name"] = {"lines": nl, "size": f_name.size, "xy": []}
    for line in nl:
        layout["name"]["xy"].append((pad, y))
        d.text((pad, y), line, font=f_name, fill=fg)
        y += int(f_name.size * 1.2)
    return y + pad // 3


def _draw_desk_seat(d: ImageDraw.ImageDraw, layout: dict, size: tuple[int, int], pad: int, y: int, inner: int) -> int:
    """An "ok" without a needed seat: the "seat at the desk" line in a highlighted box.
    Returns the next y."""
    w, h = size
    f_desk, dl = fit(DESK_SEAT_LINE, inner - pad, max(22, h // 11), max(16, h // 20), True)
    box_h = int(f_desk.size * 1.3) * len(dl) + pad // 2
    y += pad // 4
    d.rounded_rectangle(
        [pad - pad // 4, y - pad // 4, w - pad + pad // 4, y + box_h], radius=max(4, pad // 3), fill=DESK_BOX
    )
    layout["seat_at_desk"] = {"lines": dl, "size": f_desk.size, "xy": (pad, y)}
    for line in dl:
        d.text((pad, y), line, font=f_desk, fill=DARK)
        y += int(f_desk.size * 1.3)
    return y + pad // 2


def _draw_message(
    d: ImageDraw.ImageDraw, state: PanelState, layout: dict, pad: int, y: int, inner: int, h: int, bottom: int, fg
) -> None:
    """The message under the result (as much as fits above ``bottom``), then ``extra``."""
    message = state.message or DEFAULT_MESSAGES.get(state.result, "")
    if state.seat_at_desk and state.result == "ok" and not state.message:
        message = DESK_SEAT_MESSAGE
    if state.result == "already" and state.first_at and not state.checkpoint:
        where = f" tại {state.first_station}" if state.first_station else ""
        message = f"Đã điểm danh lúc {state.first_at}{where}"
    if message:
        f_msg = font(max(14, h // 24), False)
        for line in wrap(message, f_msg, inner, 3):
            if y + f_msg.size > bottom - pad:
                break
            d.text((pad, y), line, font=f_msg, fill=fg)
            y += int(f_msg.size * 1.3)
        layout["message"] = message
    if state.extra:
        f_x = font(max(12, h // 30), True)
        d.text((pad, min(y + 4, bottom - f_x.size - 4)), state.extra, font=f_x, fill=fg)
        layout["extra"] = state.extra


def _fit_parts(text: str, max_width: int, size: int, min_size: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """Like fit(), but a seat phrase that needs two lines breaks between its parts
    ("Khu giữa" / "Hàng 8 · Ghế 6"), never inside "Hàng 8"."""
    f, lines = fit(text, max_width, size, min_size, True)
    parts = text.split(" · ")
    if len(lines) == 1 and text_width(text, f) <= max_width or len(parts) < 2:
        return f, lines
    for s in range(size, 9, -2):
        f = font(s, True)
        best = None
        for cut in range(1, len(parts)):
            pair = [" · ".join(parts[:cut]), " · ".join(parts[cut:])]
            widest = max(text_width(x, f) for x in pair)
            if widest <= max_width and (best is None or widest < best[0]):
                best = (widest, pair)
        if best:
            return f, best[1]
    return fit(text, max_width, size, min_size, True)


def _draw_seat(
    d: ImageDraw.ImageDraw, state: PanelState, layout: dict, pad: int, y: int, inner: int, h: int, fg
) -> int:
    """The seat spelled out, large ("Khu giữa · Hàng 8 · Ghế 6", never larger than the name),
    with the short label in smaller type beside a line where it fits, else under it. Without
    ``seat_text`` (an older server) "Ghế: B-08-06" as before. Returns the next y."""
    main = state.seat_text or f"Ghế: {state.seat}"
    label = state.seat if state.seat_text and state.seat else ""
    size = max(24, h // 9)
    if state.seat_text and layout.get("name"):
        size = min(size, layout["name"]["size"])
    f_seat, sl = _fit_parts(main, inner, size, max(20, h // 14))
    line_h = int(f_seat.size * 1.25)
    layout["seat"] = {"text": sl[0], "size": f_seat.size, "xy": (pad, y), "lines": sl}
    for i, line in enumerate(sl):
        d.text((pad, y + i * line_h), line, font=f_seat, fill=fg)
    if label:
        f_label = font(max(14, f_seat.size * 3 // 5), False)
        gap = f_seat.size // 2
        room = [
            (i, text_width(line, f_seat))
            for i, line in enumerate(sl)
            if text_width(line, f_seat) + gap + text_width(label, f_label) <= inner
        ]
        if room:
            i, width = min(room, key=lambda r: r[1])
            xy = (pad + int(width) + gap, y + i * line_h + (f_seat.size - f_label.size))
        else:
            xy = (pad, y + len(sl) * line_h)
            y += int(f_label.size * 1.3)
        d.text(xy, label, font=f_label, fill=fg)
        layout["seat_label"] = {"text": label, "size": f_label.size, "xy": xy}
    return y + len(sl) * line_h + int(f_seat.size * 0.05)


def draw_boxes(frame: np.ndarray, polygons: list, colour=(0, 220, 0)) -> np.ndarray:
    """Draw each code's outline (4 corners) on a copy of the BGR frame."""
    out = frame.copy()
    thick = max(2, frame.shape[1] // 150)
    for pts in polygons:
        arr = np.array(pts, dtype=np.int32).reshape(-1, 1, 2)
        cv2.polylines(out, [arr], True, colour, thick, cv2.LINE_AA)
    return out


class PanelCache:
    """Re-render the panel only when what it shows changes (Pillow text costs a few ms)."""

    def __init__(self):
        self._key = None
        self._image: np.ndarray | None = None

    def get(self, state: PanelState, size: tuple[int, int]) -> np.ndarray:
        key = (size, tuple((k, v) for k, v in vars(state).items() if k != "layout"))
        if key != self._key or self._image is None:
            panel = render_panel(state, size)
            self._image = cv2.cvtColor(np.asarray(panel), cv2.COLOR_RGB2BGR)
            self._key = key
        return self._image


def compose_screen(
    frame: np.ndarray | None,
    state: PanelState,
    polygons: list | None = None,
    size: tuple[int, int] = (1280, 720),
    box_colour=None,
    cache: PanelCache | None = None,
) -> np.ndarray:
    """The whole screen (BGR): preview on the left 40%, panel on the right."""
    w, h = size
    canvas = np.zeros((h, w, 3), np.uint8)
    pw = int(w * 0.4)
    if frame is not None and frame.size:
        fh, fw = frame.shape[:2]
        scale = min(pw / fw, h / fh)
        small = cv2.resize(frame, (max(1, int(fw * scale)), max(1, int(fh * scale))), interpolation=cv2.INTER_AREA)
        if polygons:  # draw on the small preview: cheaper than on the full frame
            scaled = [[(x * scale, y * scale) for x, y in pts] for pts in polygons]
            small = draw_boxes(small, scaled, box_colour or colour_for(state.result)[::-1])
        if small.ndim == 2:
            small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
        y0 = (h - small.shape[0]) // 2
        x0 = (pw - small.shape[1]) // 2
        canvas[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small[:, :, :3]
    panel = cache.get(state, (w - pw, h)) if cache else PanelCache().get(state, (w - pw, h))
    canvas[:, pw:] = panel
    return canvas


class Window:
    """The full-screen OpenCV window. Only created when not headless and a display exists."""

    NAME = "Event Kiosk"

    def __init__(self, fullscreen: bool = True, size: tuple[int, int] = (1280, 720)):
        cv2.namedWindow(self.NAME, cv2.WINDOW_NORMAL)
        # without a window manager (a bare X session on a mini-PC) the full-screen request
        # is ignored: size and place the window ourselves first
        cv2.resizeWindow(self.NAME, *size)
        cv2.moveWindow(self.NAME, 0, 0)
        if fullscreen:
            cv2.setWindowProperty(self.NAME, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN)

    def show(self, image: np.ndarray) -> int:
        cv2.imshow(self.NAME, image)
        return cv2.waitKey(1) & 0xFF

    def close(self) -> None:
        try:
            cv2.destroyWindow(self.NAME)
        except cv2.error:
            pass
