#!/usr/bin/env python
"""Benchmark the phone page's decoder in headless Chromium with a fake camera (issue 24, item 7).

Chromium (Debian's /usr/bin/chromium through Playwright) plays a .y4m video of badges as its
camera (``--use-file-for-fake-video-capture``): people holding a badge still for ``--hold``
seconds, with empty frames between. The frames are made by ``kiosk/doorset.py`` (real signed
codes; ``--category`` picks the kind of frame, ``clean`` by default) and written by
``kiosk/media.py`` ``write_y4m``. A white square in the top-left corner of each frame marks
"badge in view", so the page can tell when a badge arrived.

Two modes:

- default: a small harness page served by this script (the same ``static/js/decoder.js``, the
  same getUserMedia -> video -> canvas (at most 960 px a side, like ``/scan/``) -> ImageData path
  as the page). Measures decode ms per frame (p50 / p95 / max, frames per second) and the time
  from the first frame showing a badge to the painted answer (and an upper bound: from the last
  frame without it).
- ``--page URL --token T``: the real ``/scan/`` page (a paired device token put where the page
  keeps it); reads ``window.ekScan.timings`` (decode ms per frame; ms from the frame holding a
  code to the painted answer).

    python scripts/bench_scan_page.py [--seconds 20] [--sizes 640x480,1280x720] [--category clean]
    python scripts/bench_scan_page.py --page https://HOST/scan/ --token T [--codes codes.txt]

Without ``--codes`` the badges carry the door set's own codes, which a real event refuses (red):
still an answer painted, so the timing holds; with ``--codes`` (an event's codes, e.g. from
``export-codes``) the page answers them as it would at the door.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk import doorset, media  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
#: as tests/conftest.py CHROMIUM_ARGS, plus the fake camera
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
TOKEN_KEY = "ek.device_token"  #: where static/js/scan.js keeps the paired token
MARK = 24  #: side of the "badge in view" square, pixels

HARNESS = """<!doctype html><meta charset="utf-8"><title>decoder bench</title>
<body style="margin:0;background:#000;color:#fff;font:40px sans-serif">
<video id="v" playsinline muted style="width:320px"></video><div id="answer" data-state="idle"></div>
<script type="module">
import { initDecoder, decodeFrame } from "/static/js/decoder.js";
const B = (window.bench = { frames: [], answers: [], state: "starting", error: "" });
const MAX_SIDE = 960;
try {
  await initDecoder({ wasmUrl: "/vendor/zxing-wasm/dist/reader/zxing_reader.wasm" });
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false, video: { width: { ideal: WIDTH }, height: { ideal: HEIGHT } } });
  const video = document.getElementById("v");
  video.srcObject = stream;
  await video.play();
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let inView = null, lastEmpty = null, answered = false;
  B.state = "scanning";
  for (;;) {
    if (video.readyState < 2 || !video.videoWidth) { await new Promise((r) => setTimeout(r, 20)); continue; }
    const frameAt = performance.now();
    const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    const w = Math.round(video.videoWidth * scale), h = Math.round(video.videoHeight * scale);
    if (canvas.width !== w || canvas.height !== h) Object.assign(canvas, { width: w, height: h });
    ctx.drawImage(video, 0, 0, w, h);
    const img = ctx.getImageData(0, 0, w, h);
    const mark = img.data[4 * (4 * w + 4)] > 128;
    if (mark && inView === null) { inView = frameAt; answered = false; }
    if (!mark) { inView = null; lastEmpty = frameAt; }
    const t0 = performance.now();
    const texts = await decodeFrame(img);
    const decodeMs = performance.now() - t0;
    B.frames.push({ decode_ms: decodeMs, found: texts.length, mark, w, h });
    if (texts.length && inView !== null && !answered) {
      answered = true;
      const el = document.getElementById("answer");
      el.textContent = texts[0].slice(0, 12);
      el.dataset.state = "ok";
      const start = inView, before = lastEmpty;
      requestAnimationFrame(() => {
        const now = performance.now();
        B.answers.push({ ms: now - start, ms_upper: before === null ? null : now - before, from_frame: now - frameAt });
      });
    }
    await new Promise((r) =>
      video.requestVideoFrameCallback ? video.requestVideoFrameCallback(() => r()) : requestAnimationFrame(() => r()));
  }
} catch (exc) { B.state = "error"; B.error = String(exc); }
</script></body>"""


def steady_frames(
    size: tuple[int, int], category: str, fps: int, hold: float, gap: float, people: int, codes_shown=None
):
    """Empty frames, then one badge held still for ``hold`` s (the same frame, a little sensor
    noise), for ``people`` badges; the marker square is white while a badge is in view."""
    w, h = size
    bg = media.background(w, h, seed=5)
    rng = np.random.default_rng(1)
    frames = []
    for _, frame in doorset.door_frames(category, size, people, seed=3, codes_shown=codes_shown):
        empty = bg.copy()
        empty[:MARK, :MARK] = 0
        frames.extend(empty for _ in range(int(gap * fps)))
        frame = frame.copy()
        frame[:MARK, :MARK] = 255
        for _ in range(int(hold * fps)):
            noisy = (frame + rng.normal(0, 1.5, frame.shape)).clip(0, 255).astype(np.uint8)
            noisy[:MARK, :MARK] = 255
            frames.append(noisy)
    return frames


class _Handler(SimpleHTTPRequestHandler):
    """Serves the harness page, static/js/ and node_modules under /vendor/ (nothing else)."""

    page = ""

    def log_message(self, *args):  # quiet
        pass

    def translate_path(self, path):
        path = path.split("?", 1)[0]
        if path.startswith("/vendor/"):
            return str(ROOT / "node_modules" / path[len("/vendor/") :])
        if path.startswith("/static/js/"):
            return str(ROOT / path.lstrip("/"))
        return str(ROOT / "no-such-file")

    def do_GET(self):  # noqa: N802 - the http.server name
        if self.path.split("?", 1)[0] in ("/", "/harness.html"):
            body = self.page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def guess_type(self, path):
        if str(path).endswith((".js", ".mjs")):
            return "text/javascript"
        if str(path).endswith(".wasm"):
            return "application/wasm"
        return super().guess_type(path)


def serve_harness(size: tuple[int, int]) -> tuple[ThreadingHTTPServer, str]:
    handler = type("H", (_Handler,), {"page": HARNESS.replace("WIDTH", str(size[0])).replace("HEIGHT", str(size[1]))})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(ROOT)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/harness.html"


def pct(xs, q):
    return float(np.percentile(np.array(xs), q)) if xs else float("nan")


def run_browser(y4m: Path, url: str, seconds: float, token: str | None, chromium=None) -> dict:
    """Open ``url`` in headless Chromium whose camera plays ``y4m``; collect the page's figures.
    ``chromium``: a Playwright BrowserType already running (a test's session browser: Playwright's
    sync API cannot be started twice in one thread); by default one of its own."""
    if chromium is not None:
        return _collect(chromium, y4m, url, seconds, token)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        return _collect(pw.chromium, y4m, url, seconds, token)


def _collect(chromium, y4m: Path, url: str, seconds: float, token: str | None) -> dict:
    outside: list[str] = []
    args = CHROMIUM_ARGS + [f"--use-file-for-fake-video-capture={y4m}"]
    browser = chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
    try:
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, ignore_https_errors=True)
        host = url.split("/")[2]
        ctx.on("request", lambda r: outside.append(r.url) if r.url.split("/")[2] != host else None)
        if token:
            ctx.add_init_script(f"localStorage.setItem({json.dumps(TOKEN_KEY)}, {json.dumps(token)});")
        page = ctx.new_page()
        page.goto(url)
        key = "bench" if not token else "ekScan"
        if token:  # the real page: its CSP (rightly) refuses wait_for_function's string eval
            page.wait_for_selector("body[data-state=scanning]", timeout=30000)
        else:
            page.wait_for_function(f"window.{key} && window.{key}.state !== 'starting'", timeout=30000)
        page.wait_for_timeout(seconds * 1000)
        data = page.evaluate(f"window.{key}")
    finally:
        browser.close()
    data["outside_requests"] = outside
    return data


def summarise(data: dict, real_page: bool) -> dict:
    if real_page:
        frames = [t["decode_ms"] for t in data.get("timings", []) if t.get("kind") == "frame"]
        answers = [t["ms"] for t in data.get("timings", []) if t.get("kind") == "answer"]
        upper: list[float] = []
    else:
        frames = [f["decode_ms"] for f in data["frames"]]
        answers = [a["ms"] for a in data["answers"]]
        upper = [a["ms_upper"] for a in data["answers"] if a["ms_upper"] is not None]
    return {
        "frames": len(frames),
        "decode_ms": {"p50": pct(frames, 50), "p95": pct(frames, 95), "max": max(frames, default=float("nan"))},
        "decodes_per_s": 1000 / statistics.mean(frames) if frames else 0.0,
        "answers": len(answers),
        "answer_ms": {"p50": pct(answers, 50), "p95": pct(answers, 95), "max": max(answers, default=float("nan"))},
        "answer_ms_upper": {"p50": pct(upper, 50), "max": max(upper, default=float("nan"))},
        "within_300ms": sum(1 for a in (upper or answers) if a <= 300),
        "outside_requests": data.get("outside_requests", []),
        "error": data.get("error", ""),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=20, help="how long to let each camera run")
    p.add_argument("--sizes", default="640x480,1280x720")
    p.add_argument("--category", default="clean", choices=doorset.CATEGORIES)
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--hold", type=float, default=1.2, help="seconds each badge is held still")
    p.add_argument("--people", type=int, default=4)
    p.add_argument("--page", help="URL of the real /scan/ page (then --token)")
    p.add_argument("--token", help="a paired phone's device token (scan-link)")
    p.add_argument(
        "--codes", type=Path, help="badge codes to show: one a line, or export-codes' CSV (then the page answers ok)"
    )
    p.add_argument("--json", help="also write the JSON summary to this file")
    args = p.parse_args(argv)
    if args.page and not args.token:
        p.error("--page needs --token")
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    shown = None
    if args.codes:
        # a plain list, or export-codes' CSV (the code is the last column)
        lines = args.codes.read_text(encoding="utf-8-sig").splitlines()
        shown = [line.replace(",", " ").split()[-1] for line in lines if line.strip()]
        shown = [c for c in shown if c.startswith("EK1")][: args.people] or None
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            frames = steady_frames(size, args.category, args.fps, args.hold, 0.6, args.people, shown)
            y4m = media.write_y4m(Path(tmp) / f"badges_{size[0]}x{size[1]}.y4m", frames, fps=args.fps)
            if args.page:
                data = run_browser(y4m, args.page, args.seconds, args.token)
            else:
                server, url = serve_harness(size)
                try:
                    data = run_browser(y4m, url, args.seconds, None)
                finally:
                    server.shutdown()
            s = {"size": f"{size[0]}x{size[1]}", "category": args.category, **summarise(data, bool(args.page))}
            out.append(s)
            d, a = s["decode_ms"], s["answer_ms"]
            print(
                f"{s['size']} ({args.category}, {'page ' + args.page if args.page else 'harness'}): "
                f"{s['frames']} frames decoded, decode p50 {d['p50']:.1f} ms, p95 {d['p95']:.1f} ms, "
                f"max {d['max']:.1f} ms, {s['decodes_per_s']:.1f} frames/s; {s['answers']} badges answered, "
                f"badge in view -> answer painted p50 {a['p50']:.0f} ms, p95 {a['p95']:.0f} ms, max {a['max']:.0f} ms "
                f"(upper bound p50 {s['answer_ms_upper']['p50']:.0f}, max {s['answer_ms_upper']['max']:.0f}); "
                f"within 300 ms: {s['within_300ms']}/{s['answers']}; requests outside: {len(s['outside_requests'])}"
                + (f"; error: {s['error']}" if s["error"] else "")
            )
    print("\nJSON " + json.dumps(out))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
