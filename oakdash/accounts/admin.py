from django.contrib import admin

from oakdash.accounts.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Admins see who has a key and its mask, never the key; users set keys on /settings/."""

    list_display = ("user", "mask", "verified_at", "updated_at")
    readonly_fields = ("user", "mask", "verified_at", "created_at", "updated_at")
    search_fields = ("user__username",)

    def has_add_permission(self, request) -> bool:
        return False
