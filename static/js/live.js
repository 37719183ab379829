// oakdash live: the /live/ widget and the top bar's live count, on every page.
// Elements marked [data-live-poll] poll with htmx ("every 5s"). Our CSP forbids eval, so htmx
// trigger filters cannot pause them: this file cancels their requests while the tab is hidden,
// refreshes them at once when it becomes visible again, ticks their "N s ago" texts, keeps the
// page title's count current, and never lets a failed poll blank what was already shown.
(function () {
  "use strict";

  var POLLED = "[data-live-poll]";

  function visible() {
    return document.visibilityState === "visible";
  }

  function ago(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) return seconds + " s ago";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    return Math.floor(seconds / 3600) + " h ago";
  }

  // Ages are sent as "seconds old when rendered" and counted on from when the fragment arrived,
  // so a client clock that disagrees with the server's cannot make them wrong.
  function elapsedSince(el) {
    var arrived = Number(el.getAttribute("data-arrived"));
    if (!arrived) {
      arrived = Date.now();
      el.setAttribute("data-arrived", String(arrived));
    }
    return Number(el.getAttribute("data-age") || 0) + (Date.now() - arrived) / 1000;
  }

  function tick() {
    document.querySelectorAll("[data-live-widget][data-age]").forEach(function (widget) {
      var label = widget.querySelector("[data-live-age]");
      if (label) label.textContent = ago(elapsedSince(widget));
    });
    document.querySelectorAll("[data-live-widget] time[data-age]").forEach(function (time) {
      time.textContent = ago(elapsedSince(time));
    });
  }

  function syncTitle() {
    var widget = document.querySelector("[data-live-widget][data-title]");
    if (widget) document.title = widget.getAttribute("data-title");
  }

  function markStale(el) {
    el.classList.add("stale");
    el.setAttribute("data-stale", "");
    if (el.hasAttribute("data-live-widget") && !el.querySelector("[data-stale-marker]")) {
      var note = document.createElement("p");
      note.className = "live-stale";
      note.setAttribute("role", "status");
      note.setAttribute("data-stale-marker", "");
      note.textContent = "Stale — oakdash could not reach the server; showing the last numbers. Retrying every 5 seconds.";
      (el.querySelector(".live-summary") || el).appendChild(note);
    }
  }

  // Hidden tab: cancel the poll (htmx treats preventDefault on htmx:confirm as "do not send").
  document.addEventListener("htmx:confirm", function (event) {
    var el = event.target;
    if (el.matches && el.matches(POLLED) && !visible()) event.preventDefault();
  });

  document.addEventListener("visibilitychange", function () {
    if (!visible() || !window.htmx) return;
    document.querySelectorAll(POLLED).forEach(function (el) {
      window.htmx.trigger(el, "live:refresh");
    });
  });

  // Only our own fragment may replace a polled element: an expired login answered with the
  // login page, or a proxy's error page, must not be swapped into the top bar.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var el = event.detail.elt;
    if (!el || !el.matches || !el.matches(POLLED)) return;
    var body = event.detail.serverResponse || "";
    var ours = el.hasAttribute("data-live-pill")
      ? body.indexOf("data-live-pill") !== -1
      : body.indexOf("data-live-widget") !== -1 || body.indexOf("data-problem") !== -1;
    if (!ours) {
      event.detail.shouldSwap = false;
      markStale(el);
    }
  });

  // No answer at all (network down, server gone): keep what is shown, say it is stale.
  ["htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var el = event.detail.elt;
      if (el && el.matches && el.matches(POLLED)) markStale(el);
    });
  });

  document.addEventListener("htmx:afterSettle", function () {
    tick();
    syncTitle();
  });

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    syncTitle();
  });
  setInterval(tick, 1000);
})();
