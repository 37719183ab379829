"""Who may enter: the domain and group allow-lists, admin rights that follow the groups claim,
and a person whose claims no longer qualify losing their session at the next re-check."""

from __future__ import annotations

import pytest

from tests.sso.conftest import expire_recheck, query_of, signed_in_user_id, to_provider

pytestmark = pytest.mark.django_db


def refused_page(answer) -> str:
    assert answer.status_code == 403
    page = answer.content.decode()
    assert "No access to oakdash" in page and 'class="topbar"' in page  # our layout
    return page


def test_an_address_outside_the_allowed_domains_is_refused(client, sso, django_user_model):
    page = refused_page(sso.sign_in(client, "mallory"))
    assert "mallory@elsewhere.example" in page and "only admits addresses at acme.example" in page
    assert signed_in_user_id(client) is None
    assert not django_user_model.objects.filter(email="mallory@elsewhere.example").exists()


def test_a_person_outside_the_allowed_groups_is_refused(client, sso, django_user_model):
    page = refused_page(sso.sign_in(client, "dave"))
    assert "not in a group that may use oakdash" in page
    assert signed_in_user_id(client) is None
    assert not django_user_model.objects.filter(email="dave@acme.example").exists()


def test_admin_rights_follow_the_groups_claim_at_every_sign_in(client, sso, django_user_model):
    sso.sign_in(client, "carol")
    carol = django_user_model.objects.get(email="carol@acme.example")
    assert carol.is_staff and not carol.is_superuser
    assert client.get("/admin/").status_code == 200
    client.logout()

    sso.provider.set_account(
        "carol",
        {"email": "carol@acme.example", "email_verified": True, "groups": ["oakdash-users"]},
    )
    assert sso.sign_in(client, "carol").status_code == 302  # still let in, as a user
    carol.refresh_from_db()
    assert not carol.is_staff
    assert client.get("/admin/").status_code == 302  # the admin site sends her to its login


def test_a_lost_group_ends_the_session_at_the_next_recheck(client, sso, django_user_model):
    sso.sign_in(client, "carol")
    assert client.get("/sessions/").status_code == 302  # signed in (no key yet: to settings)
    assert client.get("/settings/").status_code == 200
    sso.provider.set_account("carol", {"email": "carol@acme.example", "email_verified": True})
    expire_recheck(client)

    recheck = client.get("/settings/")
    assert query_of(to_provider(recheck))["prompt"] == ["none"]  # silent: no page at the provider
    page = refused_page(sso.follow(client, recheck))
    assert "not in a group that may use oakdash" in page
    assert signed_in_user_id(client) is None
    assert client.get("/settings/")["Location"].startswith("/accounts/login/")
    carol = django_user_model.objects.get(email="carol@acme.example")
    assert not carol.is_staff  # and no admin rights left behind


def test_deactivating_an_account_ends_its_company_sessions_at_once(client, sso, user_a):
    client.project = "acme-shop"  # old addresses into alice's project (tests/conftest.py)
    user_a.email = "alice@acme.example"
    user_a.save()
    sso.sign_in(client, "alice")
    assert client.get("/journey/").status_code == 200
    user_a.is_active = False
    user_a.save()
    assert client.get("/journey/")["Location"].startswith("/accounts/login/")
