// Proposal forms: autosave of text sections, a warning before leaving unsaved changes, and
// one click only on "Submit". Every form works without this file.
(function () {
  "use strict";
  var DELAY = 4000;

  function statusOf(form) { return form.querySelector(".autosave-status"); }

  function autosave(form) {
    var status = statusOf(form);
    var body = new FormData(form);
    body.delete("save_next");
    form.dataset.saving = "1";
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-Autosave": "1", "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      if (result.ok && result.data.ok) {
        form.querySelector("input[name=version]").value = result.data.version;
        form.dataset.dirty = "";
        if (status) { status.textContent = result.data.message; }
      } else if (status) {
        status.textContent = "Not saved: " + (result.data.message || "try the Save button.");
        status.classList.add("text-danger");
      }
    }).catch(function () {
      if (status) { status.textContent = "Not saved (no connection); your text is still on this page."; }
    }).finally(function () { form.dataset.saving = ""; });
  }

  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    var timer = null;
    form.addEventListener("input", function () {
      form.dataset.dirty = "1";
      if (form.hasAttribute("data-autosave")) {
        clearTimeout(timer);
        timer = setTimeout(function () { autosave(form); }, DELAY);
      }
    });
    form.addEventListener("submit", function () { clearTimeout(timer); form.dataset.dirty = ""; });
  });

  window.addEventListener("beforeunload", function (event) {
    var dirty = document.querySelector("form[data-warn-unsaved][data-dirty='1']");
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  // Live character counts under limited texts: "1 234 of 5 000 characters" as one types,
  // in red past the limit. Screen readers hear it only when the text reaches 90 % or more.
  function spaced(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f"); }
  document.querySelectorAll("[data-limit]").forEach(function (note) {
    var form = note.closest("form");
    var limit = parseInt(note.getAttribute("data-limit"), 10);
    var fields = note.getAttribute("data-limit-fields").split(" ").map(function (name) {
      return form && form.querySelector("[name='" + name + "']");
    }).filter(Boolean);
    if (!fields.length) { return; }
    var count = document.createElement("span");
    count.className = "form-text d-block char-count";
    count.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    note.after(count, spoken);
    var warned = false;
    function update() {
      var used = fields.reduce(function (sum, f) { return sum + f.value.length; }, 0);
      var over = used > limit;
      count.textContent = spaced(used) + " of " + spaced(limit) + " characters" +
        (over ? ": " + spaced(used - limit) + " too many" : "");
      count.classList.toggle("text-danger", over);
      count.classList.toggle("fw-semibold", over);
      var near = used >= limit * 0.9;
      if (near !== warned) {
        warned = near;
        spoken.textContent = near ? count.textContent : "";
      }
    }
    fields.forEach(function (f) { f.addEventListener("input", update); });
    update();
  });

  // A second click on "Submit" would post the same token anyway; this just says so.
  document.querySelectorAll("form.submit-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var button = form.querySelector("[type=submit]");
      if (button) { button.setAttribute("aria-disabled", "true"); button.value = "Submitting…"; }
    });
  });
})();
