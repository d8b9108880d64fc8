"""The door images (kiosk/doorset.py): the kiosk's and the page's decoders against zxing-cpp alone,
and a forged code that decodes fine but is refused by verification."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest
from kiosk_testdata import EVENT_TAG, ROOT

from kiosk import doorset, media
from kiosk.decode import Decoder, decode_zxing_only
from kiosk.verify import Snapshot, verify_local
from models import codes

SAMPLE = 6  #: frames per category and size: small, fixed (the benchmark uses 40)

NODE_READY = shutil.which("node") and (ROOT / "node_modules" / "zxing-wasm" / "dist" / "reader").is_dir()


@pytest.fixture(scope="module")
def sample():
    return {
        (cat, size): list(doorset.door_frames(cat, size, SAMPLE))
        for cat in doorset.CATEGORIES
        for size in doorset.SIZES
    }


def _read(texts_per_frame, pairs) -> int:
    return sum(1 for texts, (code, _) in zip(texts_per_frame, pairs, strict=True) if code in texts)


def test_the_set_is_deterministic_and_named():
    a = [f for _, f in doorset.door_frames("pouch", (640, 480), 2)]
    b = [f for _, f in doorset.door_frames("pouch", (640, 480), 2)]
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], a[1])
    assert a[0].shape == (480, 640, 3)
    with pytest.raises(ValueError, match="unknown category"):
        next(doorset.door_frames("fog", (640, 480), 1))


def test_kiosk_reads_at_least_zxing_alone_in_every_category_and_more_overall(sample):
    decoder = Decoder()
    alone_total = kiosk_total = 0
    per = {}
    for key, pairs in sample.items():
        alone = _read([[c.text for c in decode_zxing_only(f).codes] for _, f in pairs], pairs)
        kiosk = _read([[c.text for c in decoder.decode(f).codes] for _, f in pairs], pairs)
        per[key] = (alone, kiosk)
        alone_total += alone
        kiosk_total += kiosk
    assert all(k >= a for a, k in per.values()), per
    assert kiosk_total > alone_total, per
    assert per[("clean", (640, 480))] == (SAMPLE, SAMPLE)  # the control
    # the categories the new stages were added for
    assert per[("phone", (640, 480))][1] > per[("phone", (640, 480))][0]
    assert per[("lowlight", (640, 480))][1] > per[("lowlight", (640, 480))][0]


def _forged_frame(category: str):
    """A badge signed with a key nobody trusts, shown the way the door set shows badges."""
    forger = codes.new_private_key()
    forged = codes.make_code(forger, event_tag=EVENT_TAG, key_no=1, attendee_id=1, serial=1)
    badge = media.badge_image(forged, "Kẻ Giả Mạo", "Z-99")
    rng = np.random.default_rng(4)
    bg = media.background(640, 480, seed=2)
    maker = doorset._MAKERS[category]
    return forged, maker(badge, bg, rng)


def test_a_forged_code_is_decoded_but_refused_by_verification(keys):
    snap = Snapshot.from_json(keys.snapshot_doc())
    forged, frame = _forged_frame("lowlight")
    res = Decoder().decode(frame)
    assert [c.text for c in res.codes] == [forged]  # the decoder reads it: it is a text like any other
    verdict = verify_local(forged, snap)
    assert verdict.result == "invalid"
    assert verdict.attendee is None
    # the same person's genuine badge is accepted: the refusal is the signature's doing
    assert verify_local(keys.code(1), snap).result == "ok"


@pytest.mark.skipif(not NODE_READY, reason="needs node and `npm ci` (zxing-wasm in node_modules)")
def test_page_decoder_in_node_reads_the_sample(sample, keys):
    """static/js/decoder.js (zxing-wasm) run in node on the same frames."""
    keys_, pairs = list(sample), [p for k in sample for p in sample[k]]
    out = doorset.decode_in_node([f for _, f in pairs])
    per = {}
    i = 0
    for key in keys_:
        n = len(sample[key])
        chunk = out[i : i + n]
        i += n
        per[key] = (
            _read([o["alone"] for o in chunk], sample[key]),
            _read([o["page"] for o in chunk], sample[key]),
        )
    assert all(p >= a for a, p in per.values()), per
    assert sum(p for _, p in per.values()) > sum(a for a, _ in per.values()), per
    assert per[("clean", (1280, 720))] == (SAMPLE, SAMPLE)
    # every text it returns is a code that was in the frame: no misreads
    shown = {code for code, _ in pairs}
    assert all(t in shown for o in out for t in o["page"] + o["alone"])
    # a forged code is read by the page's decoder too (its verification refuses it)
    forged, frame = _forged_frame("clean")
    assert doorset.decode_in_node([frame], baseline=False)[0]["page"] == [forged]
    assert verify_local(forged, Snapshot.from_json(keys.snapshot_doc())).result == "invalid"


@pytest.mark.skipif(not NODE_READY, reason="needs `npm ci` (zxing-wasm in node_modules)")
def test_page_decoder_in_chromium_with_a_fake_camera(tmp_path, browser):
    """decoder.js in headless Chromium: camera (a .y4m of door-set badges) -> canvas -> ImageData ->
    decodeFrame, through scripts/bench_scan_page.py's harness page; nothing loaded from outside."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_scan_page as bench

    frames = bench.steady_frames((640, 480), "clean", fps=15, hold=1.0, gap=0.6, people=2)
    y4m = media.write_y4m(tmp_path / "badges.y4m", frames, fps=15)
    server, url = bench.serve_harness((640, 480))
    try:
        data = bench.run_browser(y4m, url, 5.0, None, chromium=browser.browser_type)
    finally:
        server.shutdown()
    assert data["error"] == ""
    assert data["outside_requests"] == []
    assert len(data["frames"]) > 10
    assert {f["w"] for f in data["frames"]} == {640}
    assert data["answers"], "no badge answered"
    assert any(f["found"] for f in data["frames"] if f["mark"])
    assert not any(f["found"] for f in data["frames"] if not f["mark"])  # empty frames stay empty
