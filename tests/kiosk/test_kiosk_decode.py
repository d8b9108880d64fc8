"""Decoding real badge codes in synthetic webcam frames, and odd QR contents."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib

import cv2
import numpy as np
import pytest
from kiosk_testdata import PEOPLE, ROOT

from kiosk import media
from kiosk.decode import Decoder, decode_pyzbar_only, pyzbar_available
from kiosk.verify import Snapshot, verify_local


@pytest.fixture(scope="module")
def badges(keys):
    return [(keys.code(p["id"]), media.badge_image(keys.code(p["id"]), p["name"], p["seat"])) for p in PEOPLE[:3]]


@pytest.mark.parametrize("degradation", media.MILD)
def test_mild_degradations_decode_every_frame(badges, degradation):
    decoder = Decoder()
    rng = np.random.default_rng(zlib.crc32(degradation.encode()) % 1000)  # fixed across runs
    bg = media.background(1280, 720, seed=3)
    misses = []
    for i in range(9):
        text, badge = badges[i % len(badges)]
        frame = media.compose(badge, bg, media.jitter(media.DEGRADATIONS[degradation], rng), i)
        got = [c.text for c in decoder.decode(frame).codes]
        if got != [text]:
            misses.append((i, got))
    assert misses == []


@pytest.mark.parametrize("degradation", ["motion_strong", "blur_strong", "glare_strong"])
def test_unreadable_frames_never_give_a_wrong_text(badges, degradation):
    decoder = Decoder()
    bg = media.background(640, 480, seed=1)
    valid = {t for t, _ in badges}
    for i, (_, badge) in enumerate(badges):
        frame = media.compose(badge, bg, media.DEGRADATIONS[degradation], i)
        for c in decoder.decode(frame).codes:
            assert c.text in valid


def test_points_surround_the_code_and_are_in_frame(badges):
    text, badge = badges[0]
    bg = media.background(640, 480)
    frame = media.compose(badge, bg, media.Pose(cx=0.4, cy=0.5, scale=0.8, angle=15))
    res = Decoder().decode(frame)
    assert [c.text for c in res.codes] == [text]
    pts = np.array(res.codes[0].points)
    assert pts.shape == (4, 2)
    assert (pts[:, 0] >= 0).all() and (pts[:, 0] < 640).all()
    assert (pts[:, 1] >= 0).all() and (pts[:, 1] < 480).all()
    cx, cy = pts.mean(axis=0)
    # the QR sits in the upper half of a badge centred at (256, 240)
    assert abs(cx - 256) < 60 and 120 < cy < 260
    assert res.codes[0].area > 80 * 80


def test_two_codes_in_one_frame_largest_first(badges):
    (t1, b1), (t2, b2) = badges[0], badges[1]
    bg = media.background(1280, 720)
    frame = media.compose(b1, bg, media.Pose(cx=0.28, scale=0.75))
    frame = media.compose(b2, frame, media.Pose(cx=0.75, scale=0.5))
    res = Decoder().decode(frame)
    assert [c.text for c in res.codes] == [t1, t2]


def test_inverted_code_decodes(keys):
    code = keys.code(9)
    img = 255 - media.qr_image(code, box=5)
    frame = np.full((480, 640), 90, np.uint8)
    frame[40 : 40 + img.shape[0], 60 : 60 + img.shape[1]] = img
    assert [c.text for c in Decoder().decode(frame).codes] == [code]


@pytest.mark.parametrize(
    "payload",
    [
        "https://example.com/phishing?x=1",
        "WIFI:S:HoiNghi;T:WPA;P:12345678;;",
        "Nguyễn Văn An – đại biểu",
        "X" * 2000,
        "EK1" + "A" * 120,  # right shape, nonsense content
    ],
)
def test_any_qr_text_is_decoded_and_judged_invalid(keys, payload):
    img = media.qr_image(payload, box=3 if len(payload) > 500 else 6)
    frame = cv2.copyMakeBorder(img, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    res = Decoder().decode(frame)
    assert [c.text for c in res.codes] == [payload]
    snap = Snapshot.from_json(keys.snapshot_doc())
    assert verify_local(res.codes[0].text, snap).result == "invalid"


def test_binary_qr_payload_does_not_break_decoding(keys):
    img = media.qr_image(bytes(range(256)), box=5)
    res = Decoder().decode(img)
    assert len(res.codes) == 1
    assert verify_local(res.codes[0].text, Snapshot.from_json(keys.snapshot_doc())).result == "invalid"


def test_decoder_survives_odd_frames():
    d = Decoder()
    assert d.decode(np.zeros((0, 0, 3), np.uint8)).codes == []
    assert d.decode(np.zeros((4, 4, 3), np.uint8)).codes == []
    assert d.decode(np.full((480, 640, 4), 255, np.uint8)).codes == []
    assert d.decode(None).codes == []  # type: ignore[arg-type]


def test_unknown_stage_is_refused():
    with pytest.raises(ValueError):
        Decoder(["zxing", "magic"])


@pytest.mark.skipif(not pyzbar_available(), reason="libzbar not installed")
def test_pyzbar_fallback_reads_the_same_code_with_four_corners(badges):
    text, badge = badges[0]
    frame = media.compose(badge, media.background(640, 480), media.Pose(scale=0.9, angle=20))
    only_zbar = Decoder(["pyzbar"]).decode(frame)
    assert [c.text for c in only_zbar.codes] == [text]
    assert only_zbar.codes[0].decoder == "pyzbar" and len(only_zbar.codes[0].points) == 4
    z = Decoder(["zxing"]).decode(frame).codes[0]
    # both decoders locate the same quadrilateral, give or take a few pixels
    assert np.abs(np.array(z.points) - np.array(only_zbar.codes[0].points)).max() < 25
    assert [c.text for c in decode_pyzbar_only(frame).codes] == [text]


def test_decode_command_on_images_and_video(tmp_path, badges):
    (t1, b1), (t2, b2) = badges[0], badges[1]
    bg = media.background(480, 360)
    cv2.imwrite(str(tmp_path / "one.png"), media.compose(b1, bg, media.Pose(scale=0.8)))
    cv2.imwrite(str(tmp_path / "none.jpg"), bg)
    (tmp_path / "junk.png").write_bytes(b"not an image")
    frames = media.badge_sequence([b1, b2], size=(480, 360), fps=10, hold_s=0.5, gap_s=0.3)
    media.write_video(tmp_path / "clip.avi", frames, fps=10)
    files = ["one.png", "none.jpg", "clip.avi", "junk.png", "missing.png"]
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk", "decode", *files],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [x["file"] for x in lines] == files
    for x in lines:
        assert {"file", "codes", "ms"} <= set(x)
        assert isinstance(x["ms"], float | int)
    assert [c["text"] for c in lines[0]["codes"]] == [t1]
    assert len(lines[0]["codes"][0]["points"]) == 4
    assert all(len(p) == 2 for p in lines[0]["codes"][0]["points"])
    assert lines[1]["codes"] == []
    assert [c["text"] for c in lines[2]["codes"]] == [t1, t2]
    assert "error" in lines[3] and "error" in lines[4]
    assert proc.returncode == 1  # some files could not be read


def test_approach_video_decoded_on_first_readable_frame(badges):
    """The cascade reads a badge coming towards the camera as soon as any decoder can."""
    text, badge = badges[2]
    bg = media.background(640, 480, seed=5)
    frames = [media.compose(badge, bg, p, i) for i, p in enumerate(media.approach_poses(20, end_scale=0.9))]
    d = Decoder()
    first_cascade = next(i for i, f in enumerate(frames) if d.decode(f).codes)
    first_zbar = next((i for i, f in enumerate(frames) if decode_pyzbar_only(f).codes), 99)
    assert first_cascade <= first_zbar
    assert first_cascade < len(frames) - 3


def test_decode_command_expands_a_folder_of_photos(tmp_path, badges, capsys):
    from kiosk.__main__ import main

    (tmp_path / "set").mkdir()
    for i, (_, b) in enumerate(badges):
        cv2.imwrite(
            str(tmp_path / "set" / f"p{i}.jpg"), media.compose(b, media.background(480, 360), media.Pose(scale=0.8))
        )
    (tmp_path / "set" / "notes.txt").write_text("not a photo")
    assert main(["decode", str(tmp_path / "set")]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["codes"][0]["text"] for x in lines] == [t for t, _ in badges]
    assert "codes found in 3 of 3 files" in err
