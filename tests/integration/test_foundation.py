"""The end-to-end path: login → key → upstream → page, and every failure answered with a page."""

from __future__ import annotations

import logging

import pytest
from django.core.cache.backends.dummy import DummyCache

from oakdash.demo import get_demo_app
from oakdash.demo.projects import ACME_SECRET_KEY, GLOBEX_SECRET_KEY

pytestmark = pytest.mark.django_db


def test_healthz_needs_no_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_logged_out_visitor_goes_through_login_and_keeps_the_query(client, user_a):
    response = client.get("/?range=30d&exclude_bots=1")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/%3Frange%3D30d%26exclude_bots%3D1"

    response = client.post(
        "/accounts/login/",
        {
            "username": "alice",
            "password": "correct horse battery staple",
            "next": "/?range=30d&exclude_bots=1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/?range=30d&exclude_bots=1"


def test_the_overview_shows_the_numbers_the_api_returned(client_a):
    from oakdash.dashboard.upstream import get_api

    expected = get_api().for_key(ACME_SECRET_KEY).overview(range="30d")
    response = client_a.get("/?range=30d")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{expected.stats.pageviews:,}" in html
    assert f"{expected.stats.visitors:,}" in html
    assert ACME_SECRET_KEY not in html


def test_a_bad_query_value_gets_a_readable_400_page(client_a):
    response = client_a.get("/?range=1y")
    assert response.status_code == 400
    assert "range must be one of 24h, 7d, 30d, 90d" in response.content.decode()


def test_an_unreachable_api_gets_a_page_with_retry(client_a):
    get_demo_app().faults.add("/api/v1/overview", status=502)
    response = client_a.get("/?range=7d")
    html = response.content.decode()
    assert response.status_code == 503
    assert "OakData did not answer" in html
    assert 'href="/p/acme-shop/?range=7d"' in html and "Try again" in html


def test_a_hanging_api_times_out_into_the_unavailable_page(client_a, settings):
    from oakdash.dashboard.upstream import reset_api

    settings.OAKDATA_READ_TIMEOUT = 0.2
    reset_api()
    try:
        get_demo_app().faults.add("/api/v1/overview", delay=2.0)
        response = client_a.get("/")
    finally:
        reset_api()
    assert response.status_code == 503


def test_junk_from_the_api_is_unavailable_not_a_traceback(client_a):
    get_demo_app().faults.add("/api/v1/overview", status=200, body=b"<html>proxy login</html>")
    response = client_a.get("/")
    assert response.status_code == 503
    assert "Traceback" not in response.content.decode()


def test_a_key_revoked_upstream_says_so_and_links_to_settings(client_a):
    get_demo_app().faults.add("/api/v1/overview", status=401, body=b'{"error": "revoked"}')
    response = client_a.get("/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your key is no longer valid" in html
    assert "/settings/" in html


def test_the_htmx_partial_carries_only_the_content(client_a):
    response = client_a.get("/?range=24h", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-stat="pageviews"' in html


def test_no_response_or_log_line_contains_the_stored_key(client_a, client_b, caplog):
    caplog.set_level(logging.DEBUG)
    get_demo_app().faults.add("/api/v1/overview", status=500, times=1)
    pages = ["/", "/", "/?range=bad", "/settings/", "/healthz"]
    bodies = [client_a.get(url).content for url in pages] + [client_b.get("/").content]
    for body in bodies:
        assert ACME_SECRET_KEY.encode() not in body
        assert GLOBEX_SECRET_KEY.encode() not in body
    assert ACME_SECRET_KEY not in caplog.text
    assert GLOBEX_SECRET_KEY not in caplog.text


def test_an_htmx_request_after_the_session_ended_reloads_the_page_through_login(client, user_a):
    response = client.get(
        "/live/widget/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/sessions/?range=24h&limit=25",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == (
        "/accounts/login/?next=/sessions/%3Frange%3D24h%26limit%3D25"
    )


def test_a_unicode_digit_in_a_query_value_is_a_400_not_a_crash(client_a):
    response = client_a.get("/events/?offset=%C2%B2")  # "²": isdigit() but not a number
    assert response.status_code == 400


def test_error_pages_and_redirects_are_private_and_vary_on_htmx(client_a, client_nokey):
    for response in (
        client_a.get("/?range=1y"),
        client_a.get("/sessions/no-such-session/"),
        client_nokey.get("/events/"),
    ):
        assert response["Cache-Control"] == "private, no-store"
        assert "HX-Request" in response["Vary"]


def test_head_requests_are_answered_for_probes(client, client_a):
    assert client.head("/healthz").status_code == 200
    assert client_a.head("/?range=24h").status_code == 200


def test_healthz_touches_neither_the_database_nor_the_cache(client, django_assert_num_queries):
    from django.test import override_settings

    dead = {"default": {"BACKEND": "tests.integration.test_foundation.ExplodingCache"}}
    with override_settings(CACHES=dead), django_assert_num_queries(0):
        assert client.get("/healthz").status_code == 200


def test_readyz_needs_no_login_and_says_both_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


class ExplodingCache(DummyCache):
    """A cache backend that fails the test the moment anything reads or writes it."""

    def _used(self, *args, **kwargs):
        raise AssertionError("the cache was used")

    get = set = add = delete = get_many = set_many = has_key = touch = incr = clear = _used
