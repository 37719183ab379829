from __future__ import annotations

from django import forms

from oakdash.accounts.models import Project

NEW_OR_TEAMMATES = "A new project (or a teammate's, recognised by the key)"


class ApiKeyForm(forms.Form):
    """Store a key: for a new project, a teammate's (recognised by the key), or one the person
    names — a second or rotated key, or a replacement of their own (``placement.place_key``)."""

    # The typed key is never rendered back into HTML (render_value=False): when it has to be kept,
    # it waits encrypted in the session instead (see views.settings_page).
    api_key = forms.CharField(
        label="Secret key",
        max_length=256,
        strip=True,
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "oak_sec_…"},
        ),
    )
    project = forms.ModelChoiceField(
        label="This key belongs to",
        queryset=Project.objects.order_by("name", "slug"),
        to_field_name="slug",
        required=False,
        empty_label=NEW_OR_TEAMMATES,
    )
    name = forms.CharField(
        label="Name for a new project",
        max_length=Project._meta.get_field("name").max_length,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Acme Shop", "autocomplete": "off"}),
    )


class RenameForm(forms.Form):
    name = forms.CharField(
        label="Project name", max_length=Project._meta.get_field("name").max_length, strip=True
    )
