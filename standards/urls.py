from django.urls import path

from standards import views

app_name = "standards"

urlpatterns = [
    path("", views.standard_list, name="standard_list"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/vote/", views.proposal_vote, name="proposal_vote"),
    path("proposals/<int:pk>/comment/", views.proposal_comment, name="proposal_comment"),
    path(
        "proposals/<int:pk>/<slug:step>/",
        views.proposal_transition,
        name="proposal_transition",
    ),
    path("votes/", views.delegate_dashboard, name="delegate_dashboard"),
    path("<str:reference>/", views.standard_detail, name="standard_detail"),
]
