"""Filtering and sorting the rows a list page got from OakData (sessions, replays).

The API has no filters: ``/sessions`` and ``/replays`` return the newest rows (at most 200). So a
filter here narrows those rows, in the view, and the page says how many of how many match.
Everything lives in the query string (``?country=DE&sort=-duration``), so a filtered view is a
link like any other. Values compare exactly; ``(none)`` matches a row where the value is missing
(direct traffic, unknown country).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest

from oakdash.oakdata import models
from oakdash.oakdata.errors import InvalidParameter

Row = TypeVar("Row")

NONE = "(none)"  # the query value meaning "no value recorded"
MAX_VALUE_LENGTH = 4096  # a 2,000-character path must still be a filter value
OPTION_TEXT = 60  # characters of a value shown in a <select> (the page shows it whole elsewhere)

YES_NO = (("yes", "yes"), ("no", "no"))
# Duration choices offered: "min-max" in seconds (max exclusive, empty for no upper bound). Any
# other "A-B" typed into the URL works too.
DURATIONS = (
    ("0-10", "under 10 s"),
    ("10-60", "10 s – 1 min"),
    ("60-600", "1 – 10 min"),
    ("600-", "10 min or more"),
)
_DURATION = re.compile(r"(\d{1,9})-(\d{0,9})")


@dataclass(frozen=True)
class Field(Generic[Row]):
    param: str  # the query name
    label: str  # "Country"
    get: Callable[[Row], Any]
    kind: str = "choice"  # choice (exact value), yesno (a boolean), duration (seconds range)
    none_label: str = "Unknown"  # how a missing value reads
    any_case: bool = True  # "mobile" finds "Mobile"; paths keep their case (/About ≠ /about)

    def text(self, value: str) -> str:
        """A filter value as the page says it ("Unknown" for (none), "10 s – 1 min")."""
        if value == NONE:
            return self.none_label
        if self.kind == "duration":
            return dict(DURATIONS).get(value) or _duration_words(value)
        return value


@dataclass(frozen=True)
class Sort:
    param: str  # "duration"
    label: str  # column heading
    key: Callable[[Any], Any]
    descending: str  # "Longest first": the choice in the form's sort menu
    ascending: str


@dataclass(frozen=True)
class ListSpec:
    """What a list page can filter and sort on."""

    fields: tuple[Field, ...]
    sorts: tuple[Sort, ...]
    default_sort: str  # "-started": newest first, the API's own order
    noun: str  # "sessions"


@dataclass(frozen=True)
class Option:
    value: str
    text: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Control:
    field: Field
    value: str  # "" when the filter is off
    options: list[Option]


@dataclass(frozen=True)
class Chip:
    """An active filter, with the link that removes it."""

    label: str
    text: str
    remove_url: str


@dataclass(frozen=True)
class SortLink:
    param: str
    label: str
    url: str
    direction: str  # "ascending", "descending" or "" (not the current sort): for aria-sort


@dataclass
class Filtered(Generic[Row]):
    """The rows after filtering and sorting, and what the page needs to say about them."""

    rows: list[Row]
    fetched: int  # rows OakData returned
    active: dict[str, str]  # param → value of every filter in use
    sort: str
    default_sort: str
    controls: list[Control] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)
    sort_links: dict[str, SortLink] = field(default_factory=dict)
    sort_options: list[Option] = field(default_factory=list)
    keep: dict[str, str] = field(default_factory=dict)  # other query values (range, limit)

    @property
    def filtering(self) -> bool:
        return bool(self.active)

    @property
    def clear_url(self) -> str:
        """This view without any filter (the sort kept)."""
        return self.url(**dict.fromkeys(self.active, ""))

    def url(self, **changes: str) -> str:
        """This view's query with some values changed ("" removes one). The default sort is
        left out, so the plain view's link stays short."""
        values = {**self.keep, **self.active, "sort": self.sort, **changes}
        if values["sort"] == self.default_sort:
            values["sort"] = ""
        return "?" + urlencode({k: v for k, v in values.items() if v})


