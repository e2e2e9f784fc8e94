"""API for contract documents and open contracting data."""

import django_filters
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement import documents, ocds
from procurement.models import Document, DocumentStatus, JointRequisition, OcdsRelease
from procurement.selectors import documents_visible_to, ocds_releases_published


class DocumentSerializer(serializers.ModelSerializer):
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    order = serializers.PrimaryKeyRelatedField(read_only=True)
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
    date_from = django_filters.IsoDateTimeFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.IsoDateTimeFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = OcdsRelease
        fields = ["tag"]


class OcdsReleaseList(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every published OCDS release, oldest first, as a paginated list of release packages."""

    filterset_class = OcdsReleaseFilter
    queryset = OcdsRelease.objects.none()

    def get_queryset(self):
        return ocds_releases_published().order_by("date", "pk")

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        package = ocds.release_package(
            [release.data for release in page], uri=request.build_absolute_uri()
        )
        return self.get_paginated_response(package)


class RequisitionOcdsView(APIView):
    """The OCDS release package of one joint requisition: every release so far."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse()})
    def get(self, request, pk: int):
        requisition = get_object_or_404(JointRequisition.objects.all(), pk=pk)
        releases = [release.data for release in requisition.ocds_releases.order_by("date", "pk")]
        if not releases:
            raise Http404("Nothing has been published for this requisition yet.")
        return Response(ocds.release_package(releases, uri=request.build_absolute_uri()))
