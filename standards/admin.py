"""The admin shows the network code read-only: every change goes through the audited
services (the pages and the API). A new version of the decision rule is the one thing staff
add here, and that too goes through its service."""

from django.contrib import admin

from standards import policies, services
from standards.models import (
    DecisionRule,
    Proposal,
    ProposalComment,
    Standard,
    StandardVersion,
    Vote,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VersionInline(admin.TabularInline):
    model = StandardVersion
    readonly_fields = ("version", "status", "effective_from", "transition_ends_at")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Standard)
class StandardAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "domain", "abolished_at"]
    list_filter = ["domain"]
    search_fields = ["reference", "title"]
    inlines = [VersionInline]


class CommentInline(admin.TabularInline):
    model = ProposalComment
    readonly_fields = ("author", "organisation", "body", "created_at")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class VoteInline(admin.TabularInline):
    """Who has voted is public; how, only once the vote has closed (``policies``)."""

    model = Vote
    readonly_fields = ("force", "shown_choice", "cast_by", "cast_at", "updated_at")
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Choice")
    def shown_choice(self, vote: Vote) -> str:
        if not policies.counts_visible(vote.proposal):
            return "Secret until voting closes"
        return vote.get_choice_display()


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["title", "action", "status", "standard", "voting_closes_at"]
    list_filter = ["status", "action"]
    search_fields = ["title", "proposed_reference", "standard__reference"]
    inlines = [CommentInline, VoteInline]


@admin.register(DecisionRule)
class DecisionRuleAdmin(admin.ModelAdmin):
    list_display = ["version", "quorum", "forces_majority", "headcount_majority", "effective_from"]
    fields = ["quorum", "forces_majority", "headcount_majority", "effective_from", "notes"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        saved = services.decision_rule_create(
            actor=request.user,
            quorum=obj.quorum,
            forces_majority=obj.forces_majority,
            headcount_majority=obj.headcount_majority,
            effective_from=obj.effective_from,
            notes=obj.notes,
        )
        obj.pk, obj.version = saved.pk, saved.version
