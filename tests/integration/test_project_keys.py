"""Issue 9: a person's projects in settings (add, rename, replace, remove), the anchor proof a key
claimed for an existing project must pass, setkey --project, and the upgrade from one key per
person."""

from __future__ import annotations

import io
import re

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from oakdash.accounts import crypto, keystore
from oakdash.accounts.models import Project, ProjectKey
from oakdash.demo import get_demo_app
from oakdash.demo.projects import ACME_SECOND_SECRET_KEY, ACME_SECRET_KEY, GLOBEX_SECRET_KEY
from oakdash.upstream import get_api
from tests.urls import ACME

pytestmark = pytest.mark.django_db


def _warm(key: str) -> None:
    """Ask for 90 days once first: on a loaded machine the first such call was seen to miss the
    read timeout, and a failed anchor refresh is (by design) silent: the previous anchor stays."""
    get_api().for_key(key).sessions(range="90d", limit=1)


@pytest.fixture
def acme(user_a) -> Project:
    """Acme Shop with its anchor: alice's key was verified (as saving it in settings does)."""
    _warm(ACME_SECRET_KEY)
    project = Project.objects.get(slug=ACME)
    keystore.refresh_anchor(get_api(), project, ACME_SECRET_KEY)
    project.refresh_from_db()
    assert project.anchor_session
    return project


def _keys(user) -> dict[str, str]:
    return {k.project.slug: k.reveal() for k in keystore.memberships(user)}


def _html(response) -> str:
    return response.content.decode()


def test_a_new_key_starts_a_project_with_the_name_given(client_nokey, user_nokey):
    _warm(GLOBEX_SECRET_KEY)
    response = client_nokey.post(
        "/settings/", {"action": "save", "api_key": GLOBEX_SECRET_KEY, "name": "Globex Docs"}
    )
    assert response.status_code == 302
    project = ProjectKey.objects.get(user=user_nokey).project
    assert (project.name, project.slug) == ("Globex Docs", "globex-docs")
    assert project.anchor_session  # verified: the anchor is set for later proofs
    other = keystore.store_key(user_nokey, ACME_SECRET_KEY, verified=True, name="Globex Docs")
    assert other.project.slug == "globex-docs-2"  # same name, next free slug


def test_a_teammates_key_joins_their_project_whatever_was_claimed(client_nokey, user_nokey, acme):
    response = client_nokey.post(
        "/settings/", {"action": "save", "api_key": ACME_SECRET_KEY, "name": "Mine"}
    )
    assert response.status_code == 302
    assert _keys(user_nokey) == {ACME: ACME_SECRET_KEY}
    page = _html(client_nokey.get("/settings/"))
    assert "1 other person has access" in page and "alice" not in page


def test_carol_opens_a_link_stores_the_key_and_lands_on_that_view(client_nokey, acme):
    url = f"/p/{ACME}/sessions/?range=7d&country=DE"
    refused = _html(client_nokey.get(url))
    link = re.search(r'href="(/settings/\?[^"]+)"[^>]*>Store a key for Acme Shop', refused)[1]
    form = _html(client_nokey.get(link.replace("&amp;", "&")))
    assert "Store a key for Acme Shop" in form
    assert re.search(rf'<option value="{ACME}" selected>', form)
    stored = client_nokey.post(
        "/settings/",
        {"action": "save", "api_key": ACME_SECOND_SECRET_KEY, "project": ACME, "next": url},
    )
    assert stored.status_code == 302 and stored["Location"] == url
    assert client_nokey.get(url).status_code == 200


def test_a_key_of_another_project_cannot_claim_one(client_nokey, user_nokey, acme, upstream_calls):
    response = client_nokey.post(
        "/settings/", {"action": "save", "api_key": GLOBEX_SECRET_KEY, "project": ACME}
    )
    assert response.status_code == 400
    assert "cannot read Acme Shop" in _html(response)
    assert GLOBEX_SECRET_KEY not in _html(response)
    assert not ProjectKey.objects.filter(user=user_nokey).exists()
    assert f"/sessions/{acme.anchor_session}" in upstream_calls  # asked with the claimed key


def test_a_claim_on_a_project_without_an_anchor_is_refused_with_the_reason(
    client_nokey, user_nokey, user_a, user_b
):
    keystore.store_key(user_b, ACME_SECRET_KEY, verified=True)  # two members, never anchored
    response = client_nokey.post(
        "/settings/", {"action": "save", "api_key": ACME_SECOND_SECRET_KEY, "project": ACME}
    )
    assert response.status_code == 400
    assert "cannot check that this key belongs to Acme Shop" in _html(response)
    assert "an admin can attach" in _html(response)
    assert not ProjectKey.objects.filter(user=user_nokey).exists()


def test_replacing_my_key_passes_the_same_proof(client_a, user_a, acme):
    refused = client_a.post(
        "/settings/",
        {"action": "save", "origin": ACME, "api_key": GLOBEX_SECRET_KEY, "project": ACME},
    )
    assert refused.status_code == 400 and "cannot read Acme Shop" in _html(refused)
    assert _keys(user_a) == {ACME: ACME_SECRET_KEY}
    accepted = client_a.post(
        "/settings/",
        {"action": "save", "origin": ACME, "api_key": ACME_SECOND_SECRET_KEY, "project": ACME},
    )
    assert accepted.status_code == 302
    assert _keys(user_a) == {ACME: ACME_SECOND_SECRET_KEY}
    assert "oak_sec_…e5f6" in _html(client_a.get("/settings/"))


