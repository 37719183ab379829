// oakdash: start downloading the replay stream while the page (and the 227 KB player bundle) is
// still loading, so the stream's first byte and the page's readiness overlap instead of adding
// up. Loaded without defer from <head>; replay-stream.js picks the response up (once).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="oakdash-replay-stream"]');
  if (!meta || !window.fetch || !window.AbortController) return;
  var url = meta.getAttribute("content");
  var controller = new AbortController();
  var promise = fetch(url, {
    signal: controller.signal,
    credentials: "same-origin",
    headers: { Accept: "application/x-ndjson" },
    cache: "no-store",
  });
  promise.catch(function () { /* reported when replay-stream.js awaits it */ });
  window.oakdashEarlyStream = { url: url, promise: promise, controller: controller };
})();
