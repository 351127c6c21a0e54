// The job progress page: polls the job's status JSON and updates the bar, the message and
// the result in place. Without JavaScript the page offers a refresh link instead.
(function () {
  "use strict";
  var root = document.getElementById("job-status");
  if (!root || root.dataset.finished === "yes") { return; }
  var url = root.dataset.statusUrl;
  var bar = document.getElementById("job-progress");
  var part = function (name) { return root.querySelector('[data-job="' + name + '"]'); };
  var refresh = document.querySelector('[data-job="refresh"]');
  if (refresh) { refresh.hidden = true; }
  var delay = 1000;
  var lastMessage = null;

  function show(s) {
    bar.max = s.total || 1;
    bar.value = s.total ? s.done : (s.finished ? 1 : 0);
    bar.textContent = s.percent + " %";
    part("label").textContent = s.label;
    var message = s.message || (s.state === "queued" ? "Waiting for a worker" : "");
    if (message !== lastMessage) { part("message").textContent = message; lastMessage = message; }
    if (s.finished) {
      var result = part("result");
      result.classList.toggle("alert-danger", s.state === "failed");
      result.classList.toggle("alert-success", s.state !== "failed");
      part("summary").textContent = s.summary;
      var link = part("link");
      if (s.link) { link.href = s.link; link.textContent = s.link_label || "Download"; link.hidden = false; }
      result.hidden = false;
      root.dataset.finished = "yes";
    }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        show(s);
        if (!s.finished) { delay = 1000; window.setTimeout(poll, delay); }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);
        if (refresh) { refresh.hidden = false; }
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, 500);
})();
