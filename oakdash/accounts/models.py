"""OakData projects and the members' keys to them, stored encrypted.

A project is what OakData calls one: the API has no project id, a secret key resolves to exactly
one project. So oakdash names projects itself (``name``, and ``slug`` for URLs) and knows which
keys belong together by their keyed fingerprint (``crypto.fingerprint``): two people who store the
same key are in the same project. Each member reads the project with their own key, never anyone
else's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from oakdash.accounts import crypto


class Project(models.Model):
    """One OakData project: a name anyone with a key may change, and a stable URL slug."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(
        max_length=50,
        unique=True,
        help_text=(
            "The project's address: /p/<slug>/. Every link anyone has shared contains it: "
            "changing it breaks them all."
        ),
    )
    # The id of a recent session seen through a member's own key (refreshed whenever a member's
    # key is verified). A key claimed to be this project's must be able to read it: the API has
    # no project id, so this is how a second or rotated key proves where it belongs.
    anchor_session = models.CharField(max_length=1024, blank=True, default="", editable=False)
    anchor_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name", "slug")

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class ProjectKey(models.Model):
    """A person's OakData secret key for one project. Only the ciphertext, a display mask and a
    keyed fingerprint are stored; the fingerprint is not unique: teammates may store one key."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_keys"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="keys")
    ciphertext = models.TextField(editable=False)
    mask = models.CharField(max_length=32, editable=False)
    # Empty when the key could not be decrypted during the upgrade: the person stores it again.
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "OakData key"
        constraints = [
            models.UniqueConstraint(fields=("user", "project"), name="one_key_per_user_and_project")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.project.name} · {self.mask}"

    def reveal(self) -> str:
        """The plaintext key, for the one request that uses it. Raises UndecryptableKey."""
        return crypto.decrypt(self.ciphertext)
