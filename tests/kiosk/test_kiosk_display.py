"""The screen: Vietnamese text drawn with Pillow (compared to a reference), colours, health line,
and the sounds. Screenshots go to tests/artifacts/ (look at them)."""

from __future__ import annotations

import wave

import cv2
import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw

from kiosk import display, media, sound
from kiosk.display import PanelState, compose_screen, font, render_panel

SIZE = (768, 720)  # the panel part of a 1280x720 screen


def reference_text(state_bg, size, xy, text, px, fill):
    """What Pillow itself draws for ``text`` at ``xy``: the panel must match it exactly."""
    img = Image.new("RGB", size, state_bg)
    ImageDraw.Draw(img).text(xy, text, font=font(px, True), fill=fill)
    return img


def crop_box(xy, text, px):
    left, top, right, bottom = font(px, True).getbbox(text)
    x, y = xy
    return (x + left, y + top, x + right, y + bottom)


@pytest.mark.parametrize(
    "name,seat",
    [
        ("Ông Nguyễn Văn An", "A-01"),
        ("Bà Đặng Thị Bích Ngọc", "B-12"),
        ("Bà Huỳnh Thị Ánh Tuyết", "C-07"),
    ],
)
def test_name_and_seat_match_pillow_reference(name, seat, artifacts):
    state = PanelState(result="ok", name=name, seat=seat, station="Cổng chính", online=True, source="server")
    img = render_panel(state, SIZE)
    lay = state.layout
    lines = lay["name"]["lines"]
    assert " ".join(lines) == name and len(lines) <= 2
    px = lay["name"]["size"]
    assert px >= 48  # large type: at least 1/15 of the screen height
    for line, xy in zip(lines, lay["name"]["xy"], strict=True):
        ref = reference_text(display.GREEN, SIZE, xy, line, px, display.WHITE)
        box = crop_box(xy, line, px)
        diff = ImageChops.difference(img.crop(box), ref.crop(box))
        assert diff.getbbox() is None, "panel text differs from Pillow's own rendering"
    seat_text = lay["seat"]["text"]
    assert seat_text == f"Ghế: {seat}"
    sref = reference_text(display.GREEN, SIZE, lay["seat"]["xy"], seat_text, lay["seat"]["size"], display.WHITE)
    sbox = crop_box(lay["seat"]["xy"], seat_text, lay["seat"]["size"])
    assert ImageChops.difference(img.crop(sbox), sref.crop(sbox)).getbbox() is None
    img.save(artifacts / f"kiosk_panel_{seat}.png")


def test_diacritics_are_really_drawn():
    """ "Nguyễn" must not come out as "Nguyen" (or as boxes): the marks change the pixels."""
    f = font(80, True)

    def ink(text):
        img = Image.new("L", (700, 140), 0)
        ImageDraw.Draw(img).text((10, 10), text, font=f, fill=255)
        return np.asarray(img) > 0

    for accented, plain in [("Nguyễn", "Nguyen"), ("Đặng", "Dang"), ("Huỳnh", "Huynh"), ("Ánh Tuyết", "Anh Tuyet")]:
        a, p = ink(accented), ink(plain)
        assert (a & ~p).sum() > 150, accented
        # the marks sit above/below the plain letters: more rows with ink
        assert np.any(a, axis=1).sum() > np.any(p, axis=1).sum()
    # every glyph exists in the font (no .notdef boxes)
    notdef = ink("\uffff")
    for ch in "ễặỳếÁĐđưởẫ":
        assert not np.array_equal(ink(ch), notdef), ch


def test_colours_per_outcome():
    def bg(result):
        img = render_panel(PanelState(result=result, name="Ông A", seat="1"), (400, 400))
        return img.getpixel((200, 390 - 40))

    assert bg("ok") == display.GREEN
    assert bg("already") == display.AMBER
    for r in ("invalid", "revoked", "unknown", "wrong_event"):
        assert bg(r) == display.RED
    assert render_panel(PanelState(), (400, 400)).getpixel((5, 200)) == display.IDLE_BG


def test_idle_screen_prompt_station_and_health():
    state = PanelState(station="Cổng phía Đông", online=False, queue_len=4)
    render_panel(state, SIZE)
    assert " ".join(state.layout["idle"]) == display.IDLE_PROMPT
    assert state.layout["health"] == "Máy chủ: NGOẠI TUYẾN   •   Hàng đợi: 4"
    state = PanelState(online=True, queue_len=0, problem="Mất tín hiệu camera")
    render_panel(state, SIZE)
    assert state.layout["health"].startswith("Máy chủ: trực tuyến")
    assert state.layout["problem"] == ["Mất tín hiệu camera"]


