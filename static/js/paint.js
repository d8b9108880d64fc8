// Colours and widths that come from data (a group's badge colour, a bar's percentage) are
// carried in data-bg / data-pct attributes and painted here through the CSSOM, so that no
// page needs an inline style attribute and the CSP can forbid them (style-src 'self').
// Also repaints fragments swapped in later (the live dashboard).
(function () {
  "use strict";
  var COLOR = /^#[0-9a-fA-F]{3,8}$|^[a-z]{3,20}$/;
  function paint(root) {
    if (!root || !root.querySelectorAll) return;
    var els = root.querySelectorAll("[data-bg], [data-pct]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var bg = el.getAttribute("data-bg");
      if (bg && COLOR.test(bg)) el.style.background = bg;
      var pct = parseFloat(el.getAttribute("data-pct"));
      if (!isNaN(pct)) el.style.width = Math.max(0, Math.min(100, pct)) + "%";
    }
  }
  paint(document);
  if (window.MutationObserver) {
    new MutationObserver(function (changes) {
      for (var i = 0; i < changes.length; i++) paint(changes[i].target);
    }).observe(document.body, { childList: true, subtree: true });
  }
})();
