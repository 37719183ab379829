// oakdash: the replay player page. Streams the merged rrweb events (replay-stream.js), starts
// rrweb-player as soon as a Meta and a FullSnapshot are in, feeds it the rest as it arrives, and
// drives our own controls and timeline (docs/REPLAY.md explains the design). The session's event
// list is replay-events.js, the shortcuts replay-keys.js, rrweb's private fields replay-feed.js.
(function () {
  "use strict";

  var EventType = { FullSnapshot: 2, Meta: 4, Custom: 5, Plugin: 6 };
  var SPEEDS = [1, 2, 4, 8];
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
    speedButtons: Array.prototype.slice.call(document.querySelectorAll("[data-speed]")),
  };

  // Where playback is, one of:
  //   "loading"   no player yet (waiting for a Meta and a FullSnapshot)
  //   "painting"  the player exists, its first frame is not on screen yet
  //   "ready"     painted, waiting to start (at 0, or at ?t= once that much has loaded)
  //   "playing"   the viewer asked for playback and the player plays
  //   "stalled"   the viewer asked for playback, the player ran out of loaded events at stalledAt
  //   "paused"    the viewer paused (or seeked while paused)
  //   "ended"     the whole recording has played
  var state = {
    phase: "loading",
    stalledAt: 0,
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
    startAt: typeof config.startAt === "number" ? Math.max(0, config.startAt * 1000) : null,
    loadingChanged: false, // progress arrived that the loading line does not show yet
    speed: 1,
    drawn: "",            // what render() last put on screen (it skips frames that change nothing)
  };
  var rrweb = window.oakdash.rrweb;
  var eventList = window.oakdash.replayEventList($("replay-event-list"), sessionEvents, clock, function (ts) {
    if (state.firstTs !== null) seek(ts - state.firstTs);
  });

  function wantsPlaying() { return state.phase === "playing" || state.phase === "stalled"; }

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
    if (state.phase === "stalled") return state.stalledAt;
    var t;
    try { t = state.replayer.getCurrentTime(); } catch (e) { return 0; }
    return clampToLoaded(t);
  }
  function isPlaying() {
    return state.replayer ? rrweb.isPlaying(state.replayer) : false;
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
    state.phase = "painting";
    // rrweb's iframe has no name: screen readers would announce an anonymous frame.
    var frame = rrweb.iframe(state.replayer);
    if (frame) frame.title = "The recorded page (replay)";
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
          if (state.phase === "painting") state.phase = "ready";
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
    if (state.phase !== "ready") return;
    if (state.startAt !== null && loadedMs() < state.startAt && !state.done) return;
    performance.mark("oakdash:replay-playing");  // for bench/ and curious devtools users
    play(state.startAt === null ? 0 : state.startAt);
  }

  function play(ms) {
    if (!state.player) return;
    state.phase = "playing";
    // goto(t, true) and never play(): after "finish" the player's play() restarts at 0.
    state.player.goto(clampToLoaded(ms), true);
    render();
  }

  function pause() {
    if (!state.player) return;
    var at = currentMs();
    state.phase = "paused";
    // pause() keeps the frame as it is; after a stall or the end the player is paused already.
    if (isPlaying()) state.player.pause();
    rememberTime(at);
    render();
  }

  function togglePlay() {
    if (!state.player) return;
    if (wantsPlaying()) { pause(); return; }
    var at = currentMs();
    // At the very end of a fully loaded recording, Play starts it again.
    if (state.done && at >= loadedMs() - 50) at = 0;
    play(at);
  }

  function seek(ms) {
    if (!state.player) return;
    var at = clampToLoaded(ms);
    // Playing (or stalled) goes on playing from there; otherwise the view stays paused there
    // (a seek before ?t= was reached wins over it).
    state.phase = wantsPlaying() ? "playing" : "paused";
    state.player.goto(at, state.phase === "playing");
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
      state.phase = "ended";  // the real end of the recording
    } else if (wantsPlaying()) {
      // Ran out of loaded events: the player pauses itself; resume once more has arrived.
      state.phase = "stalled";
      state.stalledAt = loadedMs();
    }
    render();
  }

  function maybeResume() {
    if (state.phase !== "stalled") return;
    if (state.done || loadedMs() - state.stalledAt >= RESUME_AFTER_MS) {
      state.phase = "playing";
      state.player.goto(state.stalledAt, true);
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

  // Draws the controls, the timeline and the list's highlight, when any of them would change:
  // tick() calls this every frame, and a paused player must not touch the DOM.
  function render() {
    var at = Math.round(currentMs());
    var span = spanMs();
    var wants = wantsPlaying();
    var playing = isPlaying();
    var skip = state.replayer ? rrweb.skipsInactive(state.replayer) : null;
    var label = wants ? (state.phase === "stalled" ? "Pause (loading…)" : "Pause") :
      (state.done && at >= loadedMs() - 50 && state.player ? "Replay" : "Play");
    var drawn = [at, span, label, wants, playing, state.speed, skip].join(" ");
    if (drawn === state.drawn) return;
    state.drawn = drawn;
    var pct = (100 * at / span) + "%";
    ui.playedBar.style.setProperty("width", pct);
    ui.handle.style.setProperty("left", pct);
    ui.current.textContent = clock(at);
    ui.total.textContent = clock(span);  // OakData's duration (the header's), floored as there
    ui.timeline.setAttribute("aria-valuemax", String(Math.round(span)));
    ui.timeline.setAttribute("aria-valuenow", String(at));
    ui.timeline.setAttribute("aria-valuetext", clock(at));
    if (ui.toggle.textContent !== label) ui.toggle.textContent = label;
    ui.toggle.setAttribute("aria-pressed", String(wants));
    root.setAttribute("data-current-ms", String(at));
    root.setAttribute("data-playing", String(playing));
    root.setAttribute("data-playback-speed", String(state.speed));
    if (skip !== null) root.setAttribute("data-skip-inactive", String(skip));
    if (state.firstTs !== null) eventList.highlight(at);
  }

  function tick() {
    if (state.loadingChanged) renderLoading();
    if (state.replayer) {
      // Backstop for "finish" at the real end: the player stopped and nothing is left to load.
      if (state.phase === "playing" && state.done && !isPlaying() && currentMs() >= loadedMs() - 50) {
        state.phase = "ended";
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

  function placeSessionEvents() {
    eventList.place(state.firstTs, Math.max(config.durationMs || 0, loadedMs()));
    placeMarkers();
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

  window.oakdash.replayKeys({
    togglePlay: togglePlay,
    seekBy: function (ms) { seek(currentMs() + ms); },
    seekToStart: function () { seek(0); },
    seekToEnd: function () { seek(loadedMs()); },
    setSpeed: setSpeed,
  }, SPEEDS, ui.timeline);

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

  load();
  requestAnimationFrame(tick);
})();
