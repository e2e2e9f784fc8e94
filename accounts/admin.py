from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts import services
from accounts.models import AuditEvent, Membership, Organisation, User
from accounts.permissions import role_conflict


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal details", {"fields": ["full_name"]}),
        (
            "Access",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]


class MembershipInline(admin.TabularInline):
    """Read-only here: memberships are changed on their own page so that changes are audited."""

    model = Membership
    extra = 0
    readonly_fields = ("user", "role", "approval_limit")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug", "officer_headcount"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


class MembershipAdminForm(forms.ModelForm):
    """Refuses, on the form, what the services would refuse (one rule: ``role_conflict``)."""

    class Meta:
        model = Membership
        fields = ["user", "organisation", "role", "approval_limit"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        user, organisation, role = (cleaned.get(k) for k in ("user", "organisation", "role"))
        if user and organisation and role:
            conflict = role_conflict(
                user, organisation=organisation, role=role, replacing=self.instance.pk
            )
            if conflict:
                self.add_error("role", conflict)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Every change goes through the audited services."""

    form = MembershipAdminForm

    list_display = ["user", "organisation", "role", "approval_limit"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]

    def save_model(self, request, obj, form, change):
        if change:
            saved = services.membership_update(
                membership=obj,
                actor=request.user,
                role=obj.role,
                approval_limit=obj.approval_limit,
            )
        else:
            saved = services.membership_create(
                user=obj.user,
                organisation=obj.organisation,
                role=obj.role,
                approval_limit=obj.approval_limit,
                actor=request.user,
            )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.membership_delete(membership=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.membership_delete(membership=membership, actor=request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail is append-only: readable here, never changed."""

    list_display = [
        "sequence",
        "occurred_at",
        "actor_label",
        "organisation",
        "action",
        "object_type",
        "object_id",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "action"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
