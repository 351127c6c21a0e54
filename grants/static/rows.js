// Row tables of the proposal sections (partners, work packages, activities, indicators,
// budget lines): rows added and removed in place, the work-package choice of activities kept
// in step with the work packages typed above, and the budget totals as one types. Without
// this file "Add a row" saves and shows one more empty row, and "Remove" is a tick box.
(function () {
  "use strict";
  document.documentElement.classList.add("js-rows");
  var live = document.createElement("div");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  document.body.appendChild(live);
  function say(text) { live.textContent = ""; setTimeout(function () { live.textContent = text; }, 50); }

  function rowsOf(table) { return Array.prototype.slice.call(table.tBodies[0].rows); }
  function indexOf(row, name) {
    var input = row.querySelector("[name^='" + name + "-']");
    var match = input && input.name.match(/-(\d+)-/);
    return match ? parseInt(match[1], 10) : -1;
  }

  // An empty copy of a row: no id, no values, no messages; names and labels renumbered.
  function blankCopy(source, name, label, index) {
    var row = source.cloneNode(true);
    row.classList.add("blank-row");
    row.classList.remove("row-removed");
    var pattern = new RegExp("^" + name + "-\\d+-");
    var prefix = name + "-" + index + "-";
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        if (el.hasAttribute(attr)) { el.setAttribute(attr, el.getAttribute(attr).replace(pattern, prefix)); }
      });
      el.removeAttribute("aria-describedby");
      el.removeAttribute("aria-invalid");
      el.classList.remove("is-invalid");
    });
    var labelPattern = new RegExp("^" + label + " \\d+");
    row.querySelectorAll("[aria-label], legend").forEach(function (el) {
      if (el.hasAttribute("aria-label")) {
        el.setAttribute("aria-label", el.getAttribute("aria-label").replace(labelPattern, label + " " + (index + 1)));
      } else {
        el.textContent = el.textContent.replace(labelPattern, label + " " + (index + 1));
      }
    });
    row.querySelectorAll(".invalid-feedback, .field-rule").forEach(function (el) { el.remove(); });
    row.querySelectorAll("input, textarea, select").forEach(function (el) {
      if (el.type === "checkbox") { el.checked = false; }
      else if (el.tagName === "SELECT") { el.selectedIndex = 0; }
      else { el.value = ""; }
    });
    var removeCell = row.querySelector(".col-remove");
    if (removeCell) { removeCell.textContent = ""; }
    return row;
  }

  function removeButton(table, row) {
    var cell = row.querySelector(".col-remove");
    if (!cell) { return; }
    var label = table.getAttribute("data-row-label");
    var tick = cell.querySelector("input[type=checkbox]");
    if (tick) { tick.closest(".form-check").hidden = true; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-danger btn-sm";
    button.textContent = "Remove";
    function name() {
      var input = row.querySelector("[aria-label]");
      return input ? input.getAttribute("aria-label").split(":")[0] : label;
    }
    button.setAttribute("aria-label", "Remove " + name());
    button.addEventListener("click", function () {
      var form = table.closest("form");
      form.dataset.dirty = "1";
      if (!tick) {  // never saved: it goes at once
        var next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        say(name() + " removed.");
        var focus = next && next.querySelector("input:not([type=hidden]), select, textarea");
        (focus || form.querySelector("[data-add-row='" + table.getAttribute("data-rows") + "']")).focus();
        table.dispatchEvent(new Event("rows-changed", {bubbles: true}));
        return;
      }
      tick.checked = !tick.checked;  // a saved row: struck through until saved, can be kept
      row.classList.toggle("row-removed", tick.checked);
      button.textContent = tick.checked ? "Keep" : "Remove";
      button.setAttribute("aria-label", (tick.checked ? "Keep " : "Remove ") + name());
      say(tick.checked ? name() + " will be removed when you save." : name() + " kept.");
      table.dispatchEvent(new Event("rows-changed", {bubbles: true}));
    });
    cell.appendChild(button);
  }

  document.querySelectorAll("table[data-rows]").forEach(function (table) {
    var form = table.closest("form");
    var fieldset = form && form.querySelector("fieldset");
    if (!form || (fieldset && fieldset.disabled)) { return; }
    var name = table.getAttribute("data-rows");
    var label = table.getAttribute("data-row-label");
    var rows = rowsOf(table);
    if (!rows.length) { return; }
    var source = blankCopy(rows[rows.length - 1], name, label, 0);
    rows.forEach(function (row) { removeButton(table, row); });
    var add = form.querySelector("[data-add-row='" + name + "']");
    if (!add) { return; }
    add.addEventListener("click", function (event) {
      event.preventDefault();
      var next = Math.max.apply(null, rowsOf(table).map(function (r) { return indexOf(r, name); }).concat([-1])) + 1;
      var row = blankCopy(source, name, label, next);
      table.tBodies[0].appendChild(row);
      removeButton(table, row);
      if (name === "work_packages") {  // the next free number
        var numbers = rowsOf(table).map(function (r) {
          var n = r.querySelector("[name$='-number']");
          return n && parseInt(n.value, 10) || 0;
        });
        row.querySelector("[name$='-number']").value = Math.max.apply(null, numbers) + 1;
      }
      var first = row.querySelector("input:not([type=hidden]):not([name$='-number']), select, textarea");
      if (first) { first.focus(); }
      say(label + " " + (next + 1) + " added.");
      table.dispatchEvent(new Event("rows-changed", {bubbles: true}));
    });
  });

  // Activities choose their work package among those of the table above, saved or not.
  var packages = document.querySelector("table[data-rows='work_packages']");
  function syncPackages() {
    var choices = rowsOf(packages).filter(function (r) { return !r.classList.contains("row-removed"); })
      .map(function (r) {
        var number = r.querySelector("[name$='-number']").value.trim();
        var title = r.querySelector("[name$='-title']").value.trim();
        return number && /^\d+$/.test(number) ? [number, "WP " + number + (title ? ": " + title : "")] : null;
      }).filter(Boolean);
    document.querySelectorAll("select[name^='items-'][name$='-wp_number']").forEach(function (select) {
      var chosen = select.value;
      while (select.options.length > 1) { select.remove(1); }
      choices.forEach(function (c) { select.add(new Option(c[1], c[0], false, c[0] === chosen)); });
      if (chosen && select.value !== chosen) {  // its work package went: say so, keep the choice
        select.add(new Option("WP " + chosen + " (no longer in the list above)", chosen, false, true));
      }
    });
  }
  if (packages) {
    packages.addEventListener("input", syncPackages);
    document.addEventListener("rows-changed", syncPackages);
    syncPackages();
  }

  // Budget totals and the EU contribution as one types (the same rules as the checks:
  // indirect costs count up to 7 % of the direct costs, the contribution rounded down).
  var totals = document.querySelector("[data-budget-totals]");
  var lines = document.querySelector("table[data-rows='lines']");
  function cents(text) {
    var n = parseFloat(String(text).replace(/[\s\u202f]/g, "").replace(",", "."));
    return isFinite(n) && n > 0 ? Math.round(n * 100) : 0;
  }
  function eur(c) {
    var whole = String(Math.floor(c / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    return "EUR " + whole + "." + String(c % 100).padStart(2, "0");
  }
  function recompute() {
    var by = {staff: 0, travel: 0, equipment: 0, subcontracting: 0, other: 0, indirect: 0};
    var indirectAmounts = [];
    rowsOf(lines).forEach(function (r) {
      if (r.classList.contains("row-removed")) { return; }
      var category = r.querySelector("[name$='-category']").value;
      var amount = r.querySelector("[name$='-amount']");
      if (category in by) { by[category] += cents(amount.value); }
      if (category === "indirect") { indirectAmounts.push(amount); }
    });
    var indirect = by.indirect;
    var direct = by.staff + by.travel + by.equipment + by.subcontracting + by.other;
    var percent = parseFloat(totals.getAttribute("data-indirect-percent"));
    var limit = Math.floor(direct * percent / 100);
    var eligible = direct + Math.min(indirect, limit);
    var rate = parseFloat(totals.getAttribute("data-rate"));
    var eu = Math.floor(eligible * rate / 100 + 1e-6);
    var share = direct ? (indirect * 100 / direct).toFixed(2) : "0";
    var set = function (key, text) {
      totals.querySelectorAll("[data-total='" + key + "']").forEach(function (el) { el.textContent = text; });
    };
    Object.keys(by).forEach(function (k) { set(k, eur(by[k])); });
    set("direct", eur(direct)); set("indirect-total", eur(indirect)); set("limit", eur(limit));
    set("share", share); set("total", eur(direct + indirect)); set("eligible", eur(eligible)); set("eu", eur(eu));
    var over = indirect > limit;
    totals.querySelector("[data-indirect-row]").classList.toggle("table-danger", over);
    indirectAmounts.forEach(function (input) {
      var rule = document.getElementById(input.id + "-rule");
      if (over && !rule) {
        rule = document.createElement("div");
        rule.id = input.id + "-rule";
        rule.className = "field-rule small";
        input.after(rule);
        input.setAttribute("aria-describedby", rule.id);
      }
      if (rule) {
        rule.textContent = over ? "Over the limit: indirect costs are " + share + " % of the direct costs; at most " + percent + " % (" + eur(limit) + ") is allowed." : "";
        rule.hidden = !over;
      }
    });
    var low = cents(totals.getAttribute("data-min")), high = cents(totals.getAttribute("data-max"));
    var range = form.querySelector(".budget-range");
    range.textContent = eu < low ? "The EU contribution is below the call's minimum of " + eur(low) + "." :
      eu > high ? "The EU contribution is above the call's maximum of " + eur(high) + "." : "";
    range.classList.toggle("field-rule", eu < low || eu > high);
    form.querySelector(".totals-state").textContent = "Totals as typed (saved when you save)";
  }
  var form = lines && lines.closest("form");
  if (totals && lines) {
    form.addEventListener("input", recompute);
    form.addEventListener("change", recompute);
    document.addEventListener("rows-changed", recompute);
  }

  // A number above the call's maximum (the duration) is flagged at the field as one types.
  document.querySelectorAll("[data-max-for]").forEach(function (note) {
    var input = document.getElementById(note.getAttribute("data-max-for"));
    var max = parseInt(note.getAttribute("data-max"), 10);
    if (!input || !max) { return; }
    var text = note.textContent;
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + note.id).trim());
    input.addEventListener("input", function () {
      var n = parseInt(input.value, 10);
      var over = n > max;
      note.textContent = over ? n + " is too long: " + text.charAt(0).toLowerCase() + text.slice(1) : text;
      note.classList.toggle("field-rule", over);
    });
  });
})();
