"""/visitors/<distinct_id>/ — one visitor: identity, traits, attribution, sessions, replays."""

from __future__ import annotations

from django.http import HttpResponse

from oakdash.dashboard.access import DashboardRequest
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.pages import render_page
from oakdash.oakdata import OakDataClient, models

TOUCH_FIELDS = (
    ("Referrer", "referrer"),
    ("Referring domain", "referring_domain"),
    ("UTM source", "utm_source"),
    ("UTM medium", "utm_medium"),
    ("UTM campaign", "utm_campaign"),
    ("UTM term", "utm_term"),
    ("UTM content", "utm_content"),
    ("Landing path", "path"),
)


def attribution_rows(visitor: models.Visitor) -> list[tuple[str, object, object]]:
    """(label, first-touch value, last-touch value) for the side-by-side table."""
    first, last = visitor.first_touch, visitor.last_touch
    return [
        (label, getattr(first, name, None), getattr(last, name, None))
        for label, name in TOUCH_FIELDS
    ]


@dashboard_page
def page(request: DashboardRequest, client: OakDataClient, distinct_id: str) -> HttpResponse:
    visitor = client.visitor(distinct_id)
    return render_page(
        request,
        "dashboard/visitor.html",
        {
            "visitor": visitor,
            # Pairs made here: in a template, `traits.items` would be a trait named "items".
            "traits": list(visitor.traits.items()),
            "groups": list(visitor.groups.items()),
            "attribution": attribution_rows(visitor),
            "has_touch": visitor.first_touch is not None or visitor.last_touch is not None,
        },
    )
