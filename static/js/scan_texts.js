// What the phone scanner says and how it sounds (issue 24): the kiosk's titles (kiosk/display.py
// TITLES) and the server's messages (models/checkin/checkin.py MESSAGES), so an offline answer
// reads like the server's; a short beep (WebAudio, no files) and a vibration, different for
// ok / already / no.

export const TITLES = {
  ok: "XIN CHÀO",
  already: "ĐÃ ĐIỂM DANH TRƯỚC ĐÓ",
  invalid: "MÃ KHÔNG HỢP LỆ",
  revoked: "THẺ ĐÃ BỊ THU HỒI",
  unknown: "KHÔNG TÌM THẤY ĐẠI BIỂU",
  wrong_event: "THẺ CỦA SỰ KIỆN KHÁC",
  no_snapshot: "CHƯA KIỂM TRA ĐƯỢC THẺ",
};

const MESSAGES = {
  ok: "Xin chào {name}! Mời quý đại biểu ngồi {seat_text} ({seat}).",
  ok_noseat: "Xin chào {name}! Chúc quý đại biểu một hội nghị thành công.",
  ok_desk: "Xin chào {name}! Xin mời quý đại biểu đến bàn đón tiếp để nhận chỗ ngồi.",
  ok_checkpoint: "Xin chào {name}! Đã ghi nhận {direction}tại {checkpoint}.",
  already: "{name} đã điểm danh lúc {time} tại {station}.",
  invalid: "Mã không hợp lệ. Xin mời quý đại biểu đến bàn đón tiếp.",
  revoked: "Thẻ này đã được thay thế hoặc đã bị hủy. Xin mời đến bàn đón tiếp.",
  unknown: "Không tìm thấy đại biểu trong danh sách. Xin mời đến bàn đón tiếp.",
  wrong_event: "Thẻ của sự kiện khác. Xin mời quý đại biểu đến bàn đón tiếp.",
  no_snapshot: "Máy chưa có dữ liệu sự kiện và không kết nối được máy chủ. Xin mời đến bàn đón tiếp.",
};

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
}

function hhmm(iso, tz) {
  try {
    const opts = { hour: "2-digit", minute: "2-digit", hour12: false, ...(tz ? { timeZone: tz } : {}) };
    return new Date(iso).toLocaleTimeString("en-GB", opts);
  } catch {
    return String(iso || "?").slice(11, 16);
  }
}

export function directionLine(direction) {
  return direction === "in" ? "VÀO · IN" : direction === "out" ? "RA · OUT" : "";
}

// the server's message for a decision made on the phone (d: {result, display?, attendee, first_checkin, direction})
export function offlineMessage(d, checkpoint, snap) {
  const person = d.attendee || {};
  const name = [person.honorific, person.name].filter(Boolean).join(" ");
  if (d.display === "no_snapshot") return MESSAGES.no_snapshot;
  if (d.result === "already") {
    const first = d.first_checkin || {};
    const time = first.at ? hhmm(first.at, snap?.doc?.event?.timezone) : "?";
    return fill(MESSAGES.already, { name, time, station: first.station || "?" });
  }
  if (d.result !== "ok") return MESSAGES[d.result] || MESSAGES.invalid;
  if (checkpoint && checkpoint.rule && checkpoint.rule !== "once") {
    const direction = d.direction === "in" ? "lượt vào " : d.direction === "out" ? "lượt ra " : "";
    return fill(MESSAGES.ok_checkpoint, { name, direction, checkpoint: checkpoint.name || "" });
  }
  if (person.seat) return fill(MESSAGES.ok, { name, seat: person.seat, seat_text: person.seat_text || person.seat });
  return fill(person.seat_needed === false ? MESSAGES.ok_noseat : MESSAGES.ok_desk, { name });
}

let audio = null;

// unlocks the sound on phones (an AudioContext starts suspended until the first touch)
export function unlockSound() {
  try {
    audio ||= new AudioContext();
    if (audio.state === "suspended") audio.resume();
  } catch {
    audio = null;
  }
}

const TONES = {
  ok: [[880, 0, 0.15, "sine"]],
  already: [
    [660, 0, 0.12, "triangle"],
    [660, 0.18, 0.12, "triangle"],
  ],
  no: [
    [300, 0, 0.2, "square"],
    [200, 0.25, 0.3, "square"],
  ],
};

export function beep(result) {
  unlockSound();
  if (!audio) return;
  const t = audio.currentTime;
  for (const [freq, at, dur, type] of TONES[result] || TONES.no) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = type;
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.25, t + at);
    gain.gain.exponentialRampToValueAtTime(0.001, t + at + dur);
    osc.connect(gain).connect(audio.destination);
    osc.start(t + at);
    osc.stop(t + at + dur + 0.02);
  }
}

export function buzz(result) {
  const pattern = result === "ok" ? 120 : result === "already" ? [80, 80, 80] : [250, 100, 250];
  try {
    navigator.vibrate?.(pattern);
  } catch {
    /* no vibration on this device */
  }
}
