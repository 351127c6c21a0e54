// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Put focus on the error summary so keyboard and screen-reader users land on it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  // Countdowns to a deadline (the server wrote the words; they stay when JavaScript is off),
  // updated every minute.
  var countdowns = document.querySelectorAll("[data-countdown]");
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function describe(ms) {
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400); s -= d * 86400;
    var h = Math.floor(s / 3600); s -= h * 3600;
    var m = Math.floor(s / 60);
    if (d > 0) { return plural(d, "day") + (h ? " " + plural(h, "hour") : ""); }
    if (h > 0) { return plural(h, "hour") + (m ? " " + plural(m, "minute") : ""); }
    return m > 0 ? plural(m, "minute") : "less than a minute";
  }
  function tick() {
    var now = Date.now();
    countdowns.forEach(function (el) {
      var target = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(target)) { return; }
      var verb = el.getAttribute("data-countdown-verb") || "closes";
      var lead = el.getAttribute("data-countdown-lead") || verb;
      var left = target - now;
      if (left > 0) { el.textContent = lead + " in " + describe(left); }
      else if (verb === "opens") { el.textContent = "open now: reload the page"; }
      else { el.textContent = verb === "due" ? "overdue" : "closed: the deadline has passed"; }
      el.classList.toggle("text-danger", left > 0 && left < 86400000 && verb !== "opens");
    });
  }
  if (countdowns.length) { tick(); window.setInterval(tick, 30000); }
  // Forms (or one submit button of a form) marked data-confirm ask once before what cannot
  // be undone. The server asks too, on a confirmation page that restates what will happen,
  // unless the form says the browser already did (confirmed=yes).
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
