"""The replay player in headless Chromium: progressive loading, playback, ?t=, errors, keys, CSP.

Each demo recording is played where it is cheap: todomvc, mdn-bears (its chunks overlap in time)
and rrweb-form (its chunks are listed out of time order).
"""

from __future__ import annotations

import json
import re
import time

import pytest

from oakdash.demo import get_demo_app
from oakdash.demo.projects import ACME_SECRET_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo's recordings, told apart by their chunk count, and an element of each recorded page.
RECORDINGS = {
    "todomvc": (4, "input.new-todo"),
    "mdn-bears": (5, "form.search"),
    "rrweb-form": (3, "textarea"),
}


def _replay(name: str):
    from oakdash.upstream import get_api

    chunks, _ = RECORDINGS[name]
    replays = get_api().for_key(ACME_SECRET_KEY).replays(limit=200).replays
    return next(r for r in replays if r.chunks_count == chunks and r.distinct_id != "../live")


def _open(page, name: str, query: str = ""):
    replay = _replay(name)
    page.goto(f"/replays/{replay.id}/{query}")
    return replay


def _wait_for_recorded_dom(page, name: str) -> None:
    _, selector = RECORDINGS[name]
    page.frame_locator("#replay-player iframe").locator(selector).first.wait_for(state="attached")


