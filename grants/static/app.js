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
})();
