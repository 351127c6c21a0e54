// Countdowns to a call's deadline or opening, updated every second; the server's text stays
// when JavaScript is off.
(function () {
  "use strict";
  var nodes = document.querySelectorAll("[data-countdown]");
  if (!nodes.length) { return; }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function describe(ms) {
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400); s -= d * 86400;
    var h = Math.floor(s / 3600); s -= h * 3600;
    var m = Math.floor(s / 60); s -= m * 60;
    if (d > 0) { return plural(d, "day") + " " + plural(h, "hour") + " " + plural(m, "minute"); }
    if (h > 0) { return plural(h, "hour") + " " + plural(m, "minute") + " " + plural(s, "second"); }
    return plural(m, "minute") + " " + plural(s, "second");
  }
  function tick() {
    var now = Date.now();
    nodes.forEach(function (el) {
      var target = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(target)) { return; }
      var verb = el.getAttribute("data-countdown-verb") || "closes";
      var left = target - now;
      el.textContent = left > 0 ? verb + " in " + describe(left)
        : (verb === "opens" ? "open now: reload the page" : "closed: the deadline has passed");
      el.classList.toggle("text-danger", left > 0 && left < 86400000 && verb === "closes");
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
