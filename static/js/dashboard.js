// Live dashboard: poll a cheap versioned endpoint twice a second (a check-in shows within 1 s); when the version changed the
// server sends the new dashboard body (rendered and escaped on the server) and it is swapped in.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box) return;
  var state = document.getElementById("live-state");
  var url = box.getAttribute("data-url");
  var busy = false;
  function setState(ok) {
    if (!state) return;
    state.setAttribute("data-state", ok ? "live" : "offline");
    state.className = "live-state" + (ok ? "" : " offline");
  }
  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    var v = box.getAttribute("data-version");
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "v=" + encodeURIComponent(v),
          { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        setState(r.ok);
        if (r.status === 204 || !r.ok) return null;
        var nv = r.headers.get("X-Version");
        return r.text().then(function (html) {
          box.innerHTML = html;
          if (nv) box.setAttribute("data-version", nv);
        });
      })
      .catch(function () { setState(false); })
      .then(function () { busy = false; });
  }
  setInterval(poll, 500);
  // the seat map is an image redrawn by the server at most every few seconds
  setInterval(function () {
    var img = document.getElementById("seatmap");
    if (!img || document.hidden) return;
    img.src = img.getAttribute("data-src") + "&t=" + Date.now();
  }, 10000);
  document.addEventListener("visibilitychange", poll);
})();
