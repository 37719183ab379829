"""Login throttling (django-axes) against the dashboard under gunicorn, over real HTTP.

Failures count per username and per client address; the lock lives in the database. Source
addresses other than 127.0.0.1 come from binding the client to another loopback address.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.processes import User, dashboard_env, dashboard_process, manage

LIMIT = 3  # OAKDASH_LOGIN_FAILURE_LIMIT for this module's dashboard (the default is 10)
USERS = [User(name, staff=(name == "root")) for name in ("dave", "erin", "fay", "root")]


@pytest.fixture(scope="module")
def dash(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("throttle")
    env = dashboard_env(tmp, "demo", OAKDASH_LOGIN_FAILURE_LIMIT=str(LIMIT))
    with dashboard_process(tmp, "demo", USERS, env=env) as process:
        yield process


def attempt(
    dash, username: str, password: str, *, source: str = "127.0.0.1", path: str = "/accounts/login/"
) -> httpx.Response:
    """One login through the real form from `source`; the answer to the POST."""
    transport = httpx.HTTPTransport(local_address=source)
    with dash.client(transport=transport) as client:
        form = client.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        return client.post(
            path,
            data={"csrfmiddlewaretoken": token, "username": username, "password": password},
        )


def right(dash, username: str) -> str:
    return dash.users[username].password


def assert_locked_out(answer: httpx.Response) -> None:
    assert answer.status_code == 429
    assert "Too many failed attempts" in answer.text
    assert "try again in 15 minutes" in answer.text
    assert answer.headers["Retry-After"] == "900"
    assert 'class="topbar"' in answer.text  # our page, in our base template
    assert "sessionid" not in answer.cookies


def test_wrong_passwords_lock_the_username_even_for_the_right_password(dash):
    for _ in range(LIMIT - 1):
        assert attempt(dash, "dave", "wrong").status_code == 200  # the form again, with an error
    assert_locked_out(attempt(dash, "dave", "wrong"))
    assert_locked_out(attempt(dash, "dave", right(dash, "dave")))
    # From another address the username stays locked: counted per username too.
    assert_locked_out(attempt(dash, "dave", right(dash, "dave"), source="127.0.0.3"))
    log = dash.log_text()
    assert 'AXES: Locking out {username: "dave", ip_address: "127.0.0.1"' in log
    assert right(dash, "dave") not in log


def test_other_users_from_other_addresses_are_unaffected_but_the_address_is_locked(dash):
    for _ in range(LIMIT):
        attempt(dash, "nobody-" + "x" * 3, "guess", source="127.0.0.5")
    assert attempt(dash, "erin", right(dash, "erin"), source="127.0.0.6").status_code == 302
    # The address that guessed is refused for every username (counted per address).
    assert_locked_out(attempt(dash, "fay", right(dash, "fay"), source="127.0.0.5"))


def test_an_administrator_can_lift_a_lock_with_manage_py(dash):
    for _ in range(LIMIT):
        attempt(dash, "fay", "wrong", source="127.0.0.7")
    assert_locked_out(attempt(dash, "fay", right(dash, "fay"), source="127.0.0.8"))
    manage(dash.env, "axes_reset_username", "fay")  # the same database as the server's
    assert attempt(dash, "fay", right(dash, "fay"), source="127.0.0.7").status_code == 302


def test_the_admin_login_is_throttled_too(dash):
    for _ in range(LIMIT):
        attempt(dash, "root", "wrong", source="127.0.0.9", path="/admin/login/")
    assert_locked_out(
        attempt(dash, "root", right(dash, "root"), source="127.0.0.9", path="/admin/login/")
    )


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(rf, settings):
    from oakdash.accounts.lockout import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.2")
    settings.BEHIND_PROXY = True
    assert client_ip(request) == "203.0.113.7"  # the first entry is whatever the client claimed
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.2"
