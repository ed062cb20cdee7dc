// Gongzhi page behaviour. No inline scripts anywhere (strict CSP): everything hooks in here.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  // Every htmx request carries the session's CSRF token.
  document.body.addEventListener("htmx:configRequest", function (e) {
    if (csrf) { e.detail.headers["X-CSRF-Token"] = csrf; }
  });

  // Selects marked data-autosubmit submit their form (scope switcher, filters without JS fall back to a button).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.requestSubmit(); });
  });

  // Buttons with data-confirm ask first.
  document.addEventListener("submit", function (e) {
    var btn = e.submitter;
    var msg = (btn && btn.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  }, true);

  // Forms are submitted once: disable the button after the first submit.
  document.addEventListener("submit", function (e) {
    if (e.defaultPrevented) { return; }
    var btn = e.submitter;
    if (btn && !e.target.hasAttribute("hx-get")) {
      setTimeout(function () { btn.disabled = true; }, 0);
    }
  });

  // Charts: <div data-chart="id-of-json-script"> with {"type","labels","values","name"}.
  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-chart"));
      if (!src) { return; }
      var d = JSON.parse(src.textContent);
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        aria: { enabled: true },
        tooltip: {},
        grid: { left: 8, right: 8, bottom: 8, top: 24, containLabel: true },
        xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 4 ? 30 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", name: d.name, data: d.values, itemStyle: { color: "#0d6efd" } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  drawCharts(document);
})();
