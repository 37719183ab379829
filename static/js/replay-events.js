// oakdash: the replay page's list of the session's events (window.oakdash.replayEventList).
// Each item seeks to its moment; while the recording plays, the items already passed are marked
// and the latest one is current. Finding it is a binary search over the sorted offsets, and the
// DOM is touched only when the latest item changes (the player calls highlight() every frame).
(function () {
  "use strict";

  var timeFormat = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", timeZoneName: "short",
  });

  // items: [{event, pathname, ts}]; clock(ms) → "m:ss"; onSeek(ts) when one is clicked.
  function replayEventList(list, items, clock, onSeek) {
    // In time order (the server sends them so; a stable sort keeps that), for the binary search.
    var sorted = items.slice().sort(function (a, b) { return a.ts - b.ts; });
    var entries = sorted.map(function (item, index) {
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
      button.title = item.event + (item.pathname ? " · " + item.pathname : "") + "\n" +
        timeFormat.format(new Date(item.ts));
      button.appendChild(when);
      button.appendChild(name);
      button.appendChild(path);
      button.addEventListener("click", function () { onSeek(item.ts); });
      li.appendChild(button);
      list.appendChild(li);
      return { li: li, button: button, when: when, ts: item.ts, offset: null };
    });
    var offsets = null;  // entries' offsets from the recording's start, once it is known
    var latest = -1;     // the last item at or before the playback time

    // The recording's first timestamp is known: show each item's offset into it.
    function place(firstTs, endMs) {
      offsets = entries.map(function (entry) {
        var offset = entry.ts - firstTs;
        entry.offset = offset;
        entry.when.textContent = offset < 0 ? "before" : clock(offset);
        // The session can outlast its recording: those events seek to the nearest recorded moment.
        var outside = offset < 0 || offset > endMs;
        entry.li.classList.toggle("is-outside", outside);
        if (outside) {
          entry.button.title += "\n(outside the recording: jumps to its " + (offset < 0 ? "start" : "end") + ")";
        }
        return offset;
      });
    }

    // The index of the last offset <= at, or -1.
    function lastAtOrBefore(at) {
      var lo = 0, hi = offsets.length - 1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (offsets[mid] <= at) lo = mid + 1; else hi = mid - 1;
      }
      return hi;
    }

    function highlight(at) {
      if (!offsets || !offsets.length) return;
      var now = lastAtOrBefore(at);
      if (now === latest) return;
      // Items between the old and the new latest change sides; the others stay as they are.
      var from = Math.min(now, latest) + 1, to = Math.max(now, latest);
      for (var i = from; i <= to; i++) entries[i].li.classList.toggle("is-past", i <= now);
      if (latest >= 0) entries[latest].button.removeAttribute("aria-current");
      latest = now;
      if (now < 0) return;
      var current = entries[now];
      current.button.setAttribute("aria-current", "true");
      // Keep it in view inside the list only (scrollIntoView would scroll the whole page).
      var top = current.li.offsetTop;  // the list is position: relative, the offset parent
      if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - current.li.offsetHeight) {
        list.scrollTop = Math.max(0, top - list.clientHeight / 3);
      }
    }

    return { place: place, highlight: highlight };
  }

  window.oakdash = window.oakdash || {};
  window.oakdash.replayEventList = replayEventList;
})();
