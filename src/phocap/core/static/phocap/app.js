// What the pages need of script, with no inline script or handler (the Content-Security-Policy allows only files
// served by phocap itself):
// - a button with data-confirm="…" asks before its form is sent;
// - a select with data-autosubmit sends its form when changed (a filter on a phone, without a second button);
// - a checkbox with data-check-all="NAME" ticks or clears every checkbox named NAME in its form;
// - after a form error the page shows the form again as it was sent — what was ticked, chosen and typed — opens
//   it, puts the error on it and scrolls to it. A form the server shows again with its errors (.errorlist) is
//   only opened and scrolled to; otherwise the sent form is kept for this tab (sessionStorage, read once, on the
//   next page only) and put back when that page says an error (.messages .error). Passwords, files and fields
//   marked data-no-keep or autocomplete=off, and ID numbers, are never kept;
// - an amount box (data-amount) says, as it is typed, how the amount is read — "5.000.000 ₫ — Năm triệu đồng" — or
//   why it cannot be, before anything is saved (the server reads it the same way: /api/v1/public/amount).
(function () {
  "use strict";
  var KEY = "phocap:sent-form";

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

  function kept(field) {
    return field.name && field.name !== "csrfmiddlewaretoken" && !field.disabled &&
      ["password", "file", "submit", "button", "hidden"].indexOf(field.type) < 0 && !field.closest("[data-no-keep]") &&
      field.name !== "id_number" && field.getAttribute("autocomplete") !== "off";
  }

  function signature(form) {
    // which form this is on the page: its address and its hidden fields (the action, the person's id …)
    var parts = [form.getAttribute("action") || ""];
    form.querySelectorAll('input[type="hidden"]').forEach(function (h) {
      if (h.name !== "csrfmiddlewaretoken") parts.push(h.name + "=" + h.value);
    });
    return parts.join("&");
  }

  function position(form) {
    var sig = signature(form), n = 0, forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length && forms[i] !== form; i++) if (signature(forms[i]) === sig) n++;
    return n;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") return;  // not form.method: a field may be named so
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (f) {
      if (!kept(f)) return;
      if (f.type === "checkbox" || f.type === "radio") fields.push([f.name, f.value, f.checked]);
      else if (f.tagName === "SELECT" && f.multiple) {
        Array.prototype.forEach.call(f.options, function (o) { fields.push([f.name, o.value, o.selected]); });
      } else fields.push([f.name, f.value, null]);
    });
    try {
      sessionStorage.setItem(KEY, JSON.stringify({
        path: location.pathname, sig: signature(form), n: position(form), fields: fields
      }));
    } catch (e) { /* storage full or refused: the form is simply not put back */ }
  });

  function restore(form, fields) {
    fields.forEach(function (entry) {
      var name = entry[0], value = entry[1], checked = entry[2];
      Array.prototype.forEach.call(form.elements, function (f) {
        if (f.name !== name || !kept(f)) return;
        if (f.type === "checkbox" || f.type === "radio") { if (f.value === value) f.checked = checked; }
        else if (f.tagName === "SELECT" && f.multiple) {
          Array.prototype.forEach.call(f.options, function (o) { if (o.value === value) o.selected = checked; });
        } else f.value = value;
      });
    });
  }

  function show(target) {
    for (var d = target.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) d.open = true;
    target.scrollIntoView({ block: "center" });
    var field = target.closest("form") ? target.closest("form").querySelector("[aria-invalid=true], input:not([type=hidden]), select, textarea") : null;
    if (field) field.focus({ preventScroll: true });
  }

  function sentForm(saved) {
    var n = 0, forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      if (signature(forms[i]) === saved.sig) { if (n === saved.n) return forms[i]; n++; }
    }
    return null;
  }

  function readAmount(input) {
    var out = input.parentNode.querySelector(".amount-read");
    if (!out) {
      out = document.createElement("small");
      out.className = "amount-read";
      out.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", out);
    }
    var text = input.value.trim();
    if (!text) { out.textContent = ""; return; }
    fetch("/api/v1/public/amount?text=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (answer) {
        if (input.value.trim() !== text) return;  // typed on since
        out.classList.toggle("error", !answer.ok);
        out.textContent = answer.ok
          ? "= " + answer.body.figures + " — " + answer.body.words + (answer.body.small ? " (số tiền nhỏ: kiểm tra lại)" : "")
          : (answer.body.title || answer.body.detail || "");
      })
      .catch(function () { out.textContent = ""; });
  }
  var amountTimers = new WeakMap();
  document.addEventListener("input", function (event) {
    var input = event.target.closest("[data-amount]");
    if (!input) return;
    clearTimeout(amountTimers.get(input));
    amountTimers.set(input, setTimeout(function () { readAmount(input); }, 250));
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-amount]").forEach(function (input) { if (input.value) readAmount(input); });
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); sessionStorage.removeItem(KEY); } catch (e) { saved = null; }
    var invalid = document.querySelector("form .errorlist, form [aria-invalid=true]");
    if (invalid) { show(invalid); return; }  // the server showed the form again with its errors
    var error = document.querySelector(".messages .error");
    if (!error || !saved || saved.path !== location.pathname) return;
    var form = sentForm(saved);
    if (!form) return;
    restore(form, saved.fields);
    var note = document.createElement("p");
    note.className = "form-error";
    note.setAttribute("role", "alert");
    note.textContent = error.textContent;
    form.insertBefore(note, form.firstChild);
    show(note);
  });
})();
