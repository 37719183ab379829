"""Admins see projects and who has a key for each (its mask), never a key or its ciphertext.

People store keys on /settings/ (or an operator with ``setkey``); what an admin does here is
rename a project, change its address (with a warning: shared links break), remove someone's key,
or attach a key to another project — for a project whose membership cannot be proved through the
API (docs/DECISIONS.md, "Projects").
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from oakdash.accounts.models import Project, ProjectKey


class MemberInline(admin.TabularInline):
    model = ProjectKey
    fields = ("user", "mask", "verified_at", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = True
    verbose_name = "member"
    verbose_name_plural = "members (a key each; delete one to remove that person's access)"

    def has_add_permission(self, request: HttpRequest, obj: Project | None = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "member_count", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug")
    inlines = (MemberInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Project]:
        return super().get_queryset(request).annotate(members=Count("keys"))

    @admin.display(description="members", ordering="members")
    def member_count(self, project: Project) -> int:
        return project.members  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Project, form, change: bool) -> None:
        if change and "slug" in form.changed_data:
            messages.warning(
                request,
                f"The project's address changed from /p/{form.initial['slug']}/ to "
                f"/p/{obj.slug}/: links shared with the old address no longer open it.",
            )
        super().save_model(request, obj, form, change)


class ProjectKeyForm(forms.ModelForm):
    class Meta:
        model = ProjectKey
        fields = ("project",)

    def clean_project(self) -> Project:
        project = self.cleaned_data["project"]
        others = ProjectKey.objects.filter(user=self.instance.user_id, project=project)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                "This person already has a key for that project: remove one of the two first."
            )
        return project


@admin.register(ProjectKey)
class ProjectKeyAdmin(admin.ModelAdmin):
    """Keys are stored by their owners; here an admin only moves one to another project."""

    form = ProjectKeyForm

    list_display = ("user", "project", "mask", "verified_at", "updated_at")
    list_filter = ("project",)
    list_select_related = ("user", "project")
    search_fields = ("user__username", "project__name", "project__slug")
    fields = ("user", "project", "mask", "verified_at", "created_at", "updated_at")
    readonly_fields = ("user", "mask", "verified_at", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
