from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("organisation/", views.switch_organisation, name="switch_organisation"),
    path("notifications/failed/", views.failed_notifications, name="failed_notifications"),
    path("notifications/<int:pk>/retry/", views.retry_notification, name="retry_notification"),
]
