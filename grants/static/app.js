// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Put focus on the error summary so keyboard and screen-reader users land on it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  // Show <time data-local> values in the browser's own time zone as well.
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when)) {
      var span = document.createElement("span");
      span.className = "text-muted small ms-1";
      span.textContent = "(" + when.toLocaleString(undefined, {dateStyle: "medium", timeStyle: "short"}) + " your time)";
      el.after(span);
    }
  });
  // Forms (or one submit button of a form) marked data-confirm ask once before what cannot
  // be undone. The server asks too, on a confirmation page or with a tick box, unless the
  // form says the browser already did (confirmed=yes).
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
      if (!question) { return; }
      if (!window.confirm(question)) {
        event.preventDefault();
        return;
      }
      if (!form.querySelector("input[name=confirmed]")) {
        var flag = document.createElement("input");
        flag.type = "hidden"; flag.name = "confirmed"; flag.value = "yes";
        form.appendChild(flag);
      }
    });
  });
})();
