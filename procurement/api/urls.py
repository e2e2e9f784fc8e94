from django.urls import path
from rest_framework.routers import SimpleRouter

from procurement.api import documents, views

router = SimpleRouter()
router.register("joint-requisitions", views.JointRequisitionViewSet, basename="joint-requisition")
router.register("participations", views.ParticipationViewSet, basename="participation")
router.register("orders", views.OrderViewSet, basename="order")
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
