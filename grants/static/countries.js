// The country picker (templates/macros/countries.html): a search box that filters the
// grouped tick boxes, "Add EU-27" and region shortcuts, and the chosen countries listed with
// a remove button each. The tick boxes stay the form's fields, so nothing changes on save.
(function () {
  "use strict";
  document.querySelectorAll("[data-country-picker]").forEach(function (picker) {
    var tools = picker.querySelector(".picker-tools");
    var boxes = Array.prototype.slice.call(picker.querySelectorAll(".picker-groups input[type=checkbox]"));
    var byCode = {};
    boxes.forEach(function (box) { byCode[box.value] = box; });
    var chosenList = picker.querySelector(".picker-chosen");
    var count = picker.querySelector(".picker-count");
    var search = picker.querySelector(".picker-search");
    tools.hidden = false;
    var disabled = picker.closest("fieldset[disabled]");

    function nameOf(box) { return picker.querySelector("label[for='" + box.id + "']").textContent.trim(); }
    function changed(box) { box.dispatchEvent(new Event("input", {bubbles: true})); }

    function render() {
      var chosen = boxes.filter(function (b) { return b.checked; });
      count.textContent = chosen.length ? chosen.length + " chosen:" : "No country chosen yet.";
      chosenList.textContent = "";
      chosen.sort(function (a, b) { return nameOf(a).localeCompare(nameOf(b)); }).forEach(function (box) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-sm btn-light border picker-chip";
        button.textContent = nameOf(box) + " \u00d7";
        button.setAttribute("aria-label", "Remove " + nameOf(box));
        button.disabled = !!disabled;
        button.addEventListener("click", function () {
          var next = item.nextElementSibling || item.previousElementSibling;
          box.checked = false;
          changed(box);
          render();
          var focus = next && chosenList.querySelector("button[aria-label='" + next.querySelector("button").getAttribute("aria-label") + "']");
          (focus || search).focus();
        });
        item.appendChild(button);
        chosenList.appendChild(item);
      });
      picker.querySelectorAll("details.picker-group").forEach(function (group) {
        var inGroup = group.querySelectorAll("input[type=checkbox]");
        var n = Array.prototype.filter.call(inGroup, function (b) { return b.checked; }).length;
        group.querySelector("summary .text-muted").textContent = "(" + n + " of " + inGroup.length + " chosen)";
      });
    }

    picker.querySelectorAll("[data-choose]").forEach(function (button) {
      button.disabled = !!disabled;
      button.addEventListener("click", function () {
        var added = 0;
        button.getAttribute("data-choose").split(" ").forEach(function (code) {
          var box = byCode[code];
          if (box && !box.checked) { box.checked = true; added += 1; changed(box); }
        });
        render();
        count.textContent += " (" + added + " added)";
      });
    });

    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      picker.querySelectorAll("details.picker-group").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("li").forEach(function (li) {
          var match = !q || li.textContent.toLowerCase().indexOf(q) !== -1;
          li.hidden = !match;
          if (match) { shown += 1; }
        });
        group.hidden = shown === 0;
        if (q) { group.open = shown > 0; }
      });
    });
    search.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();  // Enter ticks the only (or first) match instead of saving
      var first = boxes.filter(function (b) { return !b.closest("li").hidden && !b.closest("details").hidden; })[0];
      if (first && search.value.trim()) {
        first.checked = true;
        changed(first);
        render();
        search.select();
      }
    });
    boxes.forEach(function (box) { box.addEventListener("change", render); });
    render();
  });
})();
