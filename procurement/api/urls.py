from rest_framework.routers import SimpleRouter

from procurement.api import views

router = SimpleRouter()
router.register("joint-requisitions", views.JointRequisitionViewSet, basename="joint-requisition")
router.register("participations", views.ParticipationViewSet, basename="participation")
router.register("orders", views.OrderViewSet, basename="order")

urlpatterns: list = [*router.urls]
