// oakdash: the replay player page. Streams the merged rrweb events (replay-stream.js), starts
// rrweb-player as soon as a Meta and a FullSnapshot are in, feeds it the rest as it arrives, and
// drives our own controls, timeline and event list (docs/REPLAY.md explains the design).
(function () {
  "use strict";

  var EventType = { FullSnapshot: 2, Meta: 4, Custom: 5, Plugin: 6 };
  var SPEEDS = [1, 2, 4, 8];
  var SEEK_STEP_MS = 5000;
  var RESUME_AFTER_MS = 500;  // after a stall, wait for this much more recording before resuming

  function $(id) { return document.getElementById(id); }
  function readJson(id) {
    var node = $(id);
    try { return node ? JSON.parse(node.textContent) : null; } catch (e) { return null; }
  }

  var config = readJson("replay-config");
  var sessionEvents = readJson("replay-session-events") || [];
  var root = $("replay-player");
  if (!config || !root) return;

  var ui = {
    placeholder: $("replay-placeholder"),
    toggle: $("replay-toggle"),
    current: $("replay-current"),
    total: $("replay-total"),
    timeline: $("replay-timeline"),
    loadedBar: $("replay-timeline-loaded"),
    playedBar: $("replay-timeline-played"),
    handle: $("replay-timeline-handle"),
    markers: $("replay-timeline-markers"),
    skip: $("replay-skip"),
    copy: $("replay-copy"),
    progress: $("replay-progress"),
    loadingText: $("replay-loading-text"),
    errorBox: $("replay-error"),
    errorText: $("replay-error-text"),
    retry: $("replay-retry"),
    list: $("replay-event-list"),
    speedButtons: Array.prototype.slice.call(document.querySelectorAll("[data-speed]")),
  };

  var state = {
    pending: [],          // events received before the player exists
    added: 0,             // events received in total (the retry skips this many)
    bytes: 0,             // bytes received over all attempts
    attemptBytes: 0,
    firstTs: null,        // timestamp of the first rrweb event: player time 0
    lastTs: null,
    hasMeta: false,
    hasSnapshot: false,
    player: null,
    replayer: null,
    done: false,          // the stream ended cleanly: everything is loaded
    failed: false,
    stream: null,
    wantPlaying: false,   // what the viewer asked for; the player may be waiting for data
    stalledAt: null,      // player time where playback ran out of loaded events
    startAt: typeof config.startAt === "number" ? Math.max(0, config.startAt * 1000) : null,
    loadingChanged: false, // progress arrived that the loading line does not show yet
    painted: false,       // the player's first frame is on screen
    started: false,       // playback was started once (at 0 or at ?t=)
    speed: 1,
    listItems: [],
    lastHighlighted: -1,
  };

  // --- formatting -------------------------------------------------------------------------

  function clock(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    var ss = (s < 10 ? "0" : "") + s;
    if (h) return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
    return m + ":" + ss;
  }
  function megabytes(bytes) {
    var mb = bytes / 1e6;
    return (mb < 1 ? mb.toFixed(2) : mb.toFixed(1)) + " MB";
  }
  var numberFormat = new Intl.NumberFormat("en-US");
  var timeFormat = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", timeZoneName: "short",
  });

  // --- times ------------------------------------------------------------------------------

  function loadedMs() {
    return state.firstTs === null ? 0 : state.lastTs - state.firstTs;
  }
  // The timeline spans the duration OakData reported, or what has loaded if that is longer.
  function spanMs() {
    return Math.max(config.durationMs || 0, loadedMs(), 1);
  }
  function clampToLoaded(ms) {
    return Math.min(Math.max(0, ms), loadedMs());
  }
  function currentMs() {
    if (!state.replayer) return 0;
    if (state.stalledAt !== null) return state.stalledAt;
    var t;
    try { t = state.replayer.getCurrentTime(); } catch (e) { return 0; }
    return clampToLoaded(t);
  }
  function isPlaying() {
    if (!state.replayer) return false;
    try { return state.replayer.service.state.matches("playing"); } catch (e) { return false; }
  }

  // --- the player -------------------------------------------------------------------------

  function playerSize() {
    var width = Math.max(240, root.clientWidth);
    var ratio = config.width && config.height ? config.height / config.width : 0.625;
    var height = Math.round(Math.min(width * ratio, window.innerHeight * 0.7));
    return { width: width, height: Math.max(160, height) };
  }

  function createPlayer() {
    var size = playerSize();
    if (ui.placeholder) ui.placeholder.remove();
    root.setAttribute("data-state", "ready");
    // The recorded page stays in rrweb's sandboxed iframe (allow-same-origin, no scripts):
    // UNSAFE_replayCanvas is never set, and the controller UI is ours, outside the iframe.
    state.player = new window.rrwebPlayer.Player({
      target: root,
      props: {
        events: state.pending,
        width: size.width,
        height: size.height,
        autoPlay: false,
        showController: false,
        skipInactive: ui.skip.checked,
        speedOption: SPEEDS,
        speed: state.speed,
        mouseTail: false,
        showWarning: false,
        // Replayed focus() calls would move the keyboard into the iframe: shortcuts would stop
        // working and the viewer's keys would land in the recorded page's inputs.
        triggerFocus: false,
      },
    });
    state.pending = null;
    state.replayer = state.player.getReplayer();
    // rrweb's iframe has no name: screen readers would announce an anonymous frame.
    if (state.replayer.iframe) state.replayer.iframe.title = "The recorded page (replay)";
    performance.mark("oakdash:replay-player-created");  // for bench/ and curious devtools users
    state.player.addEventListener("finish", onFinish);
    ui.toggle.disabled = false;
    ui.copy.disabled = false;
    placeSessionEvents();
    // Let the first frame paint before playback starts; resolves once it has.
    return new Promise(function (resolve) {
      var fallback = setTimeout(resolve, 250);  // a hidden tab paints nothing: keep loading
      requestAnimationFrame(function () {
        setTimeout(function () {
          state.painted = true;
          maybeStart();
          clearTimeout(fallback);
          resolve();
        }, 0);
      });
    });
  }

  // Start once, after the first frame painted: at 0, or at ?t= once that much has loaded (or
  // everything has: then clamp to the end).
  function maybeStart() {
    if (!state.painted || state.started) return;
    if (state.startAt !== null && loadedMs() < state.startAt && !state.done) return;
    performance.mark("oakdash:replay-playing");  // for bench/ and curious devtools users
    play(state.startAt === null ? 0 : state.startAt);
  }

  function play(ms) {
    if (!state.player) return;
    state.wantPlaying = true;
    state.started = true;
    state.stalledAt = null;
    // goto(t, true) and never play(): after "finish" the player's play() restarts at 0.
    state.player.goto(clampToLoaded(ms), true);
    render();
  }

  function pause() {
    state.wantPlaying = false;
    if (!state.player) return;
    var at = currentMs();
    state.stalledAt = null;
    // pause() keeps the frame as it is; after a stall or the end the player is paused already.
    if (isPlaying()) state.player.pause();
    rememberTime(at);
    render();
  }

  function togglePlay() {
    if (!state.player) return;
    if (state.wantPlaying) { pause(); return; }
    var at = currentMs();
    // At the very end of a fully loaded recording, Play starts it again.
    if (state.done && at >= loadedMs() - 50) at = 0;
    play(at);
  }

  function seek(ms) {
    if (!state.player) return;
    var at = clampToLoaded(ms);
    state.started = true;  // a seek before ?t= was reached wins
    state.stalledAt = null;
    state.player.goto(at, state.wantPlaying);
    rememberTime(at);
    render();
  }

  function setSpeed(speed) {
    if (SPEEDS.indexOf(speed) < 0) return;
    state.speed = speed;
    ui.speedButtons.forEach(function (b) {
      b.setAttribute("aria-pressed", String(Number(b.getAttribute("data-speed")) === speed));
    });
    if (state.player) {
      // The player's setSpeed resumes from its controller's own clock, which stops ticking at
      // the end of what has loaded; resume from the replayer's time instead.
      var playing = isPlaying();
      var at = currentMs();
      state.replayer.setConfig({ speed: speed });
      if (playing) state.player.goto(at, true);
      render();
    }
  }

  function onFinish() {
    if (state.done) {
      // The real end of the recording.
      state.wantPlaying = false;
      state.stalledAt = null;
    } else if (state.wantPlaying) {
      // Ran out of loaded events: the player pauses itself; resume once more has arrived.
      state.stalledAt = loadedMs();
    }
    render();
  }

  function maybeResume() {
    if (state.stalledAt === null || !state.wantPlaying) return;
    if (state.done || loadedMs() - state.stalledAt >= RESUME_AFTER_MS) {
      var at = state.stalledAt;
      state.stalledAt = null;
      state.player.goto(at, true);
    }
  }

  // --- receiving events -------------------------------------------------------------------

  // The events of one read, in order. Before the player exists they are kept until a Meta and a
  // FullSnapshot are in; then the player is made, and reading pauses (the returned promise) until
  // its first frame has painted: parsing more events first delays it.
  function onEvents(events) {
    if (state.player) {
      receive(events);
      return null;
    }
    for (var i = 0; i < events.length; i++) {
      var event = events[i];
      if (!note(event)) continue;
      state.pending.push(event);
      if (event.type === EventType.Meta) state.hasMeta = true;
      if (event.type === EventType.FullSnapshot) state.hasSnapshot = true;
      if (state.hasMeta && state.hasSnapshot && state.pending.length >= 2) {
        var rest = events.slice(i + 1);
        return createPlayer().then(function () { if (rest.length) receive(rest); });
      }
    }
    return null;
  }

  // Into the player in one batch (replay-feed.js: rrweb's addEvent one by one cost more than
  // everything else the page does to load a recording).
  function receive(events) {
    var playable = events.filter(note);
    if (playable.length) window.oakdash.addEventsToPlayer(state.player, playable);
  }

  // Counts the event, follows the loaded span and draws markers; false: nothing to play (no
  // numeric timestamp).
  function note(event) {
    state.added += 1;
    if (typeof event.timestamp !== "number") return false;
    if (state.firstTs === null) state.firstTs = event.timestamp;
    if (state.lastTs === null || event.timestamp > state.lastTs) state.lastTs = event.timestamp;
    if (event.type === EventType.Custom || isErrorLog(event)) addMarker(event);
    return true;
  }

  function isErrorLog(event) {
    return event.type === EventType.Plugin && event.data && event.data.plugin === "rrweb/console@1" &&
      event.data.payload && event.data.payload.level === "error";
  }

  function onProgress(p) {
    state.attemptBytes = p.bytes;
    maybeResume();
    maybeStart();
    state.loadingChanged = true;  // drawn on the next animation frame (tick), not per read
  }

  function onDone() {
    state.done = true;
    state.stream = null;
    state.bytes += state.attemptBytes;
    state.attemptBytes = 0;
    if (!state.player) {
      showError(state.added ? "This recording has no full snapshot, so there is nothing to play." :
        "This recording is empty.", false);
      return;
    }
    maybeResume();
    maybeStart();
    renderLoading();
    render();
    showDownloadSize(5);
  }

  // "Download" (sharing/actions.html) shows the portable file's size once the recording is in:
  // the stream's compressed size (Resource Timing; the file compresses the same events a little
  // better, so this errs high), as base64, plus the player the file carries.
  function showDownloadSize(tries) {
    var link = document.querySelector("[data-replay-download]");
    if (!link || !window.performance || !performance.getEntriesByName) return;
    var entries = performance.getEntriesByName(new URL(config.streamUrl, window.location.href).href);
    var entry = entries[entries.length - 1];
    if (!entry || !entry.encodedBodySize) {  // the entry is added just after the body ends
      if (tries > 0) setTimeout(function () { showDownloadSize(tries - 1); }, 200);
      return;
    }
    var bytes = entry.encodedBodySize * 4 / 3 + Number(link.getAttribute("data-player-bytes") || 0);
    link.textContent = "Download (about " + megabytes(bytes) + ")";
    link.setAttribute("data-estimated-bytes", String(Math.round(bytes)));
    link.title = "An estimate, from the recording as it loaded";
  }

  function onError(message) {
    state.failed = true;
    state.stream = null;
    state.bytes += state.attemptBytes;
    state.attemptBytes = 0;
    showError(message, true);
    renderLoading();
  }

  function showError(message, canRetry) {
    ui.errorText.textContent = message + (state.player ? " What has loaded keeps playing." : "");
    ui.retry.hidden = !canRetry;
    ui.errorBox.hidden = false;
    if (!state.player && ui.placeholder) ui.placeholder.textContent = "The recording could not be loaded.";
  }

  function load() {
    state.failed = false;
    ui.errorBox.hidden = true;
    // A retry fetches the stream again and skips the events already added (same order: the
    // server merges deterministically by timestamp).
    state.stream = window.oakdash.readReplayStream(config.streamUrl, {
      skip: state.added,
      headers: config.streamHeaders,
      onEvents: onEvents,
      onProgress: onProgress,
      onDone: onDone,
      onError: onError,
    });
    renderLoading();
  }

  // --- rendering --------------------------------------------------------------------------

  function renderLoading() {
    state.loadingChanged = false;
    var share = state.done ? 1 : Math.min(1, loadedMs() / Math.max(1, config.durationMs || 1));
    ui.progress.value = Math.round(share * 100);
    var bytes = state.bytes + state.attemptBytes;
    var text;
    if (state.done) {
      text = "All " + numberFormat.format(state.added) + " events loaded · " + megabytes(bytes);
    } else if (!state.added && !state.failed) {
      text = "Connecting…";
    } else {
      text = numberFormat.format(state.added) + " events · " + megabytes(bytes) + " · " +
        Math.floor(share * 100) + "% of the recording loaded" + (state.failed ? " (stopped)" : "…");
    }
    ui.loadingText.textContent = text;
    ui.loadedBar.style.setProperty("width", (100 * loadedMs() / spanMs()) + "%");
    root.setAttribute("data-loaded-ms", String(loadedMs()));
    root.setAttribute("data-events", String(state.added));
    if (state.done) document.body.setAttribute("data-replay-loaded", "1");
  }

  function render() {
    var at = currentMs();
    var span = spanMs();
    var pct = (100 * at / span) + "%";
    ui.playedBar.style.setProperty("width", pct);
    ui.handle.style.setProperty("left", pct);
    ui.current.textContent = clock(at);
    ui.total.textContent = clock(span);  // OakData's duration (the header's), floored as there
    ui.timeline.setAttribute("aria-valuemax", String(Math.round(span)));
    ui.timeline.setAttribute("aria-valuenow", String(Math.round(at)));
    ui.timeline.setAttribute("aria-valuetext", clock(at));
    var label = state.wantPlaying ? (state.stalledAt !== null ? "Pause (loading…)" : "Pause") :
      (state.done && at >= loadedMs() - 50 && state.player ? "Replay" : "Play");
    if (ui.toggle.textContent !== label) ui.toggle.textContent = label;
    ui.toggle.setAttribute("aria-pressed", String(state.wantPlaying));
    root.setAttribute("data-current-ms", String(Math.round(at)));
    root.setAttribute("data-playing", String(isPlaying()));
    root.setAttribute("data-playback-speed", String(state.speed));
    if (state.replayer) root.setAttribute("data-skip-inactive", String(Boolean(state.replayer.config.skipInactive)));
    highlightEvents(at);
  }

  function tick() {
    if (state.loadingChanged) renderLoading();
    if (state.replayer) {
      // Backstop for "finish" at the real end: the player stopped and nothing is left to load.
      if (state.wantPlaying && state.done && state.stalledAt === null && !isPlaying() &&
          currentMs() >= loadedMs() - 50) {
        state.wantPlaying = false;
      }
      render();
    }
    requestAnimationFrame(tick);
  }

  // --- markers and the session's events ---------------------------------------------------

  function addMarker(event) {
    var marker = document.createElement("span");
    var isError = event.type === EventType.Plugin;
    marker.className = "replay-marker" + (isError ? " replay-marker-error" : "");
    marker.title = isError ? "Console error" : String((event.data && event.data.tag) || "Custom event");
    marker.setAttribute("data-ts", String(event.timestamp));
    ui.markers.appendChild(marker);
    placeMarkers();
  }

  function placeMarkers() {
    if (state.firstTs === null) return;
    var span = spanMs();
    Array.prototype.forEach.call(ui.markers.children, function (m) {
      var offset = Number(m.getAttribute("data-ts")) - state.firstTs;
      m.style.setProperty("left", Math.min(100, Math.max(0, 100 * offset / span)) + "%");
    });
  }

  function buildEventList() {
    sessionEvents.forEach(function (item, index) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "replay-event" + (item.event === "$exception" ? " is-error" : "");
      button.setAttribute("data-index", String(index));
      var name = document.createElement("bdi");
      name.className = "replay-event-name clip";
      name.textContent = item.event;
      var when = document.createElement("span");
      when.className = "replay-event-time mono";
      when.textContent = "—";
      var path = document.createElement("bdi");
      path.className = "replay-event-path clip muted";
      path.textContent = item.pathname || "";
      button.title = item.event + (item.pathname ? " · " + item.pathname : "") + "\n" + timeFormat.format(new Date(item.ts));
      button.appendChild(when);
      button.appendChild(name);
      button.appendChild(path);
      button.addEventListener("click", function () {
        if (state.firstTs === null) return;
        seek(item.ts - state.firstTs);
      });
      li.appendChild(button);
      ui.list.appendChild(li);
      state.listItems.push({ li: li, button: button, when: when, ts: item.ts });
    });
  }

  function placeSessionEvents() {
    var end = Math.max(config.durationMs || 0, loadedMs());
    state.listItems.forEach(function (entry) {
      var offset = entry.ts - state.firstTs;
      entry.offset = offset;
      entry.when.textContent = offset < 0 ? "before" : clock(offset);
      // The session can outlast its recording: those events seek to the nearest recorded moment.
      var outside = offset < 0 || offset > end;
      entry.li.classList.toggle("is-outside", outside);
      if (outside) entry.button.title += "\n(outside the recording: jumps to its " + (offset < 0 ? "start" : "end") + ")";
    });
    placeMarkers();
  }

  function highlightEvents(at) {
    if (state.firstTs === null || !state.listItems.length) return;
    var latest = -1;
    for (var i = 0; i < state.listItems.length; i++) {
      var passed = state.listItems[i].offset <= at;
      state.listItems[i].li.classList.toggle("is-past", passed);
      if (passed) latest = i;
    }
    if (latest === state.lastHighlighted) return;
    if (state.lastHighlighted >= 0) state.listItems[state.lastHighlighted].button.removeAttribute("aria-current");
    state.lastHighlighted = latest;
    if (latest < 0) return;
    var current = state.listItems[latest];
    current.button.setAttribute("aria-current", "true");
    // Keep it in view inside the list only (scrollIntoView would scroll the whole page).
    var list = ui.list;
    var top = current.li.offsetTop;  // the list is position: relative, the offset parent
    if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - current.li.offsetHeight) {
      list.scrollTop = Math.max(0, top - list.clientHeight / 3);
    }
  }

  // --- the URL ----------------------------------------------------------------------------

  // The fragment stays: a shared link's secret is there (sharing/views/public.py).
  function linkAt(ms) {
    return window.location.origin + config.pageUrl + "?t=" + Math.floor(ms / 1000) + window.location.hash;
  }
  // Paused or seeked views keep their time in the address bar, so "Copy link" and reloads agree.
  function rememberTime(ms) {
    try { window.history.replaceState(null, "", config.pageUrl + "?t=" + Math.floor(ms / 1000) + window.location.hash); } catch (e) { /* ignore */ }
  }

  // "Share publicly" starts the link where the player is when the form is opened.
  var shareForm = $("share-publicly");
  var shareStart = $("id_start");
  if (shareForm && shareStart) {
    shareForm.addEventListener("toggle", function () {
      if (shareForm.open && state.player) shareStart.value = String(Math.floor(currentMs() / 1000));
    });
  }

  // --- wiring -----------------------------------------------------------------------------

  ui.toggle.addEventListener("click", togglePlay);
  ui.retry.addEventListener("click", function () { if (!state.stream) load(); });
  ui.copy.addEventListener("click", function () {
    window.oakdash.copyText(linkAt(currentMs()), ui.copy);
  });
  ui.skip.addEventListener("change", function () {
    if (state.player) state.player.toggleSkipInactive();
  });
  ui.speedButtons.forEach(function (b) {
    b.addEventListener("click", function () { setSpeed(Number(b.getAttribute("data-speed"))); });
  });
  ui.timeline.addEventListener("click", function (event) {
    var rect = ui.timeline.getBoundingClientRect();
    var fraction = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    seek(fraction * spanMs());
  });

  function isTyping(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    var key = event.key;
    if (key === " " || key === "Spacebar") {
      // A focused button or link answers Space itself.
      if (event.target.closest && event.target.closest("button, a, summary")) return;
      event.preventDefault();
      togglePlay();
    } else if (key === "ArrowLeft" || key === "ArrowRight") {
      event.preventDefault();
      seek(currentMs() + (key === "ArrowLeft" ? -SEEK_STEP_MS : SEEK_STEP_MS));
    } else if ((key === "Home" || key === "End") && event.target === ui.timeline) {
      event.preventDefault();
      seek(key === "Home" ? 0 : loadedMs());
    } else if (SPEEDS.indexOf(Number(key)) >= 0) {
      setSpeed(Number(key));
    }
  });

  var resizeQueued = false;
  window.addEventListener("resize", function () {
    if (resizeQueued || !state.player) return;
    resizeQueued = true;
    requestAnimationFrame(function () {
      resizeQueued = false;
      var size = playerSize();
      state.player.$set({ width: size.width, height: size.height });
      try { state.player.triggerResize(); } catch (e) { /* no snapshot yet */ }
    });
  });

  buildEventList();
  load();
  requestAnimationFrame(tick);
})();
