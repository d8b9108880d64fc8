// District officer page: poll the small arrivals JSON every few seconds and redraw the list
// (text only, through textContent: never HTML from the server).
(function () {
  "use strict";
  var box = document.getElementById("arrivals");
  if (!box) return;
  var url = box.getAttribute("data-url");
  var list = box.querySelector("[data-list]");
  var dot = box.querySelector(".live-dot");
  var busy = false;
  var labels = { missing: list.getAttribute("data-missing"), seat: list.getAttribute("data-seat") };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function draw(data) {
    box.querySelector("[data-arrived]").textContent = data.arrived;
    box.querySelector("[data-total]").textContent = data.total;
    box.querySelector("[data-updated]").textContent = data.at;
    if (!data.people.length) return;
    var frag = document.createDocumentFragment();
    data.people.forEach(function (p) {
      var li = el("li", p.arrived ? "in" : "out");
      li.setAttribute("data-person", p.id);
      li.setAttribute("data-arrived", p.arrived ? "yes" : "no");
      li.appendChild(el("span", "who", p.name));
      li.appendChild(el("span", "when", p.arrived ? "\u2713 " + p.arrived_at : labels.missing));
      if (p.seat) li.appendChild(el("span", "seat", labels.seat + " " + p.seat));
      if (p.phone && !p.arrived) {
        var a = el("a", "tel", p.phone);
        a.href = "tel:" + p.phone.replace(/[^0-9+]/g, "");
        a.setAttribute("data-phone", "");
        li.appendChild(a);
      }
      frag.appendChild(li);
    });
    list.replaceChildren(frag);
  }
  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) {
        if (dot) dot.setAttribute("data-state", r.ok ? "live" : "offline");
        return r.ok ? r.json().then(draw) : null;
      })
      .catch(function () { if (dot) dot.setAttribute("data-state", "offline"); })
      .then(function () { busy = false; });
  }
  setInterval(poll, 4000);
  document.addEventListener("visibilitychange", poll);
})();
