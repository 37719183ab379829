from __future__ import annotations

from django import forms


class ApiKeyForm(forms.Form):
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
