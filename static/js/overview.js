// Overview page: draws the traffic chart from the json_script data, again after every htmx swap.
(function () {
  "use strict";

  // [key in the data, legend label, CSS variable with its colour (app.css: light and dark values),
  // point shape]. The shapes tell the lines apart without their colours (legend included).
  var SERIES = [
    ["visitors", "Visitors", "--chart-visitors", "circle"],
    ["pageviews", "Pageviews", "--chart-pageviews", "rect"],
    ["sessions", "Sessions", "--chart-sessions", "triangle"]
  ];
  var DASH = [6, 4];
  var current = null;

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function compact(value) {
    var abs = Math.abs(value);
    if (abs >= 1e6) return (value / 1e6).toFixed(1).replace(/\.0$/, "") + "M";
    if (abs >= 1e4) return (value / 1e3).toFixed(1).replace(/\.0$/, "") + "k";
    return value.toLocaleString();
  }

  // The data sits in a <template> so htmx (allowScriptTags: false) keeps it when it swaps.
  function readData() {
    var source = document.getElementById("overview-chart-source");
    var holder = source && source.content ? source.content.querySelector("script") : null;
    if (!holder) return null;
    try { return JSON.parse(holder.textContent); } catch (e) { return null; }
  }

  function render() {
    if (current) { current.destroy(); current = null; }
    var canvas = document.querySelector("[data-overview-chart]");
    if (!canvas || !window.Chart) return;
    var stale = window.Chart.getChart(canvas);
    if (stale) stale.destroy();
    var data = readData();
    if (!data) return;
    var text = cssVar("--text", "#1d2330");
    var muted = cssVar("--muted", "#667085");
    var grid = cssVar("--border", "#e3e6ec");
    var panel = cssVar("--panel", "#ffffff");
    var dense = data.labels.length > 40;
    // A partial bucket (the range starts inside it, or it is still running: views/overview.py)
    // is drawn with a dashed line to it and a hollow point, and its tooltip says so.
    var partial = data.partial || [];
    var touchesPartial = function (ctx) {
      return partial[ctx.p0DataIndex] || partial[ctx.p1DataIndex] ? DASH : undefined;
    };
    current = new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: SERIES.map(function (s) {
          var colour = cssVar(s[2], "#2f7d4f");
          return {
            label: s[1], data: data[s[0]], borderColor: colour, backgroundColor: colour,
            pointStyle: s[3], borderWidth: 2, pointRadius: dense ? 1.5 : 3, pointHoverRadius: 5,
            pointBackgroundColor: function (ctx) { return partial[ctx.dataIndex] ? panel : colour; },
            segment: { borderDash: touchesPartial },
            cubicInterpolationMode: "monotone"
          };
        })
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { color: muted, maxRotation: 0, autoSkip: true, maxTicksLimit: 8 }, grid: { display: false } },
          y: { beginAtZero: true, ticks: { color: muted, precision: 0, callback: compact }, grid: { color: grid } }
        },
        plugins: {
          legend: { position: "bottom", labels: { color: text, usePointStyle: true, boxHeight: 6 } },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? data.titles[items[0].dataIndex] : ""; },
              footer: function (items) { return items.length ? partial[items[0].dataIndex] || "" : ""; },
              label: function (item) { return item.dataset.label + ": " + item.parsed.y.toLocaleString(); }
            }
          }
        }
      }
    });
  }

  function start() {
    render();
    // Only swaps that brought a new chart (range, bots, refresh) redraw; the live pill's polls do not.
    document.addEventListener("htmx:afterSettle", function (event) {
      var target = event.detail && event.detail.target;
      if (target && (target.id === "page-content" || (target.querySelector && target.querySelector("[data-overview-chart]")))) render();
    });
    if (window.matchMedia) {
      var scheme = window.matchMedia("(prefers-color-scheme: dark)");
      if (scheme.addEventListener) scheme.addEventListener("change", render);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
