from decimal import Decimal

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.permissions import can_download_evidence, can_edit_listings_of, is_catalogue_manager
from catalogue import selectors
from catalogue.domain.content import (
    ProductContent,
)
from catalogue.domain.pricing import Tier, unit_price_for
from catalogue.models import Category, Conformance, Product, ProductRevision, Unit
from catalogue.selectors.category_tree import CategoryTree
from core.limits import (
    MAX_DESCRIPTION_LENGTH,
    MAX_LEAD_TIME_DAYS,
    MAX_PRICE_BREAKS,
    MAX_PRICED_QUANTITY,
    MAX_REASON_LENGTH,
    MONEY_DIGITS,
    SMALLEST_PRICE,
)
from standards.models import Standard


def _money_text(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


class CategorySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "cpv_code"]


class SupplierSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class CategorySerializer(serializers.ModelSerializer):
    # DRF's metaclass takes declared fields off the class; the stubs see Field.parent.
    parent: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="slug", read_only=True
    )
    required_standards: serializers.SlugRelatedField[Standard] = serializers.SlugRelatedField(
        slug_field="reference", many=True, read_only=True
    )

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "cpv_code", "description", "parent", "required_standards"]


class CategoryWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=100)
    cpv_code = serializers.CharField(max_length=10, help_text="NNNNNNNN-C, e.g. 30213100-6")
    description = serializers.CharField(required=False, allow_blank=True)
    # DRF's metaclass takes declared fields off the class; the stubs see Field.parent.
    parent = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="slug",
        queryset=selectors.categories(),
        required=False,
        allow_null=True,
        help_text="The parent category's slug; null for a top-level category.",
    )
    required_standards = serializers.SlugRelatedField(
        slug_field="reference", queryset=selectors.standards(), many=True, required=False
    )


class PriceBreakSerializer(serializers.Serializer):
    min_quantity = serializers.IntegerField(min_value=1, max_value=MAX_PRICED_QUANTITY)
    unit_price = serializers.DecimalField(**MONEY_DIGITS, min_value=SMALLEST_PRICE)


class ProductListSerializer(serializers.ModelSerializer):
    supplier = SupplierSummarySerializer(read_only=True)
    category = CategorySummarySerializer(read_only=True)
    price_breaks = serializers.SerializerMethodField()
    unit_price = serializers.SerializerMethodField(
        help_text="The unit price at the requested `quantity` (default 1)."
    )
    quantity = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "summary",
            "status",
            "supplier",
            "category",
            "unit",
            "list_price",
            "lead_time_days",
            "is_compliant",
            "published_at",
            "price_breaks",
            "quantity",
            "unit_price",
        ]

    def _quantity(self) -> int:
        return self.context.get("quantity") or 1

    def to_representation(self, product: Product) -> dict:
        """The declared fields, built directly: a page of 25 products through DRF's generic
        field machinery took about 6 ms of a search request."""
        breaks = list(product.price_breaks.all())
        quantity = self._quantity()
        try:
            unit_price = str(unit_price_for(breaks, quantity)) if breaks else None
        except ValueError:
            unit_price = None
        supplier, category = product.supplier, product.category
        published_at = product.published_at
        return {
            "id": product.pk,
            "sku": product.sku,
            "name": product.name,
            "summary": product.summary,
            "status": product.status,
            "supplier": {"slug": supplier.slug, "name": supplier.name},
            "category": {
                "slug": category.slug,
                "name": category.name,
                "cpv_code": category.cpv_code,
            },
            "unit": product.unit,
            "list_price": _money_text(product.list_price),
            "lead_time_days": product.lead_time_days,
            "is_compliant": product.is_compliant,
            "published_at": (
                self.fields["published_at"].to_representation(published_at)
                if published_at is not None
                else None
            ),
            "price_breaks": [
                {"min_quantity": b.min_quantity, "unit_price": _money_text(b.unit_price)}
                for b in breaks
            ],
            "quantity": quantity,
            "unit_price": unit_price,
        }

    @extend_schema_field(PriceBreakSerializer(many=True))
    def get_price_breaks(self, product: Product) -> list[dict]:
        return [
            {"min_quantity": b.min_quantity, "unit_price": str(b.unit_price)}
            for b in product.price_breaks.all()
        ]

    def get_quantity(self, product: Product) -> int:
        return self._quantity()

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_unit_price(self, product: Product) -> str | None:
        breaks = list(product.price_breaks.all())
        if not breaks:
            return None
        try:
            return str(unit_price_for(breaks, self._quantity()))
        except ValueError:
            return None


