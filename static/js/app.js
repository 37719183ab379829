// oakdash: behaviour every page shares. No inline script anywhere (CSP); page data arrives via json_script.
(function () {
  "use strict";

  // Tell the server the viewer's time zone so times render in it (ViewerTimezoneMiddleware).
  // On the first visit the page was rendered in UTC: reload once, then never again.
  // The IANA name is written as it is ("Europe/Berlin": "/" is fine in a cookie value); the
  // server also accepts the URL-encoded form older versions of this file wrote.
  var ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,3}$/;
  function syncTimezone() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone || !ZONE_NAME.test(zone)) return;
    var current = (document.cookie.match(/(?:^|; )oakdash_tz=([^;]*)/) || [])[1];
    if (current === zone) return;
    document.cookie = "oakdash_tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
    if (!current && document.querySelector("[data-viewer-tz]") && !sessionStorage.getItem("oakdash_tz_reloaded")) {
      sessionStorage.setItem("oakdash_tz_reloaded", "1");
      if (zone !== "UTC" && zone !== "Etc/UTC") window.location.reload();
    }
  }

  function copyText(text, button) {
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      button.setAttribute("data-copied", "1");
      setTimeout(function () { button.textContent = label; button.removeAttribute("data-copied"); }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { window.prompt("Copy this link:", text); });
    } else {
      window.prompt("Copy this link:", text);
    }
  }

  // "Copy link" copies the current URL: every view keeps its state in the query string.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-url]");
    if (!button) return;
    event.preventDefault();
    copyText(button.getAttribute("data-copy-url") || window.location.href, button);
  });

  // Close the user menu when clicking elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  window.oakdash = window.oakdash || {};
  window.oakdash.copyText = copyText;
  syncTimezone();
})();
