// Data-entry pages: show only the fields that apply to the chosen option, e.g. the
// weekday for a weekly invoice schedule and the days of the month for a monthly one.
// Fields carry data-show-for="weekly biweekly"; the select they follow is the form's
// select[name="frequency"]. Without JavaScript every field stays visible.
(function () {
  "use strict";

  function update(form) {
    var select = form.querySelector('select[name="frequency"]');
    if (!select) { return; }
    form.querySelectorAll("[data-show-for]").forEach(function (field) {
      var shown = field.getAttribute("data-show-for").split(" ").indexOf(select.value) !== -1;
      field.hidden = !shown;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.name === "frequency" && target.form) {
      update(target.form);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(update);
  });
}());
