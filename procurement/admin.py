from django.contrib import admin

from accounts import audit
from procurement.audit_actions import ProcurementAudit
from procurement.models import (
    Approval,
    JointRequisition,
    Order,
    OrderLine,
    Participation,
    ProcurementThreshold,
)


@admin.register(ProcurementThreshold)
class ProcurementThresholdAdmin(admin.ModelAdmin):
    """Thresholds are dated reference data that staff keep up to date; changes are audited."""

    list_display = ["kind", "amount", "includes_vat", "effective_from", "description"]
    list_filter = ["kind"]
    ordering = ["kind", "-effective_from"]

    def save_model(self, request, obj, form, change):
        action = (
            ProcurementAudit.THRESHOLD_CHANGED if change else ProcurementAudit.THRESHOLD_CREATED
        )
        with audit.audited(obj, actor=request.user, action=action) as audited_change:
            # The form has already set the new values on obj: the state before is the stored
            # row (none for a new threshold).
            audited_change.before = (
                audit.snapshot(ProcurementThreshold.objects.get(pk=obj.pk)) if change else None
            )
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        with audit.audited(obj, actor=request.user, action=ProcurementAudit.THRESHOLD_DELETED):
            super().delete_model(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Deleting a threshold would rewrite history: add a newer one instead.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Requisitions, participations and orders change only through the audited services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    readonly_fields = ("force", "quantity", "status", "share", "vat", "approval_round")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(JointRequisition)
class JointRequisitionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "lead_force", "status", "closes_at", "total"]
    list_filter = ["status"]
    search_fields = ["title", "ocid", "product__name", "lead_force__name"]
    inlines = [ParticipationInline]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["participation", "approver", "decision", "amount", "round", "created_at"]
    list_filter = ["decision"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = ("force", "quantity", "share", "vat", "total")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "supplier", "status", "total", "notifiable", "created_at"]
    list_filter = ["status", "notifiable"]
    search_fields = ["number", "supplier__name"]
    inlines = [OrderLineInline]
