// Guest list pages: seat map hover/click info, confirmation of destructive forms,
// and the desk walk-in page's "print" button for the badge PDF shown in a frame.
(function () {
  "use strict";
  var info = document.getElementById("seat-info");
  document.querySelectorAll("svg.seatmap g.seat").forEach(function (g) {
    g.addEventListener("click", function () {
      if (!info) return;
      var name = g.getAttribute("data-name");
      var group = g.getAttribute("data-group");
      info.textContent = g.getAttribute("data-seat") + ": " + (name ? name + (group ? " (" + group + ")" : "") : "—");
      var field = document.getElementById("lock-seat");
      if (field) field.value = g.getAttribute("data-seat");
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      if (!window.confirm(f.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
  var frame = document.getElementById("badge-frame");
  var print = document.getElementById("print-badge");
  if (frame && print) {
    print.addEventListener("click", function () {
      try { frame.contentWindow.focus(); frame.contentWindow.print(); }
      catch (e) { window.open(frame.getAttribute("src"), "_blank"); }
    });
  }
})();
