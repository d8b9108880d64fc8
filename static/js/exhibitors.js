// Exhibitor registration: "add a product" / "add a staff member" buttons append a new row
// from a <template>. Without JavaScript the form still works with its few empty rows.
(function () {
  "use strict";
  var LIMITS = { products: 20, staff: 8 };

  function addRow(fieldset) {
    var kind = fieldset.id;
    var tpl = document.getElementById(kind === "products" ? "product-template" : "staff-template");
    var rows = fieldset.querySelector(".rows");
    if (!tpl || !rows) return;
    var next = parseInt(fieldset.getAttribute("data-next") || "0", 10);
    if (rows.children.length >= LIMITS[kind]) return;
    var html = tpl.innerHTML.split("__i__").join(String(next));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    var no = row.querySelector(".row-no");
    if (no) no.textContent = String(rows.children.length + 1);
    rows.appendChild(row);
    fieldset.setAttribute("data-next", String(next + 1));
    var first = row.querySelector("input[type=text]");
    if (first) first.focus();
    if (rows.children.length >= LIMITS[kind]) {
      fieldset.querySelector("button.add-row").hidden = true;
    }
  }

  // A "potential" product has no decision: hide its decision fields (they are ignored anyway).
  function syncRating(select) {
    var row = select.closest(".product-row");
    if (row) row.classList.toggle("potential", select.value === "potential");
  }
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t && t.name && /^product-\d+-rating$/.test(t.name)) syncRating(t);
  });
  document.querySelectorAll("select[name$='-rating']").forEach(syncRating);

  document.querySelectorAll("button.add-row").forEach(function (button) {
    var fieldset = document.getElementById(button.getAttribute("data-add"));
    if (!fieldset) return;
    button.hidden = false;
    button.addEventListener("click", function () { addRow(fieldset); });
  });
})();
