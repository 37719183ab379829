"""Admins see every public link (and revoke any) and the whole audit trail, read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from oakdash.sharing import audit
from oakdash.sharing.models import ShareAudit, SharedReplay


@admin.register(SharedReplay)
class SharedReplayAdmin(admin.ModelAdmin):
    list_display = (
        "public_id",
        "project",
        "replay_id",
        "creator",
        "created_at",
        "expires_at",
        "views",
        "max_views",
        "last_viewed_at",
        "revoked_at",
    )
    list_filter = ("project", "revoked_at")
    search_fields = ("public_id", "replay_id", "note", "creator__username")
    readonly_fields = [
        field.name for field in SharedReplay._meta.fields if field.name not in ("id", "secret_hash")
    ]
    exclude = ("secret_hash",)
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # links are created from a replay's page, where the secret is shown once

    @admin.action(description="Revoke the selected links now")
    def revoke(self, request: HttpRequest, queryset: QuerySet[SharedReplay]) -> None:
        live = list(queryset.filter(revoked_at__isnull=True))
        SharedReplay.objects.filter(pk__in=[link.pk for link in live]).update(
            revoked_at=timezone.now(), revoked_by=request.user
        )
        for link in live:
            audit.record(ShareAudit.Action.REVOKED, request=request, link=link, detail="admin")
        messages.success(request, f"{len(live)} link(s) revoked.")


@admin.register(ShareAudit)
class ShareAuditAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "project", "replay_id", "actor", "client_hash", "client_agent")
    list_filter = ("action", "project")
    search_fields = ("replay_id", "detail", "link__public_id")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ShareAudit | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ShareAudit | None = None) -> bool:
        return False
