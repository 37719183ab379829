"""The "Share publicly" form: expiry (capped by the operator), start, note, event list, views."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings

# (value, label, hours)
EXPIRIES = (
    ("1h", "1 hour", 1),
    ("1d", "1 day", 24),
    ("7d", "7 days", 168),
    ("30d", "30 days", 720),
)
DEFAULT_EXPIRY = "7d"


def expiry_choices() -> list[tuple[str, str, int]]:
    """The expiries on offer: those within OAKDASH_SHARING_MAX_HOURS, else the maximum itself."""
    limit = settings.OAKDASH_SHARING_MAX_HOURS
    offered = [choice for choice in EXPIRIES if choice[2] <= limit]
    if not offered or offered[-1][2] < limit < EXPIRIES[-1][2]:
        offered.append((f"{limit}h", f"{limit} hours (the longest allowed here)", limit))
    return offered


def default_expiry() -> str:
    choices = expiry_choices()
    values = [value for value, _, _ in choices]
    return DEFAULT_EXPIRY if DEFAULT_EXPIRY in values else values[-1]


class ShareForm(forms.Form):
    project = forms.SlugField(widget=forms.HiddenInput)
    replay_id = forms.CharField(max_length=1024, widget=forms.HiddenInput, strip=False)
    expiry = forms.ChoiceField(label="Expires after")
    start = forms.DecimalField(
        label="Start at (seconds into the recording)",
        required=False,
        min_value=0,
        max_value=10_000_000,
        decimal_places=3,
        help_text="Empty: from the beginning.",
    )
    note = forms.CharField(
        label="Note for the viewer", required=False, max_length=200, help_text="Optional."
    )
    include_events = forms.BooleanField(
        label="Include the session's event list (event names, times and paths only)",
        required=False,
    )
    max_views = forms.IntegerField(
        label="Stop after this many views",
        required=False,
        min_value=1,
        max_value=1_000_000,
        help_text="Empty: no limit until it expires.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        expiry = self.fields["expiry"]
        assert isinstance(expiry, forms.ChoiceField)
        expiry.choices = [(value, label) for value, label, _ in expiry_choices()]
        expiry.initial = default_expiry()

    def lifetime(self) -> dt.timedelta:
        hours = {value: hours for value, _, hours in expiry_choices()}
        return dt.timedelta(hours=hours[self.cleaned_data["expiry"]])

    def start_ms(self) -> int | None:
        start = self.cleaned_data.get("start")
        return None if start is None else int(start * 1000)
