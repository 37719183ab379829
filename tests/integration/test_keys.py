"""The key store: encrypted at rest, masked in HTML, rotatable, public keys refused, setkey."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from oakdash.accounts import crypto, keystore
from oakdash.accounts.models import ProjectKey
from oakdash.demo.projects import ACME_PUBLIC_KEY, ACME_SECRET_KEY, GLOBEX_SECRET_KEY

pytestmark = pytest.mark.django_db


def _raw_ciphertext(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ciphertext, mask, fingerprint FROM accounts_projectkey WHERE user_id = %s",
            [user.pk],
        )
        return " ".join(cursor.fetchone())


def test_the_key_is_encrypted_in_the_database(user_a):
    stored = _raw_ciphertext(user_a)
    assert ACME_SECRET_KEY not in stored
    assert ACME_SECRET_KEY[8:] not in stored
    assert ProjectKey.objects.get(user=user_a).reveal() == ACME_SECRET_KEY


def test_settings_page_shows_only_the_mask(client_a):
    response = client_a.get("/settings/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "oak_sec_…a1b2" in html
    assert ACME_SECRET_KEY not in html


def test_rotation_keeps_old_keys_readable_and_rotate_keys_moves_them(settings, user_a):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.OAKDASH_ENCRYPTION_KEYS = [old]
    keystore.store_key(user_a, ACME_SECRET_KEY, verified=True)
    token_under_old = ProjectKey.objects.get(user=user_a).ciphertext

    settings.OAKDASH_ENCRYPTION_KEYS = [new, old]
    assert ProjectKey.objects.get(user=user_a).reveal() == ACME_SECRET_KEY
    call_command("rotate_keys", stdout=io.StringIO())
    rotated = ProjectKey.objects.get(user=user_a)
    assert rotated.ciphertext != token_under_old

    settings.OAKDASH_ENCRYPTION_KEYS = [new]
    assert rotated.reveal() == ACME_SECRET_KEY


def test_a_token_no_configured_key_can_read_raises_instead_of_returning_ciphertext(
    settings, user_a
):
    settings.OAKDASH_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.UndecryptableKey):
        ProjectKey.objects.get(user=user_a).reveal()


def test_a_dashboard_page_with_an_undecryptable_key_sends_the_user_to_settings(settings, client_a):
    settings.OAKDASH_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    response = client_a.get("/?range=30d")
    assert response.status_code == 302
    assert response["Location"] == (
        "/settings/?next=%2Fp%2Facme-shop%2F%3Frange%3D30d&reason=undecryptable&project=acme-shop"
    )


def test_saving_a_valid_key_verifies_it_and_returns_to_next(client_nokey, user_nokey):
    response = client_nokey.post(
        "/settings/", {"action": "save", "api_key": f"  {GLOBEX_SECRET_KEY} ", "next": "/events/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/events/"
    assert ProjectKey.objects.get(user=user_nokey).reveal() == GLOBEX_SECRET_KEY


def test_a_public_key_is_refused_with_an_explanation(client_nokey, user_nokey):
    response = client_nokey.post("/settings/", {"action": "save", "api_key": ACME_PUBLIC_KEY})
    html = response.content.decode()
    assert response.status_code == 400
    assert "public key" in html and "secret key" in html
    assert ACME_PUBLIC_KEY not in html
    assert not ProjectKey.objects.filter(user=user_nokey).exists()


def test_an_invalid_key_is_refused_as_not_valid(client_nokey, user_nokey):
    response = client_nokey.post(
        "/settings/", {"action": "save", "api_key": "oak_sec_thisisnotarealkey000000"}
    )
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not ProjectKey.objects.filter(user=user_nokey).exists()


def test_an_unreachable_api_keeps_the_typed_key_and_offers_to_save_anyway(client_nokey, user_nokey):
    from oakdash.demo import get_demo_app

    get_demo_app().faults.add("/api/v1/live", status=503)
    response = client_nokey.post("/settings/", {"action": "save", "api_key": ACME_SECRET_KEY})
    html = response.content.decode()
    assert response.status_code == 200
    assert "could not be reached" in html
    assert "oak_sec_…a1b2" in html and "Save anyway" in html
    assert ACME_SECRET_KEY not in html
    assert not ProjectKey.objects.filter(user=user_nokey).exists()

    response = client_nokey.post("/settings/", {"action": "save_unverified"})
    assert response.status_code == 302
    record = ProjectKey.objects.get(user=user_nokey)
    assert record.reveal() == ACME_SECRET_KEY
    assert record.verified_at is None


def test_removing_the_key_sends_dashboard_pages_to_settings(client_a, user_a):
    client_a.post("/settings/", {"action": "remove"})  # the form before projects: no slug
    assert not ProjectKey.objects.filter(user=user_a).exists()
    assert client_a.get("/sessions/?range=24h").status_code == 403  # the project's: no access
    client_a.project = None  # the address without a project: no project left to open
    response = client_a.get("/sessions/?range=24h")
    assert response.status_code == 302
    assert response["Location"] == "/settings/?next=%2Fsessions%2F%3Frange%3D24h&reason=nokey"


def test_setkey_reads_the_key_from_stdin(monkeypatch, user_nokey):
    monkeypatch.setattr("sys.stdin", io.StringIO(ACME_SECRET_KEY + "\n"))
    out = io.StringIO()
    call_command("setkey", "nora", stdout=out)
    assert ProjectKey.objects.get(user=user_nokey).reveal() == ACME_SECRET_KEY
    assert "oak_sec_…a1b2" in out.getvalue()
    assert ACME_SECRET_KEY not in out.getvalue()


@pytest.mark.parametrize(
    ("key", "message"),
    [(ACME_PUBLIC_KEY, "public key"), ("oak_sec_thisisnotarealkey000000", "not valid")],
)
def test_setkey_fails_clearly_for_public_and_invalid_keys(monkeypatch, user_nokey, key, message):
    monkeypatch.setattr("sys.stdin", io.StringIO(key + "\n"))
    with pytest.raises(CommandError, match=message):
        call_command("setkey", "nora", stdout=io.StringIO())
    assert not ProjectKey.objects.filter(user=user_nokey).exists()


def test_setkey_no_verify_stores_without_asking_the_api(monkeypatch, user_nokey):
    from oakdash.demo import get_demo_app

    get_demo_app().faults.add("/api/v1/", status=500)
    monkeypatch.setattr("sys.stdin", io.StringIO(ACME_SECRET_KEY + "\n"))
    call_command("setkey", "nora", "--no-verify", stdout=io.StringIO())
    assert ProjectKey.objects.get(user=user_nokey).verified_at is None


def test_setkey_as_a_process_exits_non_zero_on_a_public_key(tmp_path):
    import os
    import subprocess
    import sys

    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "oakdash.settings",
        "DJANGO_SECRET_KEY": "s9!Qz" * 10,
        "DJANGO_SECURE": "0",
        "OAKDATA_API_URL": "demo",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    def manage(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            input=stdin,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert manage("migrate", "-v0").returncode == 0
    assert (
        manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User; User.objects.create_user('zoe')",
        ).returncode
        == 0
    )
    refused = manage("setkey", "zoe", stdin=ACME_PUBLIC_KEY + "\n")
    assert refused.returncode == 1
    assert "public key" in refused.stderr
    accepted = manage("setkey", "zoe", stdin=ACME_SECRET_KEY + "\n")
    assert accepted.returncode == 0, accepted.stderr
    assert "oak_sec_…a1b2 verified and stored for zoe in zoe's project" in accepted.stdout
    assert ACME_SECRET_KEY not in accepted.stdout + accepted.stderr


def test_the_documented_way_to_change_the_secret_key_keeps_stored_keys(settings, user_a):
    settings.OAKDASH_ENCRYPTION_KEYS = []
    keystore.store_key(user_a, ACME_SECRET_KEY, verified=True)  # under the derived key
    new = Fernet.generate_key().decode()
    settings.OAKDASH_ENCRYPTION_KEYS = [new, crypto.derived_key(settings.SECRET_KEY).decode()]
    call_command("rotate_keys", stdout=io.StringIO())
    settings.OAKDASH_ENCRYPTION_KEYS = [new]
    settings.SECRET_KEY = "a-completely-different-secret-key-" + "x" * 30
    assert ProjectKey.objects.get(user=user_a).reveal() == ACME_SECRET_KEY


def test_the_admin_lists_projects_and_members_and_shows_keys_only_masked(
    client, user_a, user_b, django_user_model
):
    keystore.store_key(user_b, ACME_SECRET_KEY, verified=False)  # bob joins Acme Shop too
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-12345678")
    client.force_login(admin)
    users = client.get("/admin/auth/user/")
    assert users.status_code == 200
    assert "alice" in users.content.decode()
    acme = ProjectKey.objects.get(user=user_a).project
    pages = {
        url: client.get(url)
        for url in [
            "/admin/accounts/project/",
            f"/admin/accounts/project/{acme.pk}/change/",
            "/admin/accounts/projectkey/",
            *(f"/admin/accounts/projectkey/{r.pk}/change/" for r in ProjectKey.objects.all()),
        ]
    }
    assert {page.status_code for page in pages.values()} == {200}
    listed = pages["/admin/accounts/project/"].content.decode()
    assert "Acme Shop" in listed and "Globex Docs" in listed
    members = pages[f"/admin/accounts/project/{acme.pk}/change/"].content.decode()
    assert "alice" in members and "bob" in members and "oak_sec_…a1b2" in members
    for page in pages.values():
        html = page.content.decode()
        assert ACME_SECRET_KEY not in html and GLOBEX_SECRET_KEY not in html
        for record in ProjectKey.objects.all():
            assert record.ciphertext not in html and record.fingerprint not in html


def test_save_anyway_after_the_encryption_keys_changed_asks_for_the_key_again(
    settings, client_nokey, user_nokey
):
    from oakdash.demo import get_demo_app

    get_demo_app().faults.add("/api/v1/live", status=503)
    client_nokey.post("/settings/", {"action": "save", "api_key": ACME_SECRET_KEY})
    settings.OAKDASH_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    response = client_nokey.post("/settings/", {"action": "save_unverified"}, follow=True)
    assert response.status_code == 200
    assert "enter it again" in response.content.decode()
    assert not ProjectKey.objects.filter(user=user_nokey).exists()
