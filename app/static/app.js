// Every page: flashed messages say what the last action did, so they go when the next
// action answers (htmx:beforeSwap comes before the answer's own message is put in).
(function () {
  "use strict";

  // Requests that no one clicked or typed for: they leave the messages alone.
  var PASSIVE = ["load", "revealed", "intersect"];

  function startedByUser(detail) {
    var config = detail.requestConfig || {};
    var trigger = config.triggeringEvent;
    if (config.verb && config.verb !== "get") {
      return true;
    }
    return Boolean(trigger) && PASSIVE.indexOf(trigger.type) < 0;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!startedByUser(event.detail)) {
      return;
    }
    document.querySelectorAll("[data-flash]").forEach(function (message) {
      message.remove();
    });
  });

  // A 503 (the database is away: app/web/failures.py) is not swapped into the page: its
  // notice goes among the page's messages, where the next action's answer removes it.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var region = document.getElementById("flashes");
    if (!xhr || xhr.status !== 503 || !region) {
      return;
    }
    var notice = new DOMParser().parseFromString(xhr.responseText, "text/html")
      .querySelector("[data-flash]");
    if (notice) {
      region.replaceChildren(notice);
    }
  });
})();