def test_an_unreachable_api_keeps_a_claimed_key_to_check_again(client_nokey, user_nokey, acme):
    fault = get_demo_app().faults.add("/api/v1/sessions/", status=503)
    waiting = client_nokey.post(
        "/settings/", {"action": "save", "api_key": ACME_SECOND_SECRET_KEY, "project": ACME}
    )
    html = _html(waiting)
    assert "could not be reached" in html and "Check again" in html
    assert ACME_SECOND_SECRET_KEY not in html
    assert not ProjectKey.objects.filter(user=user_nokey).exists()
    get_demo_app().faults.remove(fault)
    checked = client_nokey.post("/settings/", {"action": "check_again"})
    assert checked.status_code == 302
    assert _keys(user_nokey) == {ACME: ACME_SECOND_SECRET_KEY}


def test_rename_keeps_the_address_and_remove_keeps_the_project_for_others(client_a, user_a, user_b):
    keystore.store_key(user_b, ACME_SECRET_KEY, verified=True)
    blank = client_a.post("/settings/", {"action": "rename", "project": ACME, "name": "  "})
    assert blank.status_code == 400
    client_a.post("/settings/", {"action": "rename", "project": ACME, "name": "Acme  Store"})
    project = Project.objects.get(slug=ACME)
    assert project.name == "Acme Store"
    assert "<title>Sessions · Acme Store · oakdash</title>" in _html(client_a.get("/sessions/"))

    client_a.post("/settings/", {"action": "remove", "project": ACME})
    assert _keys(user_a) == {}
    assert _keys(user_b)[ACME] == ACME_SECRET_KEY
    assert client_a.get(f"/p/{ACME}/").status_code == 403


def test_nobody_renames_or_removes_a_project_they_have_no_key_for(client_b, user_a):
    client_b.post("/settings/", {"action": "rename", "project": ACME, "name": "Pwned"})
    client_b.post("/settings/", {"action": "remove", "project": ACME})
    assert Project.objects.get(slug=ACME).name == "Acme Shop"
    assert _keys(user_a) == {ACME: ACME_SECRET_KEY}


def test_setkey_project_names_or_creates_the_project(monkeypatch, user_nokey, user_a, acme):
    def setkey(key: str, *args: str) -> str:
        monkeypatch.setattr("sys.stdin", io.StringIO(key + "\n"))
        out = io.StringIO()
        call_command("setkey", "nora", *args, stdout=out)
        return out.getvalue()

    with pytest.raises(CommandError, match="cannot read Acme Shop"):
        setkey(GLOBEX_SECRET_KEY, "--project", ACME)
    assert "in Acme Shop (/p/acme-shop/)" in setkey(
        ACME_SECOND_SECRET_KEY, "--project", "acme shop"
    )
    assert "in Globex Docs (/p/globex-docs/)" in setkey(
        GLOBEX_SECRET_KEY, "--project", "Globex Docs"
    )
    assert _keys(user_nokey) == {ACME: ACME_SECOND_SECRET_KEY, "globex-docs": GLOBEX_SECRET_KEY}
    with pytest.raises(CommandError, match="several projects"):
        setkey(GLOBEX_SECRET_KEY[:-4] + "0000")  # a new key, no --project: which one?


def test_rotate_keys_recomputes_fingerprints_after_the_secret_key_changes(settings, user_a):
    settings.OAKDASH_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    keystore.store_key(user_a, ACME_SECRET_KEY, verified=True)
    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    assert ProjectKey.objects.get(user=user_a).fingerprint != crypto.fingerprint(ACME_SECRET_KEY)
    call_command("rotate_keys", stdout=io.StringIO())
    assert ProjectKey.objects.get(user=user_a).fingerprint == crypto.fingerprint(ACME_SECRET_KEY)


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_turns_each_key_into_a_project_and_shared_keys_into_one(django_user_model):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before, after = [("accounts", "0001_initial")], [("accounts", "0004_remove_apikey")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    User, ApiKey = old.get_model("auth", "User"), old.get_model("accounts", "ApiKey")
    stored = {}
    for name, key in (
        ("ann", ACME_SECRET_KEY),
        ("ben", ACME_SECRET_KEY),
        ("cat", GLOBEX_SECRET_KEY),
        ("dan", None),
    ):
        user = User.objects.create(username=name)
        token = crypto.encrypt(key) if key else Fernet(Fernet.generate_key()).encrypt(b"x").decode()
        stored[name] = ApiKey.objects.create(user=user, ciphertext=token, mask=f"mask-{name}")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    # Going back to accounts 0001 also unapplied every app that depends on it (sharing): the
    # tests after this one need the whole schema again.
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    keys = {k.user.username: k for k in ProjectKey.objects.select_related("user", "project")}
    assert set(keys) == {"ann", "ben", "cat", "dan"}
    assert keys["ann"].project == keys["ben"].project  # one key, one project
    assert keys["ann"].project.name == "ann's project"
    assert len({keys[n].project.pk for n in ("ann", "cat", "dan")}) == 3
    assert keys["cat"].reveal() == GLOBEX_SECRET_KEY
    assert keys["cat"].fingerprint == crypto.fingerprint(GLOBEX_SECRET_KEY)
    assert keys["dan"].fingerprint == "" and keys["dan"].mask == "mask-dan"
    assert keys["ben"].ciphertext == stored["ben"].ciphertext
    assert all(re.fullmatch(r"[a-z0-9-]+", k.project.slug) for k in keys.values())
    assert Project.objects.count() == 3