def test_already_shows_first_time_and_station():
    state = PanelState(
        result="already",
        name="Bà Đặng Thị Bích Ngọc",
        seat="A-02",
        first_at=display.format_time("2025-03-20T01:05:00+00:00", "Asia/Ho_Chi_Minh"),
        first_station="Cổng 2",
    )
    render_panel(state, SIZE)
    assert state.layout["message"] == "Đã điểm danh lúc 08:05 tại Cổng 2"


def test_long_name_wraps_and_stays_inside():
    name = "Đồng chí Nguyễn Thị Phương Thảo Huỳnh Ngọc Ánh Tuyết"
    state = PanelState(result="ok", name=name, seat="Z-99")
    render_panel(state, (500, 600))
    lines = state.layout["name"]["lines"]
    assert " ".join(lines) == name and len(lines) == 2
    f = font(state.layout["name"]["size"], True)
    assert all(f.getlength(line) <= 500 for line in lines)


def test_full_screen_with_preview_box(artifacts, keys):
    code = keys.code(3)
    frame = media.compose(
        media.badge_image(code, "Huỳnh Thị Ánh Tuyết", "B-14"),
        media.background(640, 480),
        media.Pose(scale=0.8, angle=10),
    )
    from kiosk.decode import Decoder

    found = Decoder().decode(frame).codes
    assert found
    states = {
        "ok": PanelState(
            result="ok",
            name="Bà Huỳnh Thị Ánh Tuyết",
            seat="B-14",
            station="Cổng chính",
            event_name="Hội nghị tổng kết OCOP 2024",
            online=True,
            source="server",
            message="Chào mừng quý đại biểu đến dự Hội nghị",
        ),
        "offline": PanelState(
            result="ok",
            name="Ông Nguyễn Văn An",
            seat="A-01",
            station="Cổng chính",
            online=False,
            queue_len=3,
            source="offline",
            problem="Mất kết nối máy chủ. Đang làm việc ngoại tuyến, lượt quét được lưu lại.",
        ),
        "already": PanelState(
            result="already",
            name="Bà Đặng Thị Bích Ngọc",
            seat="A-02",
            first_at="08:05",
            first_station="Cổng 2",
            station="Cổng chính",
            online=True,
        ),
        "revoked": PanelState(result="revoked", station="Cổng chính", online=True),
        "idle": PanelState(station="Cổng chính", online=True),
    }
    for name, state in states.items():
        screen = compose_screen(frame, state, [c.points for c in found] if name != "idle" else [], (1280, 720))
        assert screen.shape == (720, 1280, 3)
        cv2.imwrite(str(artifacts / f"kiosk_screen_{name}.png"), screen)
    # the box is drawn on the preview in the outcome colour (BGR green)
    ok = compose_screen(frame, states["ok"], [c.points for c in found], (1280, 720))
    plain = compose_screen(frame, states["ok"], [], (1280, 720))
    changed = np.any(ok != plain, axis=2)
    assert changed[:, :512].sum() > 200 and changed[:, 512:].sum() == 0


def test_sounds_are_distinct_wavs_and_silent_without_device(tmp_path, monkeypatch):
    paths = sound.write_wavs(tmp_path)
    datas = {}
    for name, p in paths.items():
        with wave.open(str(p)) as w:
            assert w.getnchannels() == 1 and w.getframerate() == sound.RATE
            assert 0.1 < w.getnframes() / w.getframerate() < 0.6
            datas[name] = w.readframes(w.getnframes())
    assert len(set(datas.values())) == len(datas) == 4
    assert {sound.tune_for(r) for r in ("ok", "already", "invalid", "no_snapshot")} == {
        "ok",
        "already",
        "error",
        "problem",
    }
    monkeypatch.setattr(sound, "find_player", lambda: None)
    s = sound.Sounds(tmp_path / "s")
    assert not s.active and s.play("ok") is False
    monkeypatch.setattr(sound, "find_player", lambda: ["true"])
    monkeypatch.setattr(sound, "audio_device_present", lambda: True)
    s = sound.Sounds(tmp_path / "s")
    assert s.play("ok") is True  # starts and returns at once


def test_long_station_and_event_names_are_cut_with_an_ellipsis():
    f = font(20)
    long = "Cổng chính — Hội nghị tổng kết, đánh giá Chương trình Mỗi xã một sản phẩm năm 2024"
    cut = display.ellipsize(long, f, 300)
    assert cut.endswith("…") and f.getlength(cut) <= 300 and long.startswith(cut[:-1])
    assert display.ellipsize("Cổng 1", f, 300) == "Cổng 1"
