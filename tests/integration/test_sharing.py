"""Issue 11: public replay links — the rules, through Django's test client on the demo backend.

A link is created through the real form (POST /shared/new) and opened by a client with no
session, sending the secret in the X-Share-Secret header as the page's script does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from oakdash.accounts import keystore
from oakdash.accounts.models import ProjectKey
from oakdash.demo import get_demo_app
from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.sharing.models import ShareAudit, SharedReplay
from oakdash.upstream import get_api
from tests.urls import ACME

pytestmark = pytest.mark.django_db


def _replays():
    return get_api().for_key(ACME_SECRET_KEY).replays(limit=50).replays


@pytest.fixture
def replay():
    return next(r for r in _replays() if r.distinct_id and r.country and r.entry_url)


def share(client, replay_id: str, **fields) -> tuple[str, str]:
    """Create a link as ``client``'s user; (public id, secret) read from the one-time page."""
    data = {"project": ACME, "replay_id": replay_id, "expiry": "7d", **fields}
    response = client.post("/shared/new", data)
    assert response.status_code == 201, response.content.decode()[:2000]
    match = re.search(r'value="http://testserver/s/([^/"]+)/#([^"]+)"', response.content.decode())
    assert match, "the created page shows no link"
    return match.group(1), match.group(2)


def viewer() -> Client:
    return Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Mozilla/5.0 Chrome/131.0 Safari/537")


def meta(public_id: str, secret: str, client: Client | None = None):
    return (client or viewer()).get(f"/s/{public_id}/meta", HTTP_X_SHARE_SECRET=secret)


def events(public_id: str, secret: str, client: Client | None = None):
    return (client or viewer()).get(f"/s/{public_id}/events.ndjson", HTTP_X_SHARE_SECRET=secret)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def actions(link_id: str) -> list[tuple[str, str]]:
    rows = ShareAudit.objects.filter(link__public_id=link_id).order_by("at", "pk")
    return [(row.action, row.detail) for row in rows]


def test_a_link_is_shown_once_and_only_its_hash_is_stored(client_a, user_a, replay):
    public_id, secret = share(client_a, replay.id, note="Look at 2:14")
    assert len(secret) >= 32  # 192 bits, url-safe base64
    link = SharedReplay.objects.get(public_id=public_id)
    assert link.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(getattr(link, f.attname)) for f in SharedReplay._meta.fields)
    assert secret not in stored
    assert (link.creator, link.project.slug, link.replay_id) == (user_a, ACME, replay.id)
    assert link.expires_at - link.created_at == dt.timedelta(days=7)
    assert actions(public_id) == [("created", "")]
    mine = client_a.get("/shared/").content.decode()
    assert public_id in mine and "Look at 2:14" in mine and secret not in mine


def test_anyone_with_the_link_sees_the_recording_and_nothing_personal(client_a, replay):
    public_id, secret = share(client_a, replay.id, start="12.5")
    page = viewer().get(f"/s/{public_id}/")
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in page.content.decode()
    csp = page["Content-Security-Policy"]
    assert "default-src 'none'" in csp and f"/s/{public_id}/events.ndjson" in csp
    assert "'self'" not in csp.split("connect-src", 1)[1].split(";")[0]
    assert replay.id not in page.content.decode()  # the page knows nothing before the secret

    answer = meta(public_id, secret)
    assert answer.status_code == 200
    data = answer.json()
    assert data["replay"]["durationMs"] == replay.duration_ms
    assert replay.browser in data["replay"]["device"]
    assert data["config"]["startAt"] == 12.5
    assert data["events"] is None  # not chosen by the creator
    text = answer.content.decode()
    for personal in (replay.distinct_id, replay.country, replay.entry_url, replay.session_id):
        assert personal not in text

    stream = events(public_id, secret)
    assert stream.status_code == 200
    assert body(stream).splitlines() == get_demo_app().expected_events(replay.id)
    link = SharedReplay.objects.get(public_id=public_id)
    assert link.views == 1 and link.last_viewed_at is not None
    viewed = ShareAudit.objects.get(link=link, action="viewed")
    assert viewed.actor is None and viewed.client_agent == "Chrome"
    assert len(viewed.client_hash) == 12 and "203.0.113" not in viewed.client_hash


def test_the_event_list_is_names_times_and_paths_only(client_a):
    replay = next(r for r in _replays() if r.session_id)
    public_id, secret = share(client_a, replay.id, include_events="on")
    path = f"/api/v1/sessions/{replay.session_id}"
    demo = httpx.Client(transport=httpx.WSGITransport(app=get_demo_app()), base_url="http://demo")
    timeline = demo.get(path, headers={"Authorization": f"Bearer {ACME_SECRET_KEY}"}).json()
    timeline["events"][0]["pathname"] = "/reset?email=jo@example.com#token=abc"
    get_demo_app().faults.add(path, status=200, body=json.dumps(timeline).encode(), times=1)

    listed = meta(public_id, secret).json()["events"]
    assert [e["event"] for e in listed] == [e["event"] for e in timeline["events"]][: len(listed)]
    assert listed and all(set(e) == {"event", "ts", "pathname"} for e in listed)
    assert listed[0]["pathname"] == "/reset"  # no query string, no fragment


