from django.http import JsonResponse
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    """After repeated failed sign-ins: the API's error format for API clients, a page for people."""
    message = (
        "Too many failed sign-in attempts: signing in to this account is paused for 15 minutes."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": {}}, status=429)
    return render(request, "registration/lockout.html", {"message": message}, status=429)


def username_from(request, credentials) -> str | None:
    """The email address tried, lower-cased so that case changes do not dodge the lock."""
    credentials = credentials or {}
    username = (
        credentials.get("username") or credentials.get("email") or request.POST.get("username")
    )
    return username.strip().lower() if username else None