class ConformanceSerializer(serializers.ModelSerializer):
    product: serializers.PrimaryKeyRelatedField[Product] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    standard = serializers.CharField(source="standard_version.standard.reference", read_only=True)
    standard_title = serializers.CharField(source="standard_version.standard.title", read_only=True)
    version = serializers.IntegerField(source="standard_version.version", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    evidence_url = serializers.SerializerMethodField(
        help_text="Download link, for the supplier and the ICT company only."
    )

    class Meta:
        model = Conformance
        fields = [
            "id",
            "product",
            "standard",
            "standard_title",
            "version",
            "status",
            "status_label",
            "evidence_name",
            "evidence_sha256",
            "claimed_at",
            "decided_at",
            "decision_reason",
            "lapses_at",
            "lapsed_at",
            "evidence_url",
        ]

    def get_evidence_url(self, conformance: Conformance) -> str | None:
        request = self.context.get("request")
        if request is None or not conformance.evidence:
            return None
        if not can_download_evidence(request.user, conformance.product.supplier_id):
            return None
        return request.build_absolute_uri(
            reverse("api:conformance-evidence", kwargs={"pk": conformance.pk})
        )


class ConformanceClaimSerializer(serializers.Serializer):
    product = serializers.IntegerField(help_text="The product's id.")
    standard = serializers.CharField(
        help_text="The standard's reference, e.g. NC-SEC-001: the claim is to its adopted version."
    )
    evidence = serializers.FileField(help_text="PDF evidence (size-limited).")


class RevisionSerializer(serializers.ModelSerializer):
    category = CategorySummarySerializer(read_only=True)
    price_breaks = PriceBreakSerializer(many=True, read_only=True)

    class Meta:
        model = ProductRevision
        fields = [
            "number",
            "status",
            "name",
            "summary",
            "description",
            "category",
            "unit",
            "list_price",
            "lead_time_days",
            "price_breaks",
            "created_at",
            "submitted_at",
            "decided_at",
            "decision_reason",
        ]


class ProductDetailSerializer(ProductListSerializer):
    conformances = serializers.SerializerMethodField()
    open_revision = serializers.SerializerMethodField(
        help_text="The change awaiting publication (the supplier and catalogue managers only)."
    )
    published_revision = serializers.IntegerField(
        source="published_revision.number", read_only=True, allow_null=True, default=None
    )

    class Meta(ProductListSerializer.Meta):
        fields = [
            *ProductListSerializer.Meta.fields,
            "description",
            "rejection_reason",
            "withdrawn_at",
            "withdrawal_reason",
            "published_revision",
            "open_revision",
            "conformances",
        ]

    def to_representation(self, product: Product) -> dict:
        data = super().to_representation(product)
        fields = self.fields
        data.update(
            {
                "description": product.description,
                "rejection_reason": product.rejection_reason,
                "withdrawn_at": (
                    fields["withdrawn_at"].to_representation(product.withdrawn_at)
                    if product.withdrawn_at
                    else None
                ),
                "withdrawal_reason": product.withdrawal_reason,
                "published_revision": (
                    product.published_revision.number if product.published_revision else None
                ),
                "open_revision": self.get_open_revision(product),
                "conformances": self.get_conformances(product),
            }
        )
        return data

    @extend_schema_field(ConformanceSerializer(many=True))
    def get_conformances(self, product: Product) -> list[dict]:
        return ConformanceSerializer(
            product.conformances.all(), many=True, context=self.context
        ).data  # type: ignore[return-value]  # many=True: a ListSerializer, whose data is a list

    @extend_schema_field(RevisionSerializer(allow_null=True))
    def get_open_revision(self, product: Product) -> dict | None:
        request = self.context.get("request")
        if request is None or not (
            can_edit_listings_of(request.user, product.supplier_id)
            or is_catalogue_manager(request.user)
        ):
            return None
        revision = self.context.get("open_revision")
        return RevisionSerializer(revision).data if revision is not None else None


class ProductWriteSerializer(serializers.Serializer):
    """A listing's content. On update every field is optional: the rest stays as it is."""

    supplier = serializers.SlugField(
        required=False,
        help_text="The supplier's slug; needed only if you edit listings for more than one.",
    )
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(
        max_length=MAX_DESCRIPTION_LENGTH, required=False, allow_blank=True
    )
    category = serializers.CharField(help_text="The category's slug or CPV code.")
    unit = serializers.ChoiceField(choices=Unit.choices, required=False)
    list_price = serializers.DecimalField(**MONEY_DIGITS, min_value=SMALLEST_PRICE)
    lead_time_days = serializers.IntegerField(
        min_value=0, max_value=MAX_LEAD_TIME_DAYS, required=False
    )
    price_breaks = PriceBreakSerializer(
        many=True,
        required=False,
        max_length=MAX_PRICE_BREAKS,  # type: ignore[call-arg]  # many=True passes it to ListSerializer
        help_text="Every break, the first at quantity 1 and the list price. If left out on "
        "create, one break at the list price; on update, the breaks stay and the first follows "
        "the list price.",
    )

    def validate_category(self, value: str) -> Category:
        tree = self.context.get("tree") or CategoryTree.load()
        category = tree.find(value)
        if category is None:
            raise serializers.ValidationError(f"No category has the slug or CPV code {value!r}.")
        return category

    def content(self, base: ProductContent | None) -> ProductContent:
        """The content to save: ``base`` (the current content) with the given fields."""
        data = self.validated_data
        if base is None:
            list_price = data["list_price"]
            breaks = data.get("price_breaks") or [{"min_quantity": 1, "unit_price": list_price}]
            return ProductContent(
                name=data["name"],
                summary=data.get("summary", ""),
                description=data.get("description", ""),
                category=data["category"],
                unit=data.get("unit", Unit.EACH),
                list_price=list_price,
                lead_time_days=data.get("lead_time_days", 0),
                price_breaks=tuple(Tier(b["min_quantity"], b["unit_price"]) for b in breaks),
            )
        changes = {
            name: data[name]
            for name in (
                "name",
                "summary",
                "description",
                "category",
                "unit",
                "list_price",
                "lead_time_days",
            )
            if name in data
        }
        if "price_breaks" in data:
            changes["price_breaks"] = tuple(
                Tier(b["min_quantity"], b["unit_price"]) for b in data["price_breaks"]
            )
        elif "list_price" in data and base.price_breaks:
            first, *rest = base.price_breaks
            changes["price_breaks"] = (Tier(first.min_quantity, data["list_price"]), *rest)
        return base.replace(**changes)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_REASON_LENGTH)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8; see the template on the import page.")
    supplier = serializers.SlugField(required=False)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())
    revised = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.ListField(child=serializers.CharField())


class ComparisonFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    # DRF's metaclass takes declared fields off the class; the stubs see Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    old = serializers.CharField()
    new = serializers.CharField()
    changed = serializers.BooleanField()


class ComparisonBreakSerializer(serializers.Serializer):
    min_quantity = serializers.IntegerField()
    old_unit_price = serializers.DecimalField(**MONEY_DIGITS, allow_null=True)
    new_unit_price = serializers.DecimalField(**MONEY_DIGITS, allow_null=True)
    change = serializers.ChoiceField(choices=["added", "removed", "changed", "unchanged"])


class ComparisonSerializer(serializers.Serializer):
    old = serializers.CharField(help_text="What is compared from: a revision number or 'live'.")
    new = serializers.CharField()
    changed_fields = serializers.ListField(child=serializers.CharField())
    # DRF's metaclass takes declared fields off the class; the stubs see Serializer.fields.
    fields = ComparisonFieldSerializer(many=True)  # type: ignore[assignment]
    price_breaks = ComparisonBreakSerializer(many=True)
