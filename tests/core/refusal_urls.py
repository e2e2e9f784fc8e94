"""A view with a bug in it, to show that the refusal mapping does not hide it."""

from django.urls import path


def broken(request):
    int("not a number")  # a ValueError: a bug, never a refusal


urlpatterns = [path("broken/", broken)]