def test_a_wrong_secret_is_answered_like_an_unknown_link_and_audited(client_a, replay):
    public_id, secret = share(client_a, replay.id)
    wrong = meta(public_id, secret[:-2] + ("AA" if not secret.endswith("AA") else "BB"))
    unknown = meta("NoSuchLink123", secret)
    missing = meta(public_id, "")
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    assert wrong.json() == unknown.json() == missing.json()
    assert wrong.json()["refused"] == "unknown"
    assert events(public_id, "x" * 32).status_code == 404
    assert actions(public_id) == [
        ("created", ""),
        ("refused", "page: wrong secret"),
        ("refused", "page: wrong secret"),
        ("refused", "recording: wrong secret"),
    ]
    assert ShareAudit.objects.filter(link=None, action="refused", detail="page: unknown link")


def test_expiry_at_the_boundary(client_a, replay, monkeypatch):
    public_id, secret = share(client_a, replay.id, expiry="1h")
    link = SharedReplay.objects.get(public_id=public_id)
    assert link.expires_at - link.created_at == dt.timedelta(hours=1)
    just_before = link.expires_at - dt.timedelta(microseconds=1)
    monkeypatch.setattr(timezone, "now", lambda: just_before)
    assert meta(public_id, secret).status_code == 200
    monkeypatch.setattr(timezone, "now", lambda: link.expires_at)
    answer = meta(public_id, secret)
    assert answer.status_code == 410
    assert answer.json()["title"] == "This link has expired"
    assert events(public_id, secret).status_code == 410
    assert actions(public_id)[-1] == ("refused", "recording: expired")


def test_expiry_choices_are_capped_by_the_operator(client_a, replay, settings):
    settings.OAKDASH_SHARING_MAX_HOURS = 48
    form = client_a.get(f"/shared/new?project={ACME}&replay_id={replay.id}").content.decode()
    assert 'value="1d"' in form and "48 hours" in form and 'value="7d"' not in form
    refused = client_a.post(
        "/shared/new", {"project": ACME, "replay_id": replay.id, "expiry": "7d", "note": "kept"}
    )
    assert refused.status_code == 400
    assert 'value="kept"' in refused.content.decode()  # nothing typed is lost
    assert not SharedReplay.objects.exists()


def test_revoking_stops_the_link_at_once_and_only_its_creator_or_staff_may(
    client_a, client_b, replay, user_b
):
    public_id, secret = share(client_a, replay.id)
    assert client_b.post(f"/shared/{public_id}/revoke").status_code == 404  # not bob's
    assert meta(public_id, secret).status_code == 200
    assert client_a.post(f"/shared/{public_id}/revoke").status_code == 302
    answer = meta(public_id, secret)
    assert answer.status_code == 410
    assert answer.json()["title"] == "This link was revoked"
    assert "revoked" in client_a.get("/shared/").content.decode()

    other_id, other_secret = share(client_a, replay.id)
    user_b.is_staff = True
    user_b.save()
    all_links = client_b.get("/shared/?all=1").content.decode()
    assert other_id in all_links and "alice" in all_links
    assert client_b.post(f"/shared/{other_id}/revoke", {"all": "1"}).status_code == 302
    assert meta(other_id, other_secret).status_code == 410
    assert SharedReplay.objects.get(public_id=other_id).revoked_by == user_b
    assert ("revoked", "") in actions(other_id)


def test_turning_sharing_off_stops_every_link_and_creation(client_a, replay, settings):
    public_id, secret = share(client_a, replay.id)
    settings.OAKDASH_SHARING_ENABLED = False
    answer = meta(public_id, secret)
    assert answer.status_code == 403
    assert answer.json()["title"] == "Public replay links are turned off"
    assert events(public_id, secret).status_code == 403
    creating = client_a.post("/shared/new", {"project": ACME, "replay_id": replay.id})
    assert creating.status_code == 403
    page = client_a.get(f"/replays/{replay.id}/").content.decode()
    assert "Public replay links are turned off on this oakdash." in page
    settings.OAKDASH_SHARING_ENABLED = True
    assert meta(public_id, secret).status_code == 200


def test_creation_can_be_limited_to_staff(client_a, user_a, replay, settings):
    settings.OAKDASH_SHARING_STAFF_ONLY = True
    refused = client_a.post("/shared/new", {"project": ACME, "replay_id": replay.id})
    assert refused.status_code == 403
    assert "only staff may create" in refused.content.decode()
    user_a.is_staff = True
    user_a.save()
    share(client_a, replay.id)


def test_a_view_limit_counts_recordings_streamed(client_a, replay):
    public_id, secret = share(client_a, replay.id, max_views="2")
    for _ in range(2):
        assert meta(public_id, secret).status_code == 200
        assert events(public_id, secret).status_code == 200
    answer = meta(public_id, secret)
    assert answer.status_code == 410
    assert answer.json()["title"] == "This link has been used up"
    assert events(public_id, secret).status_code == 410
    assert SharedReplay.objects.get(public_id=public_id).views == 2


