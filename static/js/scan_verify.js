// The phone scanner's offline judgement of a badge code (issue 24): the same format and the same
// order of rules as the kiosk (models/codes.py, kiosk/verify.py verify_local):
//   "EK1" + BASE32( event_tag:u32 | key_no:u8 | attendee_id:u32 | serial:u16 | signature:64 )
// The signature is Ed25519 over "EK1" + the 11 header bytes, checked with @noble/ed25519
// (verifyAsync: SHA-512 through WebCrypto), strictly (zip215: false), as OpenSSL does on the server.
// Outcomes: invalid / no_snapshot / wrong_event / revoked / unknown / ok.
import { verifyAsync } from "/vendor/@noble/ed25519/index.js";

const PREFIX = "EK1";
const B32_LEN = 120;
const BODY_LEN = 75;
const HEADER_LEN = 11;
const MAX_CODE_LENGTH = 512;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// RFC 4648 base32, upper case, no padding (120 characters -> 75 bytes); null when it is not
function base32(text) {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (value >>> bits) & 0xff;
    }
  }
  return out;
}

export function fromBase64(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// {badge: {event_tag, key_no, attendee_id, serial}, message, signature}, or null (invalid)
export function parseCode(code) {
  if (typeof code !== "string") return null;
  const text = code.trim();
  if (text.length > MAX_CODE_LENGTH || !text.startsWith(PREFIX)) return null;
  const body = text.slice(PREFIX.length);
  if (body.length !== B32_LEN) return null;
  const raw = base32(body);
  if (!raw || raw.length !== BODY_LEN) return null;
  const view = new DataView(raw.buffer);
  const badge = {
    event_tag: view.getUint32(0),
    key_no: view.getUint8(4),
    attendee_id: view.getUint32(5),
    serial: view.getUint16(9),
  };
  const message = new Uint8Array(PREFIX.length + HEADER_LEN);
  message.set(new TextEncoder().encode(PREFIX));
  message.set(raw.subarray(0, HEADER_LEN), PREFIX.length);
  return { badge, message, signature: raw.slice(HEADER_LEN) };
}

// The snapshot document (GET /api/v1/kiosk/snapshot) made ready for judging: keys by
// "tag:key_no" as bytes, revoked codes as a Set, the roster by attendee id.
export function prepareSnapshot(doc) {
  const keys = new Map();
  for (const k of doc?.keys || []) {
    const raw = fromBase64(String(k.public_key || ""));
    if (raw.length === 32) keys.set(`${k.event_tag}:${k.key_no}`, raw);
  }
  const roster = new Map();
  for (const person of doc?.roster || []) roster.set(Number(person.id), person);
  return {
    doc,
    keys,
    roster,
    revoked: new Set((doc?.revoked || []).map((c) => String(c).trim())),
    eventTag: doc?.event?.tag ?? null,
  };
}

async function genuine(parsed, key) {
  try {
    return await verifyAsync(parsed.signature, parsed.message, key, { zip215: false });
  } catch {
    return false;
  }
}

// {result, attendee?, badge?}: the kiosk's verify_local in the browser. Never throws.
export async function verifyLocal(code, snap) {
  const parsed = parseCode(code);
  if (!parsed) return { result: "invalid" };
  if (!snap || snap.keys.size === 0) return { result: "no_snapshot" };
  const { badge } = parsed;
  const key = snap.keys.get(`${badge.event_tag}:${badge.key_no}`);
  if (!key || !(await genuine(parsed, key))) return { result: "invalid" };
  if (snap.eventTag !== null && badge.event_tag !== Number(snap.eventTag)) return { result: "wrong_event", badge };
  if (snap.revoked.has(code.trim())) return { result: "revoked", badge };
  const person = snap.roster.get(badge.attendee_id);
  if (!person) return { result: "unknown", badge };
  return { result: "ok", attendee: person, badge };
}
