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

  // Close the user menu, the project switcher and the replay's "Share publicly" panel when
  // clicking elsewhere (and on Escape, below).
  var MENUS = "details.usermenu[open], details.switcher[open], details.share-menu[open]";
  document.addEventListener("click", function (event) {
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  // The project switcher: when it opens, ask for its list again (the page's query may have
  // changed through htmx since it loaded; the server reads HX-Current-URL), with each project's
  // live count loading from then on. An htmx trigger filter would need eval, which the CSP forbids.
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("details[data-switcher]") || !menu.open) return;
    var list = menu.querySelector("[data-switcher-list]");
    if (list && window.htmx) window.htmx.trigger(list, "switcher:open");
  }, true);

  // The phone's menu button (app.css shows it below 760 px): opens and closes the navigation.
  function setNavOpen(open, returnFocus) {
    var toggle = document.querySelector("[data-nav-toggle]");
    if (!toggle) return;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.closest(".topbar").classList.toggle("nav-open", open);
    if (!open && returnFocus) toggle.focus();
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) {
      setNavOpen(toggle.getAttribute("aria-expanded") !== "true", false);
    } else if (!event.target.closest("#mainnav")) {
      setNavOpen(false, false);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var toggle = document.querySelector("[data-nav-toggle][aria-expanded='true']");
    if (toggle) setNavOpen(false, true);
    document.querySelectorAll(MENUS).forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });

  // Filter forms (filters.py): a blank field means "any", so leave it out of the URL htmx pushes.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-filters]")) return;
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (name) {
      if (params[name] === "") delete params[name];
    });
  });

  // A region that scrolls (a wide table, long JSON) must be reachable by keyboard to scroll it:
  // only those that do overflow get a tab stop, so ordinary tables add none.
  var SCROLLERS = ".table-wrap, pre, .wrap";
  function focusableScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && el.hasAttribute("data-scroll-focus")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-scroll-focus");
      }
    });
  }
  var scrollTimer = null;
  function soon() {
    clearTimeout(scrollTimer);
    scrollTimer = setTimeout(focusableScrollers, 100);
  }
  document.addEventListener("htmx:afterSettle", soon);
  document.addEventListener("toggle", soon, true);  // an opened <details> may hold a long <pre>
  window.addEventListener("resize", soon);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusableScrollers);
  else focusableScrollers();

  window.oakdash = window.oakdash || {};
  window.oakdash.copyText = copyText;
  syncTimezone();
})();
