// The phone scanner (issue 24): camera -> decode (static/js/decoder.js) -> verify locally
// (scan_verify.js) -> queue in IndexedDB (scan_store.js) -> ask the server -> answer on screen.
// The kiosk's guarantees in a browser (kiosk/decision.py): every scan is stored before it is sent,
// the server's answer wins, an offline answer is shown only when the server is gone or slow
// (no answer within 1.5 s), and the queue is sent in order when the network is back, each scan
// with its scan_id (a resend gets the first answer: exactly once).
import { decodeFrame, initDecoder } from "./decoder.js";
import { openStore } from "./scan_store.js";
import { ruleDecision } from "./scan_rules.js";
import { prepareSnapshot, verifyLocal } from "./scan_verify.js";
import { TITLES, beep, buzz, directionLine, offlineMessage, unlockSound } from "./scan_texts.js";

const TOKEN_KEY = "ek.device_token";
const NAME_KEY = "ek.device_name";
const ASK_TIMEOUT_MS = 1500; // the kiosk's: after this an offline answer is shown
const ANSWER_MS = 2500; // the answer stays, then the screen is ready for the next person
const REPEAT_MS = 3000; // the same code is decided again only after this long out of sight
const SNAPSHOT_MS = 30000;
const HEARTBEAT_MS = 15000;
const DRAIN_MS = 2000;
const PROBE_MS = 30000; // after a failure, scans are answered offline at once for this long
const MAX_SIDE = 960; // frames are scaled down to this before decoding
const OUTCOMES = new Set(["ok", "already", "invalid", "revoked", "unknown", "wrong_event"]);
const REVOKED_TEXT = "Thiết bị này đã bị thu hồi hoặc chưa được ghép nối. Xin liên hệ ban tổ chức.";
const REVOKED_EN = "This device was revoked or is not paired. Please contact the organisers.";
const NO_TOKEN_TEXT =
  "Điện thoại này chưa được ghép nối. Xin ban tổ chức mở trang Thiết bị (/admin/devices) và cho quét mã QR ghép nối.";
const NO_TOKEN_EN = "This phone is not paired yet. Ask the organisers to show the pairing QR on /admin/devices.";

const $ = (id) => document.getElementById(id);
const ekScan = (window.ekScan = { timings: [], answers: [], state: "starting" });
const S = {
  token: localStorage.getItem(TOKEN_KEY) || "",
  deviceName: localStorage.getItem(NAME_KEY) || "",
  store: null,
  snap: null,
  etag: "",
  online: null,
  lastFail: -Infinity,
  stopped: false,
  counter: 0,
  idPrefix: "",
  timers: [],
  seen: new Map(),
  answerTimer: 0,
  draining: false,
  inFlight: new Set(), // scan_ids the foreground is still asking about: the drain leaves them
  shown: 0,
};

function record(entry) {
  ekScan.timings.push(entry);
  if (ekScan.timings.length > 5000) ekScan.timings.splice(0, 1000);
}

// ---- header -------------------------------------------------------------------------------

function checkpoint() {
  return S.snap?.doc?.station?.checkpoint || null;
}

function station() {
  const name = S.deviceName || S.snap?.doc?.station?.name || "phone";
  return name.split(/\s+/).join(" ").trim().slice(0, 80) || "phone";
}

function paintHeader() {
  $("device").textContent = S.deviceName || S.snap?.doc?.station?.name || "";
  $("checkpoint").textContent = checkpoint()?.name || "Lối vào hội trường";
  $("event").textContent = S.snap?.doc?.event?.name || "";
  const dot = $("dot");
  dot.dataset.online = S.online === null ? "unknown" : String(S.online);
  dot.title = S.online ? "Trực tuyến · Online" : S.online === false ? "Ngoại tuyến · Offline" : "…";
  $("online-text").textContent = S.online ? "Trực tuyến" : S.online === false ? "Ngoại tuyến" : "Đang kết nối…";
}