def test_when_the_creators_key_is_removed_the_link_says_so(
    client_a, user_a, replay, django_user_model
):
    public_id, secret = share(client_a, replay.id)
    teammate = django_user_model.objects.create_user("tess")
    keystore.store_key(teammate, ACME_SECRET_KEY, verified=True)  # same project, still a member
    keystore.remove_key(user_a, ProjectKey.objects.get(user=user_a).project)
    answer = meta(public_id, secret)
    assert answer.status_code == 410
    assert "no longer has access" in answer.json()["error"]
    assert actions(public_id)[-1] == ("refused", "page: key removed")


def test_when_the_creators_key_is_no_longer_valid_the_link_says_so(client_a, user_a, replay):
    public_id, secret = share(client_a, replay.id)
    project = ProjectKey.objects.get(user=user_a).project
    keystore.store_key(user_a, "oak_sec_rotatedaway000000000000", verified=False, project=project)
    for answer in (meta(public_id, secret), events(public_id, secret)):
        assert answer.status_code == 410  # the demo answered 401 to the creator's key
        assert (
            "key of the person who shared this replay is no longer valid" in answer.json()["error"]
        )


def test_viewing_is_rate_limited_per_client_and_per_link(client_a, replay, settings):
    public_id, secret = share(client_a, replay.id)
    settings.OAKDASH_SHARING_CLIENT_RATE = 2
    settings.OAKDASH_SHARING_LINK_RATE = 3
    one = viewer()
    assert [meta(public_id, secret, one).status_code for _ in range(2)] == [200, 200]
    limited = meta(public_id, secret, one)
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "your address" in limited.json()["error"]
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert meta(public_id, secret, other).status_code == 200  # 3rd for the link
    answer = meta(public_id, secret, Client(REMOTE_ADDR="198.51.100.10"))
    assert answer.status_code == 429
    assert "this link" in answer.json()["error"]


def test_my_shared_links_show_the_audit_of_my_links_only(client_a, client_b, replay):
    public_id, secret = share(client_a, replay.id, note="for the vendor")
    events(public_id, secret)
    mine = client_a.get("/shared/").content.decode()
    assert 'data-action="viewed"' in mine and 'data-action="created"' in mine
    theirs = client_b.get("/shared/").content.decode()
    assert public_id not in theirs and 'data-action="viewed"' not in theirs
    assert client_b.get("/shared/?all=1").content.decode().count("for the vendor") == 0


def test_public_streams_count_per_link_and_in_the_servers_total(client_a, replay, settings):
    from oakdash.dashboard.chunk_storage import get_stream_slots

    public_id, secret = share(client_a, replay.id)
    settings.OAKDASH_REPLAY_STREAMS_PER_USER = 1
    held = get_stream_slots().acquire(f"share-{public_id}")  # one viewer is loading it
    answer = events(public_id, secret)
    assert answer.status_code == 429 and int(answer["Retry-After"]) > 0
    assert "already loading for as many viewers" in answer.json()["error"]
    get_stream_slots().release(held)

    settings.OAKDASH_REPLAY_STREAMS_TOTAL = 1
    held = get_stream_slots().acquire("a-team-member")  # the server's one stream
    assert "already streaming 1 replays" in events(public_id, secret).json()["error"]
    get_stream_slots().release(held)
    assert SharedReplay.objects.get(public_id=public_id).views == 0  # refused: not a view

    answer = events(public_id, secret)
    assert answer.status_code == 200
    body(answer)
    answer.close()
    assert get_stream_slots().in_use() == 0  # given back when the body closed


def test_admins_see_every_link_and_the_audit_and_revoke_from_the_admin(
    client_a, client_b, user_b, replay
):
    public_id, secret = share(client_a, replay.id, note="for the vendor")
    user_b.is_staff = user_b.is_superuser = True
    user_b.save()
    listing = client_b.get("/admin/sharing/sharedreplay/").content.decode()
    assert public_id in listing and secret not in listing
    assert client_b.get("/admin/sharing/shareaudit/").status_code == 200
    link = SharedReplay.objects.get(public_id=public_id)
    answer = client_b.post(
        "/admin/sharing/sharedreplay/",
        {"action": "revoke", "_selected_action": [link.pk]},
    )
    assert answer.status_code == 302
    assert meta(public_id, secret).status_code == 410
    assert ("revoked", "admin") in actions(public_id)


def test_error_reports_hide_the_secret_header():
    from django.test import RequestFactory

    from oakdash.error_reports import KeyScrubbingExceptionReporterFilter

    request = RequestFactory().get("/s/abc/meta", HTTP_X_SHARE_SECRET="s3cr3t-value-0123456789")
    meta = KeyScrubbingExceptionReporterFilter().get_safe_request_meta(request)
    assert "s3cr3t-value-0123456789" not in repr(meta)
    assert meta["HTTP_X_SHARE_SECRET"] != "s3cr3t-value-0123456789"
