"""Forms for the catalogue's pages, and the search parameters shared with the API."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Organisation, OrganisationKind
from catalogue.domain.content import ProductContent
from catalogue.domain.pricing import Tier, price_break_errors
from catalogue.models import Unit
from catalogue.selectors.category_tree import CategoryTree
from catalogue.selectors.search import MAX_QUERY_LENGTH, Ordering, SearchParams
from core.cpv import validate_cpv_code
from core.forms import Form
from core.limits import (
    MAX_LEAD_TIME_DAYS,
    MAX_PRICE_BREAKS,
    MAX_PRICED_QUANTITY,
    MAX_REASON_LENGTH,
    MONEY_DIGITS,
    SMALLEST_PRICE,
)
from standards.models import Standard

EXTRA_BREAK_NUMBERS = list(range(2, MAX_PRICE_BREAKS + 1))


class SearchCleaning:
    """Turns search input into objects; unknown values are errors naming the field.

    Shared by the search page's form and the API's filter set, so both accept the same
    things: a category by slug or CPV code, a supplier by slug, a standard by reference.
    """

    tree: CategoryTree | None = None
    cleaned_data: dict[str, Any]  # the form this mixes into sets it

    def category_tree(self) -> CategoryTree:
        if self.tree is None:
            self.tree = CategoryTree.load()
        return self.tree

    def clean_category(self):
        key = (self.cleaned_data.get("category") or "").strip()
        if not key:
            return None
        category = self.category_tree().find(key)
        if category is None:
            raise ValidationError(
                "No category has the slug or CPV code %(key)r.", params={"key": key}
            )
        return category

    def clean_supplier(self):
        slug = (self.cleaned_data.get("supplier") or "").strip()
        if not slug:
            return None
        supplier = Organisation.objects.filter(kind=OrganisationKind.SUPPLIER, slug=slug).first()
        if supplier is None:
            raise ValidationError("No supplier has the identifier %(slug)r.", params={"slug": slug})
        return supplier

    def clean_standard(self):
        reference = (self.cleaned_data.get("standard") or "").strip().upper()
        if not reference:
            return None
        standard = Standard.objects.filter(reference=reference).first()
        if standard is None:
            raise ValidationError(
                "No standard has the reference %(reference)r.", params={"reference": reference}
            )
        return standard

    def search_params(self) -> SearchParams:
        data = self.cleaned_data
        return SearchParams(
            q=data.get("q") or "",
            category=data.get("category"),
            supplier=data.get("supplier"),
            standard=data.get("standard"),
            max_price=data.get("max_price"),
            quantity=data.get("quantity"),
            compliant=data.get("compliant"),
            ordering=data.get("ordering") or "",
        )


class SearchForm(SearchCleaning, Form):
    """The catalogue search page's filters (GET)."""

    q = forms.CharField(label="Search", required=False, max_length=MAX_QUERY_LENGTH)
    category = forms.CharField(label="Category", required=False, widget=forms.Select)
    supplier = forms.CharField(label="Supplier", required=False, widget=forms.Select)
    standard = forms.CharField(label="Conforms to standard", required=False, widget=forms.Select)
    quantity = forms.IntegerField(
        label="Quantity",
        required=False,
        min_value=1,
        max_value=MAX_PRICED_QUANTITY,
        help_text="Prices are shown for this many units.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"}),
    )
    max_price = forms.DecimalField(
        label="Maximum unit price, £",
        required=False,
        min_value=SMALLEST_PRICE,
        **MONEY_DIGITS,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
    )
    compliant = forms.NullBooleanField(
        label="Only products compliant with the network code",
        required=False,
        widget=forms.CheckboxInput,
    )
    ordering = forms.ChoiceField(
        label="Sort by", required=False, choices=[("", "Best match")] + Ordering.CHOICES[1:]
    )

    def __init__(self, *args, suppliers=(), standards=(), **kwargs):
        super().__init__(*args, **kwargs)
        tree = self.category_tree()
        self.fields["category"].widget.choices = [("", "All categories")] + [
            (c.slug, ("– " * depth) + c.name) for c, depth in tree.in_tree_order()
        ]
        self.fields["supplier"].widget.choices = [("", "All suppliers")] + [
            (s.slug, s.name) for s in suppliers
        ]
        self.fields["standard"].widget.choices = [("", "Any standard")] + [
            (s.reference, f"{s.reference} {s.title}") for s in standards
        ]

    def clean_compliant(self):
        # A ticked box means "compliant only"; unticked means no filter.
        return True if self.cleaned_data.get("compliant") else None


