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

  // A refusal htmx does not swap in (400 CSRF, 403, other 4xx, 5xx) or a lost connection:
  // nothing was saved and nothing on the page changed, so say so next to the cell that was
  // being saved and leave what was typed in it. (409 and 422 come back as the row, the
  // header or the line name with the server's message, swapped in by htmx.) The texts are
  // the page's, translated, in data- attributes of #invoice-messages.
  function text(name, fallback) {
    var area = document.getElementById("invoice-messages");
    return (area && area.dataset[name]) || fallback;
  }

  function refusalText(status) {
    if (status === 0) {
      return text("unsavedOffline", "Not saved: no connection.");
    }
    if (status === 400) {
      return text("unsavedSession", "Not saved: your session has expired. Reload the page.");
    }
    if (status === 403) {
      return text("unsavedForbidden", "Not saved: you are not allowed to make this change.");
    }
    if (status >= 500) {
      return text("unsavedServer", "Not saved: server error.");
    }
    return text("unsavedRefused", "Not saved: the server refused this change.");
  }

  // The cell whose change sent the request, else the button in a row or form of the editor
  // that did; null for the page's actions (they answer in #invoice-messages).
  function savedCell(detail) {
    var triggering = detail.requestConfig && detail.requestConfig.triggeringEvent;
    var target = triggering && triggering.target;
    if (target && target.matches && target.matches(CELL)) {
      return target;
    }
    var elt = detail.elt;
    if (elt && elt.matches && (elt.matches(CELL) ||
        (elt.matches("button") && elt.closest("tr.detail, #invoice-header, .line-name")))) {
      return elt;
    }
    return null;
  }

  var marks = new WeakMap();
  var marked = 0;

  function markUnsaved(cell, message) {
    var mark = marks.get(cell);
    if (!mark || !mark.note.isConnected) {
      var note = document.createElement("span");
      note.className = "field-error unsaved-note";
      note.id = "unsaved-note-" + (++marked);
      note.setAttribute("role", "alert");
      note.setAttribute("data-testid", "unsaved-note");
      mark = {note: note, invalid: cell.getAttribute("aria-invalid"),
              describedBy: cell.getAttribute("aria-describedby")};
      marks.set(cell, mark);
      cell.insertAdjacentElement("afterend", note);
      cell.setAttribute("aria-describedby",
                        ((mark.describedBy || "") + " " + note.id).trim());
    }
    mark.note.textContent = message;
    cell.classList.add("unsaved");
    if (cell.matches(CELL)) {
      cell.setAttribute("aria-invalid", "true");
    }
  }

  function clearUnsaved(cell) {
    var mark = marks.get(cell);
    if (!mark) {
      return;
    }
    marks.delete(cell);
    mark.note.remove();
    cell.classList.remove("unsaved");
    [["aria-invalid", mark.invalid], ["aria-describedby", mark.describedBy]].forEach(function (pair) {
      if (pair[1] === null) {
        cell.removeAttribute(pair[0]);
      } else {
        cell.setAttribute(pair[0], pair[1]);
      }
    });
  }

  // A 5xx or a lost connection of one of the page's actions: say so where the page shows
  // messages.
  function trouble(message) {
    var area = document.getElementById("invoice-messages");
    if (!area) {
      return;
    }
    var notice = document.createElement("p");
    notice.className = "notice error";
    notice.setAttribute("role", "alert");
    notice.textContent = message;
    area.replaceChildren(notice);
  }

  function refused(event, status) {
    var cell = savedCell(event.detail);
    if (cell) {
      markUnsaved(cell, refusalText(status));
    } else if (status === 0) {
      trouble(text("offline", "The server could not be reached."));
    } else {
      trouble(text("serverError", "The server could not save this change."));
    }
  }

  document.addEventListener("htmx:responseError", function (event) {
    refused(event, event.detail.xhr ? event.detail.xhr.status : 500);
  });
  document.addEventListener("htmx:sendError", function (event) {
    refused(event, 0);
  });
  // The next save of the cell went through (or came back with the server's own message):
  // the mark goes, if the answer did not already replace the cell.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      var cell = savedCell(event.detail);
      if (cell) {
        clearUnsaved(cell);
      }
    }
  });
})();
