from django.contrib import admin

from oakdash.sso.models import OidcIdentity


@admin.register(OidcIdentity)
class OidcIdentityAdmin(admin.ModelAdmin):
    """Unlink an identity here to let an account be claimed by a new provider identity."""

    list_display = ("user", "subject", "issuer", "linked_at")
    search_fields = ("user__username", "user__email", "subject")
    readonly_fields = ("linked_at",)
