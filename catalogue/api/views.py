from typing import cast

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Organisation
from accounts.permissions import (
    can_edit_listings_of,
    can_manage_categories,
    edited_supplier_ids,
    is_catalogue_manager,
)
from accounts.selectors import organisation_with_pk, supplier_with_slug
from catalogue import selectors, services
from catalogue.api.filters import ConformanceFilter, ProductFilter
from catalogue.api.serializers import (
    CategorySerializer,
    CategoryWriteSerializer,
    ComparisonSerializer,
    ConformanceClaimSerializer,
    ConformanceSerializer,
    ImportResultSerializer,
    ImportSerializer,
    ProductDetailSerializer,
    ProductListSerializer,
    ProductWriteSerializer,
    ReasonSerializer,
    RevisionSerializer,
)
from catalogue.domain import evidence
from catalogue.domain.comparison import compare
from catalogue.domain.content import ProductContent
from catalogue.models import Product, ProductStatus
from catalogue.presentation.downloads import evidence_download
from catalogue.selectors import search
from catalogue.selectors.category_tree import CategoryTree
from catalogue.services import imports
from catalogue.uploads import reject_oversized_request
from core.api import Pagination
from core.errors import DomainError, NotFound, NotPermitted
from core.invariants import present


class ProductPagination(Pagination):
    """Pages of search results, saying whether they are exact or near ("did you mean").

    The count stops at 1,000 (``count_is_exact`` is then false): counting every match of a
    common word among a hundred thousand products costs more than the page itself.
    """

    django_paginator_class = search.CappedPaginator

    def get_paginated_response(
        self, data, *, match: str = "exact", suggestion: str | None = None, facets=None
    ):
        response = super().get_paginated_response(data)
        paginator = cast(search.CappedPaginator, present(self.page, "the page").paginator)
        response.data["count_is_exact"] = paginator.count_is_exact
        response.data["match"] = match
        response.data["suggestion"] = suggestion
        if facets is not None:
            response.data["facets"] = facets
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        facet = {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "key": {"type": "string"},
                    "label": {"type": "string"},
                    "count": {"type": "integer"},
                },
            },
        }
        schema["properties"]["count"]["description"] = (
            "The number of matches, up to 1,000 (see count_is_exact)."
        )
        schema["properties"]["count_is_exact"] = {
            "type": "boolean",
            "description": "false: there are more matches than `count` (1,000).",
        }
        schema["properties"]["match"] = {
            "type": "string",
            "enum": ["exact", "similar"],
            "description": "similar: nothing matched the words as given, so these match them "
            "as corrected (see suggestion; PostgreSQL only).",
        }
        schema["properties"]["suggestion"] = {
            "type": "string",
            "nullable": True,
            "description": "With match similar: the words searched instead, each unknown "
            'word replaced by the nearest word of the catalogue ("lapotp": "laptop").',
        }
        schema["properties"]["facets"] = {
            "type": "object",
            "description": "With ?facets=true: counts of the matching products by category "
            "and by supplier; when count_is_exact is false and there are query words or a "
            "standard or price filter, counts of the first 1,000 matches found.",
            "properties": {"categories": facet, "suppliers": facet},
        }
        return schema


FACETS_PARAMETER = OpenApiParameter(
    "facets", OpenApiTypes.BOOL, description="true: add category and supplier counts."
)


class CategoryViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """The CPV category tree. Catalogue managers create, change and move categories."""

    lookup_field = "slug"
    filterset_fields = ["cpv_code"]

    def get_queryset(self):
        return (
            selectors.categories_visible_to(self.request.user)
            .select_related("parent")
            .prefetch_related("required_standards")
            .order_by("name", "pk")
        )

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return CategoryWriteSerializer
        return CategorySerializer

    def _require_manager(self):
        if not can_manage_categories(self.request.user):
            raise NotPermitted("Only the ICT company's catalogue managers can change categories.")

    @extend_schema(responses={201: CategorySerializer})
    def create(self, request, *args, **kwargs):
        self._require_manager()
        serializer = CategoryWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category = services.category_create(
            actor=request.user,
            name=data["name"],
            slug=data["slug"],
            cpv_code=data["cpv_code"],
            parent=data.get("parent"),
            description=data.get("description", ""),
            required_standards=data.get("required_standards", []),
        )
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: CategorySerializer},
        description="Change a category. Giving `parent` moves it (and its subcategories); "
        "a move under itself or its own subcategory is refused.",
    )
    def update(self, request, *args, **kwargs):
        category = self.get_object()
        self._require_manager()
        partial = kwargs.pop("partial", False)
        serializer = CategoryWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            if "parent" in data and data["parent"] != category.parent:
                category = services.category_move(
                    category=category, new_parent=data["parent"], actor=request.user
                )
            own = {k: data[k] for k in ("name", "slug", "cpv_code", "description") if k in data}
            if own or "required_standards" in data:
                category = services.category_update(
                    category=category,
                    actor=request.user,
                    required_standards=data.get("required_standards"),
                    **own,
                )
        category = self.get_queryset().get(pk=category.pk)
        return Response(CategorySerializer(category).data)


def _quantity(request) -> int:
    try:
        return max(1, int(request.query_params.get("quantity") or 1))
    except ValueError:
        return 1


class ProductViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Products. Everyone sees published products; a supplier's editors also see its own in
    every state; catalogue managers see everything. Suppliers create and change their own
    listings; catalogue managers approve or reject them."""

    filterset_class = ProductFilter
    pagination_class = ProductPagination

    def get_queryset(self):
        queryset = selectors.products_visible_to(self.request.user)
        if self.action == "list":
            return selectors.product_list_queryset(queryset)
        return selectors.product_detail_queryset(queryset)

    def get_serializer_class(self):
        if self.action == "list":
            return ProductListSerializer
        if self.action in ("create", "update", "partial_update"):
            return ProductWriteSerializer
        return ProductDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["quantity"] = _quantity(self.request)
        return context

    def _detail(self, product: Product, status_code: int = status.HTTP_200_OK) -> Response:
        product = selectors.product_detail(product.pk)
        context = self.get_serializer_context()
        context["open_revision"] = selectors.open_revision(product)
        return Response(ProductDetailSerializer(product, context=context).data, status=status_code)

    @extend_schema(parameters=[FACETS_PARAMETER])
    def list(self, request, *args, **kwargs):
        paginator = cast(ProductPagination, self.paginator)
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        match = "exact"
        suggestion = None
        words = search.query_words(request.query_params.get("q", ""))
        if (
            not page
            and words
            and present(paginator.page, "the page").number == 1
            and search.worth_a_similarity_search(
                self.get_queryset(), search.SearchParams(q=" ".join(words))
            )
        ):
            corrected = search.did_you_mean(words)
            if corrected is not None:
                suggestion = " ".join(corrected)
                request.catalogue_corrected_q = suggestion
                queryset = self.filter_queryset(self.get_queryset())
                page = self.paginate_queryset(queryset)
                match = "similar"
        facets = None
        if request.query_params.get("facets", "").lower() in ("1", "true", "yes"):
            params = getattr(request, "catalogue_search_params", None)
            published_only = (
                selectors.sees_only_published(request.user)
                and not request.query_params.get("status")
                and not request.query_params.get("awaiting_review")
            )
            capped = not cast(
                search.CappedPaginator, present(paginator.page, "the page").paginator
            ).count_is_exact
            counts = search.facet_counts(
                queryset,
                CategoryTree.load(),
                params,
                published_only=published_only,
                first_only=capped
                and not search.facets_from_summary(params, published_only=published_only),
            )
            facets = {
                name: [{"key": f.key, "label": f.label, "count": f.count} for f in items]
                for name, items in counts.items()
            }
        data = self.get_serializer(page, many=True).data
        return paginator.get_paginated_response(
            data, match=match, suggestion=suggestion, facets=facets
        )

    def retrieve(self, request, *args, **kwargs):
        product = self.get_object()
        context = self.get_serializer_context()
        context["open_revision"] = selectors.open_revision(product)
        return Response(ProductDetailSerializer(product, context=context).data)

    def _supplier_for_create(self, slug: str | None) -> Organisation:
        edited = edited_supplier_ids(self.request.user)
        if not edited:
            raise NotPermitted("Only suppliers' listing editors can create products.")
        if slug:
            supplier = supplier_with_slug(slug)
            if supplier is None:
                raise DomainError(f"No supplier has the identifier {slug!r}.", field="supplier")
            if supplier.pk not in edited:
                raise NotPermitted("You do not edit this supplier's listings.")
            return supplier
        if len(edited) > 1:
            raise DomainError(
                "You edit listings for more than one supplier: say which.", field="supplier"
            )
        return organisation_with_pk(next(iter(edited)))

    @extend_schema(request=ProductWriteSerializer, responses={201: ProductDetailSerializer})
    def create(self, request, *args, **kwargs):
        if not edited_supplier_ids(request.user):
            raise NotPermitted("Only suppliers' listing editors can create products.")
        serializer = ProductWriteSerializer(
            data=request.data, context={"tree": CategoryTree.load()}
        )
        serializer.is_valid(raise_exception=True)
        supplier = self._supplier_for_create(serializer.validated_data.get("supplier"))
        product = services.product_create(
            actor=request.user,
            supplier=supplier,
            sku=serializer.validated_data["sku"],
            content=serializer.content(None),
        )
        return self._detail(product, status.HTTP_201_CREATED)

    @extend_schema(
        request=ProductWriteSerializer,
        responses={200: ProductDetailSerializer},
        description="Change a listing. A draft, rejected or withdrawn product changes in place; "
        "a published one gets (or updates) its open revision, which buyers do not see until a "
        "catalogue manager approves it.",
    )
    def update(self, request, *args, **kwargs):
        product = self.get_object()
        if not can_edit_listings_of(request.user, product.supplier_id):
            raise NotPermitted("Only the supplier's listing editors can change its listings.")
        serializer = ProductWriteSerializer(
            data=request.data,
            partial=kwargs.pop("partial", False),
            context={"tree": CategoryTree.load()},
        )
        serializer.is_valid(raise_exception=True)
        revision = selectors.open_revision(product)
        if product.status == ProductStatus.PUBLISHED and revision is not None:
            base = ProductContent.of_revision(revision)
        else:
            base = ProductContent.of_product(product)
        product = services.product_update(
            product=product,
            actor=request.user,
            content=serializer.content(base),
            sku=serializer.validated_data.get("sku"),
        )
        return self._detail(product)

    @extend_schema(request=ProductWriteSerializer, responses={200: ProductDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: ProductDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the listing, or the open change to a published listing, for review."""
        product = services.product_submit(product=self.get_object(), actor=request.user)
        return self._detail(product)

    @extend_schema(request=None, responses={200: ProductDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Catalogue managers: publish the submitted listing or apply the submitted change."""
        product = services.product_approve(product=self.get_object(), actor=request.user)
        return self._detail(product)

    @extend_schema(request=ReasonSerializer, responses={200: ProductDetailSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Catalogue managers: refuse the submitted listing or change, with a reason."""
        product = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        if not is_catalogue_manager(request.user):
            raise NotPermitted("Only the ICT company's catalogue managers can decide this.")
        serializer.is_valid(raise_exception=True)
        product = services.product_reject(
            product=product, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return self._detail(product)

    @extend_schema(request=ReasonSerializer, responses={200: ProductDetailSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take a published product out of the catalogue, with a reason."""
        product = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.product_withdraw(
            product=product, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return self._detail(product)

    @extend_schema(request=None, responses={200: ProductDetailSerializer})
    @action(detail=True, methods=["post"], url_path="discard-revision")
    def discard_revision(self, request, pk=None):
        """The supplier abandons its open change to a published listing."""
        product = self.get_object()
        services.revision_discard(product=product, actor=request.user)
        return self._detail(product)

    def _require_revision_access(self, product: Product) -> None:
        if not (
            can_edit_listings_of(self.request.user, product.supplier_id)
            or is_catalogue_manager(self.request.user)
        ):
            raise NotPermitted("Revisions are for the supplier and catalogue managers.")

    @extend_schema(responses={200: RevisionSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def revisions(self, request, pk=None):
        """Every revision of the product, newest first."""
        product = self.get_object()
        self._require_revision_access(product)
        revisions = product.revisions.select_related("category").order_by("-number")
        return Response(RevisionSerializer(revisions, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from",
                str,
                description="A revision number, or 'live' (what buyers see now). Default: live.",
            ),
            OpenApiParameter(
                "to",
                str,
                description="A revision number, or 'live'. Default: the open revision, or the "
                "newest.",
            ),
        ],
        responses={200: ComparisonSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def compare(self, request, pk=None):
        """Field-by-field comparison of two revisions (or a revision and the live listing)."""
        product = self.get_object()
        self._require_revision_access(product)
        old_key, new_key, old, new = selectors.comparison_sides(
            product, request.query_params.get("from"), request.query_params.get("to")
        )
        return Response({"old": old_key, "new": new_key, **compare(old, new).as_dict()})

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={201: ImportResultSerializer},
        filters=False,
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
        filterset_class=None,
        pagination_class=None,
    )
    def import_csv(self, request):
        """Create or update many listings from a CSV file, all or nothing."""
        if not edited_supplier_ids(request.user):
            raise NotPermitted("Only suppliers' listing editors can upload listings.")
        reject_oversized_request(request, imports.max_bytes(), field="file")
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        supplier = self._supplier_for_create(serializer.validated_data.get("supplier"))
        result = imports.import_products(
            supplier=supplier, actor=request.user, upload=serializer.validated_data["file"]
        )
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)


class ConformanceViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Conformance claims: suppliers claim with PDF evidence; catalogue managers verify or
    reject. Everyone sees the claims of the products they can see; the evidence is for the
    supplier and the ICT company only."""

    serializer_class = ConformanceSerializer
    filterset_class = ConformanceFilter

    def get_queryset(self):
        return selectors.conformances_visible_to(self.request.user).order_by("-claimed_at", "pk")

    @extend_schema(
        request={"multipart/form-data": ConformanceClaimSerializer},
        responses={201: ConformanceSerializer},
    )
    def create(self, request, *args, **kwargs):
        if not edited_supplier_ids(request.user):
            raise NotPermitted("Only suppliers' listing editors can claim conformance.")
        reject_oversized_request(request, evidence.max_bytes(), field="evidence")
        serializer = ConformanceClaimSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = selectors.products_visible_to(request.user).filter(pk=data["product"]).first()
        if product is None:
            raise NotFound("No such product.", field="product")
        version = selectors.adopted_version(data["standard"])
        if version is None:
            raise DomainError(
                f"No standard in force has the reference {data['standard']!r}.", field="standard"
            )
        conformance = services.conformance_claim(
            product=product,
            standard_version=version,
            evidence_file=data["evidence"],
            actor=request.user,
        )
        conformance = self.get_queryset().get(pk=conformance.pk)
        return Response(
            ConformanceSerializer(conformance, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def get_parsers(self):
        if getattr(self, "action", None) == "create":
            return [MultiPartParser(), FormParser()]
        return super().get_parsers()

    @extend_schema(request=None, responses={200: ConformanceSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        conformance = services.conformance_verify(conformance=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=conformance.pk)).data)

    @extend_schema(request=ReasonSerializer, responses={200: ConformanceSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        conformance = self.get_object()
        if not is_catalogue_manager(request.user):
            raise NotPermitted("Only the ICT company's catalogue managers can decide this.")
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conformance = services.conformance_reject(
            conformance=conformance, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=conformance.pk)).data)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, "The evidence PDF.")
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def evidence(self, request, pk=None):
        """Download the evidence (the supplier and the ICT company only)."""
        conformance = self.get_object()
        return evidence_download(request.user, conformance)
