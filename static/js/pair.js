// The pairing page (/scan/pair/<code>, issue 24): use the one-time code once (POST /api/v1/pair),
// keep the phone's token in this browser (localStorage "ek.device_token", "ek.device_name") and
// open the scanner. No cookie is sent: the code is the credential. The code's page is replaced
// in the history, so "back" never shows it again.
(function () {
  "use strict";
  var root = document.getElementById("pair");
  if (!root || !root.dataset.code) return;
  var status = document.getElementById("pair-status");
  var retry = document.getElementById("pair-retry");

  function say(text, bad) {
    status.textContent = text;
    status.className = "phone-status" + (bad ? " bad" : " good");
  }

  function stored(token, name) {
    try {
      localStorage.setItem("ek.device_token", token);
      localStorage.setItem("ek.device_name", name);
      return localStorage.getItem("ek.device_token") === token;
    } catch (e) {
      return false;
    }
  }

  function pair() {
    retry.hidden = true;
    fetch("/api/v1/pair", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ code: root.dataset.code }),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    })
      .then(function (r) {
        return r.json().then(function (body) {
          return { ok: r.ok, body: body };
        });
      })
      .then(function (res) {
        if (!res.ok) {
          say(res.body.message || "?", true);
          return;
        }
        if (!stored(res.body.token, res.body.name)) {
          say(root.dataset.nostore, true);
          return;
        }
        say(root.dataset.done + " (" + res.body.name + ")", false);
        root.dataset.paired = "1";
        window.location.replace(root.dataset.next);
      })
      .catch(function () {
        say(root.dataset.offline, true);
        retry.hidden = false;
      });
  }

  retry.addEventListener("click", pair);
  pair();
})();
