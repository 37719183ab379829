// oakdash: a shared replay (/s/<id>/#<secret>). The secret is in the fragment, which browsers
// never send: this script reads it and sends it in the X-Share-Secret header, first to /meta
// (what to show, or why the link does not open), then, through replay.js and
// replay-stream.js, to the recording's stream. The page itself is the same for every link.
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }
  var node = $("share-config");
  if (!node) return;
  var share = JSON.parse(node.textContent);
  var SECONDS = /^\d{1,7}(\.\d{1,3})?$/;

  function refuse(title, message, state) {
    $("share-title").textContent = title;
    $("share-message").textContent = message;
    $("share-status").setAttribute("data-share-state", state || "refused");
    $("share-status").hidden = false;
    $("share-replay").hidden = true;
    document.title = title + " · oakdash";
  }

  function clock(ms) {
    var s = Math.floor(ms / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }

  function when(iso) {
    var date = new Date(iso);
    return isNaN(date) ? "—" : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  function dataElement(id, value) {
    var element = document.createElement("script");
    element.type = "application/json";
    element.id = id;
    element.textContent = JSON.stringify(value);
    document.body.appendChild(element);
  }

  function show(body, secret) {
    $("share-started").textContent = when(body.replay.startedAt);
    $("share-duration").textContent = clock(body.replay.durationMs || 0);
    $("share-device").textContent = body.replay.device;
    $("share-expires").textContent = when(body.expiresAt);
    if (body.note) { $("share-note").textContent = body.note; $("share-note").hidden = false; }
    var config = body.config;
    config.streamUrl = share.streamUrl;
    config.pageUrl = share.pageUrl;
    config.streamHeaders = { "X-Share-Secret": secret };
    var t = new URLSearchParams(window.location.search).get("t");
    if (t && SECONDS.test(t)) config.startAt = Number(t);  // a "link at current time"
    if (body.events) $("share-events").hidden = false;
    else $("share-layout").classList.add("replay-layout-single");
    dataElement("replay-config", config);
    dataElement("replay-session-events", body.events || []);
    $("share-status").hidden = true;
    $("share-replay").hidden = false;
    var player = document.createElement("script");  // allowed by the page's CSP, by exact URL
    player.src = share.playerScript;
    document.body.appendChild(player);
  }

  var secret = "";
  try { secret = decodeURIComponent(window.location.hash.slice(1)); } catch (e) { secret = ""; }
  if (!secret) {
    refuse("This link is incomplete", "The part after the # sign is missing: copy the whole link you were sent.");
    return;
  }
  fetch(share.metaUrl, {
    headers: { "X-Share-Secret": secret, Accept: "application/json" },
    cache: "no-store",
    credentials: "omit",
  }).then(function (response) {
    return response.json().catch(function () { return null; }).then(function (body) {
      if (response.ok && body && body.config) { show(body, secret); return; }
      refuse(
        (body && body.title) || "This link could not be opened",
        (body && body.error) || "The server answered " + response.status + ": try again in a moment.",
        body && body.refused ? "refused" : "failed"
      );
    });
  }, function () {
    refuse("The network failed", "The shared replay could not be reached: check your connection and reload.", "failed");
  });
})();
