"""replay-feed.js hands rrweb-player batches of events exactly as its addEvent would, one by one.

Two players on one blank page (no server: the vendored bundle and our script are served from
disk), both playing from 0 with the recording's first events; the rest goes to one through
`player.addEvent` per event (rrweb's way) and to the other through `addEventsToPlayer` in batches.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oakdash.demo.replays import load

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "static"
ORIGIN = "http://feed.test"
FILES = {
    "/player.js": STATIC / "vendor" / "rrweb-player-2.1.7" / "rrweb-player.min.js",
    "/feed.js": STATIC / "js" / "replay-feed.js",
}
PAGE = (
    '<!doctype html><script src="/player.js"></script><script src="/feed.js"></script>'
    '<div id="a"></div><div id="b"></div>'
)

COMPARE = """async ({events, batch}) => {
  const make = (id, first) => {
    const player = new rrwebPlayer.Player({target: document.getElementById(id),
      props: {events: first, width: 400, height: 300, autoPlay: false, showController: false}});
    player.goto(0, true);  // playing: every later event also becomes a timer action
    return player;
  };
  const copy = () => JSON.parse(JSON.stringify(events));
  const start = events.findIndex((e) => e.type === 2) + 1;
  const [one, many] = [copy(), copy()];
  const byEvent = make('a', one.slice(0, start));
  const byBatch = make('b', many.slice(0, start));
  for (const event of one.slice(start)) byEvent.addEvent(event);
  const rest = many.slice(start);
  for (let i = 0; i < rest.length; i += batch) {
    window.oakdash.addEventsToPlayer(byBatch, rest.slice(i, i + batch));
  }
  await new Promise((resolve) => setTimeout(resolve, 0));  // rrweb's addEvent is a microtask away
  const seen = (player) => {
    const context = player.getReplayer().service.state.context;
    return {
      events: context.events.map((e) => [e.timestamp, e.type, e.delay, JSON.stringify(e.data)]),
      actions: context.timer.actions.map((a) => a.delay),
      playing: player.getReplayer().service.state.value,
    };
  };
  return {byEvent: seen(byEvent), byBatch: seen(byBatch), total: events.length};
}"""


def test_batches_reach_the_player_as_its_own_add_event_puts_them(browser):
    recording = load("mdn-bears")  # its chunks overlap in time
    events = [json.loads(line) for chunk in recording.chunk_lines for line in chunk]
    events.sort(key=lambda event: event["timestamp"])  # stable: the stream's order
    # One event arrives late (older than those before it): both must insert it at the same place.
    events.append({**events[len(events) // 2], "timestamp": events[len(events) // 2]["timestamp"]})

    def serve(route) -> None:
        path = route.request.url[len(ORIGIN) :]
        if path in FILES:
            route.fulfill(body=FILES[path].read_bytes(), content_type="text/javascript")
        else:
            route.fulfill(body=PAGE, content_type="text/html")

    page = browser.new_context().new_page()
    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")
    found = page.evaluate(COMPARE, {"events": events, "batch": 97})

    assert found["byBatch"]["playing"] == found["byEvent"]["playing"] == "playing"
    assert len(found["byBatch"]["events"]) == found["total"] == len(events)
    assert found["byBatch"]["events"] == found["byEvent"]["events"]
    assert found["byBatch"]["actions"] == found["byEvent"]["actions"]
    assert len(found["byBatch"]["actions"]) > len(events) // 2  # the timer really ran for them