def session_seconds(s: models.Session) -> float:
    return max(0.0, (s.last_at - s.started_at).total_seconds())


def replay_seconds(r: models.Replay) -> float:
    return max(0.0, (r.duration_ms or 0) / 1000)


def replay_entry_page(r: models.Replay) -> str | None:
    """The path of a replay's entry URL: what "entry page" means for sessions too."""
    if not r.entry_url:
        return None
    try:
        return urlsplit(r.entry_url).path or "/"
    except ValueError:
        return r.entry_url


# Fields and orders sessions and replays share (same attribute names in both rows).
COUNTRY = Field("country", "Country", attrgetter("country"))
DEVICE = (
    Field("device", "Device", attrgetter("device_type")),
    Field("browser", "Browser", attrgetter("browser")),
    Field("os", "OS", attrgetter("os")),
)
NEWEST = Sort("started", "Started", attrgetter("started_at"), "Newest first", "Oldest first")

SESSIONS = ListSpec(
    fields=(
        COUNTRY,
        Field("city", "City", attrgetter("city")),
        *DEVICE,
        Field("entry", "Entry page", attrgetter("entry_path"), "choice", "(unknown page)", False),
        Field("referrer", "Referrer", attrgetter("referring_domain"), none_label="Direct / none"),
        Field("bot", "Bot", attrgetter("is_bot"), kind="yesno"),
        Field("duration", "Duration", session_seconds, kind="duration"),
    ),
    sorts=(
        NEWEST,
        Sort("duration", "Duration", session_seconds, "Longest first", "Shortest first"),
        Sort("pages", "Pages", attrgetter("pageviews"), "Most pages first", "Fewest pages first"),
        Sort("events", "Events", attrgetter("events"), "Most events first", "Fewest events first"),
    ),
    default_sort="-started",
    noun="sessions",
)

REPLAYS = ListSpec(
    fields=(
        COUNTRY,
        *DEVICE,
        Field("entry", "Entry page", replay_entry_page, "choice", "(unknown page)", False),
        Field("errors", "Errors", attrgetter("has_errors"), kind="yesno"),
        Field("duration", "Duration", replay_seconds, kind="duration"),
    ),
    sorts=(NEWEST, Sort("duration", "Duration", replay_seconds, "Longest first", "Shortest first")),
    default_sort="-started",
    noun="recordings",
)


def _duration_words(value: str) -> str:
    low, high = _duration_bounds(value)
    if high is None:
        return f"{low} s or more"
    return f"{low}–{high} s"


def _duration_bounds(value: str) -> tuple[int, int | None]:
    match = _DURATION.fullmatch(value)
    if not match:
        raise InvalidParameter(
            "duration", "duration must be seconds as min-max, e.g. duration=10-60 or 600-"
        )
    low, high = int(match.group(1)), int(match.group(2)) if match.group(2) else None
    if high is not None and high <= low:
        raise InvalidParameter("duration", "duration's maximum must be above its minimum")
    return low, high


def _single(request: HttpRequest, name: str) -> str:
    values = request.GET.getlist(name)
    if len(values) > 1:
        raise InvalidParameter(name, f"{name} is given more than once")
    value = values[0].strip() if values else ""
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidParameter(name, f"{name} is longer than {MAX_VALUE_LENGTH:,} characters")
    return value


def read(request: HttpRequest, spec: ListSpec) -> tuple[dict[str, str], str]:
    """(active filters, sort) from the query string; a malformed value is a 400 page."""
    active: dict[str, str] = {}
    for f in spec.fields:
        value = _single(request, f.param)
        if not value:
            continue
        if f.kind == "yesno" and value not in ("yes", "no"):
            raise InvalidParameter(f.param, f"{f.param} must be yes or no")
        if f.kind == "duration":
            _duration_bounds(value)
        active[f.param] = value
    sort = _single(request, "sort") or spec.default_sort
    if sort.lstrip("-") not in {s.param for s in spec.sorts}:
        names = ", ".join(s.param for s in spec.sorts)
        raise InvalidParameter("sort", f"sort must be one of {names} (with - for descending)")
    return active, sort


