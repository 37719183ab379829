"""Which provider identity (issuer + subject) is which oakdash account."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OidcIdentity(models.Model):
    """Links a user to the provider's stable `sub`, once, at their first company sign-in.

    Later sign-ins find the account by this link, not by e-mail: a renamed address keeps its
    account (and its stored OakData key), and an address handed to someone new does not inherit
    it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identity"
    )
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_unique_identity")
        ]
        verbose_name = "company sign-in identity"

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
