"""The player when the server refuses a stream: too many at once (429), then Retry."""

from __future__ import annotations

import pytest

from oakdash.demo.projects import ACME_SECRET_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_over_the_stream_cap_the_player_says_so_and_retry_recovers(logged_in_page, user_a):
    from oakdash.dashboard.chunk_storage import get_stream_slots
    from oakdash.upstream import get_api

    page = logged_in_page
    replay = next(
        r
        for r in get_api().for_key(ACME_SECRET_KEY).replays(limit=50).replays
        if r.chunks_count == 4  # todomvc
    )
    slots = get_stream_slots()
    held = [slots.acquire(str(user_a.pk)) for _ in range(slots.per_user)]  # other tabs
    refused = []
    page.on(
        "response",
        lambda r: refused.append(r.status) if r.url.endswith("events.ndjson") else None,
    )
    page.goto(f"/replays/{replay.id}/")
    page.wait_for_selector("#replay-error:not([hidden])")
    assert refused == [429]
    text = page.text_content("#replay-error-text")
    assert f"You already have {slots.per_user} replays loading" in text
    assert page.is_visible("#replay-retry")

    for slot in held:  # the other tabs close
        slots.release(slot)
    page.click("#replay-retry")
    page.frame_locator("#replay-player iframe").locator("input.new-todo").first.wait_for(
        state="attached"
    )
    page.wait_for_selector("#replay-error", state="hidden")
    page.wait_for_selector("body[data-replay-loaded='1']", state="attached")
    assert refused == [429, 200]
    for _ in range(50):  # the finished stream gives its slot back as the server closes it
        if slots.in_use(str(user_a.pk)) == 0:
            break
        page.wait_for_timeout(100)
    assert slots.in_use(str(user_a.pk)) == 0
