"""API for contract documents and open contracting data."""

import django_filters
from django.http import FileResponse, Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organisation
from core.api import Pagination
from procurement.models import Document, DocumentStatus, OcdsRelease, Order
from procurement.ocds import releases
from procurement.ocds.validation import codelist
from procurement.selectors import documents_visible_to, ocds_releases_published
from procurement.services import documents


class DocumentSerializer(serializers.ModelSerializer):
    force: serializers.SlugRelatedField[Organisation] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    order: serializers.PrimaryKeyRelatedField[Order] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "order",
            "kind",
            "force",
            "number",
            "version",
            "status",
            "progress",
            "error",
            "attempts",
            "sha256",
            "page_count",
            "size_bytes",
            "created_at",
            "finished_at",
            "download_url",
        ]

    def get_download_url(self, document) -> str | None:
        if document.status != DocumentStatus.DONE:
            return None
        request = self.context.get("request")
        path = f"/api/v1/documents/{document.pk}/download/"
        return request.build_absolute_uri(path) if request else path


class DocumentFilter(django_filters.FilterSet):
    class Meta:
        model = Document
        fields = ["order", "kind", "status"]


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter

    def get_queryset(self):
        return documents_visible_to(self.request.user).order_by(
            "order_id", "kind", "number", "-version"
        )

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: OpenApiResponse()}
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = self.get_object()
        if document.status != DocumentStatus.DONE or not document.file:
            raise Http404("This document is not ready.")
        response = FileResponse(
            document.file.open("rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"{document.number}-v{document.version}.pdf",
        )
        response["X-Content-SHA256"] = document.sha256
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(request=None, responses={202: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def regenerate(self, request, pk=None):
        """Issue a new version of the document from the order as it is now."""
        document = documents.document_regenerate(document=self.get_object(), actor=request.user)
        return Response(self.get_serializer(document).data, status=202)

    @extend_schema(request=None, responses={202: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        document = documents.document_retry(document=self.get_object(), actor=request.user)
        return Response(self.get_serializer(document).data, status=202)


class OcdsReleaseFilter(django_filters.FilterSet):
    date_from = django_filters.IsoDateTimeFilter(
        field_name="date", lookup_expr="gte", help_text="Releases dated at or after (ISO 8601)."
    )
    date_to = django_filters.IsoDateTimeFilter(
        field_name="date", lookup_expr="lte", help_text="Releases dated at or before (ISO 8601)."
    )
    tag = django_filters.ChoiceFilter(
        choices=[(code, code) for code in sorted(codelist("releaseTag.csv"))],
        help_text="A release tag from the OCDS releaseTag codelist, e.g. tenderUpdate.",
    )

    class Meta:
        model = OcdsRelease
        fields = ["date_from", "date_to", "tag"]


class OcdsPublisherSerializer(serializers.Serializer):
    name = serializers.CharField()


class OcdsLinksSerializer(serializers.Serializer):
    next = serializers.URLField(required=False, help_text="The next page's package.")
    prev = serializers.URLField(required=False, help_text="The previous page's package.")


class OcdsReleasePackageSerializer(serializers.Serializer):
    """An OCDS 1.1 release package (for the schema only: packages are built by
    ``procurement.ocds.releases``)."""

    uri = serializers.URLField()
    version = serializers.CharField(help_text="The OCDS version: 1.1.")
    publishedDate = serializers.DateTimeField()  # OCDS names its fields in camelCase
    publisher = OcdsPublisherSerializer()
    license = serializers.URLField()
    publicationPolicy = serializers.URLField()
    releases = serializers.ListField(
        child=serializers.DictField(), help_text="OCDS 1.1 releases, oldest first."
    )
    links = OcdsLinksSerializer(
        required=False, help_text="Present when the package is one page of several."
    )


class OcdsPagination(Pagination):
    """Pages of releases, each page a whole release package with links to its neighbours."""

    def links(self) -> dict[str, str]:
        links = {"next": self.get_next_link(), "prev": self.get_previous_link()}
        return {rel: url for rel, url in links.items() if url}

    def get_paginated_response(self, data) -> Response:
        links = self.links()
        response = Response(data)
        if links:
            response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
        return response


PACKAGE_RESPONSES = {
    200: OcdsReleasePackageSerializer,
    400: OpenApiResponse(description="Invalid filter: `{detail, errors}`."),
    404: OpenApiResponse(description="No release matches (a package holds at least one)."),
}


class OcdsReleaseList(GenericAPIView):
    """Every published OCDS release, oldest first, as release packages paged through their
    ``links`` (``next``, ``prev``)."""

    filterset_class = OcdsReleaseFilter
    pagination_class = OcdsPagination
    queryset = ocds_releases_published().none()  # for the schema; get_queryset reads

    def get_queryset(self):
        return ocds_releases_published().order_by("date", "pk")

    @extend_schema(
        summary="OCDS releases as a release package (one page)",
        parameters=[
            OpenApiParameter(
                "date_from", OpenApiTypes.DATETIME, description="Releases dated at or after."
            ),
            OpenApiParameter(
                "date_to", OpenApiTypes.DATETIME, description="Releases dated at or before."
            ),
            OpenApiParameter(
                "tag",
                OpenApiTypes.STR,
                enum=sorted(codelist("releaseTag.csv")),
                description="Releases with this tag (the OCDS releaseTag codelist).",
            ),
            OpenApiParameter("page", OpenApiTypes.INT, description="The page number, from 1."),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description="Releases per page (at most 100)."
            ),
        ],
        responses=PACKAGE_RESPONSES,
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        paginator = OcdsPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        if not page:
            raise Http404("No release matches: a release package holds at least one.")
        package = releases.release_package(
            [release.data for release in page],
            uri=request.build_absolute_uri(),
            links=paginator.links(),
        )
        return paginator.get_paginated_response(package)


class RequisitionOcdsView(APIView):
    """The OCDS release package of one joint requisition: every release so far."""

    @extend_schema(
        summary="A joint requisition's OCDS releases as one release package",
        responses={200: OcdsReleasePackageSerializer, 404: PACKAGE_RESPONSES[404]},
    )
    def get(self, request, pk: int):
        # A requisition with nothing published and an id that does not exist: one answer.
        published = [
            release.data
            for release in ocds_releases_published()
            .filter(joint_requisition_id=pk)
            .order_by("date", "pk")
        ]
        if not published:
            raise Http404("Nothing has been published for this requisition yet.")
        return Response(releases.release_package(published, uri=request.build_absolute_uri()))


class OcdsPublicationPolicyView(APIView):
    """What is published, and how to read it: every amount includes VAT."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="The OCDS publication policy", responses={(200, "text/plain"): OpenApiTypes.STR}
    )
    def get(self, request):
        return HttpResponse(releases.POLICY, content_type="text/plain; charset=utf-8")
