"""The catalogue in the admin site: for staff to look things up, read-only.

Every change to the catalogue goes through catalogue.services (validated, locked and
audited): suppliers and catalogue managers use the pages or the API.
"""

from django.contrib import admin

from catalogue.models import Category, Conformance, PriceBreak, Product, ProductRevision


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PriceBreakInline(admin.TabularInline):
    model = PriceBreak
    extra = 0
    can_delete = False
    readonly_fields = ("min_quantity", "unit_price")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ["name", "cpv_code", "parent"]
    search_fields = ["name", "cpv_code", "slug"]


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["name", "sku", "supplier", "status", "list_price", "is_compliant"]
    list_filter = ["status", "is_compliant"]
    search_fields = ["name", "sku", "supplier__name"]
    list_select_related = ["supplier"]
    exclude = ["search_vector"]
    inlines = [PriceBreakInline]


@admin.register(ProductRevision)
class ProductRevisionAdmin(ReadOnlyAdmin):
    list_display = ["product", "number", "status", "submitted_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["product"]


@admin.register(Conformance)
class ConformanceAdmin(ReadOnlyAdmin):
    list_display = ["product", "standard_version", "status", "claimed_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["product", "standard_version__standard"]
    exclude = ["evidence"]
