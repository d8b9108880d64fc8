// /admin/districts/<id>: the "copy the link" button. The clipboard API needs a secure context
// (HTTPS or localhost); on the venue's plain-HTTP address the text is copied through a hidden
// textarea instead. No inline script: the page's CSP is 'self'.
(function () {
  "use strict";
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy"));
  }
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    var source = document.getElementById(btn.getAttribute("data-copy"));
    var status = btn.parentNode.querySelector("[data-copy-status]");
    btn.addEventListener("click", function () {
      var text = source ? source.textContent.trim() : "";
      var copy = navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(text).catch(function () { return fallback(text); })
        : fallback(text);
      copy.then(function () {
        btn.setAttribute("data-state", "copied");
        if (status) status.textContent = btn.getAttribute("data-copied");
      }, function () {
        btn.setAttribute("data-state", "failed");
        if (status) status.textContent = btn.getAttribute("data-copy-failed");
        if (source) window.getSelection().selectAllChildren(source);
      });
    });
  });
})();
