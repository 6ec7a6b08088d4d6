// What the pages need of script, with no inline script or handler (the Content-Security-Policy allows only files
// served by phocap itself):
// - a button with data-confirm="…" asks before its form is sent;
// - a select with data-autosubmit sends its form when changed (a filter on a phone, without a second button);
// - a checkbox with data-check-all="NAME" ticks or clears every checkbox named NAME in its form.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
    var all = event.target.closest("[data-check-all]");
    if (all && all.form) {
      all.form.querySelectorAll('input[type="checkbox"][name="' + all.dataset.checkAll + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    }
  });
})();
