from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("notifications", views.NotificationDeliveryViewSet, basename="notification")
router.register("auth/tokens", views.ApiTokenViewSet, basename="auth-token-list")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/token/revoke/", views.TokenRevokeView.as_view(), name="auth-token-revoke"),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
