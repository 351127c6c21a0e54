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
