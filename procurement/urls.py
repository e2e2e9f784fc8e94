from django.urls import path

from procurement.views import documents, requisitions

app_name = "procurement"

urlpatterns = [
    path("", requisitions.requisition_list, name="requisition_list"),
    path("open/", requisitions.requisition_open_list, name="requisition_open_list"),
    path("new/", requisitions.requisition_create, name="requisition_create"),
    path("approvals/", requisitions.approval_queue, name="approval_queue"),
    path("commercial/", requisitions.commercial_queue, name="commercial_queue"),
    path("orders/", requisitions.order_list, name="order_list"),
    path("orders/<int:pk>/", requisitions.order_detail, name="order_detail"),
    path(
        "documents/<int:pk>/preview/",
        documents.document_preview,
        name="document_preview",
    ),
    path("documents/<int:pk>/retry/", documents.document_retry, name="document_retry"),
    path(
        "documents/<int:pk>/new-version/",
        documents.document_regenerate,
        name="document_regenerate",
    ),
    path("shares/<int:pk>/decide/", requisitions.participation_decide, name="participation_decide"),
    path(
        "shares/<int:pk>/release/",
        requisitions.participation_release,
        name="participation_release",
    ),
    path("<int:pk>/", requisitions.requisition_detail, name="requisition_detail"),
    path("<int:pk>/take-part/", requisitions.participation_edit, name="participation_edit"),
    path("<int:pk>/withdraw/", requisitions.participation_withdraw, name="participation_withdraw"),
    path("<int:pk>/close/", requisitions.requisition_close, name="requisition_close"),
    path("<int:pk>/cancel/", requisitions.requisition_cancel, name="requisition_cancel"),
    path("<int:pk>/sign-off/", requisitions.requisition_sign_off, name="requisition_sign_off"),
    path("<int:pk>/award/", requisitions.requisition_award, name="requisition_award"),
]
