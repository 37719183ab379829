"""Authentication, validation and routing errors: status codes and `{"error": ...}` bodies."""

from __future__ import annotations

import httpx
import pytest

from oakdash.demo.projects import (
    ACME_PUBLIC_KEY,
    ACME_SECRET_KEY,
    GLOBEX_PUBLIC_KEY,
    GLOBEX_SECRET_KEY,
)

from .schema import ERROR, check

ENDPOINTS = [
    "/overview",
    "/sessions",
    "/sessions/s_000000000000",
    "/visitors/someone",
    "/journey",
    "/live",
    "/events",
    "/replays",
    "/replays/rec_0000000000000000",
]


def assert_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, (
        response.request.url,
        response.status_code,
        response.text,
    )
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    check(body, ERROR)
    assert body["error"].strip()


@pytest.mark.parametrize("path", ENDPOINTS)
def test_missing_key_is_401(demo, path):
    with demo.client() as anonymous:
        assert_error(anonymous.get(path), 401)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_unknown_key_is_401(demo, path, header):
    with demo.client("oak_sec_nottherightkey00000000000", header=header) as client:
        assert_error(client.get(path), 401)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    "key", [ACME_PUBLIC_KEY, GLOBEX_PUBLIC_KEY, "oak_pub_unknown0000000000000000"]
)
@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_public_key_is_403(demo, path, key, header):
    with demo.client(key, header=header) as client:
        assert_error(client.get(path), 403)


@pytest.mark.parametrize(
    "authorization",
    ["Basic " + ACME_SECRET_KEY, ACME_SECRET_KEY, "Bearer", "Token " + ACME_SECRET_KEY],
)
def test_malformed_authorization_is_401(demo, http, authorization):
    response = http.get(demo.api + "/overview", headers={"Authorization": authorization})
    assert_error(response, 401)


def test_bearer_scheme_is_case_insensitive(demo, http):
    response = http.get(demo.api + "/live", headers={"Authorization": "bearer " + ACME_SECRET_KEY})
    assert response.status_code == 200


@pytest.mark.parametrize("key", [ACME_SECRET_KEY, GLOBEX_SECRET_KEY])
def test_x_api_key_fallback(demo, key):
    with demo.client(key, header="x-api-key") as by_header, demo.client(key) as by_bearer:
        assert by_header.get("/overview").json() == by_bearer.get("/overview").json()


def test_empty_x_api_key_is_401(demo, http):
    assert_error(http.get(demo.api + "/live", headers={"x-api-key": ""}), 401)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/api/v1/nope",
        "/api/v1/overview/",
        "/api/v1/sessions/",
        "/api/v1/visitors/",
        "/api/v1/visitors",
        "/api/v1/replays/",
        "/api/v2/overview",
        "/api/overview",
        "/",
        "/storage",
    ],
)
def test_unknown_paths_are_404(acme, demo, http, path):
    assert_error(http.get(demo.url + path, headers=acme.headers), 404)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_non_get_is_405(acme, path, method):
    response = acme.request(method, path, content=b"{}")
    assert_error(response, 405)
    assert response.headers.get("allow") == "GET"


# --- 400: every parameter's bad values, on every endpoint that takes it ---------------------

BAD_RANGES = ["1d", "7D", "", "7", "24H", "365d", "7d ", "all"]
BAD_NUMBERS = ["abc", "1.5", "1e2", "", " 5", "0x10", "٣", "five"]


@pytest.mark.parametrize("path", ["/overview", "/sessions", "/journey"])
@pytest.mark.parametrize("value", BAD_RANGES)
def test_bad_range_is_400(acme, path, value):
    assert_error(acme.get(path, params={"range": value}), 400)


@pytest.mark.parametrize(
    ("path", "name", "low", "high"),
    [
        ("/sessions", "limit", 1, 200),
        ("/replays", "limit", 1, 200),
        ("/events", "limit", 1, 500),
        ("/events", "offset", 0, 1_000_000),
    ],
)
def test_number_bounds(acme, path, name, low, high):
    for ok in (low, high):
        response = acme.get(path, params={name: str(ok)})
        assert response.status_code == 200, (name, ok, response.text)
    for bad in (low - 1, high + 1, -5, 10**12):
        assert_error(acme.get(path, params={name: str(bad)}), 400)
    for bad in BAD_NUMBERS:
        assert_error(acme.get(path, params={name: bad}), 400)


@pytest.mark.parametrize("value", ["yes", "no", "2", "", "TRUEE", "-1", "on"])
def test_bad_exclude_bots_is_400(acme, value):
    assert_error(acme.get("/overview", params={"exclude_bots": value}), 400)


@pytest.mark.parametrize("value", ["true", "false", "1", "0", "True", "FALSE"])
def test_exclude_bots_accepts_booleans(acme, value):
    assert acme.get("/overview", params={"exclude_bots": value}).status_code == 200


def test_auth_is_checked_before_parameters(demo):
    with demo.client() as anonymous:
        assert_error(anonymous.get("/overview", params={"range": "bad"}), 401)
    with demo.client(ACME_PUBLIC_KEY) as public:
        assert_error(public.get("/sessions", params={"limit": "0"}), 403)


@pytest.mark.parametrize(
    "path",
    [
        "/sessions/s_doesnotexist",
        "/sessions/..",
        "/visitors/nobody-at-all",
        "/visitors/a%2Fb%2Fc",
        "/replays/rec_doesnotexist",
        "/replays/s_000000000000",
    ],
)
def test_unknown_ids_are_404(acme, path):
    assert_error(acme.get(path), 404)


def test_a_session_id_is_not_a_replay_id(acme):
    replay = acme.get("/replays", params={"limit": 1}).json()["replays"][0]
    assert_error(acme.get(f"/replays/{replay['session_id']}"), 404)