def has_empty_values(request: HttpRequest, spec: ListSpec) -> bool:
    """True when the query carries blank filter fields (a form submitted without JavaScript)."""
    names = {f.param for f in spec.fields} | {"sort"}
    return any(not (request.GET.get(name) or "").strip() for name in names if name in request.GET)


def _matcher(f: Field, value: str) -> Callable[[Any], bool]:
    if f.kind == "yesno":
        yes = value == "yes"
        return lambda row: bool(f.get(row)) is yes
    if f.kind == "duration":
        low, high = _duration_bounds(value)
        return lambda row: low <= f.get(row) and (high is None or f.get(row) < high)
    if value == NONE:
        return lambda row: f.get(row) in (None, "")
    if f.any_case:
        wanted = value.casefold()
        return lambda row: (f.get(row) or "").casefold() == wanted
    return lambda row: f.get(row) == value


def _options(f: Field, rows: Sequence[Any], current: str) -> list[Option]:
    choices: Sequence[tuple[str, str]]
    if f.kind == "yesno":
        choices = YES_NO
    elif f.kind == "duration":
        choices = DURATIONS
    else:
        counts = Counter(f.get(row) or NONE for row in rows)
        same = (lambda a, b: a.casefold() == b.casefold()) if f.any_case else str.__eq__
        chosen = next((value for value in counts if current and same(value, current)), None)
        if current and chosen is None:
            counts[current] = 0  # a value from a link (the overview) that no fetched row has
            chosen = current
        ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
        return [
            Option(value, _short(f.text(value)) + f" ({count:,})", count, value == chosen)
            for value, count in ordered
        ]
    return [Option(value, text, 0, value == current) for value, text in choices]


def _short(text: str) -> str:
    return text if len(text) <= OPTION_TEXT else text[: OPTION_TEXT - 1] + "…"


def apply(
    request: HttpRequest, spec: ListSpec, rows: Iterable[Row], keep: dict[str, str]
) -> Filtered[Row]:
    """Filter and sort ``rows`` as the query asks. ``keep``: the page's other query values."""
    fetched = list(rows)
    active, sort = read(request, spec)
    matchers = [_matcher(f, active[f.param]) for f in spec.fields if f.param in active]
    shown = [row for row in fetched if all(match(row) for match in matchers)]
    if sort != spec.default_sort:  # the API's order is the default: no work for most requests
        by = next(s for s in spec.sorts if s.param == sort.lstrip("-"))
        shown.sort(key=by.key, reverse=sort.startswith("-"))
    result = Filtered(shown, len(fetched), active, sort, spec.default_sort, keep=keep)
    result.controls = [
        Control(f, active.get(f.param, ""), _options(f, fetched, active.get(f.param, "")))
        for f in spec.fields
    ]
    result.chips = [
        Chip(f.label, f.text(active[f.param]), result.url(**{f.param: ""}))
        for f in spec.fields
        if f.param in active
    ]
    for s in spec.sorts:
        for value, text in ((f"-{s.param}", s.descending), (s.param, s.ascending)):
            result.sort_options.append(Option(value, text, 0, value == sort))
        current = sort.lstrip("-") == s.param
        descending = sort.startswith("-")
        # A click on the current column flips it; a new column starts with the biggest first.
        target = (s.param if descending else f"-{s.param}") if current else f"-{s.param}"
        direction = ("descending" if descending else "ascending") if current else ""
        result.sort_links[s.param] = SortLink(s.param, s.label, result.url(sort=target), direction)
    return result
