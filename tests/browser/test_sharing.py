"""Issue 11 in headless Chromium: a public link played by a stranger, revoked, and the portable
replay file played from disk with no network."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_replay_player import _open, _wait_for_recorded_dom, _wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _create_link(page, start: str) -> str:
    """Share the open replay through its "Share publicly" form, by keyboard; the one-time URL."""
    page.focus("#share-publicly > summary")
    page.keyboard.press("Enter")
    page.wait_for_selector("#id_start", state="visible")
    page.keyboard.press("Escape")  # closes it again, focus back on its summary
    page.wait_for_selector("#id_start", state="hidden")
    page.keyboard.press("Enter")
    page.wait_for_selector("#id_start", state="visible")
    prefilled = int(page.input_value("#id_start"))
    assert prefilled >= 15  # the player's current time when the form opened (?t=15)
    page.fill("#id_start", start)
    page.fill("#id_note", "Watch the form at 0:10")
    page.check("#id_include_events")
    page.click("form.share-form button[type=submit]")
    page.wait_for_selector("[data-share-url]")
    return page.input_value("[data-share-url]")


def test_a_stranger_plays_a_public_link_from_its_start_until_it_is_revoked(
    logged_in_page, open_page
):
    team = logged_in_page
    replay = _open(team, "todomvc", "?t=15")
    _wait_until(team, "() => document.getElementById('replay-player').dataset.playing === 'true'")
    url = _create_link(team, "10")
    secret = url.split("#", 1)[1]

    stranger = open_page(None)  # a fresh context: no cookies, no session
    sent = []
    stranger.on("request", lambda r: sent.append((r.url, r.headers.get("referer", ""))))
    stranger.goto(url)
    _wait_for_recorded_dom(stranger, "todomvc")
    playing = "() => document.getElementById('replay-player').dataset.playing === 'true'"
    _wait_until(stranger, playing)
    at = int(stranger.get_attribute("#replay-player", "data-current-ms"))
    assert 10_000 <= at <= 14_000  # from the link's start time, not from 0
    assert stranger.text_content("#share-note") == "Watch the form at 0:10"
    assert stranger.locator("#replay-event-list li").count() > 0
    text = stranger.text_content("main")
    assert replay.distinct_id not in text and replay.session_id not in text
    assert sent and all(secret not in u and secret not in ref for u, ref in sent)

    team.goto("/shared/")
    row = f"tr[data-link='{url.split('/s/')[1].split('/')[0]}']"
    team.click(f"{row} button:text('Revoke')")
    team.wait_for_selector(f"{row} td[data-status]:text-is('revoked')")

    stranger.reload()
    stranger.wait_for_selector("#share-status[data-share-state='refused']")
    assert stranger.text_content("#share-title") == "This link was revoked"
    assert stranger.is_hidden("#share-replay")


def test_the_portable_file_plays_from_disk_with_the_network_off(logged_in_page, browser, tmp_path):
    team = logged_in_page
    replay = _open(team, "todomvc")
    team.wait_for_selector("[data-replay-download][data-estimated-bytes]", state="attached")
    estimate = int(team.get_attribute("[data-replay-download]", "data-estimated-bytes"))
    assert re.fullmatch(
        r"Download \(about [\d.]+ MB\)", team.text_content("[data-replay-download]")
    )
    with team.expect_download() as download:
        team.click("[data-replay-download]")
    path = tmp_path / "replay.html"
    download.value.save_as(path)
    assert path.stat().st_size <= estimate <= 2 * path.stat().st_size

    context = browser.new_context()
    context.set_offline(True)
    outside = []  # every request that is not the file itself: recorded and refused

    def refuse(route) -> None:
        outside.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!file:)"), refuse)
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="commit")
    page.wait_for_selector("body[data-state='playing']", timeout=20_000)
    page.frame_locator(".rr-player iframe").locator("input.new-todo").first.wait_for(
        state="attached"
    )
    _wait_until(page, "() => window.oakdashPortable.getReplayer().getCurrentTime() > 1500")
    about = page.text_content("#about")
    assert "alice" in about and "Acme Shop" in about and replay.id in about
    assert outside == []
