// Billing backlog selection: "select all on this page" per table, "all matching the
// filters", and a highlight on ticked rows. The count and amount of the selection come
// from the server (htmx posts the form on every change): no money is summed here.
(function () {
  "use strict";

  function boxes(table, kind) {
    return Array.prototype.slice.call(
      table.querySelectorAll('tbody input[type="checkbox"][name="' + kind + '"]'));
  }

  function mark(box) {
    var row = box.closest("tr");
    if (row) { row.classList.toggle("picked", box.checked); }
  }

  function syncHeader(table) {
    var header = table.querySelector("thead input[data-select-all]");
    if (!header) { return; }
    var all = boxes(table, header.getAttribute("data-select-all"));
    var ticked = all.filter(function (b) { return b.checked; }).length;
    header.checked = all.length > 0 && ticked === all.length;
    header.indeterminate = ticked > 0 && ticked < all.length;
  }

  function everyBox(form) {
    return Array.prototype.slice.call(
      form.querySelectorAll('tbody input[type="checkbox"]'));
  }

  // Capture phase: runs before htmx hears the change bubble up to the form, so the
  // server sees the boxes as they are after this click.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") { return; }
    var form = box.closest("#backlog-bulk");
    if (!form) { return; }
    var matching = form.querySelector("input[data-select-matching]");

    if (box.hasAttribute("data-select-all")) {
      var table = box.closest("table");
      boxes(table, box.getAttribute("data-select-all")).forEach(function (b) {
        b.checked = box.checked; mark(b);
      });
      if (!box.checked && matching) { matching.checked = false; }
    } else if (box.hasAttribute("data-select-matching")) {
      everyBox(form).forEach(function (b) { b.checked = box.checked; mark(b); });
      form.querySelectorAll("table").forEach(syncHeader);
    } else {
      mark(box);
      if (!box.checked && matching) { matching.checked = false; }
      syncHeader(box.closest("table"));
    }
  }, true);

  // Coming back with the browser's back button can restore ticked boxes: show them.
  window.addEventListener("pageshow", function () {
    var form = document.getElementById("backlog-bulk");
    if (!form) { return; }
    everyBox(form).forEach(mark);
    form.querySelectorAll("table").forEach(syncHeader);
  });
}());
