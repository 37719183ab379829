"""GET /overview: shape, default range, buckets, consistency, exclude_bots."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from .schema import OVERVIEW, check, parse_iso

BREAKDOWNS = [
    "topPages",
    "topReferrers",
    "topSources",
    "topCampaigns",
    "topCountries",
    "topCities",
    "browsers",
    "operatingSystems",
    "deviceTypes",
]
# 24h is hourly: 25 buckets, from the (partly covered) hour 24 hours ago to the current hour.
BUCKETS = {
    "24h": (25, timedelta(hours=1)),
    "7d": (8, timedelta(days=1)),
    "30d": (31, timedelta(days=1)),
    "90d": (91, timedelta(days=1)),
}


def test_default_range_is_7d(acme):
    default = acme.get("/overview")
    assert default.status_code == 200
    body = default.json()
    check(body, OVERVIEW)
    assert body["range"] == "7d"
    assert body == acme.get("/overview", params={"range": "7d", "exclude_bots": "false"}).json()


@pytest.mark.parametrize("range_", ["24h", "7d", "30d", "90d"])
@pytest.mark.parametrize("exclude_bots", ["false", "true"])
def test_shape_and_consistency(acme, demo, range_, exclude_bots):
    body = acme.get("/overview", params={"range": range_, "exclude_bots": exclude_bots}).json()
    check(body, OVERVIEW)
    assert body["range"] == range_
    stats = body["stats"]
    assert stats["sessions"] > 0 and stats["pageviews"] > 0
    assert 0 <= stats["bounceRate"] <= 100
    assert stats["avgSessionDurationSec"] >= 0
    assert stats["avgPagesPerSession"] == pytest.approx(
        stats["pageviews"] / stats["sessions"], abs=0.01
    )
    assert stats["visitors"] <= stats["sessions"]
    assert body["eventCount"] >= stats["pageviews"]

    count, step = BUCKETS[range_]
    series = body["timeSeries"]
    assert len(series) == count
    buckets = [parse_iso(p["bucket"]) for p in series]
    assert all(b - a == step for a, b in itertools.pairwise(buckets))
    for b in buckets:
        assert b.minute == 0 and b.second == 0 and (step == timedelta(hours=1) or b.hour == 0)
    assert buckets[-1].timestamp() <= demo.clock() < (buckets[-1] + step).timestamp()
    assert sum(p["sessions"] for p in series) == stats["sessions"]
    assert sum(p["pageviews"] for p in series) == stats["pageviews"]
    assert all(p["visitors"] <= stats["visitors"] for p in series)

    for name in BREAKDOWNS:
        rows = body[name]
        assert rows, name
        ranks = [(r["visitors"], r["pageviews"]) for r in rows]
        assert ranks == sorted(ranks, reverse=True), name
        labels = [r["label"] for r in rows]
        assert len(labels) == len(set(labels)), name
        assert all(r["visitors"] <= stats["visitors"] for r in rows), name
    # Session-level breakdowns partition the sessions' pageviews (nothing else is cut off).
    for name in ("topReferrers", "topCountries", "browsers", "operatingSystems", "deviceTypes"):
        if len(body[name]) < 50:
            assert sum(r["pageviews"] for r in body[name]) == stats["pageviews"], name
    if len(body["topPages"]) < 50:
        assert sum(r["pageviews"] for r in body["topPages"]) == stats["pageviews"]


def test_exclude_bots_excludes_bot_sessions(acme):
    everything = acme.get("/overview").json()
    humans = acme.get("/overview", params={"exclude_bots": "1"}).json()
    assert humans["stats"]["sessions"] < everything["stats"]["sessions"]
    assert humans["stats"]["pageviews"] < everything["stats"]["pageviews"]
    assert humans["eventCount"] < everything["eventCount"]
    bot_sessions = [
        s for s in acme.get("/sessions", params={"limit": 200}).json()["sessions"] if s["is_bot"]
    ]
    assert bot_sessions, "the newest 200 sessions should include some bots"
    # The same flag, spelled 1/true, gives the same answer.
    assert humans == acme.get("/overview", params={"exclude_bots": "true"}).json()
    assert everything == acme.get("/overview", params={"exclude_bots": "0"}).json()


def test_ranges_nest(acme):
    sessions = [
        acme.get("/overview", params={"range": r}).json()["stats"]["sessions"]
        for r in ("24h", "7d", "30d", "90d")
    ]
    assert sessions == sorted(sessions) and len(set(sessions)) == 4


def test_breakdowns_include_null_labels_and_known_values(acme):
    body = acme.get("/overview").json()
    referrers = {r["label"] for r in body["topReferrers"]}
    assert None in referrers  # direct traffic
    assert "www.google.com" in referrers
    assert None in {r["label"] for r in body["browsers"]}
    assert None in {r["label"] for r in body["topCountries"]}
    assert {"Desktop", "Mobile"} <= {r["label"] for r in body["deviceTypes"]}
    assert None not in {r["label"] for r in body["topCampaigns"]}
