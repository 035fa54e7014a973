// The invoice editor's keyboard and small glue; htmx does every request.
//
// Tab and Shift+Tab move through the cells (the browser's own order). Enter saves the cell
// (a new row: adds it). Escape puts back the saved value, which is the value the server
// rendered into the input.
(function () {
  "use strict";

  var CELL = "input.cell, select.cell, textarea.cell";

  function restoreSaved(field) {
    if (field.tagName === "SELECT") {
      for (var i = 0; i < field.options.length; i++) {
        field.options[i].selected = field.options[i].defaultSelected;
      }
    } else {
      field.value = field.defaultValue;
    }
  }

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches(CELL)) {
      return;
    }
    if (event.key === "Enter" && field.tagName === "INPUT") {
      event.preventDefault();
      var newRow = field.closest("tr.new-detail");
      if (newRow) {
        var add = newRow.querySelector("[data-submit-row]");
        if (add) {
          add.click();
        }
        return;
      }
      // Saving is the browser's change event: leaving the field fires it exactly once;
      // coming straight back keeps the cursor where it was (htmx refocuses it after the swap).
      field.blur();
      field.focus();
    } else if (event.key === "Escape") {
      restoreSaved(field);
    }
  });

  document.addEventListener("click", function (event) {
    var cancel = event.target.closest("[data-cancel-row]");
    if (cancel) {
      cancel.closest("tr").remove();
      return;
    }
    var close = event.target.closest("[data-close-panel]");
    if (close) {
      event.preventDefault();
      close.closest("form").remove();
    }
  });

  // A 5xx or a lost connection: say so where the page shows messages; nothing was swapped.
  function trouble(text) {
    var area = document.getElementById("invoice-messages");
    if (!area) {
      return;
    }
    var notice = document.createElement("p");
    notice.className = "notice error";
    notice.setAttribute("role", "alert");
    notice.textContent = text;
    area.replaceChildren(notice);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var area = document.getElementById("invoice-messages");
    trouble((area && area.dataset.serverError) || "The server could not save this change.");
  });
  document.addEventListener("htmx:sendError", function () {
    var area = document.getElementById("invoice-messages");
    trouble((area && area.dataset.offline) || "The server could not be reached.");
  });
})();
