"""/events/ — the raw event firehose, one page at a time (``?offset=&limit=``), or its CSV.

Paging is computed from the API's exact ``total``. The API refuses offsets above 1,000,000, so the
"last" link stops at the last page that starts within that bound, and the page says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect

from oakdash.dashboard.access import DashboardRequest
from oakdash.dashboard.csv_export import csv_response, wants_csv
from oakdash.dashboard.decorators import dashboard_page
from oakdash.dashboard.pages import render_page
from oakdash.dashboard.query import int_param
from oakdash.oakdata import OakDataClient, models, params
from oakdash.oakdata.errors import InvalidParameter

LIMIT_CHOICES = (50, 100, 250, 500)
MAX_OFFSET = params.EVENTS_OFFSET[1]

CSV_HEADER = (
    "timestamp",
    "event",
    "pathname",
    "distinct_id",
    "session_id",
    "uuid",
    "referring_domain",
    "country",
    "city",
    "browser",
    "os",
    "device_type",
    "properties",
)


@dataclass(frozen=True)
class Pager:
    offset: int
    limit: int
    total: int

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        """Pages holding the whole total (at least one, for an empty firehose)."""
        return max(1, math.ceil(self.total / self.limit))

    @property
    def last_offset(self) -> int:
        """Offset of the last page, never beyond the API's offset bound."""
        return min((self.pages - 1) * self.limit, self.reachable_last_offset)

    @property
    def reachable_last_offset(self) -> int:
        return (MAX_OFFSET // self.limit) * self.limit

    @property
    def last_page(self) -> int:
        return self.last_offset // self.limit + 1

    @property
    def clamped(self) -> bool:
        """True when some of the total lies beyond the last page the API lets us open."""
        return self.total > self.reachable_last_offset + self.limit

    @property
    def unreachable(self) -> int:
        return max(0, self.total - (self.reachable_last_offset + self.limit))

    @property
    def prev_offset(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None

    @property
    def next_offset(self) -> int | None:
        following = self.offset + self.limit
        return following if following < self.total and following <= MAX_OFFSET else None

    @property
    def first_row(self) -> int:
        return self.offset + 1

    @property
    def past_the_end(self) -> bool:
        return self.total > 0 and self.offset >= self.total


def event_csv_row(e: models.Event) -> list[object]:
    return [
        e.timestamp,
        e.event,
        e.pathname,
        e.distinct_id,
        e.session_id,
        e.uuid,
        e.referring_domain,
        e.country,
        e.city,
        e.browser,
        e.os,
        e.device_type,
        e.properties,
    ]


def _jump(request: DashboardRequest, limit: int) -> HttpResponse:
    """The jump-to-page form sends ``?page=N``: answer with the canonical ``?offset=`` URL."""
    last_page = MAX_OFFSET // limit + 1
    page_number = int_param(request, "page", (1, last_page), 1)
    offset = (page_number - 1) * limit
    return HttpResponseRedirect("?" + urlencode({"offset": offset, "limit": limit}))


@dashboard_page
def page(request: DashboardRequest, client: OakDataClient) -> HttpResponse:
    limit = int_param(request, "limit", params.EVENTS_LIMIT, params.EVENTS_DEFAULT_LIMIT)
    if request.GET.get("page", "").strip():
        if "offset" in request.GET:
            raise InvalidParameter("page", "give either page or offset, not both")
        return _jump(request, limit)
    offset_text = request.GET.get("offset", "").strip()
    if offset_text.isascii() and offset_text.isdigit() and int(offset_text) > MAX_OFFSET:
        raise InvalidParameter(
            "offset",
            f"offset can be at most {MAX_OFFSET:,}: OakData does not page further back than that",
        )
    offset = int_param(request, "offset", params.EVENTS_OFFSET, params.EVENTS_DEFAULT_OFFSET)
    as_csv = wants_csv(request)
    result = client.events(offset=offset, limit=limit)
    if as_csv:
        return csv_response(
            f"oakdash-events-{offset}-{limit}.csv",
            CSV_HEADER,
            (event_csv_row(e) for e in result.rows),
        )
    pager = Pager(offset=offset, limit=limit, total=result.total)
    return render_page(
        request,
        "dashboard/events.html",
        {
            "result": result,
            "pager": pager,
            "limit": limit,
            "limits": sorted(set(LIMIT_CHOICES) | {limit}),
            "max_offset": MAX_OFFSET,
            "last_row": offset + len(result.rows),
        },
    )
