"""The kiosk loop: capture thread -> newest frame -> decode worker -> decision -> screen/sound.

Threads:
- capture: reads the source, keeps only the newest frame (live) or hands over every frame (file);
- decode: decodes the newest frame, drops repeats, decides, updates the screen, prints JSON;
- retry: flushes the durable queue in the background;
- snapshot: refreshes the cached snapshot every few seconds.
The main thread draws the window (so the preview never waits for decoding or the network), or in
headless mode just waits for the file to end.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import cv2

from models import codes

from .client import ApiClient, ServerAuthError, ServerError
from .config import Config
from .decision import (
    PROBLEM_GARBAGE,
    Decider,
    Decision,
    RepeatFilter,
    ServerHealth,
    is_arrival,
    problem_for,
)
from .decode import Decoder
from .display import PanelCache, PanelState, compose_screen, format_time
from .queue import RetryWorker, ScanQueue, flush
from .sources import EndOfSource, Frame, LatestFrame, Source, open_source
from .verify import Snapshot, SnapshotError

log = logging.getLogger("kiosk")

CAMERA_LOST = "Mất tín hiệu camera, đang kết nối lại…"
NO_SERVER = "Chưa cấu hình máy chủ (--server): chỉ kiểm tra thẻ ngoại tuyến, lượt quét được lưu lại."
CAMERA_NOT_FOUND = "Không mở được {}: kiểm tra dây cắm camera và tùy chọn --source."
MULTI = "Có {} mã trong khung hình: xin đưa từng thẻ một"
JSON_CODE_MAX = 512


@dataclass
class Overlay:
    polygons: list
    until: float


class SnapshotStore:
    """The cached snapshot (state_dir/snapshot.json) and its refresh."""

    def __init__(self, path: Path, client: ApiClient, health: ServerHealth):
        self.path = path
        self.client = client
        self.health = health
        self.current = Snapshot.load(path)

    def get(self) -> Snapshot:
        return self.current

    def refresh(self) -> bool:
        """Fetch a newer snapshot if there is one. True when the server answered."""
        if not self.client.configured:
            return False
        try:
            doc = self.client.get_snapshot(self.current.version or None)
        except ServerError as exc:
            self.health.fail(problem_for(exc))
            return False
        if doc is None:
            self.health.ok()
            return True
        try:
            snap = Snapshot.from_json(doc)
        except SnapshotError as exc:
            log.warning("snapshot rejected: %s", exc)
            self.health.fail(PROBLEM_GARBAGE)
            return False
        self.health.ok()
        self.current = snap
        try:
            snap.save(self.path)
        except OSError as exc:
            log.warning("cannot cache snapshot: %s", exc)
        return True


class Kiosk:
    def __init__(
        self,
        config: Config,
        *,
        source: Source | None = None,
        out: TextIO | None = None,
        client: ApiClient | None = None,
    ):
        self.config = config
        self.state_dir = Path(config.state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.out = out or sys.stdout
        self.client = client or ApiClient(config.server, config.token, timeout=config.timeout)
        self.health = ServerHealth()
        self.queue = ScanQueue(self.state_dir / "queue.sqlite3")
        self.snapshots = SnapshotStore(self.state_dir / "snapshot.json", self.client, self.health)
        self.decider = Decider(
            self.client, self.queue, self.station_name, self.snapshots.get, self.health, timeout=config.timeout
        )
        self.source = source or open_source(
            config.source,
            width=config.width,
            height=config.height,
            fps=config.fps,
            backend=config.backend,
            fourcc=config.fourcc,
            realtime=config.realtime,
        )
        self.slot = LatestFrame(lossless=not self.source.live and not config.realtime)
        self.decoder = Decoder(config.decoder_stages)
        self.repeats = RepeatFilter(config.repeat)
        self.stop = threading.Event()
        self.source_done = threading.Event()
        self.decode_done = threading.Event()
        self.sounds = None
        if not config.headless and config.sound:
            from .sound import Sounds

            self.sounds = Sounds(self.state_dir / "sounds")
        self.panel = PanelState(station=config.station)
        self.panel_until = 0.0
        self.panel_cache = PanelCache()
        self.overlay = Overlay([], 0.0)
        self._lock = threading.Lock()
        self._out_lock = threading.Lock()
        self.decisions: deque[Decision] = deque(maxlen=1000)  #: the latest, for tests/logs
        self.decoder_share: Counter[str] = Counter()
        self.frames_decoded = 0

    def station_name(self) -> str:
        """--station, else the name the server gave this device's token, else "kiosk"."""
        station = (self.snapshots.get().station or {}).get("name")
        return self.config.station or str(station or "") or "kiosk"

    # -- threads -------------------------------------------------------------------------
    def _capture(self) -> None:
        was = "ok"
        try:
            while not self.stop.is_set():
                try:
                    frame = self.source.read()
                except EndOfSource:
                    break
                except Exception as exc:  # a broken file or driver: report, keep the kiosk up
                    log.error("source error: %s", exc)
                    time.sleep(0.2)
                    continue
                status = self.source.status
                if status != was:
                    log.warning("source %s: %s", self.source.description, status)
                    was = status
                if frame is not None:
                    self.slot.put(frame, self.stop)
        finally:
            self.source_done.set()
            self.slot.close()

    def _decode_loop(self) -> None:
        try:
            while not self.stop.is_set():
                frame = self.slot.get(0.1)
                if frame is None:
                    if self.source_done.is_set():
                        break
                    continue
                try:
                    self.handle_frame(frame)
                except Exception:  # one bad frame or a bug must not stop the kiosk deciding
                    log.exception("frame %d could not be handled", frame.index)
        finally:
            self.decode_done.set()

    def _snapshot_loop(self) -> None:
        while not self.stop.wait(self.config.snapshot_interval):
            self.snapshots.refresh()
            self._heartbeat()

    def _heartbeat(self) -> None:
        """Report the queue length to the server; a failure here changes nothing."""
        try:
            self.client.post_heartbeat(self.station_name, self.queue.pending_count())
        except Exception as exc:  # offline, old server, refused: the kiosk goes on
            log.debug("heartbeat not sent: %s", exc)

    # -- one frame -------------------------------------------------------------------------
    def handle_frame(self, frame: Frame) -> list[Decision]:
        res = self.decoder.decode(frame.image)
        self.frames_decoded += 1
        if not res.codes:
            return []
        with self._lock:
            self.overlay = Overlay([c.points for c in res.codes], time.monotonic() + 0.6)
        found = res.codes
        ours = [c for c in found if c.text.startswith(codes.PREFIX)]
        if ours:  # a poster or phone QR next to a badge must not spoil the badge's answer
            found = ours
        fresh = [c for c in found if self.repeats.should_decide(c.text, frame.t)]
        made = []
        for c in fresh:
            decision = self.decider.decide(c.text, provisional=self._show)
            self.decoder_share[c.decoder] += 1
            total_ms = (time.monotonic() - frame.captured) * 1000
            self._show(decision, extra=MULTI.format(len(found)) if len(found) > 1 else "")
            if self.config.screenshot:  # the final answer only (not a provisional one)
                self._save_screenshot(decision)
            self._emit(decision, frame, res.ms, total_ms)
            if self.sounds:
                self.sounds.play(decision.result)
            made.append(decision)
        return made

    def _show(self, d: Decision, extra: str = "") -> None:
        snap = self.snapshots.get()
        tz = snap.event.get("timezone") if snap.event else None
        first = d.first_checkin or {}
        with self._lock:
            self.panel = PanelState(
                result=d.display or d.result,
                name=d.full_name,
                seat=d.seat,
                seat_text=d.seat_text,
                seat_at_desk=d.seat_at_desk,
                message=d.message,
                first_at=format_time(first.get("at"), tz),
                first_station=str(first.get("station") or ""),
                source=d.source,
                station=self.panel.station,
                extra=extra,
                checkpoint=str((d.checkpoint or {}).get("name") or "") if d.at_checkpoint else "",
            )
            self.panel_until = time.monotonic() + self.config.hold

    def _save_screenshot(self, d: Decision) -> None:
        """The screen as it shows this answer, as DIR/NNNN-RESULT.png (``--screenshot DIR``)."""
        folder = Path(self.config.screenshot)
        folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._shots = getattr(self, "_shots", 0) + 1
            n = self._shots
        result = "".join(ch for ch in str(d.display or d.result) if ch.isalnum() or ch in "-_") or "answer"
        image = self.render()
        ok, png = cv2.imencode(".png", image)
        if ok:
            (folder / f"{n:04d}-{result}.png").write_bytes(png.tobytes())

    def _emit(self, d: Decision, frame: Frame, decode_ms: float, total_ms: float) -> None:
        self.decisions.append(d)
        if not self.config.headless:
            return
        code = d.code if len(d.code) <= JSON_CODE_MAX else d.code[:JSON_CODE_MAX] + "…"
        line = json.dumps(
            {
                "ts": d.ts,
                "frame": frame.index,
                "code": code,
                "result": d.result,
                "name": d.name,
                "seat": d.seat,
                "seat_text": d.seat_text,
                "source": d.source,
                "decode_ms": round(decode_ms, 2),
                "total_ms": round(total_ms, 2),
            },
            ensure_ascii=False,
        )
        with self._out_lock:
            self.out.write(line + "\n")
            self.out.flush()

    # -- screen -------------------------------------------------------------------------------
    def screen_state(self) -> PanelState:
        snap = self.snapshots.get()
        with self._lock:
            if time.monotonic() > self.panel_until:
                self.panel = PanelState(station=self.panel.station)
            p = self.panel
        p.station = self.config.station or str((snap.station or {}).get("name") or "Trạm check-in")
        if p.result is None:  # idle: name the checkpoint when it is not the hall entrance
            cp = (snap.station or {}).get("checkpoint")
            p.checkpoint = "" if is_arrival(cp if isinstance(cp, dict) else None) else str(cp.get("name") or "")
        p.event_name = str((snap.event or {}).get("name") or "")
        p.online = self.health.online if self.client.configured else False
        p.queue_len = self.queue.pending_count()
        problems = []
        if not self.client.configured:
            problems.append(NO_SERVER)
        if self.source.status == "lost":
            problems.append(CAMERA_LOST)
        elif self.source.status == "opening" and getattr(self.source, "open_failures", 0) >= 3:
            problems.append(CAMERA_NOT_FOUND.format(self.source.description))
        if self.health.problem:
            problems.append(self.health.problem)
        if snap.empty and not self.health.online:
            problems.append("Chưa có dữ liệu sự kiện: chạy `python -m kiosk sync` khi có mạng.")
        p.problem = "  ".join(problems)
        return p

    def render(self) -> object:
        frame = self.slot.latest_shown
        with self._lock:
            polys = self.overlay.polygons if time.monotonic() < self.overlay.until else []
        return compose_screen(
            frame.image if frame else None,
            self.screen_state(),
            polys,
            (self.config.screen_width, self.config.screen_height),
            cache=self.panel_cache,
        )

    # -- run --------------------------------------------------------------------------------
    def run(self) -> int:
        threads = [
            threading.Thread(target=self._capture, name="kiosk-capture", daemon=True),
            threading.Thread(target=self._decode_loop, name="kiosk-decode", daemon=True),
        ]
        snap_thread = threading.Thread(target=self._snapshot_loop, name="kiosk-snapshot", daemon=True)
        retry = RetryWorker(self.queue, self.client, interval=self.config.retry_interval, on_report=self._on_flush)
        if self.client.configured:
            self.snapshots.refresh()  # before the first frame: fresh roster if we can get one
            snap_thread.start()
            retry.start()
        for t in threads:
            t.start()
        try:
            if self.config.headless or not _has_display():
                if not self.config.headless:
                    log.warning("no display found: running without a window")
                while not self.decode_done.wait(0.2):
                    pass
            else:
                self._window_loop()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop.set()
            retry.stop()
            self.slot.close()
            for t in threads:
                t.join(timeout=3)
            self.source.close()
        if not self.source.live and self.client.configured:
            self.sync()
        self._report()
        self.queue.close()
        return 0

    def _window_loop(self) -> None:
        from .display import Window

        window = Window(fullscreen=self.config.fullscreen, size=(self.config.screen_width, self.config.screen_height))
        try:
            while not self.stop.is_set():
                key = window.show(self.render())
                if key in (27, ord("q")):
                    break
                if self.decode_done.is_set() and not self.source.live:
                    time.sleep(self.config.hold)
                    break
                time.sleep(0.02)
        finally:
            window.close()

    def _on_flush(self, report) -> None:
        if report.sent:
            self.health.ok()
        if report.auth_error:
            self.health.fail(problem_for(ServerAuthError(report.auth_error)))

    def sync(self) -> int:
        """Refresh the snapshot and send every pending scan (held ones too). Pending count."""
        self.snapshots.refresh()
        report = flush(self.queue, self.client, include_held=True, deadline=time.monotonic() + self.config.sync_timeout)
        left = self.queue.pending_count()
        log.info(
            "sync: sent %d, rejected %d, pending %d%s",
            report.sent,
            report.rejected,
            left,
            f" ({report.auth_error or report.error})" if left else "",
        )
        return left

    def _report(self) -> None:
        total = sum(self.decoder_share.values())
        share = ", ".join(f"{k} {v} ({100 * v / total:.0f}%)" for k, v in self.decoder_share.most_common()) or "none"
        log.info(
            "frames decoded %d, decisions %d, decoder share: %s, queue pending %d",
            self.frames_decoded,
            len(self.decisions),
            share,
            self.queue.pending_count(),
        )


def _has_display() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def sync_command(config: Config) -> int:
    """`python -m kiosk sync`: refresh the snapshot, flush the queue; 0 when the queue is empty."""
    state = Path(config.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    client = ApiClient(config.server, config.token, timeout=max(config.timeout, 5.0))
    health = ServerHealth()
    queue = ScanQueue(state / "queue.sqlite3")
    try:
        store = SnapshotStore(state / "snapshot.json", client, health)
        got = store.refresh()
        report = flush(queue, client, include_held=True, deadline=time.monotonic() + config.sync_timeout)
        left = queue.pending_count()
        summary = {
            "snapshot": store.current.version if got else None,
            "roster": len(store.current.roster),
            "sent": report.sent,
            "rejected": report.rejected,
            "pending": left,
            "problem": health.problem or report.auth_error or report.error or "",
        }
        print(json.dumps(summary, ensure_ascii=False))
        if health.problem == problem_for(ServerAuthError("")) or report.auth_error:
            return 2
        return 0 if left == 0 else 1
    finally:
        queue.close()
