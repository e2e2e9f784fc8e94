from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import ChooseOrganisationForm, SignInForm
from accounts.models import DeliveryStatus, Role
from accounts.permissions import can_see_notifications, organisations_of, roles_in
from accounts.presentation.navigation import ROLE_CAPABILITIES
from accounts.presentation.throttles import sign_in_refused
from accounts.selectors import ACTING_SESSION_KEY, acting_organisation, deliveries_visible_to
from accounts.services import notifications
from core.errors import NotPermitted

SIGN_IN_RATE_MESSAGE = (
    "Too many sign-in attempts from here or for this account: try again in a minute."
)


class SignInView(auth_views.LoginView):
    """Sign-in, rate limited by address and by account like the API's token endpoint."""

    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if sign_in_refused(request):
            return render(
                request,
                "registration/too_many_sign_ins.html",
                {"message": SIGN_IN_RATE_MESSAGE},
                status=429,
            )
        return super().post(request, *args, **kwargs)


class SignOutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    """A home page per role: what this user can do for the organisation they act for."""
    organisation = acting_organisation(request)
    sections = []
    if organisation is not None:
        for role in roles_in(request.user, organisation):
            items = []
            for capability in ROLE_CAPABILITIES.get(role, []):
                href = capability.href
                waiting = capability.waiting(request.user) if href and capability.waiting else None
                items.append({"capability": capability, "href": href, "waiting": waiting})
            sections.append({"role": Role(role).label, "items": items})
    return render(
        request, "accounts/home.html", {"organisation": organisation, "sections": sections}
    )


@login_required
@require_http_methods(["GET", "POST"])
def switch_organisation(request):
    organisations = organisations_of(request.user)
    form = ChooseOrganisationForm(
        request.POST or None,
        organisations=organisations,
        initial={"organisation": getattr(acting_organisation(request), "pk", None)},
    )
    if request.method == "POST" and form.is_valid():
        request.session[ACTING_SESSION_KEY] = form.cleaned_data["organisation"]
        chosen = next(o for o in organisations if o.pk == form.cleaned_data["organisation"])
        messages.success(request, f"You are now acting for {chosen.name}.")
        return redirect("home")
    return render(request, "accounts/switch_organisation.html", {"form": form})


def accessibility(request):
    return render(request, "accessibility.html")


FAILED_PAGE_LIMIT = 200


def _require_notifications(request) -> None:
    if not can_see_notifications(request.user):
        raise NotPermitted("Only the ICT company can see notifications.")


@login_required
def failed_notifications(request):
    """E-mails that could not be sent after every retry, for the ICT company to resend."""
    _require_notifications(request)
    failed = deliveries_visible_to(request.user).filter(status=DeliveryStatus.FAILED)
    return render(
        request,
        "accounts/failed_notifications.html",
        {"deliveries": failed[:FAILED_PAGE_LIMIT], "count": failed.count()},
    )


@login_required
@require_POST
def retry_notification(request, pk: int):
    _require_notifications(request)
    delivery = get_object_or_404(deliveries_visible_to(request.user), pk=pk)
    notifications.delivery_retry(delivery=delivery, actor=request.user)
    messages.success(request, f"The e-mail to {delivery.recipient} is being sent again.")
    return redirect("accounts:failed_notifications")
