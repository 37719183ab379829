"""Error reports never carry an OakData key: not the mail to ADMINS, not the DEBUG page.

The crash is planted where the key really is (inside the pool's request pipeline), with the key
also copied into variables no `@sensitive_variables` names, as httpx's own frames hold it.
"""

from __future__ import annotations

import pytest

from oakdash.demo.projects import ACME_SECRET_KEY
from oakdash.oakdata import OakDataAPI

pytestmark = pytest.mark.django_db
SECRET_PART = ACME_SECRET_KEY[len("oak_sec_") :]


@pytest.fixture
def crashing_pipeline(monkeypatch):
    def round_trip_that_crashes(self, http, request, path, deadline):
        header = request.headers["authorization"]  # "Bearer oak_sec_…"
        wire = [(b"Authorization", header.encode())]  # noqa: F841 - shown in the report
        bare = header.removeprefix("Bearer ")  # noqa: F841 - the key under an innocent name
        raise RuntimeError("the HTTP client broke")

    monkeypatch.setattr(OakDataAPI, "_round_trip", round_trip_that_crashes)


def test_the_report_mailed_to_admins_has_no_key(client_a, settings, crashing_pipeline, mailoutbox):
    # Saving a key checks it upstream, where the pipeline crashes: the POST body holds the key.
    settings.ADMINS = [("Ops", "ops@example.com")]
    client_a.raise_request_exception = False
    answer = client_a.post(
        "/settings/", {"api_key": ACME_SECRET_KEY}, HTTP_AUTHORIZATION=f"Bearer {ACME_SECRET_KEY}"
    )
    assert answer.status_code == 500
    (mail,) = mailoutbox
    assert "round_trip_that_crashes" in mail.body and "api_key = " in mail.body
    assert SECRET_PART not in mail.body


def test_the_debug_page_shows_every_frame_but_no_key(client_a, settings, crashing_pipeline):
    settings.DEBUG = True
    client_a.raise_request_exception = False
    page = client_a.get("/live/", HTTP_AUTHORIZATION=f"Bearer {ACME_SECRET_KEY}")
    assert page.status_code == 500
    html = page.content.decode()
    assert "round_trip_that_crashes" in html and "wire" in html and "bare" in html
    assert "********************" in html
    assert SECRET_PART not in html