function markOnline() {
  const was = S.online;
  S.online = true;
  if (was !== true) {
    paintHeader();
    drain(true);
  }
}

function markOffline() {
  S.online = false;
  S.lastFail = Date.now();
  paintHeader();
}

function worthAsking() {
  if (navigator.onLine === false) return false;
  return S.online !== false || Date.now() - S.lastFail >= PROBE_MS;
}

async function paintQueue() {
  const scans = await S.store.scans();
  const pending = scans.filter((s) => s.state === "pending");
  $("queue").textContent = `Chờ gửi: ${pending.length}`;
  $("queue").dataset.count = String(pending.length);
  const list = $("queue-list");
  list.replaceChildren(
    ...pending
      .slice(-6)
      .reverse()
      .map((s) => {
        const li = document.createElement("li");
        const at = new Date(s.scanned_at).toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit" });
        li.textContent = `${at} · ${s.name || TITLES[s.local_result] || s.local_result} · chờ gửi`;
        return li;
      }),
  );
  $("queue-box").hidden = pending.length === 0;
  return pending.length;
}

// ---- the server -----------------------------------------------------------------------------

class Revoked extends Error {}

async function api(method, path, { body, timeout = 8000, etag } = {}) {
  const headers = { Authorization: `Bearer ${S.token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (etag) headers["If-None-Match"] = `"${etag}"`;
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeout);
  try {
    const resp = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctl.signal,
      cache: "no-store",
    });
    if (resp.status === 401) throw new Revoked();
    return resp;
  } finally {
    clearTimeout(timer);
  }
}

// the scan sent once: {kind: "answer", body} | {kind: "rejected", error} | {kind: "offline"}
async function send(scan, timeout) {
  const { code, station: st, scan_id, scanned_at } = scan;
  let resp;
  try {
    resp = await api("POST", "/api/v1/checkins", { body: { code, station: st, scan_id, scanned_at }, timeout });
  } catch (exc) {
    if (exc instanceof Revoked) return deviceRevoked();
    return { kind: "offline" };
  }
  let body = null;
  try {
    body = await resp.json();
  } catch {
    body = null;
  }
  if (resp.ok && body && OUTCOMES.has(body.result)) return { kind: "answer", body };
  const final = [400, 413, 414, 422].includes(resp.status) || (resp.status === 409 && body?.error === "scan_id_conflict");
  if (final) return { kind: "rejected", error: `${resp.status} ${body?.error || ""}`.trim() };
  return { kind: "offline" }; // 5xx, 404, 409 no event, 429, garbage: the server's state; later
}

async function refreshSnapshot() {
  try {
    const resp = await api("GET", "/api/v1/kiosk/snapshot", { etag: S.etag });
    if (resp.status === 304) return markOnline();
    if (!resp.ok) return markOffline();
    const doc = await resp.json();
    const etag = (resp.headers.get("ETag") || "").replaceAll('"', "") || doc.version || "";
    const before = S.snap?.doc?.event?.id;
    await S.store.saveSnapshot(doc, etag);
    if (before !== undefined && before !== doc.event?.id) await S.store.forgetArrivals();
    applySnapshot(doc, etag);
    markOnline();
  } catch (exc) {
    if (exc instanceof Revoked) return deviceRevoked();
    markOffline();
  }
}

function applySnapshot(doc, etag) {
  S.snap = prepareSnapshot(doc);
  S.etag = etag || "";
  document.body.dataset.snapshot = S.etag;
  paintHeader();
}

async function heartbeat() {
  const queue_length = (await S.store.pending()).length;
  const body = { station: station(), queue_length, online: S.online === true, version: "scan-page/1" };
  try {
    const resp = await api("POST", "/api/v1/kiosk/heartbeat", { body });
    if (resp.ok) markOnline();
  } catch (exc) {
    if (exc instanceof Revoked) return deviceRevoked();
    markOffline();
  }
}

// the queue, oldest first, until one fails (order kept); retried with backoff (2 s .. 30 s), or at
// once (``now``) when the network is back
async function drain(now = false) {
  if (S.draining || S.stopped || !S.store) return;
  S.draining = true;
  try {
    for (const scan of await S.store.pending()) {
      if (S.inFlight.has(scan.scan_id)) continue;
      if (S.stopped || (!now && scan.next_try > Date.now())) break;
      const got = await send(scan, 8000);
      if (got.kind === "answer") {
        await S.store.forgetScan(scan.scan_id);
        await noteFromServer(got.body);
        markOnline();
      } else if (got.kind === "rejected") {
        await S.store.updateScan({ ...scan, state: "rejected", last_error: got.error });
      } else {
        if (got.kind === "offline") markOffline();
        const attempts = scan.attempts + 1;
        const wait = Math.min(30000, 2000 * 2 ** Math.min(attempts - 1, 4));
        await S.store.updateScan({ ...scan, attempts, next_try: Date.now() + wait });
        break;
      }
    }
  } finally {
    S.draining = false;
    if (!S.stopped) await paintQueue();
  }
}

// ---- deciding -------------------------------------------------------------------------------

function newScanId() {
  S.counter += 1;
  return `${S.idPrefix}.${S.counter}`.slice(0, 64);
}

function dayOf(iso) {
  const tz = S.snap?.doc?.event?.timezone;
  try {
    return new Date(iso).toLocaleDateString("en-CA", tz ? { timeZone: tz } : {});
  } catch {
    return String(iso).slice(0, 10);
  }
}

async function noteFromServer(answer) {
  const person = answer.attendee;
  if (!person || person.id == null || !["ok", "already"].includes(answer.result)) return;
  const at = answer.first_checkin?.at || new Date().toISOString();
  const prior = await S.store.arrival(person.id);
  await S.store.noteArrival({
    attendee_id: person.id,
    at: answer.result === "ok" ? new Date().toISOString() : at,
    station: answer.first_checkin?.station || station(),
    day: dayOf(answer.result === "ok" ? new Date().toISOString() : at),
    direction: answer.direction || prior?.direction || "",
  });
}

// a genuine badge without the server: the checkpoint's rule (scan_rules.js) over this phone's memory
async function offlineDecision(verdict) {
  if (verdict.result === "no_snapshot") return { result: "unknown", display: "no_snapshot", source: "offline" };
  if (verdict.result !== "ok") return { result: verdict.result, source: "offline" };
  const id = verdict.badge.attendee_id;
  const now = new Date().toISOString();
  const today = dayOf(now);
  const decided = ruleDecision(checkpoint()?.rule, await S.store.arrival(id), today);
  if (decided.result === "ok") {
    const direction = decided.direction;
    await S.store.noteArrival({ attendee_id: id, at: now, station: station(), day: today, direction });
  }
  return { ...decided, source: "offline", attendee: verdict.attendee };
}

async function decide(code, frameAt) {
  const verdict = await verifyLocal(code, S.snap);
  const scan = {
    scan_id: newScanId(),
    seq: Date.now() * 1000 + (S.counter % 1000),
    code,
    station: station(),
    scanned_at: new Date().toISOString(),
    local_result: verdict.result,
    name: verdict.attendee?.name || "",
    state: "pending",
    attempts: 0,
    next_try: Date.now() + ASK_TIMEOUT_MS + 2000, // the drain leaves it to the foreground request
  };
  await S.store.addScan(scan); // durable before anything is sent
  let decision = null;
  let rejected = false;
  if (worthAsking()) {
    S.inFlight.add(scan.scan_id);
    const got = await send(scan, ASK_TIMEOUT_MS).finally(() => S.inFlight.delete(scan.scan_id));
    if (S.stopped) return;
    if (got.kind === "answer") {
      await S.store.forgetScan(scan.scan_id);
      await noteFromServer(got.body);
      markOnline();
      decision = { ...got.body, source: "server" };
    } else if (got.kind === "rejected") {
      rejected = true;
      await S.store.updateScan({ ...scan, state: "rejected", last_error: got.error });
    } else {
      markOffline();
    }
  }
  if (!decision) {
    if (!rejected) await S.store.updateScan({ ...scan, next_try: 0 }); // due now for the drain
    decision = await offlineDecision(verdict);
  }
  show({ ...decision, scan_id: scan.scan_id }, frameAt);
  paintQueue();
}

// ---- the answer on screen ----------------------------------------------------------------------

function show(d, frameAt) {
  const box = $("answer");
  const person = d.attendee || {};
  const state = d.display || d.result;
  box.dataset.state = state;
  box.dataset.outcome = d.result;
  box.dataset.source = d.source;
  box.dataset.seq = String(++S.shown);
  box.className = `answer ${d.result === "ok" ? "good" : d.result === "already" ? "warn" : "bad"}`;
  const out = d.result === "ok" && d.direction === "out";
  $("a-title").textContent = out ? "TẠM BIỆT" : TITLES[state] || TITLES[d.result] || "";
  $("a-direction").textContent = directionLine(d.direction);
  $("a-name").textContent = [person.honorific, person.name].filter(Boolean).join(" ");
  $("a-seat").textContent = person.seat || "";
  $("a-seat-text").textContent = person.seat_text || "";
  $("a-message").textContent = d.source === "server" && d.message ? d.message : offlineMessage(d, checkpoint(), S.snap);
  $("a-source").textContent =
    d.source === "offline" ? "Ngoại tuyến: lượt quét được lưu, sẽ gửi khi có mạng · Offline: queued" : "";
  box.hidden = false;
  buzz(d.result);
  beep(d.result);
  clearTimeout(S.answerTimer);
  S.answerTimer = setTimeout(hideAnswer, ANSWER_MS);
  requestAnimationFrame(() => {
    const ms = performance.now() - frameAt;
    record({ kind: "answer", ms, outcome: d.result, source: d.source, scan_id: d.scan_id });
    const direction = d.direction || "";
    const entry = { outcome: d.result, state, source: d.source, name: person.name || "", direction, ms };
    ekScan.answers.push({ ...entry, scan_id: d.scan_id, at: Date.now() });
  });
}

function hideAnswer() {
  const box = $("answer");
  box.hidden = true;
  box.dataset.state = "idle";
}

// the page cannot scan: say why, in big type. ``halt``: stop talking to the server too (revoked,
// not paired); without it (no camera) the queue is still sent and the heartbeat goes on.
function stopWith(reason, text, english, halt = true) {
  S.stopped = S.stopped || halt;
  ekScan.state = reason;
  if (halt) for (const t of S.timers) clearInterval(t);
  const video = $("video");
  for (const track of video.srcObject?.getTracks?.() || []) track.stop();
  hideAnswer();
  const box = $("stop");
  box.dataset.reason = reason;
  $("stop-text").textContent = text;
  $("stop-en").textContent = english;
  box.hidden = false;
  document.body.dataset.state = reason;
  if (reason === "revoked") {
    $("dot").dataset.online = "unknown";
    $("online-text").textContent = "Đã thu hồi";
  }
}

function deviceRevoked() {
  stopWith("revoked", REVOKED_TEXT, REVOKED_EN);
  return { kind: "revoked" };
}

// ---- the camera -------------------------------------------------------------------------------

async function startCamera() {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  const video = $("video");
  video.srcObject = stream;
  await video.play();
}

function grab(canvas, ctx, video) {
  const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
  const w = Math.round(video.videoWidth * scale);
  const h = Math.round(video.videoHeight * scale);
  if (canvas.width !== w || canvas.height !== h) Object.assign(canvas, { width: w, height: h });
  ctx.drawImage(video, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

function nextFrame(video) {
  return new Promise((resolve) => {
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(() => resolve());
    else requestAnimationFrame(() => resolve());
  });
}

// the RepeatFilter of kiosk/decision.py: a code held up is decided once
function fresh(code, now) {
  const last = S.seen.get(code);
  S.seen.set(code, now);
  if (S.seen.size > 1000) for (const [c, t] of S.seen) if (now - t > REPEAT_MS) S.seen.delete(c);
  return last === undefined || now - last > REPEAT_MS || now < last;
}

async function scanLoop() {
  const video = $("video");
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  while (!S.stopped) {
    if (video.readyState < 2 || !video.videoWidth) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    const frameAt = performance.now();
    let texts = [];
    try {
      texts = await decodeFrame(grab(canvas, ctx, video));
    } catch (exc) {
      console.warn("decode failed", exc);
    }
    record({ kind: "frame", decode_ms: performance.now() - frameAt, found: texts.length });
    for (const text of texts) if (fresh(text, Date.now())) await decide(text, frameAt);
    await nextFrame(video);
  }
}

// ---- start ------------------------------------------------------------------------------------

function status(text) {
  $("status").textContent = text;
}

function randomHex(bytes) {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(raw, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function start() {
  paintHeader();
  if (!S.token) return stopWith("no_token", NO_TOKEN_TEXT, NO_TOKEN_EN);
  // the camera, WebCrypto (the signature check) and the service worker exist only over HTTPS
  if (!window.isSecureContext) return stopWith("insecure", INSECURE_TEXT, INSECURE_EN);
  const slug = (S.deviceName || "phone")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .replace(/[^A-Za-z0-9]+/g, "-");
  S.idPrefix = `${slug.replace(/^-+|-+$/g, "").slice(0, 24) || "phone"}.${randomHex(6)}`;
  // the page opens again without the network (scan_sw.js); HTTPS or this machine only
  navigator.serviceWorker?.register("/scan/sw.js", { scope: "/scan/" }).catch((exc) => console.warn(exc));
  S.store = await openStore();
  const saved = await S.store.snapshot();
  if (saved) applySnapshot(saved.doc, saved.etag);
  await paintQueue();
  refreshSnapshot().then(heartbeat); // the first heartbeat knows whether the server answered
  S.timers.push(setInterval(refreshSnapshot, SNAPSHOT_MS), setInterval(heartbeat, HEARTBEAT_MS));
  S.timers.push(setInterval(drain, DRAIN_MS));
  window.addEventListener("online", () => drain(true));
  status("Đang mở camera… · Opening the camera…");
  const decoderReady = initDecoder({ wasmUrl: document.body.dataset.wasmUrl });
  try {
    await startCamera();
  } catch (exc) {
    return stopWith("camera", `Không mở được camera (${exc.name || exc}). ${CAMERA_HINT}`, CAMERA_HINT_EN, false);
  }
  keepAwake();
  await decoderReady;
  status("Sẵn sàng · Ready");
  ekScan.state = "scanning";
  document.body.dataset.state = "scanning";
  await scanLoop();
}

// the screen stays on while the page scans (an usher's phone would dim between two people)
async function keepAwake() {
  try {
    await navigator.wakeLock?.request("screen");
  } catch {
    /* not granted (battery saver): the phone's own setting applies */
  }
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && !S.stopped) keepAwake(); // released when hidden
});

const INSECURE_TEXT =
  "Trang quét mã phải được mở qua HTTPS: điện thoại chỉ cho dùng camera trên trang an toàn. Xin ban tổ chức xem trang /trust.";
const INSECURE_EN = "Open the scanner over HTTPS: phones allow the camera on secure pages only (see /trust).";
const CAMERA_HINT = "Hãy cho phép trình duyệt dùng camera rồi tải lại trang. Lượt quét đang chờ vẫn được gửi.";
const CAMERA_HINT_EN = "Allow the browser to use the camera, then reload the page. Waiting scans are still sent.";

$("answer").addEventListener("click", hideAnswer);
document.addEventListener("pointerdown", unlockSound, { once: true });
start().catch((exc) => {
  console.error(exc);
  if (!S.stopped) stopWith("error", `Lỗi: ${exc.message || exc}. Tải lại trang.`, "Error: reload the page.");
});
