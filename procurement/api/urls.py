from django.urls import path
from rest_framework.routers import SimpleRouter

from procurement.api import documents

router = SimpleRouter()
router.register("documents", documents.DocumentViewSet, basename="document")
router.register("ocds/releases", documents.OcdsReleaseList, basename="ocds-release")

urlpatterns: list = [
    path(
        "joint-requisitions/<int:pk>/ocds/",
        documents.RequisitionOcdsView.as_view(),
        name="joint-requisition-ocds",
    ),
    *router.urls,
]
