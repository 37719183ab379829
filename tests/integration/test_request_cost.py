"""What every request costs: the signed-in user comes from the cache, and Server-Timing says where
a page's time went (bench/load.py, bench/fixed_cost.py)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def _user_queries(client: Client, path: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    return status, [q["sql"] for q in queries if "auth_user" in q["sql"]]


def test_a_signed_in_page_reads_the_user_from_the_cache_after_the_first_request(client_a):
    assert _user_queries(client_a, "/settings/")[0] == 200
    status, reads = _user_queries(client_a, "/settings/")
    assert status == 200
    assert reads == []


def test_deactivating_a_user_signs_them_out_at_their_next_request(client_a, user_a):
    assert client_a.get("/settings/").status_code == 200  # now cached
    user_a.is_active = False
    user_a.save()
    assert client_a.get("/settings/")["Location"].startswith("/accounts/login/")


def test_a_password_change_ends_the_users_other_sessions(client_a, user_a):
    other = Client()
    other.force_login(user_a)
    assert other.get("/settings/").status_code == 200  # now cached
    user_a.set_password("a new passphrase for alice")
    user_a.save()
    assert other.get("/settings/")["Location"].startswith("/accounts/login/")


def test_without_the_setting_responses_carry_no_server_timing(client_a):
    assert "Server-Timing" not in client_a.get("/sessions/").headers


def test_server_timing_splits_a_page_into_its_own_and_its_upstream_time(client_a, settings):
    settings.OAKDASH_SERVER_TIMING = True
    response = client_a.get("/sessions/")
    assert response.status_code == 200
    timing = dict(re.findall(r"(\w+);dur=([\d.]+)", response["Server-Timing"]))
    assert set(timing) == {"app", "upstream", "cpu"}
    assert 0 < float(timing["upstream"]) <= float(timing["app"])
    assert 'desc="1 call"' in response["Server-Timing"]


@pytest.mark.parametrize("path", ["/healthz", "/accounts/login/"])
def test_server_timing_needs_no_login_and_counts_no_upstream_call(client, settings, path):
    settings.OAKDASH_SERVER_TIMING = True
    header = client.get(path)["Server-Timing"]
    assert 'upstream;dur=0.0;desc="0 calls"' in header


def test_the_redis_cache_builds_one_client_per_pool_and_still_works(redis):
    from django.utils.module_loading import import_string

    from oakdash.settings import cache_from_url

    config = cache_from_url(redis.fresh_url())
    cache = import_string(config["BACKEND"])(config["LOCATION"], config)
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("oakdash:test:k", {"a": 1}, 30)
    assert cache.get("oakdash:test:k") == {"a": 1}
    assert cache.add("oakdash:test:k", 2, 30) is False


def test_the_viewers_keys_come_from_the_cache_and_a_change_is_seen_at_the_next_request(
    client_a, user_a
):
    from oakdash.accounts import keystore, projects
    from oakdash.accounts.models import Project

    assert "Acme Shop" in client_a.get("/live/").content.decode()
    with CaptureQueriesContext(connection) as queries:
        assert client_a.get("/live/").status_code == 200
    assert [q["sql"] for q in queries if "accounts_projectkey" in q["sql"]] == []

    project = Project.objects.get(slug="acme-shop")
    projects.rename(project, "Acme Storefront")
    assert "Acme Storefront" in client_a.get("/live/").content.decode()

    keystore.remove_key(user_a, project)
    response = client_a.get("/live/")
    assert response.status_code == 403
    assert "You have no key for Acme Storefront" in response.content.decode()
