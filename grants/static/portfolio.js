// The review map's charts: every <script type="application/json" data-vega-spec="ID"> holds a
// Vega-Lite specification drawn into the element ID by the vendored vega-embed, with the
// CSP-safe expression interpreter (ast: true): the page allows no eval. A click on a country
// of the map lists its projects. Without JavaScript the tables beside the charts say it all.
(function () {
  "use strict";
  if (typeof vegaEmbed !== "function") return;
  document.documentElement.classList.add("vega-ready");
  var script = document.currentScript;
  var countryUrl = script && script.getAttribute("data-country-url");
  var options = {
    ast: true,
    actions: false,
    renderer: "svg",
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true },
  };
  document.querySelectorAll("script[data-vega-spec]").forEach(function (holder) {
    var target = document.getElementById(holder.getAttribute("data-vega-spec"));
    if (!target) return;
    var spec;
    try {
      spec = JSON.parse(holder.textContent);
    } catch (e) {
      return;
    }
    vegaEmbed(target, spec, options)
      .then(function (result) {
        target.classList.add("vega-drawn");
        var meta = spec.usermeta || {};
        if (meta.clickable === "country" && countryUrl) {
          result.view.addEventListener("click", function (event, item) {
            var code = item && item.datum && item.datum.id;
            if (code && item.datum.projects > 0) {
              window.location.href = countryUrl.replace("__CODE__", encodeURIComponent(code));
            }
          });
        }
      })
      .catch(function (error) {
        target.textContent = "The chart could not be drawn; the table gives the same figures.";
        if (window.console) console.error(error);
      });
  });
})();
