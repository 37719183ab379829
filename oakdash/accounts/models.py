"""The per-user OakData secret key, stored encrypted."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from oakdash.accounts import crypto


class ApiKey(models.Model):
    """One OakData secret key per user. Only the ciphertext and a display mask are stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oakdata_key"
    )
    ciphertext = models.TextField(editable=False)
    mask = models.CharField(max_length=32, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "OakData key"

    def __str__(self) -> str:
        return f"{self.user} · {self.mask}"

    def reveal(self) -> str:
        """The plaintext key, for the one request that uses it. Raises UndecryptableKey."""
        return crypto.decrypt(self.ciphertext)
