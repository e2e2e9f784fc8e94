from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from core.observability import health, metrics

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("catalogue.api.urls")),
    path("", include("standards.api.urls")),
    path("", include("procurement.api.urls")),
]

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accessibility/", account_views.accessibility, name="accessibility"),
    path("accounts/", include("accounts.urls")),
    path("catalogue/", include("catalogue.urls")),
    path("standards/", include("standards.urls")),
    path("requisitions/", include("procurement.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # Operations (docs/operations.md): liveness, readiness, and Prometheus metrics.
    path("healthz", health.liveness, name="healthz"),
    path("readyz", health.readiness, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
