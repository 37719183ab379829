// oakdash: the one place that reads rrweb's private fields (window.oakdash.rrweb), and hands
// rrweb-player a batch of events at once. replay.js uses the player's public API and this.
//
// Its public addEvent takes one event and costs ~10–20 µs (a promise, a state-machine transition
// that copies the machine's context, the controller's metadata refresh): for a 150 MB recording,
// 1.17 M events, that alone took twice as long as building the player from the whole array.
// rrweb has no batch API (rrweb-io/rrweb#1267), so this does for a whole batch what the ADD_EVENT
// action of rrweb 2.x's player machine does for one event (@rrweb/replay, machine.ts "addEvent";
// Replayer.addEvent): append it in time order, set its delay, cast it at once if it lies before
// the playback baseline, schedule it if the timer runs. Written against the vendored
// rrweb-player 2.1.7 (tests/browser/test_replay_player.py checks every event arrives, in order,
// and plays); if what it needs is not there, it falls back to addEvent per event.
(function () {
  "use strict";

  var INCREMENTAL_SNAPSHOT = 3;
  var SOURCE = { MouseMove: 1, MouseInteraction: 2, TouchMove: 6 };
  var TOUCH_START = 7;  // MouseInteractions.TouchStart

  // The parts of the Replayer the ADD_EVENT action uses, or null if this rrweb lacks one.
  function internals(replayer) {
    var state = replayer && replayer.service && replayer.service.state;
    var context = state && state.context;
    if (!context || !Array.isArray(context.events) || typeof context.baselineTime !== "number") return null;
    var timer = context.timer;
    if (!timer || typeof timer.isActive !== "function" || typeof timer.addAction !== "function") return null;
    if (typeof replayer.getCastFn !== "function") return null;
    return context;
  }

  // rrweb's addDelay: a mouse-move event is due when its first position was.
  function setDelay(event, baselineTime) {
    var data = event.data;
    if (event.type === INCREMENTAL_SNAPSHOT && data && data.source === SOURCE.MouseMove &&
        data.positions && data.positions.length) {
      event.delay = event.timestamp + data.positions[0].timeOffset - baselineTime;
    } else {
      event.delay = event.timestamp - baselineTime;
    }
  }

  // rrweb's indicatesTouchDevice: the replayed cursor is drawn as a touch point from then on.
  function indicatesTouch(event) {
    var data = event.data;
    return event.type === INCREMENTAL_SNAPSHOT && data && (data.source === SOURCE.TouchMove ||
      (data.source === SOURCE.MouseInteraction && data.type === TOUCH_START));
  }

  // After the last event with a timestamp <= t (rrweb inserts a late event there).
  function insertionPoint(list, timestamp) {
    var lo = 0, hi = list.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid].timestamp <= timestamp) lo = mid + 1; else hi = mid - 1;
    }
    return lo;
  }

  function addEventsToPlayer(player, events) {
    var replayer = player.getReplayer();
    var context = internals(replayer);
    if (!context) {
      for (var k = 0; k < events.length; k++) player.addEvent(events[k]);
      return;
    }
    var list = context.events, timer = context.timer, baselineTime = context.baselineTime;
    for (var i = 0; i < events.length; i++) {
      var event = events[i];
      if (indicatesTouch(event) && replayer.mouse) replayer.mouse.classList.add("touch-device");
      setDelay(event, baselineTime);
      var last = list[list.length - 1];
      if (!last || last.timestamp <= event.timestamp) list.push(event);
      else list.splice(insertionPoint(list, event.timestamp), 0, event);
      var isSync = event.timestamp < baselineTime;
      if (isSync) {
        replayer.getCastFn(event, true)();
      } else if (timer.isActive()) {
        timer.addAction({ doAction: replayer.getCastFn(event, false), delay: event.delay });
      }
    }
  }

  // The player's state machine says whether it plays (the public API has no getter for it).
  function isPlaying(replayer) {
    try { return replayer.service.state.matches("playing"); } catch (e) { return false; }
  }

  // rrweb's iframe and config are fields, not API.
  function iframe(replayer) { return replayer.iframe || null; }
  function skipsInactive(replayer) { return Boolean(replayer.config && replayer.config.skipInactive); }

  window.oakdash = window.oakdash || {};
  window.oakdash.addEventsToPlayer = addEventsToPlayer;
  window.oakdash.rrweb = {
    addEvents: addEventsToPlayer,
    isPlaying: isPlaying,
    iframe: iframe,
    skipsInactive: skipsInactive,
  };
})();