class ProductForm(Form):
    """A listing's content with a fixed number of price-break rows (no JavaScript needed)."""

    sku = forms.CharField(
        label="SKU",
        max_length=64,
        error_messages={"required": "Enter the product's SKU (your own product code)."},
        help_text="Your own product code. Letters, digits, dots, slashes, hyphens, underscores.",
    )
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the product's name."}
    )
    summary = forms.CharField(
        label="Summary",
        max_length=300,
        required=False,
        help_text="One line shown in search results.",
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    category = forms.ChoiceField(
        label="Category", error_messages={"required": "Choose the product's category."}
    )
    unit = forms.ChoiceField(label="Unit", choices=Unit.choices)
    list_price = forms.DecimalField(
        label="List price",
        error_messages={
            "required": "Enter the list price, like 1250.00.",
            "invalid": "Enter the list price as an amount in pounds, like 1250.00.",
        },
        min_value=SMALLEST_PRICE,
        **MONEY_DIGITS,
        help_text="The price of one unit, in pounds, excluding VAT. It is also the price break "
        "for quantity 1.",
    )
    lead_time_days = forms.IntegerField(
        label="Lead time in days",
        error_messages={
            "required": "Enter the lead time in days (0 if in stock).",
            "invalid": "Enter the lead time as a whole number of days.",
        },
        min_value=0,
        max_value=MAX_LEAD_TIME_DAYS,
        initial=0,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
    )

    def __init__(self, *args, tree: CategoryTree, sku_editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.tree = tree
        category_field = cast(forms.ChoiceField, self.fields["category"])
        category_field.choices = [("", "Choose a category")] + [
            (str(c.pk), ("– " * depth) + f"{c.name} ({c.cpv_code})")
            for c, depth in tree.in_tree_order()
        ]
        if not sku_editable:
            self.fields["sku"].disabled = True
            self.fields["sku"].help_text = "The SKU of a product that has been published is fixed."
        for number in EXTRA_BREAK_NUMBERS:
            quantity = forms.IntegerField(
                label=f"Price break {number}: minimum quantity",
                required=False,
                min_value=2,
                max_value=MAX_PRICED_QUANTITY,
            )
            price = forms.DecimalField(
                label=f"Price break {number}: unit price",
                required=False,
                min_value=SMALLEST_PRICE,
                **MONEY_DIGITS,
            )
            self.fields[f"break_{number}_quantity"] = quantity
            self.fields[f"break_{number}_unit_price"] = price

    @staticmethod
    def initial_for(content: ProductContent, sku: str) -> dict:
        initial = {
            "sku": sku,
            "name": content.name,
            "summary": content.summary,
            "description": content.description,
            "category": str(content.category.pk) if content.category else "",
            "unit": content.unit,
            "list_price": content.list_price,
            "lead_time_days": content.lead_time_days,
        }
        for number, tier in zip(EXTRA_BREAK_NUMBERS, content.price_breaks[1:], strict=False):
            initial[f"break_{number}_quantity"] = tier.min_quantity
            initial[f"break_{number}_unit_price"] = tier.unit_price
        return initial

    def break_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (number, self[f"break_{number}_quantity"], self[f"break_{number}_unit_price"])
            for number in EXTRA_BREAK_NUMBERS
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for number in EXTRA_BREAK_NUMBERS:
            quantity = data.get(f"break_{number}_quantity")
            price = data.get(f"break_{number}_unit_price")
            if (quantity is None) != (price is None) and not (
                self.has_error(f"break_{number}_quantity")
                or self.has_error(f"break_{number}_unit_price")
            ):
                missing = "unit price" if price is None else "minimum quantity"
                self.add_error(
                    f"break_{number}_unit_price" if price is None else f"break_{number}_quantity",
                    f"Price break {number}: enter a {missing} too, or leave both empty.",
                )
        if data.get("list_price") is not None and not any(
            name.startswith("break_") or name == "list_price" for name in self.errors
        ):
            # The price-break rule (catalogue.domain.pricing), checked with the other fields.
            for message in price_break_errors(self._tiers(data), data["list_price"]):
                self.add_error(None, message)
        return data

    def _tiers(self, data) -> list[Tier]:
        tiers = [Tier(1, data["list_price"])]
        for number in EXTRA_BREAK_NUMBERS:
            quantity = data.get(f"break_{number}_quantity")
            price = data.get(f"break_{number}_unit_price")
            if quantity is not None and price is not None:
                tiers.append(Tier(quantity, price))
        return tiers

    def content(self) -> ProductContent:
        data = self.cleaned_data
        tiers = self._tiers(data)
        return ProductContent(
            name=data["name"],
            summary=data.get("summary") or "",
            description=data.get("description") or "",
            category=self.tree.by_id.get(int(data["category"])),
            unit=data["unit"],
            list_price=data["list_price"],
            lead_time_days=data["lead_time_days"],
            price_breaks=tuple(tiers),
        )

    def error_list_for_summary(self) -> list[tuple[str, str]]:
        items = super().error_list_for_summary()
        # Price-break rules are about the rows together: point at the table.
        return [
            ("#price-breaks", message) if anchor == "#main-content" else (anchor, message)
            for anchor, message in items
        ]


class ReasonForm(Form):
    reason = forms.CharField(
        label="Reason",
        error_messages={"required": "Give a reason."},
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The supplier sees this.",
    )


class WithdrawForm(ReasonForm):
    reason = forms.CharField(
        label="Why is this product being withdrawn?",
        error_messages={"required": "Say why the product is being withdrawn."},
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Buyers no longer see the product. This reason is kept in its history.",
    )


class ConformanceClaimForm(Form):
    standard = forms.ChoiceField(
        label="Standard", error_messages={"required": "Choose the standard."}
    )
    evidence = forms.FileField(
        label="Evidence (PDF)",
        error_messages={"required": "Choose the PDF of the evidence."},
        help_text="A certificate or test report showing the product meets the standard.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, versions, max_size: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {str(v.pk): v for v in versions}
        standard_field = cast(forms.ChoiceField, self.fields["standard"])
        standard_field.choices = [("", "Choose a standard")] + [
            (str(v.pk), f"{v.standard.reference} {v.standard.title} (version {v.version})")
            for v in versions
        ]
        self.fields["evidence"].help_text += f" PDF only, smaller than {max_size}."

    domain_error_fields = {"standard_version": "standard"}


class ImportForm(Form):
    file = forms.FileField(
        label="CSV file",
        error_messages={"required": "Choose the CSV file to upload."},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class CategoryForm(Form):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the product's name."}
    )
    slug = forms.SlugField(
        label="Identifier",
        max_length=100,
        help_text="Lower-case letters, digits and hyphens; used in links and the API.",
    )
    cpv_code = forms.CharField(
        label="CPV code",
        max_length=10,
        validators=[validate_cpv_code],
        help_text="Eight digits, a hyphen and the check digit, like 30213100-6.",
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    parent = forms.ChoiceField(
        label="Parent category",
        required=False,
        help_text="Moving a category moves its subcategories and products with it.",
    )
    required_standards = forms.MultipleChoiceField(
        label="Standards its products must meet",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Subcategories inherit these.",
    )

    def __init__(self, *args, tree: CategoryTree, category=None, standards=(), **kwargs):
        if category is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": category.name,
                "slug": category.slug,
                "cpv_code": category.cpv_code,
                "description": category.description,
                "parent": str(category.parent_id or ""),
                "required_standards": [
                    str(pk) for pk in category.required_standards.values_list("pk", flat=True)
                ],
            }
        super().__init__(*args, **kwargs)
        parent_field = cast(forms.ChoiceField, self.fields["parent"])
        parent_field.choices = [("", "None: a top-level category")] + [
            (str(c.pk), ("– " * depth) + f"{c.name} ({c.cpv_code})")
            for c, depth in tree.in_tree_order()
        ]
        required_standards_field = cast(forms.ChoiceField, self.fields["required_standards"])
        required_standards_field.choices = [
            (str(s.pk), f"{s.reference} {s.title}") for s in standards
        ]
