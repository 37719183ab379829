"""GET /journey: a tree of paths, counts are sessions through each node."""

from __future__ import annotations

import pytest

from .schema import JOURNEY, check


def walk(nodes, depth=1):
    for node in nodes:
        yield node, depth
        yield from walk(node["children"], depth + 1)


@pytest.mark.parametrize("range_", [None, "24h", "7d", "30d", "90d"])
def test_shape(acme, range_):
    params = {"range": range_} if range_ else {}
    body = acme.get("/journey", params=params).json()
    check(body, JOURNEY)
    assert body["range"] == (range_ or "7d")
    assert body["depth"] == 3
    assert body["roots"]
    assert sum(r["count"] for r in body["roots"]) <= body["totalSessions"]
    for node, depth in walk(body["roots"]):
        assert depth <= body["depth"]
        assert node["count"] > 0
        assert sum(c["count"] for c in node["children"]) <= node["count"]
        counts = [c["count"] for c in node["children"]]
        assert counts == sorted(counts, reverse=True)
        labels = [c["label"] for c in node["children"]]
        assert len(labels) == len(set(labels))
        assert node["label"].startswith("/")
    assert any(depth == 3 for _, depth in walk(body["roots"]))


def test_journey_follows_real_sessions(acme):
    body = acme.get("/journey", params={"range": "7d"}).json()
    roots = {r["label"]: r["count"] for r in body["roots"]}
    assert "/" in roots
    overview = acme.get("/overview", params={"exclude_bots": "true"}).json()
    assert body["totalSessions"] <= overview["stats"]["sessions"]
