// The evaluation form: a count under each comment against its minimum length, and the
// running total of the scores with the thresholds not reached. The form works without it.
(function () {
  "use strict";
  var form = document.querySelector("form.evaluation-form");
  if (!form) { return; }
  function spaced(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f"); }

  form.querySelectorAll("textarea[minlength]").forEach(function (text) {
    var min = parseInt(text.getAttribute("minlength"), 10);
    var count = document.createElement("div");
    count.className = "form-text char-count";
    count.id = text.id + "-count";
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    text.after(count, spoken);
    var reached = null;
    function update() {
      var n = text.value.trim().length;
      var ok = n >= min;
      count.textContent = spaced(n) + " characters" + (ok ? " (at least " + spaced(min) + ": reached)" :
        "; at least " + spaced(min) + " (" + spaced(min - n) + " more)");
      if (reached !== null && ok !== reached) { spoken.textContent = count.textContent; }
      reached = ok;
    }
    text.addEventListener("input", update);
    update();
  });

  var total = form.querySelector(".evaluation-total");
  function number(s) { var n = parseFloat(String(s).replace(",", ".")); return isFinite(n) ? n : null; }
  function points(n) { return String(Math.round(n * 100) / 100); }
  function sum() {
    var value = 0, scored = 0, below = [];
    var sets = form.querySelectorAll("fieldset[data-criterion]");
    sets.forEach(function (set) {
      var n = number(set.querySelector("select").value);
      if (n === null) { return; }
      scored += 1;
      value += n;
      if (n < number(set.getAttribute("data-threshold"))) { below.push(set.getAttribute("data-criterion")); }
    });
    var overall = number(total.getAttribute("data-overall"));
    total.textContent = "Total so far: " + points(value) + " of " + total.getAttribute("data-total-of") +
      " (" + scored + " of " + sets.length + " criteria scored; threshold " + points(overall) + ")";
    if (below.length || (scored === sets.length && value < overall)) {
      var note = document.createElement("span");
      note.className = "d-block below";
      note.textContent = (below.length ? "Below the threshold of " + below.join(", ") + "." : "") +
        (scored === sets.length && value < overall ? " Below the overall threshold." : "");
      total.appendChild(note);
    }
  }
  if (total) {
    total.hidden = false;
    form.addEventListener("change", sum);
    sum();
  }
})();
