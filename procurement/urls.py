from django.urls import path

from procurement import document_views, views

app_name = "procurement"

urlpatterns = [
    path("", views.requisition_list, name="requisition_list"),
    path("open/", views.requisition_open_list, name="requisition_open_list"),
    path("new/", views.requisition_create, name="requisition_create"),
    path("approvals/", views.approval_queue, name="approval_queue"),
    path("commercial/", views.commercial_queue, name="commercial_queue"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path(
        "documents/<int:pk>/preview/",
        document_views.document_preview,
        name="document_preview",
    ),
    path("documents/<int:pk>/retry/", document_views.document_retry, name="document_retry"),
    path(
        "documents/<int:pk>/new-version/",
        document_views.document_regenerate,
        name="document_regenerate",
    ),
    path("shares/<int:pk>/decide/", views.participation_decide, name="participation_decide"),
    path(
        "shares/<int:pk>/release/",
        views.participation_release,
        name="participation_release",
    ),
    path("<int:pk>/", views.requisition_detail, name="requisition_detail"),
    path("<int:pk>/take-part/", views.participation_edit, name="participation_edit"),
    path("<int:pk>/withdraw/", views.participation_withdraw, name="participation_withdraw"),
    path("<int:pk>/close/", views.requisition_close, name="requisition_close"),
    path("<int:pk>/cancel/", views.requisition_cancel, name="requisition_cancel"),
    path("<int:pk>/sign-off/", views.requisition_sign_off, name="requisition_sign_off"),
    path("<int:pk>/award/", views.requisition_award, name="requisition_award"),
]
