from rest_framework.routers import SimpleRouter

from catalogue.api import views

router = SimpleRouter()
router.register("categories", views.CategoryViewSet, basename="category")
router.register("products", views.ProductViewSet, basename="product")
router.register("conformances", views.ConformanceViewSet, basename="conformance")

urlpatterns: list = [*router.urls]
