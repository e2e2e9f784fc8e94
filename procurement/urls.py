from django.urls import path

from procurement import document_views, views
from procurement.views import handle_not_permitted as guarded

app_name = "procurement"

urlpatterns = [
    path("", guarded(views.requisition_list), name="requisition_list"),
    path("open/", guarded(views.requisition_open_list), name="requisition_open_list"),
    path("new/", guarded(views.requisition_create), name="requisition_create"),
    path("approvals/", guarded(views.approval_queue), name="approval_queue"),
    path("commercial/", guarded(views.commercial_queue), name="commercial_queue"),
    path("orders/", guarded(views.order_list), name="order_list"),
    path("orders/<int:pk>/", guarded(views.order_detail), name="order_detail"),
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
    path(
        "shares/<int:pk>/decide/", guarded(views.participation_decide), name="participation_decide"
    ),
    path(
        "shares/<int:pk>/release/",
        guarded(views.participation_release),
        name="participation_release",
    ),
    path("<int:pk>/", guarded(views.requisition_detail), name="requisition_detail"),
    path("<int:pk>/take-part/", guarded(views.participation_edit), name="participation_edit"),
    path(
        "<int:pk>/withdraw/", guarded(views.participation_withdraw), name="participation_withdraw"
    ),
    path("<int:pk>/close/", guarded(views.requisition_close), name="requisition_close"),
    path("<int:pk>/cancel/", guarded(views.requisition_cancel), name="requisition_cancel"),
    path("<int:pk>/sign-off/", guarded(views.requisition_sign_off), name="requisition_sign_off"),
    path("<int:pk>/award/", guarded(views.requisition_award), name="requisition_award"),
]