def _wait_until(page, predicate: str, timeout_s: float = 10.0) -> None:
    """Poll a JS arrow function (page.wait_for_function evaluates strings: our CSP forbids it)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(predicate):
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        page.wait_for_timeout(50)


def _player(attribute: str) -> str:
    return f"() => document.getElementById('replay-player').dataset.{attribute}"


def _wait_until_loaded(page) -> None:
    page.wait_for_selector("body[data-replay-loaded='1']", state="attached")


def _open_paused(page, name: str) -> None:
    """The recording fully loaded, and paused where playback had got to."""
    _open(page, name)
    _wait_until_loaded(page)
    page.keyboard.press("Space")
    _wait_until(page, _player("playing") + " === 'false'")


def _current_ms(page) -> int:
    return int(page.get_attribute("#replay-player", "data-current-ms"))


def _csp_violations(page) -> list[str]:
    return page.evaluate("window.__violations || []")


def _watch_violations(page) -> None:
    # Our own page's violations (inline script/style, eval, our files): there must be none.
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', function (e) {"
        "  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI); });"
    )


@pytest.mark.parametrize("name", list(RECORDINGS))
def test_the_recorded_page_appears_and_plays(logged_in_page, name):
    page = logged_in_page
    _open(page, name)
    _wait_for_recorded_dom(page, name)
    _wait_until(page, _player("currentMs") + " > 1500")
    assert page.get_attribute("#replay-player", "data-playing") == "true"
    assert page.text_content("#replay-toggle").startswith("Pause")
    # The iframe keeps rrweb's sandbox: same origin for the player, no scripts for the recording.
    assert page.get_attribute("#replay-player iframe", "sandbox") == "allow-same-origin"


def test_the_header_and_the_player_show_the_same_whole_seconds(logged_in_page):
    page = logged_in_page
    replay = _open(page, "rrweb-form")  # 23,875 ms: rounding would say 24, the player says 23
    _wait_until_loaded(page)
    seconds = replay.duration_ms // 1000
    assert page.text_content("[data-replay-duration]").strip() == f"{seconds}s"
    assert page.text_content("#replay-total") == f"0:{seconds:02d}"


@pytest.mark.parametrize("name", list(RECORDINGS))
def test_loading_finishes_with_every_event_and_the_progress_full(logged_in_page, name):
    from oakdash.demo.replays import load

    page = logged_in_page
    _open(page, name)
    _wait_until_loaded(page)
    expected = sum(len(chunk) for chunk in load(name).chunk_lines)
    assert page.get_attribute("#replay-player", "data-events") == str(expected)
    assert page.eval_on_selector("#replay-progress", "p => p.value") == 100
    text = page.text_content("#replay-loading-text")
    assert f"All {expected:,} events loaded" in text and "MB" in text
    assert int(page.get_attribute("#replay-player", "data-loaded-ms")) == load(name).duration_ms


@pytest.mark.parametrize(
    ("accept", "coding"),
    [(None, "zstd"), ("gzip, deflate", "gzip"), ("identity", None)],
    ids=["chromium-as-is", "no-zstd", "no-compression"],
)
def test_the_player_loads_every_event_whatever_the_response_encoding(
    logged_in_page, accept, coding
):
    from oakdash.demo.replays import load

    page = logged_in_page
    if accept is not None:  # what a browser without zstd (or without any coding) would send
        page.set_extra_http_headers({"Accept-Encoding": accept})
    streams: list = []
    page.on("response", lambda r: streams.append(r) if "events.ndjson" in r.url else None)
    _open(page, "mdn-bears")
    _wait_until_loaded(page)
    expected = sum(len(chunk) for chunk in load("mdn-bears").chunk_lines)
    assert page.get_attribute("#replay-player", "data-events") == str(expected)
    assert [r.all_headers().get("content-encoding") for r in streams] == [coding]
    _wait_for_recorded_dom(page, "mdn-bears")


@pytest.mark.parametrize("name", list(RECORDINGS))
def test_t_starts_playback_at_that_time(logged_in_page, name):
    page = logged_in_page
    _open(page, name, "?t=15")
    _wait_for_recorded_dom(page, name)
    _wait_until(page, _player("playing") + " === 'true'")
    assert 15_000 <= _current_ms(page) <= 18_000


def test_t_beyond_the_end_is_clamped_to_the_end(logged_in_page):
    page = logged_in_page
    replay = _open(page, "rrweb-form", "?t=9999")
    _wait_until_loaded(page)
    _wait_until(page, _player("currentMs") + f" >= {replay.duration_ms - 100}")
    assert _current_ms(page) <= replay.duration_ms


def test_a_failing_chunk_shows_the_error_and_a_retry_that_recovers(logged_in_page):
    page = logged_in_page
    get_demo_app().faults.add("/storage/", status=500, times=None)
    _open(page, "todomvc")
    page.wait_for_selector("#replay-error:not([hidden])")
    assert page.is_visible("#replay-retry")
    assert page.text_content("#replay-error-text").strip()
    get_demo_app().faults.clear()
    page.click("#replay-retry")
    _wait_for_recorded_dom(page, "todomvc")
    page.wait_for_selector("#replay-error", state="hidden")


def test_shortcuts_change_speed_pause_and_seek(logged_in_page):
    page = logged_in_page
    _open(page, "mdn-bears")
    _wait_until_loaded(page)
    _wait_until(page, _player("playing") + " === 'true'")
    page.keyboard.press("4")
    assert page.get_attribute("#replay-player", "data-playback-speed") == "4"
    assert page.get_attribute("button[data-speed='4']", "aria-pressed") == "true"
    page.keyboard.press("Space")
    _wait_until(page, _player("playing") + " === 'false'")
    paused_at = _current_ms(page)
    page.wait_for_timeout(300)
    assert _current_ms(page) == paused_at  # paused: time stands still
    page.keyboard.press("ArrowRight")
    assert abs(_current_ms(page) - (paused_at + 5000)) < 100
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert abs(_current_ms(page) - max(0, paused_at - 5000)) < 100
    assert "t=" in page.url  # a paused or seeked view keeps its time in the URL
    page.keyboard.press("Space")
    _wait_until(page, _player("playing") + " === 'true'")


def test_shortcuts_are_ignored_while_typing(logged_in_page):
    page = logged_in_page
    _open(page, "rrweb-form")
    _wait_until_loaded(page)
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=probe>')"
    )
    page.focus("#probe")
    page.keyboard.press("8")
    assert page.get_attribute("#replay-player", "data-playback-speed") == "1"
    assert page.input_value("#probe") == "8"


def test_clicking_a_listed_event_seeks_there(logged_in_page):
    page = logged_in_page
    _open(page, "mdn-bears")
    _wait_until_loaded(page)
    page.keyboard.press("Space")  # pause, so the time we read is the seek target
    _wait_until(page, _player("playing") + " === 'false'")
    page.focus("#replay-timeline")
    page.keyboard.press("End")  # from the end, any event inside the recording is a move back
    inside = page.locator("#replay-event-list li:not(.is-outside) button")
    assert inside.count() >= 1
    event = inside.nth(inside.count() - 1)
    minutes, seconds = event.locator(".replay-event-time").text_content().split(":")
    target = (int(minutes) * 60 + int(seconds)) * 1000
    assert _current_ms(page) - target > 1500
    event.click()
    _wait_until(page, f"() => Math.abs({_player('currentMs')[6:]} - {target}) < 1000")
    assert event.get_attribute("aria-current") == "true"


def test_copy_link_puts_the_current_time_on_the_clipboard(logged_in_page):
    page = logged_in_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    replay = _open(page, "todomvc", "?t=20")
    _wait_until_loaded(page)
    page.keyboard.press("Space")
    _wait_until(page, _player("playing") + " === 'false'")
    seconds = _current_ms(page) // 1000
    page.click("#replay-copy")
    page.wait_for_selector("#replay-copy[data-copied]")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.endswith(f"/replays/{replay.id}/?t={seconds}")


def test_custom_events_are_drawn_on_the_timeline(logged_in_page):
    page = logged_in_page
    _open(page, "todomvc")
    _wait_until_loaded(page)
    titles = page.eval_on_selector_all(".replay-marker", "ms => ms.map(m => m.title)")
    assert titles[:4] == ["todos-added", "todo-edited-and-deleted", "filters-visited", "done"]


def test_nothing_loads_from_outside_and_our_page_has_no_csp_violations(logged_in_page, live_server):
    page = logged_in_page
    answered: list[str] = []
    refused: dict[str, str] = {}
    page.on("response", lambda response: answered.append(response.url))
    page.on("requestfailed", lambda request: refused.update({request.url: request.failure}))
    _watch_violations(page)
    _open(page, "mdn-bears")  # its recorded page links a Google Fonts stylesheet
    _wait_for_recorded_dom(page, "mdn-bears")
    _wait_until_loaded(page)
    page.wait_for_timeout(500)
    assert [url for url in answered if not url.startswith(live_server.url)] == []
    # The recording's own references to other hosts were refused by the policy, not fetched.
    outside = {url: why for url, why in refused.items() if not url.startswith(live_server.url)}
    assert any(url.startswith("https://fonts.googleapis.com/") for url in outside)
    assert set(outside.values()) == {"csp"}, outside
    assert _csp_violations(page) == []
    # The only console errors allowed are those refusals: a blocked load of another host's URL.
    unexpected = [m.text for m in page.console_messages if m.type == "error"]
    unexpected = [text for text in unexpected if not _refused_outside(text, live_server.url)]
    assert unexpected == []


def _refused_outside(text: str, own_origin: str) -> bool:
    if "Content Security Policy" not in text or "blocked" not in text:
        return False
    urls = re.findall(r"'(https?://[^']+)'", text)
    return bool(urls) and not any(url.startswith(own_origin) for url in urls)


def test_a_stream_cut_mid_way_keeps_playing_and_retry_adds_only_the_rest(logged_in_page):
    from oakdash.demo.replays import load

    page = logged_in_page
    total = sum(len(chunk) for chunk in load("todomvc").chunk_lines)
    served: list[int] = []

    def first_ten_seconds_then_an_error(route):
        lines = route.fetch().text().splitlines()
        start = json.loads(lines[0])["timestamp"]
        head = [line for line in lines if json.loads(line)["timestamp"] - start < 10_000]
        served.append(len(head))
        body = "\n".join([*head, '{"error": "chunk 3 could not be downloaded"}']) + "\n"
        route.fulfill(status=200, content_type="application/x-ndjson", body=body)

    page.route("**/events.ndjson", first_ten_seconds_then_an_error)
    _open(page, "todomvc", "?t=8")
    page.wait_for_selector("#replay-error:not([hidden])")
    assert "chunk 3 could not be downloaded" in page.text_content("#replay-error-text")
    assert page.get_attribute("#replay-player", "data-events") == str(served[0])
    # Playback runs into the end of what loaded and waits there, still "playing" for the viewer.
    _wait_until(page, _player("currentMs") + " >= 9000")
    assert page.text_content("#replay-toggle").startswith("Pause")

    page.unroute("**/events.ndjson")
    page.click("#replay-retry")
    _wait_until_loaded(page)
    assert page.get_attribute("#replay-player", "data-events") == str(total)  # none twice
    _wait_until(page, _player("currentMs") + " > 11000")  # resumed past the old end
    assert page.get_attribute("#replay-player", "data-playing") == "true"
    assert page.is_hidden("#replay-error")


def test_a_missing_replay_stream_says_so(logged_in_page):
    page = logged_in_page
    page.route(
        "**/events.ndjson",
        lambda route: route.fulfill(
            status=404, content_type="application/json", body='{"error": "no such replay"}'
        ),
    )
    _open(page, "rrweb-form")
    page.wait_for_selector("#replay-error:not([hidden])")
    assert "no such replay" in page.text_content("#replay-error-text")
    assert "could not be loaded" in page.text_content("#replay-player")


def test_on_a_phone_nothing_overflows_and_the_player_fits(logged_in_page):
    page = logged_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, "todomvc")
    _wait_for_recorded_dom(page, "todomvc")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    box = page.locator("#replay-player .rr-player").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # Turning the phone resizes the player with the page.
    page.set_viewport_size({"width": 844, "height": 390})
    page.wait_for_timeout(200)
    assert page.locator("#replay-player .rr-player").bounding_box()["width"] > box["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 844


def test_hostile_values_in_the_event_list_and_metadata_stay_text(logged_in_page):
    from oakdash.demo.hostile import HOSTILE_LABEL
    from oakdash.upstream import get_api

    page = logged_in_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    replays = get_api().for_key(ACME_SECRET_KEY).replays(limit=200).replays
    replay = next(r for r in replays if r.entry_url and HOSTILE_LABEL in r.entry_url)
    page.goto(f"/replays/{replay.id}/")
    page.wait_for_selector("#replay-event-list button")
    paths = page.locator("#replay-event-list .replay-event-path").all_text_contents()
    assert any(HOSTILE_LABEL in path for path in paths)
    assert HOSTILE_LABEL in page.text_content(".replay-meta")
    assert page.locator("#replay-event-list script, .replay-meta script").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_the_skip_inactivity_toggle_reaches_the_player(logged_in_page):
    page = logged_in_page
    _open(page, "todomvc")
    _wait_for_recorded_dom(page, "todomvc")
    _wait_until(page, _player("skipInactive") + " === 'true'")
    page.uncheck("#replay-skip")
    _wait_until(page, _player("skipInactive") + " === 'false'")
    page.check("#replay-skip")
    _wait_until(page, _player("skipInactive") + " === 'true'")


# The event list as the viewer sees it, read in one go: the player's time, each item's shown
# offset ("m:ss", floored; None outside the recording), which are marked passed, which is current.
READ_LIST = """() => {
  const toMs = (text) => {
    const [m, s] = text.split(':').map(Number);
    return (m * 60 + s) * 1000;
  };
  const items = [...document.querySelectorAll('#replay-event-list li')];
  return {
    at: Number(document.getElementById('replay-player').dataset.currentMs),
    shown: items.map((li) => li.classList.contains('is-outside') ? null :
      toMs(li.querySelector('.replay-event-time').textContent)),
    past: items.map((li) => li.classList.contains('is-past')),
    current: items.findIndex((li) => li.querySelector('[aria-current=true]')),
  };
}"""


def _assert_list_matches_time(seen: dict) -> None:
    current, shown = seen["current"], seen["shown"]
    assert seen["past"] == [i <= current for i in range(len(shown))]
    if current >= 0:
        assert shown[current] <= seen["at"]  # it has happened…
    following = next((t for t in shown[current + 1 :] if t is not None), None)
    if following is not None:
        assert following + 1000 > seen["at"]  # …and the next one has not (offsets are floored)


def test_the_list_highlight_follows_playback(logged_in_page):
    page = logged_in_page
    _open_paused(page, "mdn-bears")
    page.focus("#replay-timeline")
    page.keyboard.press("Home")
    start = page.evaluate(READ_LIST)
    _assert_list_matches_time(start)
    inside = [t for t in start["shown"] if t is not None]
    assert len([t for t in inside if t > 0]) >= 1, "the recording needs an event after its start"
    page.keyboard.press("8")
    page.keyboard.press("Space")  # play at 8×: the highlight moves on without a click
    _wait_until(page, f"() => ({READ_LIST})().current > {start['current']}", timeout_s=20)
    _assert_list_matches_time(page.evaluate(READ_LIST))


def test_a_paused_player_does_no_per_frame_dom_work(logged_in_page):
    page = logged_in_page
    _open_paused(page, "todomvc")
    page.wait_for_timeout(100)  # the pause's own redraw
    changes = page.evaluate(
        """() => new Promise((resolve) => {
          let count = 0;
          const observer = new MutationObserver((records) => { count += records.length; });
          observer.observe(document.querySelector('.replay-layout'),
            {subtree: true, attributes: true, childList: true, characterData: true});
          setTimeout(() => { observer.disconnect(); resolve(count); }, 1000);
        })"""
    )
    assert changes == 0
