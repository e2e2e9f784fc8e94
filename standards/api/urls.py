from rest_framework.routers import SimpleRouter

from standards.api import views

router = SimpleRouter()
router.register("standards", views.StandardViewSet, basename="standard")
router.register("proposals", views.ProposalViewSet, basename="proposal")

urlpatterns: list = [*router.urls]
