// The handover form at a village hall with a weak connection.
// - A form being filled in survives a reload: IMEI, SIM and confirmation are kept in this tab's sessionStorage
//   (never the ID number: the phone may be shared), with the form's key, so a submit retried after a reload is
//   recognised by the server as the same one.
// - A submit cannot be sent twice by a double tap.
(function () {
  "use strict";
  var KEEP = ["imei", "imei_typed", "sim", "confirmation", "key"];
  var forms = document.querySelectorAll("form[data-draft]");
  var waiting = {};
  forms.forEach(function (form) { waiting[form.dataset.draft] = true; });
  for (var i = sessionStorage.length - 1; i >= 0; i--) {
    var name = sessionStorage.key(i);
    if (name && name.indexOf("phocap-draft-") === 0 && !waiting[name.slice(13)]) sessionStorage.removeItem(name);
  }
  forms.forEach(function (form) {
    var slot = "phocap-draft-" + form.dataset.draft;
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(slot) || "null"); } catch (e) { saved = null; }
    if (saved) {
      KEEP.forEach(function (field) {
        var inputs = form.querySelectorAll('[name="' + field + '"]');
        inputs.forEach(function (input) {
          if (input.type === "checkbox") input.checked = saved[field] === input.value;
          else if (input.type === "radio") input.checked = saved[field] === input.value;
          else if (saved[field] !== undefined) input.value = saved[field];
        });
      });
      var details = form.closest("details");
      if (details) details.open = true;
    }
    function save() {
      var data = {};
      KEEP.forEach(function (field) {
        form.querySelectorAll('[name="' + field + '"]').forEach(function (input) {
          if ((input.type === "checkbox" || input.type === "radio") && !input.checked) return;
          data[field] = input.value;
        });
      });
      sessionStorage.setItem(slot, JSON.stringify(data));
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () {
      save();
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    });
  });
})();
