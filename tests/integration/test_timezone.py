"""The viewer's zone cookie: read decoded or not, and harmless whatever it holds."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def footer_zone(html: str) -> str:
    return html.split("<span data-viewer-tz>", 1)[1].split("</span>", 1)[0]


@pytest.mark.parametrize("cookie", ["Europe/Berlin", "Europe%2FBerlin"])
def test_the_zone_is_read_as_written_and_as_older_versions_encoded_it(client_a, cookie):
    client_a.cookies["oakdash_tz"] = cookie
    assert footer_zone(client_a.get("/settings/").content.decode()) == "Europe/Berlin"


@pytest.mark.parametrize(
    "cookie",
    [
        "../../../../etc/passwd",
        "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/usr/share/zoneinfo/UTC",
        "Europe/Berlin%00",
        "<script>alert(1)</script>",
        "Europe/Nowhere",
        "A" * 300,
        "%",
    ],
)
def test_anything_else_means_utc_without_an_error(client_a, cookie):
    client_a.cookies["oakdash_tz"] = cookie
    response = client_a.get("/settings/")
    assert response.status_code == 200
    assert footer_zone(response.content.decode()) == "UTC"
