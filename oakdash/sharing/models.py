"""Public replay links and their audit trail.

A link names a project and a replay, and plays it with its creator's key for that project at
view time: it carries no key and no copy of the recording. Its secret is stored only as a hash
(``tokens.py``); the row is read on every view, so a revocation is seen at once by every worker
and host.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from oakdash.accounts.models import Project


class SharedReplay(models.Model):
    """One public link to one replay of one project."""

    # The link's address, /s/<public_id>/: random, so links cannot be enumerated.
    public_id = models.CharField(max_length=32, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="shared_replays")
    replay_id = models.CharField(max_length=1024)
    # Kept when the account goes (the audit stays); the link then stops working.
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="shared_replays",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    start_ms = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True, default="")
    include_events = models.BooleanField(default=False)
    max_views = models.PositiveIntegerField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0, editable=False)
    last_viewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "shared replay link"

    def __str__(self) -> str:
        return f"/s/{self.public_id}/ · {self.project.name} · {self.replay_id[:40]}"

    @property
    def start_seconds(self) -> float | None:
        return None if self.start_ms is None else self.start_ms / 1000

    def status(self, now=None) -> str:
        """active, revoked, expired or used up (the key's state needs the API: see rules)."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.expires_at:
            return "expired"
        if self.max_views is not None and self.views >= self.max_views:
            return "used up"
        return "active"


class ShareAudit(models.Model):
    """Who did what to a link, when, and from what coarse client: kept after a link is gone."""

    class Action(models.TextChoices):
        CREATED = "created"
        VIEWED = "viewed"
        REFUSED = "refused"
        REVOKED = "revoked"
        EXPORTED = "exported"

    link = models.ForeignKey(
        SharedReplay, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replay_id = models.CharField(max_length=1024, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # A truncated keyed hash of the address (tells repeat visitors apart, names nobody) and the
    # browser family ("Chrome", "curl"): enough to notice a link passed around, no more.
    client_hash = models.CharField(max_length=16, blank=True, default="")
    client_agent = models.CharField(max_length=40, blank=True, default="")
    detail = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ("-at", "-pk")
        verbose_name = "sharing audit entry"
        verbose_name_plural = "sharing audit trail"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.detail}"
