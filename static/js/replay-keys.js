// oakdash: the replay page's keyboard shortcuts (window.oakdash.replayKeys). Space plays and
// pauses, ←/→ seek 5 s, Home/End on the timeline go to the start/end, 1 2 4 8 set the speed.
// Keys typed into a field, or with a modifier, are left alone.
(function () {
  "use strict";

  var SEEK_STEP_MS = 5000;

  function isTyping(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
  }

  // actions: {togglePlay(), seekBy(ms), seekToStart(), seekToEnd(), setSpeed(n)}; speeds: [1, 2, …];
  // timeline: the element Home/End belong to.
  function replayKeys(actions, speeds, timeline) {
    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTyping(event.target)) return;
      var key = event.key;
      if (key === " " || key === "Spacebar") {
        // A focused button or link answers Space itself.
        if (event.target.closest && event.target.closest("button, a, summary")) return;
        event.preventDefault();
        actions.togglePlay();
      } else if (key === "ArrowLeft" || key === "ArrowRight") {
        event.preventDefault();
        actions.seekBy(key === "ArrowLeft" ? -SEEK_STEP_MS : SEEK_STEP_MS);
      } else if ((key === "Home" || key === "End") && event.target === timeline) {
        event.preventDefault();
        if (key === "Home") actions.seekToStart(); else actions.seekToEnd();
      } else if (speeds.indexOf(Number(key)) >= 0) {
        actions.setSpeed(Number(key));
      }
    });
  }

  window.oakdash = window.oakdash || {};
  window.oakdash.replayKeys = replayKeys;
})();
