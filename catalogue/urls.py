from django.urls import path

from catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/submit/", views.product_submit, name="product_submit"),
    path("products/<int:pk>/withdraw/", views.product_withdraw, name="product_withdraw"),
    path("products/<int:pk>/discard-changes/", views.revision_discard, name="revision_discard"),
    path("products/<int:pk>/revisions/", views.revision_list, name="revision_list"),
    path("products/<int:pk>/revisions/compare/", views.revision_compare, name="revision_compare"),
    path("products/<int:pk>/conformance/", views.conformance_claim, name="conformance_claim"),
    path("conformance/<int:pk>/evidence/", views.conformance_evidence, name="conformance_evidence"),
    path("listings/", views.supplier_product_list, name="supplier_product_list"),
    path("listings/new/", views.product_create, name="product_create"),
    path("listings/import/", views.product_import, name="product_import"),
    path(
        "listings/import/template.csv",
        views.product_import_template,
        name="product_import_template",
    ),
    path("review/", views.review_queue, name="review_queue"),
    path("review/products/<int:pk>/", views.review_product, name="review_product"),
    path("review/conformance/<int:pk>/", views.review_conformance, name="review_conformance"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/new/", views.category_edit, name="category_create"),
    path("categories/<slug:slug>/edit/", views.category_edit, name="category_edit"),
]
