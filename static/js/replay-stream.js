// oakdash: read /replays/<id>/events.ndjson progressively (fetch + ReadableStream + TextDecoder).
// One job: turn the byte stream into rrweb events, handed over in order while the page stays
// responsive. The player logic lives in replay.js.
(function () {
  "use strict";

  var YIELD_EVERY_MS = 50;

  function yieldToBrowser() {
    return new Promise(function (resolve) { setTimeout(resolve, 0); });
  }

  function describeStatus(status, retryAfter) {
    if (status === 404) return "This recording no longer exists.";
    if (status === 401 || status === 403) return "Your session or key is no longer valid: reload the page.";
    if (status === 429 || status === 503) {
      var wait = parseInt(retryAfter || "", 10);
      return "Too many replays are loading right now: try again" +
        (wait > 0 ? " in " + wait + " seconds." : " in a moment.");
    }
    return "The server answered " + status + " while loading the recording.";
  }

  // The request replay-early.js started while the page loaded: used by the first attempt only
  // (a retry must ask again). Aborting our controller aborts it too.
  function takeEarlyStream(url, controller) {
    var early = window.oakdashEarlyStream;
    if (!early || early.url !== url) return null;
    window.oakdashEarlyStream = null;
    controller.signal.addEventListener("abort", function () { early.controller.abort(); });
    return early.promise;
  }

  // options: skip (events already delivered by an earlier attempt), headers (extra request
  // headers), onEvent(event, index)
  // (which may return a promise: reading waits for it),
  // onProgress({events, bytes}) after each batch, onDone(), onError(message).
  // Returns {abort()}. Exactly one of onDone / onError is called, unless aborted.
  function readReplayStream(url, options) {
    var controller = new AbortController();
    var skip = options.skip || 0;
    var seen = 0;       // event lines read in this attempt (skipped ones included)
    var bytes = 0;      // bytes received (after the browser undid any Content-Encoding)
    var aborted = false;
    var paused = null;  // a promise from onEvent: read nothing more until it settles

    function progress() {
      if (options.onProgress) options.onProgress({ events: seen, bytes: bytes });
    }

    // A line is an event, or the server's last word: {"error": "..."} with no timestamp/type.
    function handleLine(line) {
      if (!line.trim()) return null;
      var item;
      try { item = JSON.parse(line); } catch (e) { return "The recording's data was cut off or corrupt."; }
      if (item === null || typeof item !== "object") return "The recording's data was corrupt.";
      if (!("timestamp" in item) && !("type" in item) && "error" in item) {
        return String(item.error || "The recording stopped loading.");
      }
      seen += 1;
      if (seen > skip) {
        var wait = options.onEvent(item, seen - 1);
        if (wait && typeof wait.then === "function") paused = wait;
      }
      return null;
    }

    async function run() {
      var response;
      try {
        response = await (takeEarlyStream(url, controller) || fetch(url, {
          signal: controller.signal,
          credentials: "same-origin",
          // A shared link's secret travels in a header (options.headers), never in the URL.
          headers: Object.assign({ Accept: "application/x-ndjson" }, options.headers || {}),
          cache: "no-store",
        }));
      } catch (e) {
        if (!aborted) options.onError("The network failed before the recording started loading.");
        return;
      }
      if (!response.ok || !response.body) {
        // 429 (too many streams) and 503 (busy) come with Retry-After; Retry works after it.
        var message = describeStatus(response.status, response.headers.get("Retry-After"));
        try {
          var body = await response.json();
          if (body && body.error) message = String(body.error);
        } catch (e) { /* not JSON: keep the generic words */ }
        options.onError(message);
        return;
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var partial = "";
      var lastYield = performance.now();
      for (;;) {
        var chunk;
        try {
          chunk = await reader.read();
        } catch (e) {
          if (aborted) return;
          progress();
          options.onError("The connection dropped while the recording was loading.");
          return;
        }
        if (aborted) return;
        if (chunk.done) break;
        bytes += chunk.value.byteLength;
        partial += decoder.decode(chunk.value, { stream: true });
        var lines = partial.split("\n");
        partial = lines.pop();  // the last piece may be half a line: keep it for the next chunk
        for (var i = 0; i < lines.length; i++) {
          var failure = handleLine(lines[i]);
          if (failure) { progress(); reader.cancel().catch(function () {}); options.onError(failure); return; }
          if (paused) {  // e.g. the player was just created: let its first frame paint first
            var until = paused;
            paused = null;
            progress();
            await until;
            if (aborted) return;
            lastYield = performance.now();
            continue;
          }
          // A big chunk holds thousands of lines: give the browser a turn every ~50 ms.
          if (performance.now() - lastYield > YIELD_EVERY_MS) {
            progress();
            await yieldToBrowser();
            if (aborted) return;
            lastYield = performance.now();
          }
        }
        progress();
      }
      var last = handleLine(partial + decoder.decode());
      progress();
      if (last) options.onError(last); else options.onDone();
    }

    run().catch(function (e) {
      if (!aborted) options.onError("The recording could not be read (" + (e && e.message ? e.message : "unknown error") + ").");
    });
    return { abort: function () { aborted = true; controller.abort(); } };
  }

  window.oakdash = window.oakdash || {};
  window.oakdash.readReplayStream = readReplayStream;
})();
