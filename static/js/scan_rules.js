// A checkpoint's rule decided on the phone when the server cannot be asked (issue 24), from what
// this phone remembers of the person (scan_store.js arrivals): the server decides the same way
// when it is there, and its answer wins.
//   once   (the hall entrance, and the default): the first pass is "ok", every later one "already"
//   daily  once per day (the event's local day)
//   every  every pass counts: always "ok"
//   inout  entry and exit alternate: "ok" with direction "in", then "out", then "in"...
export const RULES = new Set(["once", "daily", "every", "inout"]);

// earlier: {at, station, day, direction} or null; today: "YYYY-MM-DD" in the event's time zone.
// Returns {result: "ok"|"already", direction: ""|"in"|"out", first_checkin?}
export function ruleDecision(rule, earlier, today) {
  const r = RULES.has(rule) ? rule : "once";
  if (earlier && (r === "once" || (r === "daily" && earlier.day === today))) {
    return { result: "already", direction: "", first_checkin: { at: earlier.at, station: earlier.station } };
  }
  if (r === "inout") return { result: "ok", direction: earlier?.direction === "in" ? "out" : "in" };
  return { result: "ok", direction: "" };
}
