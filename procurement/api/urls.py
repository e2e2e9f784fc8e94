from django.urls import path
from rest_framework.routers import SimpleRouter

from procurement.api import documents, views

router = SimpleRouter()
router.register("joint-requisitions", views.JointRequisitionViewSet, basename="joint-requisition")
router.register("participations", views.ParticipationViewSet, basename="participation")
router.register("orders", views.OrderViewSet, basename="order")
router.register("documents", documents.DocumentViewSet, basename="document")

urlpatterns: list = [
    path("ocds/releases/", documents.OcdsReleaseList.as_view(), name="ocds-release-list"),
    path(
        "ocds/publication-policy/",
        documents.OcdsPublicationPolicyView.as_view(),
        name="ocds-publication-policy",
    ),
    path(
        "joint-requisitions/<int:pk>/ocds/",
        documents.RequisitionOcdsView.as_view(),
        name="joint-requisition-ocds",
    ),
    *router.urls,
]
