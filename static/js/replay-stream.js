// oakdash: read /replays/<id>/events.ndjson progressively (fetch + ReadableStream + TextDecoder).
// One job: turn the byte stream into rrweb events, handed over in order, a read's worth at a time,
// while the page stays responsive. The player logic lives in replay.js.
(function () {
  "use strict";

  var YIELD_EVERY_MS = 50;
  var LINES_PER_SLICE = 2000;  // ~250 KB of events: a few ms to parse, then handed over

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

  // One line: an event, or the server's last word, {"error": "..."} with no timestamp/type.
  // Returns {event} or {failure}; a blank line gives neither.
  function parseLine(line) {
    if (!line.trim()) return {};
    var item;
    try { item = JSON.parse(line); } catch (e) { return { failure: "The recording's data was cut off or corrupt." }; }
    if (item === null || typeof item !== "object") return { failure: "The recording's data was corrupt." };
    if (isErrorLine(item)) return { failure: String(item.error || "The recording stopped loading.") };
    return { event: item };
  }

  function isErrorLine(item) {
    return !("timestamp" in item) && !("type" in item) && "error" in item;
  }

  function isEvent(item) {
    return item !== null && typeof item === "object" && !Array.isArray(item) && !isErrorLine(item);
  }

  // Lines to events: {events, failure}; events are those before the first bad line.
  // One JSON.parse of "[line,line,…]" costs about half of one JSON.parse per line. It is used
  // only when it gives one event object per line; anything else (a blank, damaged or error line)
  // is parsed again line by line, which says what is wrong where it is.
  function parseLines(lines) {
    var items = null;
    try { items = JSON.parse("[" + lines.join(",") + "]"); } catch (e) { items = null; }
    if (items && items.length === lines.length && items.every(isEvent)) return { events: items, failure: null };
    var events = [];
    for (var i = 0; i < lines.length; i++) {
      var parsed = parseLine(lines[i]);
      if (parsed.failure) return { events: events, failure: parsed.failure };
      if (parsed.event) events.push(parsed.event);
    }
    return { events: events, failure: null };
  }

  // options: skip (events already delivered by an earlier attempt), headers (extra request
  // headers), onEvents(events, firstIndex)
  // with the events of each read in order (it may return a promise: reading waits for it),
  // onProgress({events, bytes}) after each batch, onDone(), onError(message).
  // Returns {abort()}. Exactly one of onDone / onError is called, unless aborted.
  function readReplayStream(url, options) {
    var controller = new AbortController();
    var skip = options.skip || 0;
    var seen = 0;       // events read in this attempt (skipped ones included)
    var bytes = 0;      // bytes received (after the browser undid any Content-Encoding)
    var aborted = false;

    function progress() {
      if (options.onProgress) options.onProgress({ events: seen, bytes: bytes });
    }

    // Hands events over, minus those an earlier attempt delivered; waits if asked to.
    async function deliver(events) {
      var first = seen;
      seen += events.length;
      if (seen <= skip) return;
      if (first < skip) {
        events = events.slice(skip - first);
        first = skip;
      }
      var wait = options.onEvents(events, first);
      if (wait && typeof wait.then === "function") {  // e.g. the player's first frame painting
        progress();
        await wait;
      }
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
        // A decoded read can hold many thousands of lines: parse them in slices, and give the
        // browser a turn every ~50 ms.
        for (var from = 0; from < lines.length; from += LINES_PER_SLICE) {
          var slice = lines.length <= LINES_PER_SLICE ? lines : lines.slice(from, from + LINES_PER_SLICE);
          var parsed = parseLines(slice);
          if (parsed.events.length) await deliver(parsed.events);
          if (aborted) return;
          if (parsed.failure) {
            progress();
            reader.cancel().catch(function () {});
            options.onError(parsed.failure);
            return;
          }
          if (performance.now() - lastYield > YIELD_EVERY_MS) {
            progress();
            await yieldToBrowser();
            if (aborted) return;
            lastYield = performance.now();
          }
        }
        progress();
      }
      var last = parseLine(partial + decoder.decode());
      if (last.event) await deliver([last.event]);
      if (aborted) return;
      progress();
      if (last.failure) options.onError(last.failure); else options.onDone();
    }

    run().catch(function (e) {
      if (!aborted) options.onError("The recording could not be read (" + (e && e.message ? e.message : "unknown error") + ").");
    });
    return { abort: function () { aborted = true; controller.abort(); } };
  }

  window.oakdash = window.oakdash || {};
  window.oakdash.readReplayStream = readReplayStream;
})();
