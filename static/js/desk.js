// The arrival counter: poll GET /api/v1/stats (the same figures as the dashboard's cards) every
// few seconds and update it without a reload.
(function () {
  "use strict";
  var counter = document.getElementById("desk-counter");
  if (!counter) return;
  var url = counter.getAttribute("data-stats-url");
  var busy = false;
  function set(name, value) {
    var el = counter.querySelector('[data-stat="' + name + '"]');
    if (el && typeof value === "number" && el.textContent !== String(value)) el.textContent = String(value);
  }
  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d) return;
        set("checked_in", d.checked_in);
        set("invited", d.invited);
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { busy = false; });
  }
  setInterval(poll, 3000);
  document.addEventListener("visibilitychange", poll);
})();
// Desk scanner field: a USB scanner types the code then Enter. Post it, show the outcome,
// clear the field and keep the focus, without reloading the page.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form) return;
  var input = document.getElementById("scan-code");
  var out = document.getElementById("scan-result");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  function scanId() {
    var b = new Uint8Array(12);
    window.crypto.getRandomValues(b); // works on plain http on the LAN (randomUUID does not)
    return "desk-" + Array.prototype.map.call(b, function (x) {
      return ("0" + x.toString(16)).slice(-2);
    }).join("");
  }

  function show(result, label, message) {
    out.setAttribute("data-result", result);
    out.className = "scan-result " + result;
    out.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = label;
    out.appendChild(strong);
    out.appendChild(document.createTextNode(" " + message));
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var code = input.value.trim();
    input.value = "";
    input.focus();
    if (!code) return;
    var body = new URLSearchParams();
    body.set("code", code);
    body.set("scan_id", scanId());
    var checkpoint = document.getElementById("scan-checkpoint");  // where the desk scans (default: the entrance)
    if (checkpoint) body.set("checkpoint", checkpoint.value);
    body.set("csrf_token", token);
    fetch(form.action, {
      method: "POST",
      headers: { "Accept": "application/json", "X-CSRFToken": token },
      body: body,
      credentials: "same-origin"
    }).then(function (r) { return r.json(); })
      .then(function (d) { show(d.result, d.label || d.result, d.message || ""); })
      .catch(function () { show("error", "!", "Mất kết nối tới máy chủ / Server unreachable"); });
  });
  // keep the focus on the scanner field unless the user is typing elsewhere
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!t.closest || !t.closest("input, button, a, textarea, select")) input.focus();
  });
})();
