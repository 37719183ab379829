"""The break-glass path: a one-time, short-lived sign-in link for a superuser, from the server."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from oakdash.sso import breakglass
from tests.sso.conftest import signed_in_user_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("root", password="unused-here-0123")


def issue(username: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "breakglass", username, "--base-url", "https://oakdash.example", stdout=out, stderr=err
    )
    assert "valid 10 minutes" in err.getvalue()
    url = out.getvalue().strip()
    assert url.startswith("https://oakdash.example/accounts/break-glass/")
    return url.removeprefix("https://oakdash.example")


def test_the_link_signs_a_superuser_in_once_even_with_passwords_off(
    client, sso, settings, admin_user, caplog
):
    settings.OAKDASH_PASSWORD_LOGIN = False
    with caplog.at_level(logging.WARNING, logger="oakdash.sso.breakglass"):
        link = issue("root")
        shown = client.get(link)
        assert shown.status_code == 200 and signed_in_user_id(client) is None  # GET changes nothing
        assert "Sign in as root" in shown.content.decode()
        used = client.post(link)
    assert used["Location"] == "/admin/"
    assert signed_in_user_id(client) == str(admin_user.pk)
    assert client.get("/admin/").status_code == 200  # not ended as a password session
    assert client.session.get_expiry_age() == breakglass.SESSION_SECONDS
    assert "break-glass link issued for root" in caplog.text
    assert "break-glass sign-in as root" in caplog.text

    client.logout()
    assert client.post(link).status_code == 403  # spent by its first use
    assert signed_in_user_id(client) is None


def test_an_expired_link_is_refused(client, admin_user, monkeypatch):
    link = issue("root")
    later = breakglass.tokens._now() + timedelta(seconds=breakglass.LINK_SECONDS + 5)
    monkeypatch.setattr(breakglass.tokens, "_now", lambda: later)
    assert client.post(link).status_code == 403
    assert signed_in_user_id(client) is None


def test_only_active_superusers_get_a_link(user_a):
    with pytest.raises(CommandError, match="not an active superuser"):
        issue("alice")
    with pytest.raises(CommandError, match="not an active superuser"):
        issue("nobody")


def test_a_tampered_link_is_refused(client, admin_user):
    link = issue("root")
    assert client.get(link[:-3] + "abc/").status_code == 403
