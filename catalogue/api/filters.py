"""The product list's filters: the same search as the catalogue page
(:mod:`catalogue.selectors.search`)."""

from dataclasses import replace

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalogue import selectors
from catalogue.forms import SearchCleaning
from catalogue.models import (
    Conformance,
    ConformanceStatus,
    Product,
    ProductStatus,
)
from catalogue.selectors import search
from core.api import IdFilter
from core.limits import MAX_PRICED_QUANTITY, MONEY_DIGITS, SMALLEST_PRICE


class SearchFilterForm(SearchCleaning, forms.Form):
    pass


class StrictBooleanField(forms.NullBooleanField):
    """true or false (also 1/0, yes/no); anything else is an error, not "no filter"."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise ValidationError("Enter true or false.", code="invalid")

    def validate(self, value):
        return None


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="_unused",
        max_length=search.MAX_QUERY_LENGTH,
        help_text="Words to find in the name, summary, description, supplier, SKU or CPV code. "
        "Every word must match (as a word prefix).",
    )
    category = django_filters.CharFilter(
        method="_unused",
        help_text="A category's slug or CPV code: products in it and its subcategories.",
    )
    supplier = django_filters.CharFilter(method="_unused", help_text="A supplier's slug.")
    standard = django_filters.CharFilter(
        method="_unused",
        help_text="A standard's reference (e.g. NC-SEC-001): products with verified "
        "conformance to it.",
    )
    max_price = django_filters.NumberFilter(
        method="_unused",
        min_value=SMALLEST_PRICE,
        **MONEY_DIGITS,
        help_text="Highest unit price (GBP) at `quantity` units (default 1).",
    )
    quantity = IntegerFilter(
        method="_unused",
        min_value=1,
        max_value=MAX_PRICED_QUANTITY,
        help_text="The quantity that `max_price`, `unit_price` and price ordering refer to.",
    )
    compliant = StrictBooleanFilter(
        method="_unused", help_text="true: only products compliant with the network code."
    )
    status = django_filters.ChoiceFilter(
        choices=ProductStatus.choices,
        help_text="Suppliers and catalogue managers: products in this state.",
    )
    awaiting_review = StrictBooleanFilter(
        method="_unused",
        help_text="true: products with a listing or a change submitted for review (the "
        "catalogue managers' queue); false: the others.",
    )
    ordering = django_filters.ChoiceFilter(
        method="_unused",
        choices=search.Ordering.CHOICES,
        help_text="relevance (default with `q`), price, -price, name (default), newest.",
    )

    class Meta:
        model = Product
        fields = ["q", "category", "supplier", "standard", "max_price", "quantity", "compliant"]
        form = SearchFilterForm

    def _unused(self, queryset, name, value):  # pragma: no cover - see filter_queryset
        return queryset

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("awaiting_review") is not None:
            queryset = selectors.with_submitted_revision(queryset, data["awaiting_review"])
        params = self.form.search_params()
        corrected = getattr(self.request, "catalogue_corrected_q", None)
        if corrected is not None:  # "did you mean": the list view found nothing as typed
            params = replace(params, q=corrected)
        self.request.catalogue_search_params = params  # for the list view's facets
        return search.apply(queryset, params, tree=self.form.tree)


class ConformanceFilter(django_filters.FilterSet):
    product = IdFilter(field_name="product_id")
    status = django_filters.ChoiceFilter(choices=ConformanceStatus.choices)
    standard = django_filters.CharFilter(
        field_name="standard_version__standard__reference", help_text="e.g. NC-SEC-001"
    )

    class Meta:
        model = Conformance
        fields = ["product", "status", "standard"]
