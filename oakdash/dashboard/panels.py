"""The overview's breakdown panels: which dimensions it shows, in what words, and the rows of
each (built here, drawn by `render/breakdowns.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from oakdash.dashboard.links import sessions_list_url
from oakdash.oakdata import models, params

# Rows shown before "Show all": enough to read at a glance, few enough that panels line up.
TOP_ROWS = 8


@dataclass(frozen=True)
class PanelSpec:
    attr: str  # the Overview attribute holding the rows
    slug: str
    title: str
    column: str  # heading of the label column
    plural: str  # for the empty state: "No <plural> in the last 7 days"
    none_label: str  # what a null label means for this dimension
    # The sessions filter a row opens (filters.SESSIONS), None where session rows lack the
    # field (OakData's sessions carry no UTM source or campaign).
    filter_param: str | None = None
    filter_words: str = ""  # the link's title: "Sessions that entered on"


PANELS: tuple[PanelSpec, ...] = (
    PanelSpec(
        "top_pages",
        "pages",
        "Top pages",
        "Page",
        "pageviews",
        "(unknown page)",
        "entry",
        "Sessions that entered on",
    ),
    PanelSpec(
        "top_referrers",
        "referrers",
        "Referrers",
        "Referrer",
        "referrers",
        "Direct / none",
        "referrer",
        "Sessions referred by",
    ),
    PanelSpec("top_sources", "sources", "UTM sources", "Source", "tagged sources", "(none)"),
    PanelSpec("top_campaigns", "campaigns", "Campaigns", "Campaign", "campaigns", "(none)"),
    PanelSpec(
        "top_countries",
        "countries",
        "Countries",
        "Country",
        "countries",
        "Unknown",
        "country",
        "Sessions from",
    ),
    PanelSpec(
        "top_cities",
        "cities",
        "Cities",
        "City",
        "cities",
        "Unknown",
        "city",
        "Sessions from",
    ),
    PanelSpec(
        "browsers",
        "browsers",
        "Browsers",
        "Browser",
        "browsers",
        "Unknown",
        "browser",
        "Sessions in",
    ),
    PanelSpec(
        "operating_systems",
        "os",
        "Operating systems",
        "OS",
        "operating systems",
        "Unknown",
        "os",
        "Sessions on",
    ),
    PanelSpec(
        "device_types",
        "devices",
        "Devices",
        "Device",
        "device types",
        "Unknown",
        "device",
        "Sessions on",
    ),
)


@dataclass(frozen=True)
class Panel:
    spec: PanelSpec
    rows: list[models.BreakdownRow]
    top: list[models.BreakdownRow]
    rest: list[models.BreakdownRow]
    max_visitors: int  # the bar scale: the biggest row fills its bar
    sessions_url: str  # the filtered sessions list, without this panel's value ("" if none)


def build_panels(
    overview: models.Overview,
    project: str,
    range_: str = params.DEFAULT_RANGE,
    exclude_bots: bool = False,
) -> list[Panel]:
    # A click opens the most sessions the API gives for the same range (and bot choice).
    query = {"range": range_, "limit": str(params.SESSIONS_LIMIT[1])}
    if exclude_bots:
        query["bot"] = "no"
    sessions_url = sessions_list_url(project, **query)
    panels = []
    for spec in PANELS:
        rows = list(getattr(overview, spec.attr))
        panels.append(
            Panel(
                spec=spec,
                rows=rows,
                top=rows[:TOP_ROWS],
                rest=rows[TOP_ROWS:],
                max_visitors=max((row.visitors for row in rows), default=0) or 1,
                sessions_url=sessions_url if spec.filter_param else "",
            )
        )
    return panels
